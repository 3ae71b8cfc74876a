"""Reminder effectiveness (提醒效果): did the customer come back with a repair order within the return window?

Issue 3 §7 and seed 000: for every reminder, whether the customer returned within 30 days (a setting), shown
per rule and month and reported to the service managers. The figures are one aggregate query
(annotate Exists + values().annotate(Count)), so the screen and the report cost the same at any size.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, When
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.archive.models import RepairOrder

from .choices import RuleKind, TaskStatus
from .defaults import RETURN_WINDOW_DAYS
from .models import FollowUpRule, FollowUpTask

# Months on the effectiveness screen, the current one included.
MONTHS_SHOWN = 6

# Rules that remind the customer of something they should come in for; calls after a visit and greetings
# do not invite a repair order, so they are not measured.
REMINDER_KINDS: tuple[str, ...] = (
    RuleKind.MAINTENANCE_REMINDER,
    RuleKind.FIRST_SERVICE_REMINDER,
    RuleKind.WARRANTY_EXPIRY,
    RuleKind.INSURANCE_RENEWAL,
    RuleKind.INSPECTION_DUE,
    RuleKind.LICENCE_DUE,
    RuleKind.LOST_CUSTOMER,
    RuleKind.FIRST_SERVICE_LOST,
)
# Roles that see the screen; seed 000 asks for the reminder results to be reported to the service manager
# and the sales manager, who also receive the monthly report.
EFFECTIVENESS_ROLES = frozenset(
    {Role.SERVICE_MANAGER, Role.SALES_MANAGER, Role.CARE_DIRECTOR, Role.GROUP_MANAGER, Role.ADMIN}
)
REPORT_ROLES = frozenset({Role.SERVICE_MANAGER, Role.SALES_MANAGER})


def return_window_days(*, stores: Iterable[Store] = ()) -> int | None:
    """The return window the stores' reminder rules share (for the screen's legend); None when they differ."""
    windows = set(
        FollowUpRule.objects.filter(store__in=list(stores), kind__in=REMINDER_KINDS).values_list(
            "return_window_days", flat=True
        )
    )
    if not windows:
        return RETURN_WINDOW_DAYS
    return windows.pop() if len(windows) == 1 else None


def month_starts(*, today: date, count: int = MONTHS_SHOWN) -> list[date]:
    """The first days of the `count` months up to and including today's, oldest first."""
    first = today.replace(day=1) - relativedelta(months=count - 1)
    return [first + relativedelta(months=i) for i in range(count)]


def _time_zone(stores: Sequence[Store]) -> ZoneInfo:
    return ZoneInfo(stores[0].time_zone if stores else settings.TIME_ZONE)


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def reminder_effectiveness(
    *,
    stores: Iterable[Store],
    months: list[date],
    window_days: int | None = None,
    booking_days: int | None = None,
    booking_days_by_store: dict[int, int] | None = None,
) -> list[dict]:
    """Per store, reminder kind and month: reminders made, how many were booked, arrived and returned.

    A reminder's time is when it was done (closed_at), else when it was due; it is bucketed by month in the
    store's time zone. Cancelled tasks were never made and do not count. Then, for each reminder:
    - booked: an appointment was made during the reminder call (the appointment names the task), or for its
      vehicle (a customer reminder: for its customer) in [reminder time, reminder time + booking_days), by
      any channel, the DMS import included; a booking cancelled later still counts as booked;
    - arrived: such an appointment was kept (matched to a repair order, or reported arrived by the DMS);
    - returned: a repair order was opened for its vehicle (or customer) in [reminder time, + window_days).
    Rows: store_id, kind, month (a first day), reminded, booked, arrived, returned, rate (returned per cent of
    reminded, one decimal). Months without reminders have no row.

    Without `window_days`, each rule's own return window applies; without `booking_days`, each store's
    appointment setting (a booking counts for a reminder up to N days after it; pass `booking_days_by_store`
    when it was read already). One query per distinct pair, usually one in all.
    """
    stores = list(stores)
    if not stores or not months:
        return []
    if booking_days is not None:
        booking_by_store = {s.pk: booking_days for s in stores}
    else:
        booking_by_store = booking_days_by_store or reminder_booking_days(stores=stores)
    groups: dict[tuple[int, int], list[int]] = {}
    if window_days is None:
        for pk, store_id, days in FollowUpRule.objects.filter(store__in=stores, kind__in=REMINDER_KINDS).values_list(
            "pk", "store_id", "return_window_days"
        ):
            groups.setdefault((days, booking_by_store[store_id]), []).append(pk)
        subsets = {key: Q(rule_id__in=ids) for key, ids in groups.items()}
    else:
        for store in stores:
            groups.setdefault((window_days, booking_by_store[store.pk]), []).append(store.pk)
        subsets = {key: Q(store_id__in=ids) for key, ids in groups.items()}
    rows = [
        row
        for (window, booking), subset in subsets.items()
        for row in _effectiveness_rows(
            stores=stores, months=months, window_days=window, booking_days=booking, subset=subset
        )
    ]
    return sorted(rows, key=lambda r: (r["store_id"], r["kind"], r["month"]))


