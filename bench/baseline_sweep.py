"""Hand-written baseline of each follow-up sweep rule: ONE `INSERT … SELECT … ON CONFLICT DO NOTHING` per rule.

Written from the rule definitions in docs/reminders.md and the seeds, not from huifang/followups/: raw SQL for
PostgreSQL and SQLite (Asia/Shanghai, UTC+8 all year, written as a fixed offset on SQLite). Only the calendar is
reference data: the days lunar and solar birthdays and festivals fall on, filled once into a table from
core.calendar before the timing (an OEM keeps such a calendar table too).

Owner: the care team's tasks go round-robin over the store's care specialists in the order (open tasks, id),
numbered by (due time, customer, vehicle, order, occurrence). That is the product's "least loaded first" rule
while the specialists start level, which is how bench_sweep.py runs every rule (no open tasks).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

TZ_NAME = "Asia/Shanghai"
UTC_OFFSET_HOURS = 8
CALENDAR_TABLE = "bench_birthday_calendar"


@dataclass
class Rule:
    """The rule row as read from followups_followuprule (its per-store values are parameters here)."""

    id: int
    kind: str
    owner_rule: str
    channel: str
    lead_days: int
    window_hours: int
    delay_hours: int
    offsets: str
    km_threshold: int | None
    sample_percent: int
    marketing_only: bool
    festivals: str
    catch_up_days: int = 0  # post-service call: late calls up to this many days after delivery


class Dialect:
    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    def ts(self, moment: datetime):
        """A timestamp parameter: aware on PostgreSQL, 'YYYY-MM-DD HH:MM:SS' UTC text on SQLite (Django's form)."""
        if self.pg:
            return moment
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")

    def local_day(self, ts: str) -> str:
        return f"(({ts}) AT TIME ZONE '{TZ_NAME}')::date" if self.pg else f"date({ts}, '+{UTC_OFFSET_HOURS} hours')"

    def midnight(self, day: str) -> str:
        """Local midnight of a date, as a timestamp."""
        if self.pg:
            return f"(({day})::timestamp AT TIME ZONE '{TZ_NAME}')"
        return f"datetime({day}, '-{UTC_OFFSET_HOURS} hours')"

    def plus_hours(self, ts: str, hours: int) -> str:
        if hours == 0:
            return ts
        return f"(({ts}) + interval '{hours} hours')" if self.pg else f"datetime({ts}, '+{hours} hours')"

    def plus_days(self, day: str, days: str) -> str:
        """date + an integer number of days (days may be an expression)."""
        return f"(({day}) + ({days})::int)" if self.pg else f"date({day}, '+' || CAST({days} AS INTEGER) || ' days')"

    def minus_days(self, day: str, days: int) -> str:
        return f"(({day}) - {days})" if self.pg else f"date({day}, '-{days} days')"

    def plus_months(self, day: str, months: int) -> str:
        """date + months, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
        if self.pg:
            return f"(({day}) + interval '{months} months')::date"
        return (
            f"(CASE WHEN strftime('%%d', date({day}, '+{months} months')) <> strftime('%%d', {day}) "
            f"THEN date({day}, 'start of month', '+{months + 1} months', '-1 day') "
            f"ELSE date({day}, '+{months} months') END)"
        )

    def ts_plus_local(self, ts: str, n: int, unit: str) -> str:
        """A timestamp + n days or months counted on the local wall clock."""
        if self.pg:
            span = f"{n} {'days' if unit == 'd' else 'months'}"
            return f"((({ts}) AT TIME ZONE '{TZ_NAME}') + interval '{span}') AT TIME ZONE '{TZ_NAME}'"
        local = f"datetime({ts}, '+{UTC_OFFSET_HOURS} hours')"
        day = f"date({local}, '+{n} days')" if unit == "d" else self.plus_months(f"date({local})", n)
        return f"datetime({day} || ' ' || time({local}), '-{UTC_OFFSET_HOURS} hours')"

    def text(self, expr: str) -> str:
        return f"({expr})::text" if self.pg else f"CAST({expr} AS TEXT)"

    def sample_hash(self, store_id: str, customer: str) -> str:
        """sha256("huifang-sample:<store>:<customer>") in hex (SQLite: a function registered by the bench)."""
        key = f"'huifang-sample:' || {store_id} || ':' || {customer}"
        if self.pg:
            return f"encode(sha256(convert_to({key}, 'UTF8')), 'hex')"
        return f"bench_sha256({key})"


def consent(d: Dialect, rule: Rule, customer: str = "c") -> str:
    """The customer may be contacted on the rule's channel: service unless the latest service record on the
    channel withdrew it; marketing when the latest marketing record granted it, or (no marketing records) the
    customer's marketing flag."""
    channel = "phone" if rule.channel == "call" else rule.channel
    latest = (
        "FROM messaging_consentrecord r WHERE r.customer_id = {c}.id AND r.channel = '{ch}' AND r.purpose = '{p}' "
        "AND NOT EXISTS (SELECT 1 FROM messaging_consentrecord r2 WHERE r2.customer_id = r.customer_id "
        "AND r2.channel = r.channel AND r2.purpose = r.purpose AND r2.id > r.id)"
    )
    if not rule.marketing_only:
        return f"NOT EXISTS (SELECT 1 {latest.format(c=customer, ch=channel, p='service')} AND r.state = 'withdrawn')"
    granted = f"EXISTS (SELECT 1 {latest.format(c=customer, ch=channel, p='marketing')} AND r.state = 'granted')"
    any_marketing = (
        f"EXISTS (SELECT 1 FROM messaging_consentrecord r3 WHERE r3.customer_id = {customer}.id "
        "AND r3.purpose = 'marketing')"
    )
    return f"({granted} OR ({customer}.marketing_consent AND NOT {any_marketing}))"


def due_now(d: Dialect, due: str, rule: Rule) -> str:
    """due <= now < due + window (the `now` parameter appears twice: %(now)s)."""
    return f"{due} <= %(now)s AND {d.plus_hours(due, rule.window_hours)} > %(now)s"


def offsets(text: str) -> list[tuple[int, str]]:
    result = []
    for item in (text or "").split(","):
        item = item.strip().lower()
        if item:
            result.append((int(item.rstrip("dm")), item[-1] if item[-1] in "dm" else "d"))
    return result


# Candidate SELECTs: (customer_id, vehicle_id, repair_order_id, subject, occurrence_key, target_date, due_at,
# advisor_id). %(store)s, %(now)s, %(low)s, %(high)s are named parameters.

NO_ID, NO_DATE = "CAST(NULL AS BIGINT)", "CAST(NULL AS DATE)"
VEHICLE_FROM = "FROM archive_vehicle v JOIN archive_customer c ON c.id = v.customer_id WHERE v.store_id = %(store)s"


def dated(d: Dialect, rule: Rule, column: str, key: str, extra: str = "") -> str:
    """A reminder lead_days before the date in `column`."""
    due = d.midnight(d.minus_days(f"v.{column}", rule.lead_days))
    return (
        f"SELECT v.customer_id, v.id, {NO_ID}, 'v' || {d.text('v.id')}, {key}, v.{column}, {due}, {NO_ID} "
        f"{VEHICLE_FROM} AND v.{column} BETWEEN %(low)s AND %(high)s AND {due_now(d, due, rule)} "
        f"AND {consent(d, rule)} {extra}"
    )


def km_day(d: Dialect, start: str, km: str) -> str:
    """start + floor(km / km per day + 1e-9) days; NULL without a positive km/day or km (SQLite: CAST truncates)."""
    days = f"({km} * 1.0 / v.avg_km_per_day + 1e-9)"
    return (
        f"(CASE WHEN v.avg_km_per_day > 0 AND {km} > 0 AND {start} IS NOT NULL "
        f"THEN {d.plus_days(start, (f'floor({days})' if d.pg else days))} END)"
    )


def least(a: str, b: str) -> str:
    return f"(CASE WHEN {a} IS NULL THEN {b} WHEN {b} IS NULL THEN {a} WHEN {b} < {a} THEN {b} ELSE {a} END)"


def candidates_sql(d: Dialect, rule: Rule, *, first_service_on: bool, first_lost_on: bool, lost_months: int):
    kind = rule.kind
    start = "COALESCE(v.delivery_date, v.purchase_date)"
    if kind == "post_service_call":
        delivered = "ro.delivered_at"
        return (
            f"SELECT ro.customer_id, ro.vehicle_id, ro.id, 'v' || {d.text('ro.vehicle_id')}, "
            f"'ro' || {d.text('ro.id')}, {NO_DATE}, {d.plus_hours(delivered, rule.delay_hours)}, "
            "CASE WHEN a.is_active AND NOT a.on_leave THEN ro.advisor_id END "
            "FROM archive_repairorder ro JOIN archive_customer c ON c.id = ro.customer_id "
            "LEFT JOIN accounts_user a ON a.id = ro.advisor_id WHERE ro.store_id = %(store)s "
            f"AND {d.plus_hours(delivered, rule.delay_hours)} <= %(now)s "
            # still in the window, or a late call within the catch-up limit after delivery
            f"AND ({d.plus_hours(delivered, rule.delay_hours + rule.window_hours)} > %(now)s "
            f"OR {d.plus_hours(delivered, rule.catch_up_days * 24)} > %(now)s) AND {consent(d, rule)}"
        )
    if kind == "maintenance_reminder":
        base = f"COALESCE({d.local_day('v.last_maintenance_at')}, v.delivery_date, v.purchase_date, v.next_maintenance_date)"
        only = "AND v.last_maintenance_at IS NOT NULL" if first_service_on else ""
        return dated(d, rule, "next_maintenance_date", f"'m' || {d.text(base)}", only)
    if kind in ("insurance_renewal", "inspection_due", "licence_due"):
        column = {"insurance_renewal": "insurance_expiry", "inspection_due": "inspection_due"}.get(kind, "licence_due")
        return dated(d, rule, column, d.text(f"v.{column}"))
    if kind == "first_service_reminder":
        (n, unit), *_ = offsets(rule.offsets)
        by_time = d.plus_months(start, n) if unit == "m" else d.plus_days(start, str(n))
        target = least(by_time, km_day(d, start, str(rule.km_threshold or 0)))
        due = d.midnight(d.minus_days(target, rule.lead_days))
        return (
            f"SELECT v.customer_id, v.id, {NO_ID}, 'v' || {d.text('v.id')}, 'first', {target}, {due}, {NO_ID} "
            f"{VEHICLE_FROM} AND v.last_maintenance_at IS NULL AND {start} IS NOT NULL "
            f"AND {due_now(d, due, rule)} AND {consent(d, rule)}"
        )
    if kind == "first_service_lost":
        lost_on = d.plus_months(start, lost_months)
        due = d.midnight(d.minus_days(lost_on, rule.lead_days))
        return (
            f"SELECT v.customer_id, v.id, {NO_ID}, 'v' || {d.text('v.id')}, 'first_lost', {lost_on}, {due}, {NO_ID} "
            f"{VEHICLE_FROM} AND v.last_maintenance_at IS NULL AND {start} IS NOT NULL "
            f"AND {due_now(d, due, rule)} AND {consent(d, rule)}"
        )
    if kind == "warranty_expiry":
        target = least("v.warranty_end_date", km_day(d, start, "v.warranty_end_km"))
        due = d.midnight(d.minus_days(target, rule.lead_days))
        key = (
            f"COALESCE({d.text('v.warranty_end_date')}, '-') || '/' || "
            f"COALESCE({d.text('NULLIF(v.warranty_end_km, 0)')}, '-')"
        )
        return (
            f"SELECT v.customer_id, v.id, {NO_ID}, 'v' || {d.text('v.id')}, {key}, {target}, {due}, {NO_ID} "
            f"{VEHICLE_FROM} AND {due_now(d, due, rule)} AND {consent(d, rule)}"
        )
    if kind == "lost_customer":
        seen = f"COALESCE({d.local_day('v.last_visit_at')}, v.delivery_date, v.purchase_date)"
        only = "AND v.last_visit_at IS NOT NULL" if first_lost_on else ""
        parts = []
        for n, unit in offsets(rule.offsets):
            due = d.midnight(d.plus_months(seen, n) if unit == "m" else d.plus_days(seen, str(n)))
            parts.append(
                f"SELECT v.customer_id, v.id, {NO_ID}, 'v' || {d.text('v.id')}, '{n}{unit}:' || {d.text(seen)}, "
                f"{seen}, {due}, {NO_ID} {VEHICLE_FROM} {only} AND {due_now(d, due, rule)} AND {consent(d, rule)}"
            )
        return " UNION ALL ".join(parts)
    if kind == "birthday_greeting":
        due = d.midnight(d.minus_days("k.celebrated", rule.lead_days))
        month_day = (
            "(EXTRACT(MONTH FROM c.birthday) * 100 + EXTRACT(DAY FROM c.birthday))::int"
            if d.pg
            else "CAST(strftime('%%m', c.birthday) AS INTEGER) * 100 + CAST(strftime('%%d', c.birthday) AS INTEGER)"
        )
        return (
            f"SELECT c.id, {NO_ID}, {NO_ID}, 'c' || {d.text('c.id')}, {d.text('k.year')}, k.celebrated, {due}, {NO_ID} "
            # The calendar's few due days drive the loop (SQLite: CROSS JOIN keeps that order).
            f"FROM {CALENDAR_TABLE} k CROSS JOIN archive_customer c WHERE k.is_lunar = c.birthday_is_lunar "
            f"AND k.month_day = {month_day} AND c.store_id = %(store)s AND c.birthday IS NOT NULL "
            f"AND k.celebrated BETWEEN %(low)s AND %(high)s AND {due_now(d, due, rule)} AND {consent(d, rule)}"
        )
    if kind == "holiday_greeting":
        return (
            f"SELECT c.id, {NO_ID}, {NO_ID}, 'c' || {d.text('c.id')}, %(festival_key)s, %(festival_day)s, %(festival_due)s, "
            f"{NO_ID} FROM archive_customer c WHERE c.store_id = %(store)s AND {consent(d, rule)}"
        )
    if kind == "first_visit_series":
        parts = []
        cohort = d.local_day("c.first_visit_at")
        for n, unit in offsets(rule.offsets):
            due = d.ts_plus_local("s.first_visit_at", n, unit)
            parts.append(
                f"SELECT s.id, {NO_ID}, {NO_ID}, 'c' || {d.text('s.id')}, '{n}{unit}', {NO_DATE}, {due}, {NO_ID} FROM sampled s "
                f"WHERE {due_now(d, due, rule)}"
            )
        # The cohorts (new customers of one local day) that can be due: whole days, the longest offset back.
        sampled = (
            f"SELECT c.id, c.first_visit_at, row_number() OVER (PARTITION BY {cohort} "
            f"ORDER BY {d.sample_hash('%(store)s', d.text('c.id'))}) AS place, "
            f"count(*) OVER (PARTITION BY {cohort}) AS cohort_size FROM archive_customer c "
            f"WHERE c.store_id = %(store)s AND c.first_visit_at >= %(visits_from)s AND c.first_visit_at < %(visits_to)s "
            f"AND {consent(d, rule)}"
        )
        # place <= ceil(cohort × percent / 100), in integers: place * 100 <= cohort × percent + 99.
        keep = f"SELECT id, first_visit_at FROM ({sampled}) x WHERE place * 100 <= cohort_size * {rule.sample_percent} + 99"
        return f"WITH sampled AS ({keep}) " + " UNION ALL ".join(parts)
    raise ValueError(kind)


def insert_sql(d: Dialect, rule: Rule, candidates: str) -> str:
    """INSERT the candidates that are not tasks yet, the care team's ones round-robin over the specialists."""
    if rule.owner_rule == "automatic":
        owner = "NULL"
        team = ""
        join = ""
    else:
        numbered_only = "c_advisor IS NULL" if rule.owner_rule == "ro_advisor" else "1 = 1"
        owner = "COALESCE(n.c_advisor, team.user_id)" if rule.owner_rule == "ro_advisor" else "team.user_id"
        team = (
            ", team AS (SELECT user_id, row_number() OVER (ORDER BY open_tasks, user_id) - 1 AS place, "
            "count(*) OVER () AS size FROM (SELECT u.id AS user_id, (SELECT count(*) FROM followups_followuptask t "
            "WHERE t.assigned_to_id = u.id AND t.status = 'open' AND t.store_id = %(store)s) AS open_tasks "
            "FROM accounts_user u WHERE u.is_active AND NOT u.on_leave AND EXISTS (SELECT 1 FROM accounts_membership m "
            "WHERE m.user_id = u.id AND m.store_id = %(store)s AND m.scope = 'store' AND m.role = 'care_specialist')) s)"
        )
        join = " LEFT JOIN team ON n.turn IS NOT NULL AND team.place = (n.turn - 1) %% team.size"
        candidates_numbered = (
            f"SELECT *, CASE WHEN {numbered_only} THEN row_number() OVER (PARTITION BY {numbered_only} ORDER BY c_due, c_customer, "
            "c_vehicle, c_order, c_key) END AS turn FROM fresh"
        )
    fresh = (
        "fresh AS (SELECT * FROM cand WHERE NOT EXISTS (SELECT 1 FROM followups_followuptask t "
        "WHERE t.rule_id = %(rule)s AND t.subject = cand.c_subject AND t.occurrence_key = cand.c_key))"
    )
    numbered = f"numbered AS ({candidates_numbered})" if team else "numbered AS (SELECT * FROM fresh)"
    columns = "c_customer, c_vehicle, c_order, c_subject, c_key, c_target, c_due, c_advisor"
    # A first-visit candidate SELECT starts with its own WITH: nest it as a subquery.
    return (
        "INSERT INTO followups_followuptask (store_id, rule_id, kind, status, channel, created_at, customer_id, "
        "vehicle_id, repair_order_id, subject, occurrence_key, target_date, due_at, window_end, assigned_to_id) "
        f"WITH cand ({columns}) AS (SELECT * FROM ({candidates}) q), {fresh}{team}, {numbered} "
        "SELECT %(store)s, %(rule)s, %(kind)s, 'open', %(channel)s, %(now)s, n.c_customer, n.c_vehicle, n.c_order, "
        f"n.c_subject, n.c_key, n.c_target, n.c_due, {d.plus_hours('n.c_due', rule.window_hours)}, {owner} "
        f"FROM numbered n{join} WHERE 1 = 1 ON CONFLICT DO NOTHING"
    )


def calendar_table(cursor, d: Dialect, today: date) -> None:
    """The reference table of birthday days: (lunar?, month*100+day, year, the solar day it is celebrated on)."""
    from huifang.core.calendar import birthday_in_year

    cursor.execute(f"DROP TABLE IF EXISTS {CALENDAR_TABLE}")
    cursor.execute(
        f"CREATE TABLE {CALENDAR_TABLE} (is_lunar boolean, month_day integer, year integer, celebrated date)"
    )
    rows = []
    for is_lunar in (False, True):
        for month in range(1, 13):
            for day in range(1, 32):
                try:
                    stored = date(2000, month, day)
                except ValueError:
                    continue
                if is_lunar and day == 31:
                    continue
                for year in (today.year - 1, today.year, today.year + 1):
                    celebrated = birthday_in_year(stored, is_lunar=is_lunar, year=year)
                    rows.append((is_lunar, month * 100 + day, celebrated.year, celebrated))
    cursor.executemany(f"INSERT INTO {CALENDAR_TABLE} VALUES (%s, %s, %s, %s)", rows)


def baseline_run(cursor, d: Dialect, rule: Rule, *, store_id: int, now: datetime, context: dict) -> int:
    """Run the rule's hand-written statement at `now`; rows inserted."""
    sql = insert_sql(d, rule, candidates_sql(d, rule, **context["flags"]))
    local_today = (now + timedelta(hours=UTC_OFFSET_HOURS)).astimezone(UTC).date()
    window_days = rule.window_hours // 24 + 2
    params = {
        "store": store_id,
        "rule": rule.id,
        "kind": rule.kind,
        "channel": rule.channel,
        "now": d.ts(now),
        # A sargable pre-filter on the dated column: a few days wider than the window, decided exactly above.
        "low": local_today + timedelta(days=rule.lead_days - window_days),
        "high": local_today + timedelta(days=rule.lead_days + 1),
        **{k: (d.ts(v) if isinstance(v, datetime) else v) for k, v in context.get("params", {}).items()},
    }
    cursor.execute(sql, params)
    return cursor.rowcount
