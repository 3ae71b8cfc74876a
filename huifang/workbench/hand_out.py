"""The "next task" hand-out in hand-written SQL (issue 18): the same offer and claim as
followups.offering (call_tasks_offerable, claim_free, call_task_claim_first), without compiling their
querysets on every press of `n`, which was most of the request's CPU.

Concurrency is kept as call_task_claim_first keeps it: the claim is a conditional UPDATE of one row that
repeats the whole offer condition (open, call channel, the caller's, due, not waiting for a call-back, in
a store outside its quiet hours, held by nobody else). Of several agents racing for one row, exactly one
UPDATE matches: PostgreSQL re-checks the condition on the row once a competing update commits, SQLite
writes one at a time. A manager's reassignment that commits first makes the claim fail too (the assignee
no longer matches). A loser simply tries the next candidate.

On PostgreSQL the first try is one statement: `UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED)`, the
same offer condition and order, and the row locked before it is claimed; only when that finds nothing does
the read-then-claim above run (it waits for locked rows instead of passing them over, as before).
"""

import re
from datetime import datetime
from functools import cache

from django.db import connection

from huifang.accounts.models import Store
from huifang.followups.choices import TaskChannel, TaskStatus
from huifang.followups.models import FollowUpTask
from huifang.followups.offering import QuietRules

TASKS = FollowUpTask._meta.db_table


def _literal(value: str) -> str:
    """A choice's value written into the statement: only a code's lower-case word, never a value from outside."""
    if not re.fullmatch(r"[a-z_]+", value):
        raise ValueError(f"not a plain choice value: {value!r}")
    return f"'{value}'"


# Written into the statement rather than bound: PostgreSQL then estimates them from the column's most common
# values as it does for a freshly planned statement, so the claim's kept (generic) plan costs what a fresh one
# does and is used from the 6th run on a connection instead of planning the statement every time (bound, they
# got the 1/number-of-values guess, the generic plan looked dearer and never won; bench/README.md "wbpg").
OPEN_CALL = f"status = {_literal(TaskStatus.OPEN)} AND channel = {_literal(TaskChannel.CALL)}"


@cache
def _offer(stores: int, skip: bool) -> str:
    """The offer condition (call_tasks_offerable for one assignee, and claim_free), with `skip` the task
    just passed over. Read through the (assigned_to, status, window_end, due_at, id) index in that order."""
    return (
        f"store_id IN ({', '.join(['%s'] * stores)}) AND {OPEN_CALL} AND due_at <= %s"
        " AND (next_call_at IS NULL OR next_call_at <= %s) AND assigned_to_id = %s"
        " AND (claimed_until IS NULL OR claimed_until <= %s OR claimed_by_id = %s)" + (" AND id <> %s" if skip else "")
    )


@cache
def _candidates_sql(stores: int, skip: bool) -> str:
    return f"SELECT id FROM {TASKS} WHERE {_offer(stores, skip)} ORDER BY window_end, due_at, id LIMIT %s"


@cache
def _claim_sql(stores: int, skip: bool) -> str:
    return f"UPDATE {TASKS} SET claimed_by_id = %s, claimed_until = %s WHERE id = %s AND {_offer(stores, skip)}"


@cache
def _claim_first_sql(stores: int, skip: bool) -> str:
    """PostgreSQL: the most urgent offered row, locked, and claimed, in one statement. A row another
    transaction holds locked (a competing claim, a manager's move) is passed over; a row changed by one that
    committed meanwhile is re-checked against the offer as it is now (the lock re-reads it)."""
    return (
        f"UPDATE {TASKS} SET claimed_by_id = %s, claimed_until = %s WHERE id = (SELECT id FROM {TASKS} WHERE"
        f" {_offer(stores, skip)} ORDER BY window_end, due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id"
    )


RELEASE_SQL = f"UPDATE {TASKS} SET claimed_by_id = NULL, claimed_until = NULL WHERE id = %s AND claimed_by_id = %s"


def task_release(*, task_id: int, user_id: int) -> None:
    """Give back a task the user holds (offering.call_task_release)."""
    with connection.cursor() as cursor:
        cursor.execute(RELEASE_SQL, [task_id, user_id])


def task_claim_first(
    *,
    user_id: int,
    now: datetime,
    until: datetime,
    stores: list[Store],
    quiet_rules: dict[int, QuietRules],
    skip_id: int | None = None,
    batch: int = 5,
    rounds: int = 4,
) -> int | None:
    """Hold for the user alone, until `until`, their most urgent task callable now (window end, due time,
    id), skipping `skip_id`; its id, or None when there is none."""
    awake = [s.pk for s in stores if not quiet_rules[s.pk].quiet_at(now)]
    if not awake:
        return None
    at = connection.ops.adapt_datetimefield_value(now)
    skip = skip_id is not None
    offer = [*awake, at, at, user_id, at, user_id, *([skip_id] if skip else [])]
    claim = [user_id, connection.ops.adapt_datetimefield_value(until)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One round trip in the common case; when it finds nothing (none offered, or every offered row
            # locked by someone else for a moment) the candidates are read and claimed one by one below.
            cursor.execute(_claim_first_sql(len(awake), skip), [*claim, *offer])
            row = cursor.fetchone()
            if row is not None:
                return row[0]
        for _round in range(rounds):
            cursor.execute(_candidates_sql(len(awake), skip), [*offer, batch])
            candidates = [row[0] for row in cursor.fetchall()]
            for task_id in candidates:
                cursor.execute(_claim_sql(len(awake), skip), [*claim, task_id, *offer])
                if cursor.rowcount == 1:
                    return task_id
            if len(candidates) < batch:
                return None
    return None