def reminder_booking_days(*, stores: Iterable[Store]) -> dict[int, int]:
    """{store id: days after a reminder in which a booking counts for it} (appointment settings, else default)."""
    from huifang.appointments.defaults import REMINDER_BOOKING_DAYS
    from huifang.appointments.models import AppointmentPolicy

    stores = list(stores)
    days = dict(AppointmentPolicy.objects.filter(store__in=stores).values_list("store_id", "reminder_booking_days"))
    return {s.pk: days.get(s.pk, REMINDER_BOOKING_DAYS) for s in stores}


def shared_value(values: dict[int, int]) -> int | None:
    """The one value all stores share (for the screen's legend); None when they differ or there is none."""
    distinct = set(values.values())
    return distinct.pop() if len(distinct) == 1 else None


def _booked_and_arrived() -> dict:
    """Annotations: booked from the call, booked later by the vehicle (or customer), and the same kept."""
    from huifang.appointments.choices import AppointmentStatus
    from huifang.appointments.models import Appointment

    from_call = Appointment.objects.filter(task_id=OuterRef("pk"))
    later = Appointment.objects.filter(created_at__gte=OuterRef("reminded_at"), created_at__lt=OuterRef("book_by"))
    by_subject = Case(
        When(vehicle__isnull=True, then=Exists(later.filter(customer_id=OuterRef("customer_id")))),
        default=Exists(later.filter(vehicle_id=OuterRef("vehicle_id"))),
    )
    kept = later.filter(status=AppointmentStatus.ARRIVED)
    kept_by_subject = Case(
        When(vehicle__isnull=True, then=Exists(kept.filter(customer_id=OuterRef("customer_id")))),
        default=Exists(kept.filter(vehicle_id=OuterRef("vehicle_id"))),
    )
    return {
        "booked_in_call": Exists(from_call),
        "booked_later": by_subject,
        "kept_from_call": Exists(from_call.filter(status=AppointmentStatus.ARRIVED)),
        "kept_later": kept_by_subject,
    }


def _effectiveness_rows(
    *, stores: list[Store], months: list[date], window_days: int, booking_days: int, subset: Q
) -> list[dict]:
    tz = _time_zone(stores)
    start = datetime.combine(min(months), time.min, tzinfo=tz)
    end = datetime.combine(max(months) + relativedelta(months=1), time.min, tzinfo=tz)
    visits = RepairOrder.objects.filter(opened_at__gte=OuterRef("reminded_at"), opened_at__lt=OuterRef("return_by"))
    tasks = FollowUpTask.objects.filter(store__in=stores, kind__in=REMINDER_KINDS).filter(subset)
    rows = (
        tasks.exclude(status=TaskStatus.CANCELLED)
        .annotate(
            reminded_at=Case(
                When(status=TaskStatus.DONE, closed_at__isnull=False, then=F("closed_at")),
                default=F("due_at"),
                output_field=DateTimeField(),
            )
        )
        .filter(reminded_at__gte=start, reminded_at__lt=end)
        .annotate(
            return_by=ExpressionWrapper(F("reminded_at") + timedelta(days=window_days), output_field=DateTimeField()),
            book_by=ExpressionWrapper(F("reminded_at") + timedelta(days=booking_days), output_field=DateTimeField()),
            came_back=Case(
                When(vehicle__isnull=True, then=Exists(visits.filter(customer_id=OuterRef("customer_id")))),
                default=Exists(visits.filter(vehicle_id=OuterRef("vehicle_id"))),
            ),
            month=TruncMonth("reminded_at", tzinfo=tz),
        )
        .annotate(**_booked_and_arrived())
        .order_by()
        .values("store", "kind", "month")
        .annotate(
            reminded=Count("pk"),
            returned=Count("pk", filter=Q(came_back=True)),
            booked=Count("pk", filter=Q(booked_in_call=True) | Q(booked_later=True)),
            arrived=Count("pk", filter=Q(kept_from_call=True) | Q(kept_later=True)),
        )
        .order_by("store", "kind", "month")
    )
    wanted = set(months)
    result = []
    for row in rows:
        month = _as_date(row["month"])
        if month not in wanted:
            continue
        result.append(
            {
                "store_id": row["store"],
                "kind": row["kind"],
                "month": month,
                "reminded": row["reminded"],
                "booked": row["booked"],
                "arrived": row["arrived"],
                "returned": row["returned"],
                "rate": _rate(row["returned"], row["reminded"]),
            }
        )
    return result


def _rate(returned: int, reminded: int) -> float | None:
    return round(100 * returned / reminded, 1) if reminded else None


FUNNEL = ("reminded", "booked", "arrived", "returned")


