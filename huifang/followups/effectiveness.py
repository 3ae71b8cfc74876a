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
    *, stores: Iterable[Store], months: list[date], window_days: int | None = None
) -> list[dict]:
    """Per store, reminder kind and month: reminders made, customers who returned within the window, rate.

    A reminder's time is when it was done (closed_at), else when it was due; it is bucketed by month in the
    store's time zone. It counts as returned when a repair order was opened for its vehicle (or, for a
    customer reminder, for its customer) in [reminder time, reminder time + window_days). Cancelled tasks
    were never made and do not count. Rows: store_id, kind, month (a first day), reminded, returned, rate
    (per cent, one decimal). Months without reminders have no row.

    Without `window_days`, each rule's own return window (a per-store setting) applies: one query per
    distinct window, usually one in all.
    """
    stores = list(stores)
    if not stores or not months:
        return []
    if window_days is None:
        rule_ids_by_window: dict[int, list[int]] = {}
        for pk, days in FollowUpRule.objects.filter(store__in=stores, kind__in=REMINDER_KINDS).values_list(
            "pk", "return_window_days"
        ):
            rule_ids_by_window.setdefault(days, []).append(pk)
        rows = [
            row
            for days, rule_ids in rule_ids_by_window.items()
            for row in _effectiveness_rows(stores=stores, months=months, window_days=days, rule_ids=rule_ids)
        ]
        return sorted(rows, key=lambda r: (r["store_id"], r["kind"], r["month"]))
    return _effectiveness_rows(stores=stores, months=months, window_days=window_days, rule_ids=None)


def _effectiveness_rows(*, stores: list[Store], months: list[date], window_days: int, rule_ids) -> list[dict]:
    tz = _time_zone(stores)
    start = datetime.combine(min(months), time.min, tzinfo=tz)
    end = datetime.combine(max(months) + relativedelta(months=1), time.min, tzinfo=tz)
    visits = RepairOrder.objects.filter(opened_at__gte=OuterRef("reminded_at"), opened_at__lt=OuterRef("return_by"))
    tasks = FollowUpTask.objects.filter(store__in=stores, kind__in=REMINDER_KINDS)
    if rule_ids is not None:
        tasks = tasks.filter(rule_id__in=rule_ids)
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
            came_back=Case(
                When(vehicle__isnull=True, then=Exists(visits.filter(customer_id=OuterRef("customer_id")))),
                default=Exists(visits.filter(vehicle_id=OuterRef("vehicle_id"))),
            ),
            month=TruncMonth("reminded_at", tzinfo=tz),
        )
        .order_by()
        .values("store", "kind", "month")
        .annotate(reminded=Count("pk"), returned=Count("pk", filter=Q(came_back=True)))
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
                "returned": row["returned"],
                "rate": _rate(row["returned"], row["reminded"]),
            }
        )
    return result


def _rate(returned: int, reminded: int) -> float | None:
    return round(100 * returned / reminded, 1) if reminded else None


def _cell(reminded: int, returned: int, **extra) -> dict:
    return {**extra, "reminded": reminded, "returned": returned, "rate": _rate(returned, reminded)}


def effectiveness_table(*, rows: Iterable[dict], months: list[date]) -> dict:
    """The selector's rows summed over stores: one line per reminder kind with a cell per month, and totals.

    Every reminder kind gets a line (zeros included), in REMINDER_KINDS order, so the screen's rows and the
    report's lines never move. Returns {"lines": [...], "months": [per-month totals], "total": {...}}.
    """
    counts: dict[tuple[str, date], list[int]] = {}
    for row in rows:
        cell = counts.setdefault((row["kind"], row["month"]), [0, 0])
        cell[0] += row["reminded"]
        cell[1] += row["returned"]
    labels = dict(RuleKind.choices)
    lines = []
    for kind in REMINDER_KINDS:
        per_month = [_cell(*counts.get((kind, month), (0, 0)), month=month) for month in months]
        lines.append(
            _cell(
                sum(c["reminded"] for c in per_month),
                sum(c["returned"] for c in per_month),
                kind=kind,
                label=str(labels[kind]),
                months=per_month,
            )
        )
    per_month_totals = [
        _cell(
            sum(line["months"][i]["reminded"] for line in lines),
            sum(line["months"][i]["returned"] for line in lines),
            month=month,
        )
        for i, month in enumerate(months)
    ]
    total = _cell(sum(line["reminded"] for line in lines), sum(line["returned"] for line in lines))
    return {"lines": lines, "months": per_month_totals, "total": total}


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
        "\t".join([_("Reminder"), _("Reminded"), _("Returned"), _("Return rate")]),
    ]
    lines.extend(
        "\t".join([line["label"], str(line["reminded"]), str(line["returned"]), _percent(line["rate"])])
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
