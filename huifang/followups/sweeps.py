"""The follow-up sweep: turn the archive into due tasks, idempotently and set-based.

Each enabled rule of the store becomes ONE `INSERT … SELECT … ON CONFLICT DO NOTHING` (sweep_sql.py),
owner included: no candidate row passes through Python. What Python does is small and exact: the
pure functions of `rules.py` decide, for the few dates a sweep can concern (the days of the rule's
window), which target dates (or last-visit dates, start dates, birthdays) are due now and when; those
few pairs become parameters of the statement (`column BETWEEN first AND last` and a join on the due
days' `VALUES (target, due, window end)`; birthdays a small `CASE`), so the database picks the rows and
the rules stay in one place. The unique constraint (rule, subject,
occurrence) makes running twice, or in two workers at once, create nothing twice.

The dated reminders (maintenance, insurance, inspection, licence) compile their statement once per process for
the rule's settings (sweep_statements.py): a day's run computes the due days and executes it, which keeps the
Python of a replay (nothing new) a small part of its time.

Only the first-visit series keeps its candidates in Python: its sample order is a SHA-256 hash, which
SQLite has no function for, and its month offsets are counted in local time from the visit's hour.
It reads only the whole first-visit days an offset brings into the window, and its rows go into the
same statement as VALUES.

The archive is read as it is now (derived vehicle figures included), so replaying a past day
(`now` in the past) creates the occurrences that were due that day according to today's archive.
"""

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Floor, NullIf

from huifang.accounts.models import Store
from huifang.archive.defaults import DAY_EPSILON
from huifang.archive.models import Customer, RepairOrder, Vehicle
from huifang.archive.segments import segment_q
from huifang.core.calendar import solar_to_lunar
from huifang.core.sql import AddDays, AddMonths, LocalDate

from . import rules
from .choices import OwnerRule, RuleKind
from .defaults import DEFAULT_RULES
from .models import FollowUpRule
from .services import rules_ensure_defaults
from .sweep_sql import (
    CANDIDATE_COLUMNS,
    TasksInsert,
    due_days_join,
    due_days_params,
    due_days_sql,
    tasks_insert,
    tasks_insert_select,
)
from .sweep_statements import database_key, rule_settings, statements

# First-visit rows per statement: 5 parameters a row stay under SQLite's limit (32,766). One statement
# hands the whole batch out in order; a larger day (rare) continues in the next one, still least loaded first.
VALUES_BATCH = 5000


@dataclass
class Sweep:
    """What every candidate builder needs: the store, the rule, the instant and its window."""

    store: Store
    rule: FollowUpRule
    now: datetime
    tz: ZoneInfo
    # Kinds the store has switched on: a first-service kind replaces the ordinary one for the same car.
    enabled_kinds: frozenset[str] = frozenset()
    window: timedelta = field(init=False)
    first_day: date = field(init=False)  # local date of the earliest due time still in the window
    today: date = field(init=False)

    def __post_init__(self):
        self.window = timedelta(hours=self.rule.window_hours)
        self.today = self.now.astimezone(self.tz).date()
        self.first_day = (self.now - self.window).astimezone(self.tz).date()

    def is_due(self, due_at: datetime) -> bool:
        return rules.is_due(due_at, self.window, self.now)

    def target_range(self) -> tuple[date, date]:
        """Target dates whose reminder (lead days before) falls due inside the window."""
        lead = timedelta(days=self.rule.lead_days)
        return self.first_day + lead, self.today + lead

    def due_targets(self, targets: Iterable[date]) -> dict[date, datetime]:
        """{target date: due time} for the targets whose reminder is due now (rules.reminder_due)."""
        due = {target: rules.reminder_due(target, self.rule.lead_days, self.tz) for target in targets}
        return {target: due_at for target, due_at in due.items() if self.is_due(due_at)}

    def consent(self, prefix: str = "") -> Q:
        from huifang.messaging.consent import (  # issue 8 §4: per channel and purpose
            consent_channel_for,
            marketing_consent_q,
            service_consent_q,
        )

        channel = consent_channel_for(self.rule.channel)
        if self.rule.marketing_only:
            return marketing_consent_q(channel=channel, prefix=prefix)
        return service_consent_q(channel=channel, prefix=prefix)

    def in_segment(self, prefix: str = "") -> Q:
        """Only customers in the rule's segment (seed 002 客户细分): an IN (subquery) inside the same statement."""
        return segment_q(store=self.store, segment=self.rule.segment, prefix=prefix)

    def insert(
        self, rows: "QuerySet | list[QuerySet]", owner: str | None = None, due: dict[date, datetime] | None = None
    ) -> int:
        """INSERT the candidate rows (candidates() querysets, one statement for all) as tasks; rows inserted.
        With `due` ({target date: due time}), each row's due time is looked up by its target date."""
        parts = rows if isinstance(rows, list) else [rows]
        if not parts:
            return 0
        union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        sql, params = union.query.sql_with_params()
        if due is not None:
            sql, params = due_days_join(sql, list(params), due, self.window)
        return tasks_insert_select(
            rule=self.rule,
            store=self.store,
            now=self.now,
            candidates_sql=sql,
            params=list(params),
            owner=owner or self.rule.owner_rule,
        )


