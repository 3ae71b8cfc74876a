"""One `INSERT … SELECT … ON CONFLICT DO NOTHING` per rule: a sweep's candidates become tasks, owner included.

The candidates are any SELECT of CANDIDATE_COLUMNS (an ORM queryset compiled to SQL, or VALUES rows). The
statement skips the occurrences the rule already has (so workloads stay true), hands the others out and
inserts them, all in the database; the unique constraint (rule, subject, occurrence) still guards against
a second worker inserting the same rows meanwhile. Works on PostgreSQL and SQLite (≥ 3.25: window functions).

Owner (rules.Balancer, set-based): the care team's work goes to the least loaded care specialist, ties to the
lowest id, counting the open tasks each holds when the statement starts. Handing out n tasks one by one that
way is the same as numbering the n tasks (by due time, customer, vehicle, occurrence) and giving the k-th one
the k-th "slot" in the order (open count + j, user id), j = 0, 1, 2 … per specialist: a merge of each
specialist's rising load. Only slots that can be among the first n are generated (j ≤ n / specialists +
highest count − own count).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import connection

from .choices import OwnerRule, TaskStatus
from .models import FollowUpTask
from .selectors import specialists_open_counts_query

CANDIDATE_COLUMNS = (
    "customer_id",
    "vehicle_id",
    "repair_order_id",
    "subject",
    "occurrence_key",
    "target_date",
    "due_at",
    "window_end",
    "advisor_id",  # the owner when the rule gives the task to the order's advisor (NULL: the care team's)
)

TASK_COLUMNS = (
    "store_id",
    "rule_id",
    "kind",
    "status",
    "channel",
    "created_at",
    *CANDIDATE_COLUMNS[:-1],
    "assigned_to_id",
)

# Order in which new tasks are handed out (the k-th gets the k-th slot).
HAND_OUT_ORDER = "due_at, customer_id, vehicle_id, repair_order_id, occurrence_key"


def due_days_join(candidates_sql: str, params: list, due: dict[date, datetime], window: timedelta):
    """The candidates (named t_<column>) with due_at and window_end looked up by target date in a VALUES
    list of the few due days computed by rules.py, instead of a CASE repeated per row."""
    return due_days_sql(candidates_sql, len(due)), [*params, *due_days_params(due, window)]


def due_days_sql(candidates_sql: str, days: int, *, bounded: bool = False) -> str:
    """due_days_join's SQL for `days` due days. `bounded`: the statement also takes the first and last due day
    as its last two parameters and keeps the candidates' target date between them (the candidates' own SQL then
    holds no date, so it stays the same from day to day; the database applies the bound inside, on the column)."""
    day = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    rows = ", ".join([f"({day}, %s, %s)"] * days)
    columns = [f"c.t_{name}" for name in CANDIDATE_COLUMNS]
    columns[CANDIDATE_COLUMNS.index("due_at")] = "d.column2"
    columns[CANDIDATE_COLUMNS.index("window_end")] = "d.column3"
    bound = f" AND c.t_target_date BETWEEN {day} AND {day}" if bounded else ""
    # CROSS JOIN: SQLite then reads the candidates once (outer loop) instead of once per due day.
    return (
        f"SELECT {', '.join(columns)} FROM ({candidates_sql}) c "
        f"CROSS JOIN (VALUES {rows}) d WHERE d.column1 = c.t_target_date{bound}"
    )


def due_days_params(due: dict[date, datetime], window: timedelta, *, bounded: bool = False) -> list:
    """The parameters of due_days_sql: each due day's (target, due at, window end), then the bounds."""
    adapt, adapt_day = connection.ops.adapt_datetimefield_value, connection.ops.adapt_datefield_value
    values: list = []
    for target, due_at in due.items():
        values += [adapt_day(target), adapt(due_at), adapt(due_at + window)]
    if bounded:
        values += [adapt_day(min(due)), adapt_day(max(due))]
    return values


@dataclass(frozen=True)
class TasksInsert:
    """A rule's INSERT … SELECT and the parameters that stay the same from run to run (rule, store, staff):
    built once, run with the candidates' own parameters and the instant."""

    sql: str
    fixed_params: tuple  # after the candidates' parameters; the instant (created_at) comes last

    def run(self, *, params: list, now: datetime) -> int:
        """Insert the candidates that are not tasks yet; rows inserted."""
        created_at = connection.ops.adapt_datetimefield_value(now)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [*params, *self.fixed_params, created_at])
            return max(cursor.rowcount, 0)


