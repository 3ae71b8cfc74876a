"""The follow-up sweep: turn the archive into due tasks, idempotently and set-based.

For each enabled rule of the store, ONE query selects a superset of the candidates straight from
the archive tables (a date range on an indexed column, never a query per row); the pure functions
of `rules.py` compute each candidate's exact due time, and the tasks due now are inserted in
batches with `bulk_create(ignore_conflicts=True)` against the unique constraint
(rule, subject, occurrence): running twice, or in two workers at once, creates nothing twice.
Holiday greetings, which go to every consenting customer at once, skip Python altogether:
one `INSERT … SELECT … ON CONFLICT DO NOTHING` per festival.

The archive is read as it is now (derived vehicle figures included), so replaying a past day
(`now` in the past) creates the occurrences that were due that day according to today's archive.
"""

import calendar
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import CharField, DateField, DateTimeField, ExpressionWrapper, F, FloatField, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat, ExtractDay, ExtractMonth, Floor, NullIf, TruncDate

from huifang.accounts.models import Store
from huifang.archive.defaults import DAY_EPSILON
from huifang.archive.models import Customer, RepairOrder, Vehicle
from huifang.archive.segments import segment_q
from huifang.core.calendar import solar_to_lunar
from huifang.core.sql import AddDays

from . import rules
from .choices import OwnerRule, RuleKind, TaskStatus
from .models import FollowUpRule, FollowUpTask
from .selectors import specialists_open_counts
from .services import rules_ensure_defaults

# Rows per INSERT and per fetch from the archive; a million vehicles never sit in memory at once.
BATCH_SIZE = 5000
CHUNK_SIZE = 10000


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

    def task(self, *, customer_id, due_at, key, vehicle_id=None, repair_order_id=None, target=None):
        return FollowUpTask(
            store_id=self.store.pk,
            rule_id=self.rule.pk,
            kind=self.rule.kind,
            customer_id=customer_id,
            vehicle_id=vehicle_id,
            repair_order_id=repair_order_id,
            subject=f"v{vehicle_id}" if vehicle_id else f"c{customer_id}",
            occurrence_key=key,
            target_date=target,
            due_at=due_at,
            window_end=due_at + self.window,
            status=TaskStatus.OPEN,
            channel=self.rule.channel,
            created_at=self.now,
        )

    def is_due(self, due_at: datetime) -> bool:
        return rules.is_due(due_at, self.window, self.now)

    def target_range(self) -> tuple[date, date]:
        """Target dates whose reminder (lead days before) falls due inside the window."""
        lead = timedelta(days=self.rule.lead_days)
        return self.first_day + lead, self.today + lead

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


# A candidate is (unsaved task, the advisor who should get it or None).
Candidates = Iterator[tuple[FollowUpTask, int | None]]