# SQL pieces shared by the builders.


class MonthDay(Func):
    """month * 100 + day of a date, natively on both databases (Django's ExtractMonth/ExtractDay are
    Python functions on SQLite, called for every customer the birthday rule reads)."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(strftime('%%%%m%%%%d', %(expressions)s) AS INTEGER)")

    def as_postgresql(self, compiler, connection, **extra):
        template = "(EXTRACT(MONTH FROM %(expressions)s) * 100 + EXTRACT(DAY FROM %(expressions)s))::integer"
        return self.as_sql(compiler, connection, template=template)


NO_ID = Cast(Value(None), BigIntegerField())
NO_DATE = Cast(Value(None), DateField())
NO_TIME = Cast(Value(None), DateTimeField())


def text(expression) -> Cast:
    return Cast(expression, CharField())


def vehicle_subject() -> Concat:
    return Concat(Value("v"), text("pk"))


def by_value(expression, mapping: dict, output_field) -> Case:
    """CASE expression WHEN key THEN value … (the few due dates computed by rules.py)."""
    whens = [When(**{expression: key}, then=Value(value, output_field=output_field)) for key, value in mapping.items()]
    return Case(*whens, default=None, output_field=output_field)


def candidates(queryset: QuerySet, **columns) -> QuerySet:
    """The rows of `queryset` as CANDIDATE_COLUMNS (missing ones NULL), ready for Sweep.insert."""
    defaults = {
        "vehicle_id": NO_ID,
        "repair_order_id": NO_ID,
        "target_date": NO_DATE,
        "due_at": NO_TIME,  # looked up by target date when Sweep.insert is given the due days
        "window_end": NO_TIME,
        "advisor_id": NO_ID,
    }
    values = {**defaults, **columns}
    named = {f"t_{name}": values[name] for name in CANDIDATE_COLUMNS}
    return queryset.order_by().annotate(**named).values_list(*named)


def span(days) -> tuple[date, date]:
    """The first and last of the due days: a BETWEEN (two comparisons a row, where IN makes one per day);
    the join on the due days' VALUES then keeps exactly the due ones."""
    return min(days), max(days)


def days_between(low: date, high: date) -> list[date]:
    return [low + timedelta(days=n) for n in range((high - low).days + 1)]


# One builder per kind: (sweep) -> rows inserted.


