"""The queue screen's reads as plain rows through hand-written SQL (issue 18).

The screen only shows values, so it needs no model instances: the ORM's compilation of the counts, the rows
and the earliest-callable queries and the 250 instances a page filled cost most of the queue's CPU. Each
statement here is a constant string per shape (number of stores, which filters), built once per process and
kept; values always travel as parameters, never in the string. selectors.queue_for (the API's, with model
instances) stays the reference: tests/workbench/test_queue_read.py checks these rows against it.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from huifang.accounts.choices import Role
from huifang.accounts.models import Membership, Store, User
from huifang.archive.models import Customer, RepairOrder, Vehicle
from huifang.core.phones import mask_phone
from huifang.followups.choices import FAILED_OUTCOMES, TaskChannel, TaskStatus
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.followups.offering import QuietRules

from . import rules, store_settings
from .rendering import queue_kind_labels as kind_labels_kept

TASKS = FollowUpTask._meta.db_table
ATTEMPTS = ContactAttempt._meta.db_table
CUSTOMERS = Customer._meta.db_table
VEHICLES = Vehicle._meta.db_table
USERS = User._meta.db_table
ORDERS = RepairOrder._meta.db_table
MEMBERSHIPS = Membership._meta.db_table


def _in(count: int) -> str:
    return ", ".join(["%s"] * count)


@cache
def _where(stores: int, mine: bool, assignee: str, kind: bool, advisor: bool) -> str:
    """The queue's condition (as queue_for filters): open call tasks of the stores, mine or the team's.
    `assignee`: "" (anyone), "id" (one person) or "none" (nobody)."""
    parts = [f"t.store_id IN ({_in(stores)})", "t.status = %s", "t.channel = %s"]
    if mine or assignee == "id":
        parts.append("t.assigned_to_id = %s")
    elif assignee == "none":
        parts.append("t.assigned_to_id IS NULL")
    if kind:
        parts.append("t.kind = %s")
    if advisor:
        parts.append(f"t.repair_order_id IN (SELECT r.id FROM {ORDERS} r WHERE r.advisor_id = %s)")
    return " AND ".join(parts)


@cache
def _counts_sql(where: str, stores: int) -> str:
    # "today" ends at each store's own midnight: a CASE on the store gives the task its store's day end.
    day_end = "CASE t.store_id " + " ".join(["WHEN %s THEN %s"] * stores) + " END"
    waiting = "t.window_end >= %s AND t.due_at > %s"
    # Per store, with each store's earliest callable time (_earliest_sql's MIN): when the queue shows all of
    # the user's own tasks, that answers next_callable too, one query less.
    return (
        "SELECT t.store_id, SUM(CASE WHEN t.window_end < %s THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN t.window_end >= %s AND t.due_at <= %s THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {waiting} AND t.due_at < {day_end} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {waiting} AND t.due_at >= {day_end} THEN 1 ELSE 0 END),"
        f" MIN({EARLIEST})"
        f" FROM {TASKS} t WHERE {where} GROUP BY t.store_id"
    )


@cache
def _rows_sql(where: str, stores: int, labelled: bool) -> str:
    """The page's rows, each with its bucket (0 overdue, 1 due now, 2 later today, 3 later: bucket_of's tests,
    the day's end per store as in _counts_sql) and whether its call-back time is still ahead. `labelled`
    (PostgreSQL): the three times come as the text the page prints ("MM-DD HH24:MI" in the screen's time zone,
    a %s parameter), so no timestamp is parsed or formatted in Python (150 a page, issue 18). The page's tasks
    are picked first (p) and only those 50 are joined, marked, printed and have their attempts counted: the
    tasks skipped by OFFSET on a later page cost nothing of that."""
    day_end = "CASE p.store_id " + " ".join(["WHEN %s THEN %s"] * stores) + " END"
    times = ("p.due_at", "p.window_end", "p.next_call_at")
    if labelled:
        times = tuple(f"to_char({column} AT TIME ZONE %s, 'MM-DD HH24:MI')" for column in times)
    return (
        "SELECT p.id, p.store_id, p.kind,"
        f" CASE WHEN p.window_end < %s THEN 0 WHEN p.due_at <= %s THEN 1 WHEN p.due_at < {day_end} THEN 2 ELSE 3 END,"
        f" {', '.join(times)}, CASE WHEN p.next_call_at > %s THEN 1 ELSE 0 END,"
        " c.name, c.mobile, c.office_phone, c.home_phone, c.best_contact_time, p.vehicle_id, v.plate,"
        " p.assigned_to_id, u.username, u.display_name, u.first_name, u.last_name,"
        f" (SELECT COUNT(*) FROM {ATTEMPTS} a WHERE a.task_id = p.id),"
        # The last attempt's outcome tells a retry from a call-back: looked up only for a row whose call-back
        # time is still ahead (no other row shows it), not for every row of the page (~2 index pages each).
        f" CASE WHEN p.next_call_at > %s THEN (SELECT a.outcome FROM {ATTEMPTS} a WHERE a.task_id = p.id"
        " ORDER BY a.at DESC, a.id DESC LIMIT 1) END,"
        # The row's place on the page, for _page_sql's ORDER BY (a compound statement keeps no order of its own).
        " ROW_NUMBER() OVER (ORDER BY p.window_end, p.due_at, p.id)"
        " FROM (SELECT t.id, t.store_id, t.kind, t.due_at, t.window_end, t.next_call_at, t.customer_id,"
        f" t.vehicle_id, t.assigned_to_id FROM {TASKS} t WHERE {where}"
        " ORDER BY t.window_end, t.due_at, t.id LIMIT %s OFFSET %s) p"
        f" INNER JOIN {CUSTOMERS} c ON c.id = p.customer_id"
        f" LEFT OUTER JOIN {VEHICLES} v ON v.id = p.vehicle_id"
        f" LEFT OUTER JOIN {USERS} u ON u.id = p.assigned_to_id"
        " ORDER BY p.window_end, p.due_at, p.id"
    )


# When a task may be called, quiet hours aside: GREATEST(due_at, COALESCE(next_call_at, due_at)) as a CASE,
# which SQLite reads too.
EARLIEST = "CASE WHEN t.next_call_at > t.due_at THEN t.next_call_at ELSE t.due_at END"


@cache
def _earliest_sql(stores: int) -> str:
    return (
        f"SELECT t.store_id, MIN({EARLIEST})"
        f" FROM {TASKS} t WHERE t.store_id IN ({_in(stores)}) AND t.status = %s AND t.channel = %s"
        " AND t.assigned_to_id = %s GROUP BY t.store_id"
    )


@cache
def _advisors_sql(stores: int) -> str:
    return (
        f"SELECT DISTINCT u.id, u.username, u.display_name, u.first_name, u.last_name FROM {USERS} u"
        f" INNER JOIN {MEMBERSHIPS} m ON m.user_id = u.id WHERE m.role = %s AND m.store_id IN ({_in(stores)})"
        " ORDER BY u.username"
    )


def _param(at: datetime):
    return connection.ops.adapt_datetimefield_value(at)


def _aware(value) -> datetime | None:
    """A datetime column as the ORM gives it (aware): SQLite hands back naive UTC, or text from an aggregate."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = parse_datetime(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _person(username: str, display_name: str, first_name: str, last_name: str) -> str:
    """str(User) from its columns."""
    return display_name or f"{first_name} {last_name}".strip() or username