def tasks_insert(*, rule, store, candidates_sql: str, owner: str) -> TasksInsert:
    """The statement inserting the candidates of `rule` that are not tasks yet, with their owner."""
    qn = connection.ops.quote_name
    task_table = qn(FollowUpTask._meta.db_table)
    cand_columns = ", ".join(CANDIDATE_COLUMNS)
    ctes = [
        f"cand ({cand_columns}) AS ({candidates_sql})",
        # NOT EXISTS on the unique key: occurrences made before are not handed out again.
        f"fresh AS (SELECT {cand_columns} FROM cand WHERE NOT EXISTS (SELECT 1 FROM {task_table} t "
        "WHERE t.rule_id = %s AND t.subject = cand.subject AND t.occurrence_key = cand.occurrence_key))",
    ]
    fixed_params = [rule.pk]
    source = "fresh"
    if owner == OwnerRule.AUTOMATIC:
        assigned = "NULL"
    else:
        needs_team = "advisor_id IS NULL" if owner == OwnerRule.RO_ADVISOR else "1 = 1"
        staff_sql, staff_params = specialists_open_counts_query(store=store).query.sql_with_params()
        ctes += [
            # The rows the care team gets, numbered in hand-out order (n is NULL for the advisor's own).
            f"numbered AS (SELECT {cand_columns}, CASE WHEN {needs_team} THEN row_number() OVER "
            f"(PARTITION BY CASE WHEN {needs_team} THEN 1 ELSE 0 END ORDER BY {HAND_OUT_ORDER}) END AS n FROM fresh)",
            f"staff (user_id, open_count) AS ({staff_sql})",
            # How far any specialist's load can rise while n tasks are handed out (NULL without staff: no slots).
            "reach AS (SELECT (SELECT count(n) FROM numbered) / NULLIF(count(*), 0) + max(open_count) AS top, "
            "min(open_count) AS bottom FROM staff)",
            "steps (j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM steps WHERE j < (SELECT top - bottom FROM reach))",
            # Nothing new for the team (a replay): the gate is false and the counts are never read.
            "slots AS (SELECT user_id, row_number() OVER (ORDER BY open_count + j, user_id) AS n "
            "FROM staff JOIN steps ON j <= (SELECT top FROM reach) - open_count "
            "WHERE EXISTS (SELECT 1 FROM numbered WHERE n IS NOT NULL))",
            # Slot n meets task n without a join (SQLite would compare every pair): both in one stream sorted
            # by (n, slot first), each task takes the user of the row just before it when that is its slot.
            f"paired AS (SELECT kind, n, {cand_columns}, LAG(kind) OVER w AS prev_kind, LAG(n) OVER w AS prev_n, "
            f"LAG(user_id) OVER w AS prev_user FROM (SELECT 1 AS kind, n, NULL AS user_id, {cand_columns} "
            f"FROM numbered UNION ALL SELECT 0, n, user_id, {', '.join(['NULL'] * len(CANDIDATE_COLUMNS))} "
            "FROM slots) stream WINDOW w AS (ORDER BY n, kind))",
        ]
        fixed_params += list(staff_params)
        source = "paired"
        slot_user = "CASE WHEN f.prev_kind = 0 AND f.prev_n = f.n THEN f.prev_user END"
        assigned = f"COALESCE(f.advisor_id, {slot_user})" if owner == OwnerRule.RO_ADVISOR else slot_user
    values = ", ".join(f"f.{c}" for c in CANDIDATE_COLUMNS[:-1])
    # INSERT first, then WITH: Python's sqlite3 counts the rows of statements that start with INSERT only.
    sql = (
        f"INSERT INTO {task_table} ({', '.join(qn(c) for c in TASK_COLUMNS)}) "
        f"WITH RECURSIVE {', '.join(ctes)} "
        f"SELECT %s, %s, %s, %s, %s, %s, {values}, {assigned} FROM {source} f "
        # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT (parsing ambiguity with JOIN … ON).
        f"WHERE {'f.kind = 1' if source == 'paired' else '1 = 1'} ON CONFLICT DO NOTHING"
    )
    fixed_params += [store.pk, rule.pk, rule.kind, TaskStatus.OPEN, rule.channel]
    return TasksInsert(sql=sql, fixed_params=tuple(fixed_params))


def tasks_insert_select(*, rule, store, now: datetime, candidates_sql: str, params: list, owner: str) -> int:
    """Insert the candidates of `rule` that are not tasks yet, with their owner; returns rows inserted."""
    statement = tasks_insert(rule=rule, store=store, candidates_sql=candidates_sql, owner=owner)
    return statement.run(params=params, now=now)