def _post_service(s: Sweep) -> int:
    delay = timedelta(hours=s.rule.delay_hours)
    due_at = ExpressionWrapper(F("delivered_at") + Value(delay), output_field=DateTimeField())
    rows = RepairOrder.objects.filter(
        s.consent("customer__"),
        s.in_segment("customer__"),
        store=s.store,
        # rules.post_service_due: delivered + delay <= now; still in the window, or within the catch-up limit
        # (a late task: due time and window end as always, so overdue and not on time).
        delivered_at__gt=rules.post_service_since(s.now, s.rule.delay_hours, s.window, s.rule.catch_up_days),
        delivered_at__lte=s.now - delay,
    )
    return s.insert(
        candidates(
            rows,
            customer_id=F("customer_id"),
            vehicle_id=F("vehicle_id"),
            repair_order_id=F("pk"),
            subject=Case(
                When(vehicle_id__isnull=False, then=Concat(Value("v"), text("vehicle_id"))),
                default=Concat(Value("c"), text("customer_id")),
            ),
            occurrence_key=Concat(Value("ro"), text("pk")),
            due_at=due_at,
            window_end=ExpressionWrapper(F("delivered_at") + Value(delay + s.window), output_field=DateTimeField()),
            # The order's advisor when at work, else the care team (rule "RO advisor").
            advisor_id=Case(
                When(advisor__is_active=True, advisor__on_leave=False, then=F("advisor_id")),
                default=None,
                output_field=BigIntegerField(),
            ),
        )
    )


def _first_visit_series(s: Sweep) -> int:
    offsets = rules.parse_offsets(s.rule.offsets)
    if not offsets:
        return 0
    longest = max(o.max_days for o in offsets)
    shortest = min(o.min_days for o in offsets)
    # Only the first-visit days an offset brings into the window (a dozen, not three months), each read whole
    # so the day's cohort of new customers is complete for the sample (issue 14 §2).
    since = (s.now - s.window - timedelta(days=longest + 1)).astimezone(s.tz).date()
    until = (s.now - timedelta(days=shortest)).astimezone(s.tz).date()
    days = [d for d in days_between(since, until) if any(s.first_day <= o.after(d) <= s.today for o in offsets)]
    if not days:
        return 0
    whole_days = Q()
    for first, last in _runs(days):
        whole_days |= Q(
            first_visit_at__gte=rules.start_of_day(first, s.tz),
            first_visit_at__lt=rules.start_of_day(last + timedelta(days=1), s.tz),
        )
    rows = list(
        Customer.objects.filter(s.consent(), s.in_segment(), whole_days, store=s.store).values_list(
            "pk", "first_visit_at"
        )
    )
    chosen = None
    if s.rule.sample_percent < 100:
        cohorts: dict[date, list[int]] = {}
        for customer_id, first_visit_at in rows:
            cohorts.setdefault(first_visit_at.astimezone(s.tz).date(), []).append(customer_id)
        chosen = set().union(*(rules.sampled(s.store.pk, ids, s.rule.sample_percent) for ids in cohorts.values()))
    due = []
    for customer_id, first_visit_at in rows:
        if chosen is not None and customer_id not in chosen:
            continue
        for offset in offsets:
            due_at = rules.series_due(first_visit_at.astimezone(s.tz), offset)
            if s.is_due(due_at):
                due.append((customer_id, offset.key, due_at))
    created = 0
    for start in range(0, len(due), VALUES_BATCH):
        created += _insert_values(s, due[start : start + VALUES_BATCH])
    return created


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as runs of consecutive days: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    runs: list[list[date]] = []
    for day in days:
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


def _insert_values(s: Sweep, due: list[tuple[int, str, datetime]]) -> int:
    """Customer tasks computed in Python, as a VALUES list in the same INSERT … SELECT."""
    adapt = connection.ops.adapt_datetimefield_value
    row = (
        "(CAST(%s AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(%s AS VARCHAR(24)), "
        "CAST(%s AS VARCHAR(64)), CAST(NULL AS DATE), %s, %s, CAST(NULL AS BIGINT))"
    )
    params: list = []
    for customer_id, key, due_at in due:
        params += [customer_id, f"c{customer_id}", key, adapt(due_at), adapt(due_at + s.window)]
    return tasks_insert_select(
        rule=s.rule,
        store=s.store,
        now=s.now,
        candidates_sql="VALUES " + ", ".join([row] * len(due)),
        params=params,
        owner=s.rule.owner_rule,
    )