def _cell(counts, **extra) -> dict:
    """Counts (reminded, booked, arrived, returned) with their rates: returned and booked of the reminded,
    arrived of the booked."""
    reminded, booked, arrived, returned = counts
    return {
        **extra,
        "reminded": reminded,
        "booked": booked,
        "arrived": arrived,
        "returned": returned,
        "rate": _rate(returned, reminded),
        "booked_rate": _rate(booked, reminded),
        "arrived_rate": _rate(arrived, booked),
    }


def _sum(cells: Iterable[dict]) -> list[int]:
    cells = list(cells)
    return [sum(c[name] for c in cells) for name in FUNNEL]


def effectiveness_table(*, rows: Iterable[dict], months: list[date]) -> dict:
    """The selector's rows summed over stores: one line per reminder kind with a cell per month, and totals.

    Every reminder kind gets a line (zeros included), in REMINDER_KINDS order, so the screen's rows and the
    report's lines never move. Returns {"lines": [...], "months": [per-month totals], "total": {...}}.
    """
    counts: dict[tuple[str, date], list[int]] = {}
    for row in rows:
        cell = counts.setdefault((row["kind"], row["month"]), [0, 0, 0, 0])
        for i, name in enumerate(FUNNEL):
            cell[i] += row.get(name, 0)
    labels = dict(RuleKind.choices)
    lines = []
    for kind in REMINDER_KINDS:
        per_month = [_cell(counts.get((kind, month), (0, 0, 0, 0)), month=month) for month in months]
        lines.append(_cell(_sum(per_month), kind=kind, label=str(labels[kind]), months=per_month))
    per_month_totals = [_cell(_sum(line["months"][i] for line in lines), month=month) for i, month in enumerate(months)]
    return {"lines": lines, "months": per_month_totals, "total": _cell(_sum(lines))}


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1f}%"


def _window_sentence(window_days: int | None) -> str:
    if window_days is None:
        return _(
            "A reminder counts as returned when the customer opened a repair order within its rule's return window."
        )
    return _("A reminder counts as returned when the customer opened a repair order within %(days)s days.") % {
        "days": window_days
    }


def _report_text(*, store: Store, month: date, table: dict, window_days: int | None) -> str:
    lines = [
        _("Reminder effectiveness of %(store)s in %(month)s") % {"store": store.name, "month": f"{month:%Y-%m}"},
        _window_sentence(window_days),
        "",
        "\t".join([_("Reminder"), _("Reminded"), _("Booked"), _("Arrived"), _("Returned"), _("Return rate")]),
    ]
    lines.extend(
        "\t".join(
            [
                line["label"],
                *(str(line[name]) for name in ("reminded", "booked", "arrived", "returned")),
                _percent(line["rate"]),
            ]
        )  # fmt: skip
        for line in [*table["lines"], {**table["total"], "label": _("Total")}]
    )
    lines += [
        "",
        _("Reminders made late in the month may still bring the customer back; the figures can still rise."),
    ]
    return "\n".join(lines)


def report_recipients(*, store: Store) -> list[User]:
    """Active users with an e-mail address holding a report role in the store (directly, by group or region)."""
    in_store = Q(memberships__store=store) | Q(memberships__group_id=store.group_id)
    if store.region_id is not None:
        in_store |= Q(memberships__region_id=store.region_id)
    return list(
        User.objects.filter(in_store, memberships__role__in=REPORT_ROLES, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def effectiveness_report_send(*, store: Store, month: date, now: datetime) -> list:
    """Queue the month's effectiveness table as an e-mail to each service manager of the store, once each."""
    from huifang.messaging.choices import MessageChannel, MessagePurpose
    from huifang.messaging.services import message_queue

    month = month.replace(day=1)
    window_days = return_window_days(stores=[store])
    rows = reminder_effectiveness(stores=[store], months=[month])
    table = effectiveness_table(rows=rows, months=[month])
    subject = _("Reminder effectiveness %(month)s · %(store)s") % {"month": f"{month:%Y-%m}", "store": store.name}
    body = _report_text(store=store, month=month, table=table, window_days=window_days)
    with transaction.atomic():
        return [
            message_queue(
                store=store,
                customer=None,
                channel=MessageChannel.EMAIL,
                purpose=MessagePurpose.SERVICE,
                now=now,
                # Plain text, not a template: braces in a store name must not be read as placeholders.
                body=_escape_braces(body),
                subject=_escape_braces(subject),
                to_address=user.email,
                idempotency_key=f"effectiveness-report:{store.pk}:{month:%Y-%m}:user:{user.pk}",
                related=user,
            )
            for user in report_recipients(store=store)
        ]


def _escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def previous_month(*, now: datetime, tz: ZoneInfo | None = None) -> date:
    """The first day of the month before `now`'s month, in `tz` (the store's time zone)."""
    local = now.astimezone(tz) if tz else now
    return local.date().replace(day=1) - relativedelta(months=1)