def _run(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(slots=True)
class Person:
    """A user as a choice list shows them (pk and name), read without a model instance."""

    pk: int
    name: str

    def __str__(self) -> str:
        return self.name


def advisors_of(*, stores: list[Store]) -> list[Person]:
    """The stores' service advisors (the queue's advisor filter), by username."""
    if not stores:
        return []
    rows = _run(_advisors_sql(len(stores)), [Role.SERVICE_ADVISOR, *(s.pk for s in stores)])
    return [Person(pk, _person(*names)) for pk, *names in rows]


def people(users: QuerySet[User]) -> list[Person]:
    """The users of a queryset as Persons (pk and str(User)), in its order, read as plain values."""
    return [Person(pk, _person(*names)) for pk, *names in users.values_list(*PERSON_FIELDS)]


PERSON_FIELDS = ("pk", "username", "display_name", "first_name", "last_name")


def advisors_and_tokens(*, stores: list[Store]) -> tuple[list[Person], dict[int, str]]:
    """advisors_of, and the stores' settings tokens (store_settings.quiet_rules_kept's `tokens`) beside them:
    both depend only on the stores, so the queue reads them in one statement (one round trip less)."""
    if not stores:
        return [], {}
    ids = [s.pk for s in stores]
    advisors, tokens = [], {}
    for side, pk, *names in _run(_advisors_and_tokens_sql(len(stores)), [Role.SERVICE_ADVISOR, *ids, *ids]):
        if side == 0:
            advisors.append(Person(pk, _person(*names)))
        else:
            tokens[pk] = names[0]
    return advisors, tokens


@cache
def _advisors_and_tokens_sql(stores: int) -> str:
    # The advisors first, by username (the compound statement's ORDER BY: its parts keep no order of their own).
    return (
        f"SELECT 0, a.* FROM ({_advisors_sql(stores)}) a"
        f" UNION ALL SELECT 1, k.store_id, k.token, NULL, NULL, NULL FROM ({store_settings.tokens_sql(stores)}) k"
        " ORDER BY 1, 3"
    )


@dataclass(slots=True)
class QueueRow:
    """What one queue row shows, as queue_for's task_rows marks a task."""

    pk: int
    store_id: int
    bucket: str
    kind_label: str
    customer_name: str
    phone_masked: str
    has_vehicle: bool
    plate: str
    assigned_to: str  # "" when nobody holds it
    attempts_count: int
    quiet: bool
    not_best_time: bool
    best_contact_time: str
    url: str
    # The times as the template's |date:"m-d H:i" shows them in the screen's time zone; "" when none.
    due_label: str
    window_label: str
    callback_label: str
    retry_label: str


@dataclass(slots=True)
class QueueFilter:
    """Which tasks a queue shows (queue_for's arguments)."""

    user_id: int
    stores: list[Store]
    team: bool = False
    assignee_id: int | None = None
    kind: str = ""
    advisor_id: int | None = None

    def all_mine(self, stores: list[Store]) -> bool:
        """Every open call task of the user's own in `stores`, unfiltered (what next_callable looks at)."""
        return (
            not self.team
            and not self.kind
            and not self.advisor_id
            and [s.pk for s in self.stores] == [s.pk for s in stores]
        )

    def where(self) -> tuple[str, list]:
        assignee = "" if not self.team or self.assignee_id is None else ("id" if self.assignee_id else "none")
        params: list = [*(s.pk for s in self.stores), TaskStatus.OPEN, TaskChannel.CALL]
        if not self.team:
            params.append(self.user_id)
        elif assignee == "id":
            params.append(self.assignee_id)
        if self.kind:
            params.append(self.kind)
        if self.advisor_id:
            params.append(self.advisor_id)
        return _where(len(self.stores), not self.team, assignee, bool(self.kind), bool(self.advisor_id)), params


def day_end(now: datetime, tz_name: str) -> datetime:
    from .selectors import _local_day_end

    return _local_day_end(now, tz_name)


def queue_counts(*, which: QueueFilter, now: datetime) -> tuple[dict, dict[int, datetime]]:
    """As selectors.queue_counts: overdue, due now, due later today (store time), later, total; and, beside
    them, {store id: the earliest callable time} of the tasks counted (earliest_due's, for these tasks)."""
    return _counted(_run(*_counts_statement(which, now)) if which.stores else [])


def _counts_statement(which: QueueFilter, now: datetime) -> tuple[str, list]:
    where, params = which.where()
    at = _param(now)
    ends = [v for s in which.stores for v in (s.pk, _param(day_end(now, s.time_zone)))]
    return _counts_sql(where, len(which.stores)), [at, at, at, at, at, *ends, at, at, *ends, *params]


def _counted(raw) -> tuple[dict, dict[int, datetime]]:
    counts = {"overdue": 0, "due_now": 0, "today": 0, "later": 0}
    earliest: dict[int, datetime] = {}
    for store_id, *numbers, first in raw:
        for key, n in zip(("overdue", "due_now", "today", "later"), numbers, strict=True):
            counts[key] += int(n or 0)
        if first is not None:
            earliest[store_id] = _aware(first)
    counts["total"] = sum(counts.values())
    return counts, earliest


def queue_rows(
    *, which: QueueFilter, now: datetime, quiet_rules: dict[int, QuietRules], offset: int, limit: int
) -> list[QueueRow]:
    """One page of the queue, most urgent window first, each row marked as task_rows marks it."""
    if not which.stores:
        return []
    sql, params, tz_name = _rows_statement(which, now, offset=offset, limit=limit)
    return _marked(
        [r[:ROW_COLUMNS] for r in _run(sql, params)],
        which=which,
        now=now,
        quiet_rules=quiet_rules,
        labelled=tz_name is not None,
    )


def _rows_statement(which: QueueFilter, now: datetime, *, offset: int, limit: int) -> tuple[str, list, str | None]:
    """The rows' statement and parameters, and the time zone it prints the times in (None: Python prints them)."""
    where, params = which.where()
    # PostgreSQL prints the times itself (in a named zone: the screen's is always one); SQLite has no time
    # zones, so there Python formats them as before.
    tz_name = getattr(timezone.get_current_timezone(), "key", None) if connection.vendor == "postgresql" else None
    at = _param(now)
    ends = [v for s in which.stores for v in (s.pk, _param(day_end(now, s.time_zone)))]
    sql = _rows_sql(where, len(which.stores), tz_name is not None)
    return sql, [at, at, *ends, *([tz_name] * 3 if tz_name else []), at, at, *params, limit, offset], tz_name


def _marked(raw, *, which: QueueFilter, now: datetime, quiet_rules: dict[int, QuietRules], labelled: bool):
    """The rows' tuples (_rows_sql) as QueueRows."""
    tz = timezone.get_current_timezone()
    local = {s.pk: now.astimezone(ZoneInfo(s.time_zone)) for s in which.stores}
    quiet = {s.pk: quiet_rules[s.pk].quiet_at(now) for s in which.stores}
    kind_labels = kind_labels_kept()
    task_url = reverse("workbench:task", args=[_URL_PLACEHOLDER])
    # Whether a best contact time misses the store's wall clock now: many customers share the same words.
    not_best: dict[tuple[str, int], bool] = {}
    rows = []
    for (
        pk, store_id, kind, bucket, due, window, next_call, call_back_ahead,
        name, mobile, office_phone, home_phone, best_time, vehicle_id, plate,
        assigned_to_id, username, display_name, first_name, last_name, attempts, last_outcome,
    ) in raw:  # fmt: skip
        if not labelled:
            due, window = _short_time(_aware(due), tz), _short_time(_aware(window), tz)
            next_call = _short_time(_aware(next_call), tz)
        callback = next_call if call_back_ahead else ""
        retry = ""
        if callback and last_outcome in FAILED_OUTCOMES:
            callback, retry = "", callback
        best_key = (best_time, store_id)
        if best_key not in not_best:
            not_best[best_key] = rules.best_time_ok(best_time, local[store_id]) is False
        rows.append(
            QueueRow(
                pk=pk,
                store_id=store_id,
                bucket=BUCKETS[bucket],
                kind_label=kind_labels.get(kind, kind),
                customer_name=name,
                phone_masked=_masked(mobile or office_phone or home_phone),
                has_vehicle=vehicle_id is not None,
                plate=plate or "",
                assigned_to=_person(username, display_name, first_name, last_name) if assigned_to_id else "",
                attempts_count=attempts,
                quiet=quiet[store_id],
                not_best_time=not_best[best_key],
                best_contact_time=best_time,
                url=task_url.replace(str(_URL_PLACEHOLDER), str(pk)),
                due_label=due,
                window_label=window,
                callback_label=callback,
                retry_label=retry,
            )
        )
    return rows


ROW_COLUMNS = 22  # _rows_sql's, before the row's place
COUNT_COLUMNS = 6  # _counts_sql's


@cache
def _page_sql(counts_sql: str, rows_sql: str) -> str:
    """The counts and the page's rows in one statement (one round trip less): each side padded with NULLs to
    the other's columns, the first column telling which side a row is from (0 a store's counts, 1 a row).
    Sorted by that column, then by the row's place on the page."""
    return (
        f"SELECT 0, {', '.join(['NULL'] * (ROW_COLUMNS + 1))}, c.* FROM ({counts_sql}) c"
        f" UNION ALL SELECT 1, r.*, {', '.join(['NULL'] * COUNT_COLUMNS)} FROM ({rows_sql}) r"
        f" ORDER BY 1, {ROW_COLUMNS + 2}"
    )


BUCKETS = ("overdue", "due_now", "today", "later")
_URL_PLACEHOLDER = 987654321


def _short_time(at: datetime | None, tz) -> str:
    """As the template's |date:"m-d H:i" shows it in `tz` (the screen's time zone, read once per page)."""
    return at.astimezone(tz).strftime("%m-%d %H:%M") if at is not None else ""


@lru_cache(maxsize=8192)
def _masked(number: str) -> str:
    """mask_phone, kept per number: a landline is parsed by phonenumbers (the queue masks 50 per page)."""
    return mask_phone(number)


def earliest_due(*, user_id: int, stores: list[Store]) -> dict[int, datetime]:
    """{store id: when the user's first open call task there may be called, ignoring quiet hours}: the
    latest of its due time and its call-back time (next_callable's aggregate, for all stores in one query)."""
    if not stores:
        return {}
    rows = _run(_earliest_sql(len(stores)), [*(s.pk for s in stores), TaskStatus.OPEN, TaskChannel.CALL, user_id])
    return {store_id: _aware(at) for store_id, at in rows if at is not None}


def queue_page(
    *, which: QueueFilter, now: datetime, quiet_rules: dict[int, QuietRules], page: int, page_size: int
) -> dict:
    """The queue screen's page as queue_for gives it ({bucket: rows}, counts, truncated, page, pages), its
    counts and rows read in one statement of plain rows; "earliest": {store id: earliest callable time} of the
    tasks counted (the user's own in all their stores, unfiltered, is what next_callable needs)."""
    # A page is read before the count is known; FURTHEST_PAGE keeps OFFSET within a 64-bit integer whatever
    # ?page= says.
    page = min(max(page, 1), FURTHEST_PAGE)
    rows: list[QueueRow] = []
    if which.stores:
        counts_sql, counts_params = _counts_statement(which, now)
        offset = (page - 1) * page_size
        rows_sql, rows_params, tz_name = _rows_statement(which, now, offset=offset, limit=page_size)
        raw = _run(_page_sql(counts_sql, rows_sql), [*counts_params, *rows_params])
        counts, earliest = _counted([r[ROW_COLUMNS + 2 :] for r in raw if r[0] == 0])
        rows = _marked(
            [r[1 : ROW_COLUMNS + 1] for r in raw if r[0] == 1],
            which=which,
            now=now,
            quiet_rules=quiet_rules,
            labelled=tz_name is not None,
        )
    else:
        counts, earliest = _counted([])
    pages = max((counts["total"] + page_size - 1) // page_size, 1)
    if page > pages:
        # A page past the last shows the last: read it, now that the count says which it is.
        page = pages
        rows = queue_rows(which=which, now=now, quiet_rules=quiet_rules, offset=(page - 1) * page_size, limit=page_size)
    offset = (page - 1) * page_size
    result: dict = {"overdue": [], "due_now": [], "today": [], "later": []}
    for row in rows:
        result[row.bucket].append(row)
    result["counts"] = counts
    result["earliest"] = earliest
    result["truncated"] = counts["total"] > offset + len(rows)
    result["page"] = page
    result["pages"] = pages
    return result


FURTHEST_PAGE = 10**12