def _date_reminder(column: str, key: Callable[[Sweep], object], only: Callable[[Sweep], Q] = lambda s: Q()):
    """Reminder `lead_days` before the date in `column` (maintenance, insurance, inspection, licence).

    The statement is the same every day (the due days are parameters), so it is compiled once per process for
    the rule's settings (sweep_statements.py) and each run only computes the due days and executes it."""

    def build(s: Sweep) -> int:
        due = s.due_targets(days_between(*s.target_range()))
        if not due:
            return 0
        settings = (*database_key(), column, s.store.pk, s.tz.key, s.enabled_kinds, rule_settings(s.rule), len(due))
        statement, params = statements.get(settings, lambda: compiled(s, days=len(due)))
        return statement.run(params=[*params, *due_days_params(due, s.window, bounded=True)], now=s.now)

    def compiled(s: Sweep, days: int) -> tuple[TasksInsert, tuple]:
        rows = Vehicle.objects.filter(s.consent("customer__"), s.in_segment("customer__"), only(s), store=s.store)
        sql, params = candidates(
            rows,
            customer_id=F("customer_id"),
            vehicle_id=F("pk"),
            subject=vehicle_subject(),
            occurrence_key=key(s),
            target_date=F(column),
        ).query.sql_with_params()
        # The target column between the first and last due day: a bound on the column, applied inside.
        candidates_sql = due_days_sql(sql, days, bounded=True)
        return tasks_insert(rule=s.rule, store=s.store, candidates_sql=candidates_sql, owner=s.rule.owner_rule), params

    return build


def _maintenance_key(s: Sweep):
    """One reminder per service: m<local date of the last maintenance, else delivery, else purchase, else target>."""
    base = Coalesce(
        LocalDate("last_maintenance_at", tzinfo=s.tz), "delivery_date", "purchase_date", "next_maintenance_date"
    )
    return Concat(Value("m"), text(base))


def _date_key(column: str) -> Callable[[Sweep], object]:
    return lambda s: text(column)


def _maintenance_only(s: Sweep) -> Q:
    """One reminder per car per service (issue 14 §2): a car never maintained is waiting for its first service,
    whose reminder (首保提醒) replaces the ordinary one (定保提醒) for the same car and target, never both."""
    if RuleKind.FIRST_SERVICE_REMINDER in s.enabled_kinds:
        return Q(last_maintenance_at__isnull=False)
    return Q()


# Issue 14 §2: the first service counts from the new-car delivery date, else from the sale/purchase date.
FIRST_SERVICE_START = Coalesce("delivery_date", "purchase_date")


def km_reached(start, km) -> Case:
    """SQL of rules.km_reached_on: start + floor(km / km per day + ε) days; NULL without a km/day."""
    days = Floor(
        ExpressionWrapper(km * 1.0 / NullIf("avg_km_per_day", 0.0) + Value(DAY_EPSILON), output_field=FloatField())
    )
    return Case(When(avg_km_per_day__gt=0, then=AddDays(start, days)), default=None, output_field=DateField())


def earliest(first: str, second: str) -> Case:
    """SQL of rules.earliest for two annotated dates (either may be NULL)."""
    return Case(
        When(**{f"{first}__isnull": True}, then=F(second)),
        When(**{f"{second}__lt": F(first)}, then=F(second)),
        default=F(first),
        output_field=DateField(),
    )


def _never_serviced(s: Sweep):
    """The store's cars of reachable customers in the rule's segment with no maintenance visit yet."""
    return Vehicle.objects.filter(
        s.consent("customer__"), s.in_segment("customer__"), store=s.store, last_maintenance_at__isnull=True
    )