def _post_service(s: Sweep) -> Candidates:
    delay = timedelta(hours=s.rule.delay_hours)
    rows = (
        RepairOrder.objects.filter(
            s.consent("customer__"),
            s.in_segment("customer__"),
            store=s.store,
            delivered_at__gt=s.now - s.window - delay,
            delivered_at__lte=s.now - delay,
        )
        .values_list(
            "pk", "customer_id", "vehicle_id", "delivered_at", "advisor_id", "advisor__is_active", "advisor__on_leave"
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for ro_id, customer_id, vehicle_id, delivered_at, advisor_id, active, on_leave in rows:
        due_at = rules.post_service_due(delivered_at, s.rule.delay_hours)
        if s.is_due(due_at):
            task = s.task(
                customer_id=customer_id, vehicle_id=vehicle_id, repair_order_id=ro_id, due_at=due_at, key=f"ro{ro_id}"
            )
            yield task, advisor_id if advisor_id and active and not on_leave else None


def _first_visit_series(s: Sweep) -> Candidates:
    offsets = rules.parse_offsets(s.rule.offsets)
    if not offsets:
        return
    longest = max(o.max_days for o in offsets)
    shortest = min(o.min_days for o in offsets)
    # Whole local days, so each day's cohort of new customers is complete for the sample (issue 14 §2).
    since = rules.start_of_day((s.now - s.window - timedelta(days=longest + 1)).astimezone(s.tz).date(), s.tz)
    until = rules.start_of_day((s.now - timedelta(days=shortest)).astimezone(s.tz).date() + timedelta(days=1), s.tz)
    rows = list(
        Customer.objects.filter(
            s.consent(), s.in_segment(), store=s.store, first_visit_at__gte=since, first_visit_at__lt=until
        ).values_list("pk", "first_visit_at")
    )
    chosen = None
    if s.rule.sample_percent < 100:
        cohorts: dict[date, list[int]] = {}
        for customer_id, first_visit_at in rows:
            cohorts.setdefault(first_visit_at.astimezone(s.tz).date(), []).append(customer_id)
        chosen = set().union(*(rules.sampled(s.store.pk, ids, s.rule.sample_percent) for ids in cohorts.values()))
    for customer_id, first_visit_at in rows:
        if chosen is not None and customer_id not in chosen:
            continue
        for offset in offsets:
            due_at = rules.series_due(first_visit_at.astimezone(s.tz), offset)
            if s.is_due(due_at):
                yield s.task(customer_id=customer_id, due_at=due_at, key=offset.key), None


def _date_reminder(
    column: str, key_of: Callable, only: Callable[[Sweep], Q] = lambda s: Q()
) -> Callable[[Sweep], Candidates]:
    """Reminder `lead_days` before the date in `column` (maintenance, insurance, inspection, licence)."""

    def build(s: Sweep) -> Candidates:
        low, high = s.target_range()
        rows = (
            Vehicle.objects.filter(
                s.consent("customer__"),
                s.in_segment("customer__"),
                only(s),
                store=s.store,
                **{f"{column}__range": (low, high)},
            )
            .values_list("pk", "customer_id", column, "last_maintenance_at", "delivery_date", "purchase_date")
            .iterator(chunk_size=CHUNK_SIZE)
        )
        for vehicle_id, customer_id, target, last_maintenance_at, delivery, purchase in rows:
            due_at = rules.reminder_due(target, s.rule.lead_days, s.tz)
            if s.is_due(due_at):
                base = last_maintenance_at.astimezone(s.tz).date() if last_maintenance_at else delivery or purchase
                key = key_of(target=target, base=base)
                yield (
                    s.task(customer_id=customer_id, vehicle_id=vehicle_id, due_at=due_at, key=key, target=target),
                    None,
                )

    return build


def _maintenance_only(s: Sweep) -> Q:
    """One reminder per car per service (issue 14 §2): a car never maintained is waiting for its first service,
    whose reminder (首保提醒) replaces the ordinary one (定保提醒) for the same car and target, never both."""
    if RuleKind.FIRST_SERVICE_REMINDER in s.enabled_kinds:
        return Q(last_maintenance_at__isnull=False)
    return Q()


# Issue 14 §2: the first service counts from the new-car delivery date, else from the sale/purchase date.
FIRST_SERVICE_START = Coalesce("delivery_date", "purchase_date")


def _first_service(s: Sweep) -> Candidates:
    offsets = rules.parse_offsets(s.rule.offsets)
    offset = offsets[0] if offsets else None
    low, high = s.target_range()
    longest = offset.max_days if offset else 0
    rows = (
        Vehicle.objects.filter(
            s.consent("customer__"), s.in_segment("customer__"), store=s.store, last_maintenance_at__isnull=True
        )
        .annotate(start=FIRST_SERVICE_START)
        .filter(start__range=(low - timedelta(days=longest), high))
        .values_list("pk", "customer_id", "start", "avg_km_per_day")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for vehicle_id, customer_id, start, km_per_day in rows:
        target = rules.first_service_target(start, offset, s.rule.km_threshold, km_per_day)
        if target is None:
            continue
        due_at = rules.reminder_due(target, s.rule.lead_days, s.tz)
        if s.is_due(due_at):
            yield (
                s.task(customer_id=customer_id, vehicle_id=vehicle_id, due_at=due_at, key="first", target=target),
                None,
            )


def _first_service_lost(s: Sweep) -> Candidates:
    """First service lost (首保流失): a car with no maintenance visit at all, on the day the store's period
    (archive policy, 12 months by default) after its delivery, else purchase, has run out."""
    from huifang.archive.services import policy_for

    months = policy_for(store=s.store).first_service_lost_months
    # Month arithmetic is not exactly reversible at month ends: select a few days more, decide in rules.
    slack = timedelta(days=3)
    low = s.first_day + timedelta(days=s.rule.lead_days) - relativedelta(months=months) - slack
    high = s.today + timedelta(days=s.rule.lead_days) - relativedelta(months=months) + slack
    rows = (
        Vehicle.objects.filter(
            s.consent("customer__"), s.in_segment("customer__"), store=s.store, last_maintenance_at__isnull=True
        )
        .annotate(start=FIRST_SERVICE_START)
        .filter(start__range=(low, high))
        .values_list("pk", "customer_id", "start")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for vehicle_id, customer_id, start in rows:
        lost_on = rules.first_service_lost_on(start, months)
        due_at = rules.reminder_due(lost_on, s.rule.lead_days, s.tz)
        if s.is_due(due_at):
            task = s.task(
                customer_id=customer_id, vehicle_id=vehicle_id, due_at=due_at, key="first_lost", target=lost_on
            )
            yield task, None


def _warranty(s: Sweep) -> Candidates:
    low, high = s.target_range()
    km_date = AddDays(
        Coalesce("delivery_date", "purchase_date"),
        Floor(
            ExpressionWrapper(
                F("warranty_end_km") * 1.0 / NullIf("avg_km_per_day", 0.0) + Value(DAY_EPSILON),
                output_field=FloatField(),
            )
        ),
    )
    rows = (
        Vehicle.objects.filter(s.consent("customer__"), s.in_segment("customer__"), store=s.store)
        .annotate(km_date=km_date)
        .filter(
            Q(warranty_end_date__range=(low, high))
            | Q(warranty_end_km__isnull=False, avg_km_per_day__gt=0, km_date__range=(low, high))
        )
        .values_list(
            "pk",
            "customer_id",
            "warranty_end_date",
            "warranty_end_km",
            "delivery_date",
            "purchase_date",
            "avg_km_per_day",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for vehicle_id, customer_id, end_date, end_km, delivery, purchase, km_per_day in rows:
        target = rules.warranty_target(end_date, end_km, delivery or purchase, km_per_day)
        if target is None:
            continue
        due_at = rules.reminder_due(target, s.rule.lead_days, s.tz)
        if s.is_due(due_at):
            key = f"{end_date or '-'}/{end_km or '-'}"
            yield s.task(customer_id=customer_id, vehicle_id=vehicle_id, due_at=due_at, key=key, target=target), None


def _lost_customer(s: Sweep) -> Candidates:
    offsets = rules.parse_offsets(s.rule.offsets)
    if not offsets:
        return
    # Month arithmetic is not exactly reversible at month ends: select a few days more, decide in rules.
    slack = timedelta(days=3)
    ranges = Q()
    for offset in offsets:
        ranges |= Q(last_seen__range=(offset.before(s.first_day) - slack, offset.before(s.today) + slack))
    last_seen = Coalesce(TruncDate("last_visit_at", tzinfo=s.tz), "delivery_date", "purchase_date")
    # A car never seen in the workshop since its delivery is a first-service case (首保提醒, then 首保流失),
    # not a lost customer (issue 14 §2): it counts from its first visit.
    seen = Q(last_visit_at__isnull=False) if RuleKind.FIRST_SERVICE_LOST in s.enabled_kinds else Q()
    rows = (
        Vehicle.objects.filter(s.consent("customer__"), s.in_segment("customer__"), seen, store=s.store)
        .annotate(last_seen=last_seen)
        .filter(ranges)
        .values_list("pk", "customer_id", "last_seen")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for vehicle_id, customer_id, seen in rows:
        for offset in offsets:
            due_at = rules.lost_due(seen, offset, s.tz)
            if s.is_due(due_at):
                key = f"{offset.key}:{seen.isoformat()}"
                yield s.task(customer_id=customer_id, vehicle_id=vehicle_id, due_at=due_at, key=key, target=seen), None


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


def _birthday(s: Sweep) -> Candidates:
    lead = timedelta(days=s.rule.lead_days)
    days, day = [], s.first_day + lead
    while day <= s.today + lead:
        days.append(day)
        day += timedelta(days=1)
    solar, lunar = _birthday_keys(days)
    rows = (
        Customer.objects.filter(s.consent(), s.in_segment(), store=s.store, birthday__isnull=False)
        .annotate(month_day=ExtractMonth("birthday") * 100 + ExtractDay("birthday"))
        .filter(Q(birthday_is_lunar=False, month_day__in=solar) | Q(birthday_is_lunar=True, month_day__in=lunar))
        .values_list("pk", "birthday", "birthday_is_lunar")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for customer_id, birthday, is_lunar in rows:
        for celebrated in rules.birthday_dates_around(birthday, is_lunar=is_lunar, today=s.today):
            due_at = rules.reminder_due(celebrated, s.rule.lead_days, s.tz)
            if s.is_due(due_at):
                key = str(celebrated.year)
                yield s.task(customer_id=customer_id, due_at=due_at, key=key, target=celebrated), None


def _holiday(s: Sweep) -> int:
    """Holiday greetings go to every (consenting) customer at once: INSERT … SELECT, no row through Python."""
    due_now = [
        (festival, day, rules.reminder_due(day, s.rule.lead_days, s.tz))
        for festival, day in rules.festival_dates_around(s.rule.festivals.split(","), s.today)
    ]
    created = 0
    for festival, day, due_at in due_now:
        if not s.is_due(due_at):
            continue
        select = (
            Customer.objects.filter(s.consent(), s.in_segment(), store=s.store)
            .order_by()
            .annotate(
                t_store=Value(s.store.pk),
                t_rule=Value(s.rule.pk),
                t_kind=Value(s.rule.kind),
                t_subject=Concat(Value("c"), Cast("pk", CharField())),
                t_key=Value(f"{festival}:{day.year}"),
                t_target=Value(day, output_field=DateField()),
                t_due=Value(due_at, output_field=DateTimeField()),
                t_end=Value(due_at + s.window, output_field=DateTimeField()),
                t_status=Value(TaskStatus.OPEN),
                t_channel=Value(s.rule.channel),
                t_created=Value(s.now, output_field=DateTimeField()),
            )
            .values_list(
                "t_store",
                "t_rule",
                "t_kind",
                "pk",
                "t_subject",
                "t_key",
                "t_target",
                "t_due",
                "t_end",
                "t_status",
                "t_channel",
                "t_created",
            )
        )
        created += _insert_select(select)
    return created


def _insert_select(select) -> int:
    """INSERT INTO followuptask (…) SELECT …  ON CONFLICT DO NOTHING (PostgreSQL and SQLite ≥ 3.24); rows inserted."""
    columns = (
        "store_id",
        "rule_id",
        "kind",
        "customer_id",
        "subject",
        "occurrence_key",
        "target_date",
        "due_at",
        "window_end",
        "status",
        "channel",
        "created_at",
    )
    sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(FollowUpTask._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    # The SELECT always has a WHERE (the store), which SQLite needs before ON CONFLICT.
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql} ON CONFLICT DO NOTHING", params)
        return cursor.rowcount


BUILDERS: dict[str, Callable[[Sweep], Candidates]] = {
    RuleKind.POST_SERVICE_CALL: _post_service,
    RuleKind.FIRST_VISIT_SERIES: _first_visit_series,
    RuleKind.MAINTENANCE_REMINDER: _date_reminder(
        "next_maintenance_date", lambda target, base: f"m{base or target}", _maintenance_only
    ),
    RuleKind.FIRST_SERVICE_REMINDER: _first_service,
    RuleKind.FIRST_SERVICE_LOST: _first_service_lost,
    RuleKind.WARRANTY_EXPIRY: _warranty,
    RuleKind.INSURANCE_RENEWAL: _date_reminder("insurance_expiry", lambda target, base: target.isoformat()),
    RuleKind.INSPECTION_DUE: _date_reminder("inspection_due", lambda target, base: target.isoformat()),
    RuleKind.LICENCE_DUE: _date_reminder("licence_due", lambda target, base: target.isoformat()),
    RuleKind.LOST_CUSTOMER: _lost_customer,
    RuleKind.BIRTHDAY_GREETING: _birthday,
    # Complaint follow-ups are created by the complaints app when a complaint closes (issue 3, later).
}

# Kinds whose tasks are inserted straight from a SELECT (no assignment, possibly every customer).
INSERT_SELECT_BUILDERS: dict[str, Callable[[Sweep], int]] = {RuleKind.HOLIDAY_GREETING: _holiday}

# Kinds the 5-minute job sweeps; the daily job sweeps the rest.
FREQUENT_KINDS = (RuleKind.POST_SERVICE_CALL,)
DAILY_KINDS = tuple(kind for kind in (*BUILDERS, *INSERT_SELECT_BUILDERS) if kind not in FREQUENT_KINDS)


class _Assigner:
    """Who gets each new task: the RO's advisor when the rule says so, else the least loaded specialist."""

    def __init__(self, store: Store):
        self.store = store
        self._balancer: rules.Balancer | None = None

    def __call__(self, rule: FollowUpRule, advisor_id: int | None) -> int | None:
        if rule.owner_rule == OwnerRule.AUTOMATIC:
            return None
        if rule.owner_rule == OwnerRule.RO_ADVISOR and advisor_id is not None:
            return advisor_id
        if self._balancer is None:  # current open counts, read once per sweep
            self._balancer = rules.Balancer(specialists_open_counts(store=self.store))
        return self._balancer.take()


def sweep_run(*, store: Store, now: datetime, kinds: tuple[str, ...] | None = None) -> dict[str, int]:
    """Create every task of `store` due at `now` (or only of `kinds`); returns {kind: tasks created}."""
    rules_ensure_defaults(store=store)
    enabled = list(FollowUpRule.objects.filter(store=store, enabled=True).order_by("kind"))
    enabled_kinds = frozenset(rule.kind for rule in enabled)
    selected = [rule for rule in enabled if kinds is None or rule.kind in kinds]
    tz = ZoneInfo(store.time_zone)
    assign = _Assigner(store)
    counts: dict[str, int] = {}
    for rule in selected:
        sweep = Sweep(store=store, rule=rule, now=now, tz=tz, enabled_kinds=enabled_kinds)
        if rule.kind in INSERT_SELECT_BUILDERS:
            counts[rule.kind] = INSERT_SELECT_BUILDERS[rule.kind](sweep)
        elif rule.kind in BUILDERS:
            counts[rule.kind] = _insert(sweep, BUILDERS[rule.kind](sweep), assign)
    return counts


def _insert(sweep: Sweep, candidates: Candidates, assign: _Assigner) -> int:
    # Occurrences already made in this window are skipped before assignment, so workloads stay true;
    # the unique constraint still protects against a second worker inserting the same rows meanwhile.
    existing = set(
        FollowUpTask.objects.filter(
            rule=sweep.rule, due_at__gt=sweep.now - sweep.window, due_at__lte=sweep.now
        ).values_list("subject", "occurrence_key")
    )
    created, batch = 0, []
    for task, advisor_id in candidates:
        if (task.subject, task.occurrence_key) in existing:
            continue
        existing.add((task.subject, task.occurrence_key))
        task.assigned_to_id = assign(sweep.rule, advisor_id)
        batch.append(task)
        if len(batch) >= BATCH_SIZE:
            created += _flush(batch)
            batch = []
    if batch:
        created += _flush(batch)
    return created


def _flush(batch: list[FollowUpTask]) -> int:
    FollowUpTask.objects.bulk_create(batch, batch_size=BATCH_SIZE, ignore_conflicts=True)
    return len(batch)