def _first_service(s: Sweep) -> int:
    offsets = rules.parse_offsets(s.rule.offsets)
    offset = offsets[0] if offsets else None
    low, high = s.target_range()
    due = s.due_targets(days_between(low, high))
    if not due:
        return 0
    longest = offset.max_days if offset else 0
    if offset is None:
        by_time = NO_DATE
    elif offset.unit == "m":
        by_time = AddMonths(FIRST_SERVICE_START, Value(offset.n))
    else:
        by_time = AddDays(FIRST_SERVICE_START, Value(offset.n))
    by_km = km_reached(FIRST_SERVICE_START, Value(s.rule.km_threshold)) if s.rule.km_threshold else NO_DATE
    rows = (
        _never_serviced(s)
        .annotate(start=FIRST_SERVICE_START, by_time=by_time, by_km=by_km)
        .annotate(target=earliest("by_time", "by_km"))
        .filter(start__range=(low - timedelta(days=longest), high), target__range=span(due))
    )
    return s.insert(
        candidates(
            rows,
            customer_id=F("customer_id"),
            vehicle_id=F("pk"),
            subject=vehicle_subject(),
            occurrence_key=Value("first"),
            target_date=F("target"),
        ),
        due=due,
    )


def _first_service_lost(s: Sweep) -> int:
    """First service lost (首保流失): a car with no maintenance visit at all, on the day the store's period
    (archive policy, 12 months by default) after its delivery, else purchase, has run out."""
    from huifang.archive.services import policy_for

    months = policy_for(store=s.store).first_service_lost_months
    # Month arithmetic is not exactly reversible at month ends: look at a few more start days, decide in rules.
    slack = timedelta(days=3)
    low = s.first_day + timedelta(days=s.rule.lead_days) - relativedelta(months=months) - slack
    high = s.today + timedelta(days=s.rule.lead_days) - relativedelta(months=months) + slack
    lost_on = {start: rules.first_service_lost_on(start, months) for start in days_between(low, high)}
    due_by_day = s.due_targets(set(lost_on.values()))
    due = {start: due_by_day[day] for start, day in lost_on.items() if day in due_by_day}
    if not due:
        return 0
    rows = _never_serviced(s).annotate(start=FIRST_SERVICE_START).filter(start__range=span(due))
    return s.insert(
        candidates(
            rows,
            customer_id=F("customer_id"),
            vehicle_id=F("pk"),
            subject=vehicle_subject(),
            occurrence_key=Value("first_lost"),
            target_date=by_value("start", {start: lost_on[start] for start in due}, DateField()),
        ),
        due=due_by_day,
    )


def _warranty(s: Sweep) -> int:
    due = s.due_targets(days_between(*s.target_range()))
    if not due:
        return 0
    by_km = Case(
        When(warranty_end_km__gt=0, then=km_reached(FIRST_SERVICE_START, F("warranty_end_km"))),
        default=None,
        output_field=DateField(),
    )
    rows = (
        Vehicle.objects.filter(s.consent("customer__"), s.in_segment("customer__"), store=s.store)
        .annotate(by_km=by_km)
        .annotate(target=earliest("warranty_end_date", "by_km"))
        .filter(target__range=span(due))
    )
    # "<end date or ->/<end km or ->": a changed warranty is a new occurrence.
    key = Concat(
        Coalesce(text("warranty_end_date"), Value("-")),
        Value("/"),
        Coalesce(text(NullIf("warranty_end_km", 0)), Value("-")),
    )
    return s.insert(
        candidates(
            rows,
            customer_id=F("customer_id"),
            vehicle_id=F("pk"),
            subject=vehicle_subject(),
            occurrence_key=key,
            target_date=F("target"),
        ),
        due=due,
    )


def _lost_customer(s: Sweep) -> int:
    offsets = rules.parse_offsets(s.rule.offsets)
    last_seen = Coalesce(LocalDate("last_visit_at", tzinfo=s.tz), "delivery_date", "purchase_date")
    # A car never seen in the workshop since its delivery is a first-service case (首保提醒, then 首保流失),
    # not a lost customer (issue 14 §2): it counts from its first visit.
    seen = Q(last_visit_at__isnull=False) if RuleKind.FIRST_SERVICE_LOST in s.enabled_kinds else Q()
    # Month arithmetic is not exactly reversible at month ends: look at a few more days, decide in rules.
    slack = timedelta(days=3)
    parts, due_all = [], {}
    for offset in offsets:  # one SELECT per offset (its occurrence key and due days), one statement for all
        days = days_between(offset.before(s.first_day) - slack, offset.before(s.today) + slack)
        due = {day: rules.lost_due(day, offset, s.tz) for day in days}
        due = {day: due_at for day, due_at in due.items() if s.is_due(due_at)}
        if not due:
            continue
        rows = (
            Vehicle.objects.filter(s.consent("customer__"), s.in_segment("customer__"), seen, store=s.store)
            .annotate(last_seen=last_seen)
            .filter(last_seen__range=span(due))
        )
        parts.append(
            candidates(
                rows,
                customer_id=F("customer_id"),
                vehicle_id=F("pk"),
                subject=vehicle_subject(),
                occurrence_key=Concat(Value(f"{offset.key}:"), text("last_seen")),
                target_date=F("last_seen"),
            )
        )
        due_all.update(due)
    return s.insert(parts, due=due_all)


def _birthday_keys(days: list[date]) -> tuple[list[int], list[int]]:
    """Month*100+day of the solar and of the lunar birthdays that may be celebrated on `days`."""
    solar, lunar = set(), set()
    for day in days:
        solar.add(day.month * 100 + day.day)
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            solar.add(229)
        _, month, lunar_day = solar_to_lunar(day)
        lunar.add(month * 100 + lunar_day)
        if lunar_day == 29:  # a lunar 30th falls on the 29th in a short month
            lunar.add(month * 100 + 30)
    return sorted(solar), sorted(lunar)


def _birthday_due(s: Sweep) -> dict[int, dict[tuple[bool, int], tuple[date, datetime]]]:
    """{year: {(lunar?, month*100+day): (celebrated on, due at)}} for the birthdays due now."""
    days = days_between(s.first_day + timedelta(days=s.rule.lead_days), s.today + timedelta(days=s.rule.lead_days))
    solar, lunar = _birthday_keys(days)
    years = rules.birthday_years_for(days)
    result: dict[int, dict] = {}
    for is_lunar, keys in ((False, solar), (True, lunar)):
        for key in keys:
            month, day = divmod(key, 100)
            try:
                celebrations = rules.birthday_dates_in(date(2000, month, day), is_lunar=is_lunar, years=years)
            except ValueError:  # no such day (a lunar 30th of February cannot be stored either)
                continue
            for celebrated in celebrations:
                year = celebrated.year
                due_at = rules.reminder_due(celebrated, s.rule.lead_days, s.tz)
                if s.is_due(due_at):
                    result.setdefault(year, {})[(is_lunar, key)] = (celebrated, due_at)
    return result


def _birthday(s: Sweep) -> int:
    parts = []
    for year, due in _birthday_due(s).items():  # one SELECT per year (usually one is due), one statement
        rows = (
            Customer.objects.filter(s.consent(), s.in_segment(), store=s.store, birthday__isnull=False)
            .annotate(month_day=MonthDay("birthday"))
            .filter(
                Q(birthday_is_lunar=False, month_day__in=[k for lunar, k in due if not lunar])
                | Q(birthday_is_lunar=True, month_day__in=[k for lunar, k in due if lunar])
            )
        )

        def case(pick, output_field, due=due):
            whens = [
                When(birthday_is_lunar=lunar, month_day=key, then=Value(pick(value), output_field=output_field))
                for (lunar, key), value in due.items()
            ]
            return Case(*whens, default=None, output_field=output_field)

        parts.append(
            candidates(
                rows,
                customer_id=F("pk"),
                subject=Concat(Value("c"), text("pk")),
                occurrence_key=Value(str(year)),
                target_date=case(lambda v: v[0], DateField()),
                due_at=case(lambda v: v[1], DateTimeField()),
                window_end=case(lambda v: v[1] + s.window, DateTimeField()),
            )
        )
    return s.insert(parts)


def _holiday(s: Sweep) -> int:
    """Holiday greetings go to every (consenting) customer at once; never assigned (automatic messages)."""
    created = 0
    for festival, day in rules.festival_dates_around(s.rule.festivals.split(","), s.today):
        due_at = rules.reminder_due(day, s.rule.lead_days, s.tz)
        if not s.is_due(due_at):
            continue
        rows = Customer.objects.filter(s.consent(), s.in_segment(), store=s.store)
        created += s.insert(
            candidates(
                rows,
                customer_id=F("pk"),
                subject=Concat(Value("c"), text("pk")),
                occurrence_key=Value(f"{festival}:{day.year}"),
                target_date=Value(day, output_field=DateField()),
                due_at=Value(due_at, output_field=DateTimeField()),
                window_end=Value(due_at + s.window, output_field=DateTimeField()),
            ),
            owner=OwnerRule.AUTOMATIC,
        )
    return created


BUILDERS: dict[str, Callable[[Sweep], int]] = {
    RuleKind.POST_SERVICE_CALL: _post_service,
    RuleKind.FIRST_VISIT_SERIES: _first_visit_series,
    RuleKind.MAINTENANCE_REMINDER: _date_reminder("next_maintenance_date", _maintenance_key, _maintenance_only),
    RuleKind.FIRST_SERVICE_REMINDER: _first_service,
    RuleKind.FIRST_SERVICE_LOST: _first_service_lost,
    RuleKind.WARRANTY_EXPIRY: _warranty,
    RuleKind.INSURANCE_RENEWAL: _date_reminder("insurance_expiry", _date_key("insurance_expiry")),
    RuleKind.INSPECTION_DUE: _date_reminder("inspection_due", _date_key("inspection_due")),
    RuleKind.LICENCE_DUE: _date_reminder("licence_due", _date_key("licence_due")),
    RuleKind.LOST_CUSTOMER: _lost_customer,
    RuleKind.BIRTHDAY_GREETING: _birthday,
    RuleKind.HOLIDAY_GREETING: _holiday,
    # Complaint follow-ups are created by the complaints app when a complaint closes (issue 3, later).
}

# Kinds the 5-minute job sweeps; the daily job sweeps the rest.
FREQUENT_KINDS = (RuleKind.POST_SERVICE_CALL,)
DAILY_KINDS = tuple(kind for kind in BUILDERS if kind not in FREQUENT_KINDS)


def sweep_run(*, store: Store, now: datetime, kinds: tuple[str, ...] | None = None) -> dict[str, int]:
    """Create every task of `store` due at `now` (or only of `kinds`); returns {kind: tasks created}.

    Rules run one after the other, each reading the specialists' open work as the previous ones left it,
    so the care team's load stays level across the whole sweep."""
    stored = list(FollowUpRule.objects.filter(store=store).order_by("kind"))
    if not DEFAULT_RULES.keys() <= {rule.kind for rule in stored}:  # a new store: one more read, once
        rules_ensure_defaults(store=store)
        stored = list(FollowUpRule.objects.filter(store=store).order_by("kind"))
    enabled = [rule for rule in stored if rule.enabled]
    enabled_kinds = frozenset(rule.kind for rule in enabled)
    selected = [rule for rule in enabled if kinds is None or rule.kind in kinds]
    tz = ZoneInfo(store.time_zone)
    counts: dict[str, int] = {}
    for rule in selected:
        if rule.kind in BUILDERS:
            sweep = Sweep(store=store, rule=rule, now=now, tz=tz, enabled_kinds=enabled_kinds)
            counts[rule.kind] = BUILDERS[rule.kind](sweep)
    return counts
