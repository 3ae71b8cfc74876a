"""Archive statistics (seed 002, brief §2): retained customers by model, gender, age band and occupation;
new and lost customers per month. Every figure is one aggregate query (values().annotate()), so the page
costs the same with 300 customers or 30,000."""

from collections.abc import Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Case, CharField, Count, DateField, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.db.models.lookups import LessThan
from django.utils.translation import gettext as _

from huifang.accounts.models import Store
from huifang.core.sql import AddMonths, LocalDate

from . import defaults
from .choices import MAINTENANCE_TYPES, ActivityState, Gender
from .models import ArchivePolicy, Customer, RepairOrder, Vehicle

MONTHS_SHOWN = 12
TOP_OCCUPATIONS = 10
# Age bands of seed 002's retained-customer table: (label, lowest age, highest age), open-ended at both ends.
AGE_BANDS = (("<25", None, 24), ("25–34", 25, 34), ("35–44", 35, 44), ("45–54", 45, 54), ("55+", 55, None))
UNKNOWN = "unknown"
# Vehicles that no longer count as retained: lost customers and lost first services (issue 14 §2).
GONE = (ActivityState.LOST, ActivityState.FIRST_SERVICE_LOST)


def _month_starts(today: date) -> list[date]:
    first = today.replace(day=1) - relativedelta(months=MONTHS_SHOWN - 1)
    return [first + relativedelta(months=i) for i in range(MONTHS_SHOWN)]


def _rows(queryset, key: str) -> list[dict]:
    return [{"label": row[key], "count": row["count"]} for row in queryset]


def _age_band(today: date) -> Case:
    """The age band of a birthday as of `today`: born after today − (lowest + 1 … ) years, and so on."""
    whens = [When(birthday__isnull=True, then=Value(UNKNOWN))]
    for label, _low, high in AGE_BANDS:
        if high is None:
            whens.append(When(birthday__isnull=False, then=Value(label)))
        else:
            # Aged at most `high` means born after the day `high + 1` years ago.
            whens.append(When(birthday__gt=today - relativedelta(years=high + 1), then=Value(label)))
    return Case(*whens, output_field=CharField())


def _retained(stores: Sequence[Store]):
    """Customers with at least one vehicle that is not lost."""
    kept = Vehicle.objects.filter(customer=OuterRef("pk")).exclude(activity__in=GONE)
    return Customer.objects.filter(store__in=stores).filter(Exists(kept))


def _per_month(queryset, months: list[date]) -> list[int]:
    counts = {_as_date(row["month"]): row["count"] for row in queryset}
    return [counts.get(m, 0) for m in months]


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def archive_statistics(*, stores: Sequence[Store], today: date) -> dict:
    """The statistics page's figures for `stores` as of `today`."""
    stores = list(stores)
    tz = ZoneInfo(stores[0].time_zone if stores else settings.TIME_ZONE)
    months = _month_starts(today)
    period_start = datetime.combine(months[0], time.min, tzinfo=tz)
    period_end = datetime.combine(months[-1] + relativedelta(months=1), time.min, tzinfo=tz)
    retained = _retained(stores).order_by()

    by_model = _rows(
        Vehicle.objects.filter(store__in=stores)
        .exclude(activity__in=GONE)
        .order_by()
        .values("model")
        .annotate(count=Count("customer", distinct=True))
        .order_by("-count", "model"),
        "model",
    )
    by_gender = _rows(retained.values("gender").annotate(count=Count("pk")).order_by("-count", "gender"), "gender")
    gender_labels = dict(Gender.choices)
    for row in by_gender:
        row["label"] = str(gender_labels.get(row["label"], row["label"]))
    band_counts = {
        row["band"]: row["count"]
        for row in retained.annotate(band=_age_band(today)).values("band").annotate(count=Count("pk"))
    }
    by_age = [{"label": label, "count": band_counts.get(label, 0)} for label, _low, _high in AGE_BANDS]
    by_age.append({"label": _("Unknown"), "count": band_counts.get(UNKNOWN, 0)})

    occupations = list(retained.values("occupation").annotate(count=Count("pk")).order_by("-count", "occupation"))
    known = [row for row in occupations if row["occupation"]]
    by_occupation = [{"label": row["occupation"], "count": row["count"]} for row in known[:TOP_OCCUPATIONS]]
    others = sum(row["count"] for row in known[TOP_OCCUPATIONS:])
    unknown = sum(row["count"] for row in occupations if not row["occupation"])
    if others:
        by_occupation.append({"label": _("Others"), "count": others})
    if unknown:
        by_occupation.append({"label": _("Unknown"), "count": unknown})

    # New: the month of the customer's first repair order, else of the first visit or the record's creation.
    first_order = Subquery(
        RepairOrder.objects.filter(customer=OuterRef("pk")).order_by("opened_at").values("opened_at")[:1]
    )
    new = (
        Customer.objects.filter(store__in=stores)
        .annotate(started=Coalesce(first_order, F("first_visit_at"), F("created_at")))
        .filter(started__gte=period_start, started__lt=period_end)
        .annotate(month=TruncMonth("started", output_field=DateField(), tzinfo=tz))
        .order_by()
        .values("month")
        .annotate(count=Count("pk"))
    )
    new_per_month = _per_month(new, months)

    # Lost: a vehicle becomes lost `lost_after_months` (the store's policy) after its last visit.
    last_seen = Coalesce(LocalDate("last_visit_at", tzinfo=tz), F("delivery_date"), F("purchase_date"))
    lost_after = Coalesce(F("store__archive_policy__lost_after_months"), Value(defaults.LOST_AFTER_MONTHS))
    # Only vehicles last seen in the window that can make them lost now reach the per-row date arithmetic.
    policies = dict(ArchivePolicy.objects.filter(store__in=stores).values_list("store_id", "lost_after_months"))
    spans = [policies.get(s.pk, defaults.LOST_AFTER_MONTHS) for s in stores] or [defaults.LOST_AFTER_MONTHS]
    seen_from = datetime.combine(months[0] - relativedelta(months=max(spans), days=1), time.min, tzinfo=tz)
    seen_until = datetime.combine(today - relativedelta(months=min(spans), days=-1), time.min, tzinfo=tz)
    # A car never seen in the workshop is a lost first service, counted on its own below (issue 14 §2).
    candidates = Q(last_visit_at__gte=seen_from, last_visit_at__lt=seen_until)
    lost = (
        Vehicle.objects.filter(store__in=stores)
        .filter(candidates)
        .annotate(lost_on=AddMonths(last_seen, lost_after))
        .filter(lost_on__gte=months[0], lost_on__lte=today)
        .annotate(month=TruncMonth("lost_on", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(count=Count("customer", distinct=True))
    )
    lost_per_month = _per_month(lost, months)
    first_service_lost = first_service_lost_per_month(stores=stores, months=months, today=today, tz=tz)

    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "customers_total": Customer.objects.filter(store__in=stores).count(),
        "retained_total": retained.count(),
        "by_model": [{**row, "label": row["label"] or _("Unknown")} for row in by_model],
        "by_gender": by_gender,
        "by_age": by_age,
        "by_occupation": by_occupation,
        "new_per_month": new_per_month,
        "lost_per_month": lost_per_month,
        "first_service_lost_per_month": first_service_lost,
        "monthly": [
            {"month": m.strftime("%Y-%m"), "new": n, "lost": lo, "first_service_lost": fs}
            for m, n, lo, fs in zip(months, new_per_month, lost_per_month, first_service_lost, strict=True)
        ],
    }


def first_service_lost_per_month(
    *, stores: Sequence[Store], months: list[date], today: date, tz: ZoneInfo
) -> list[int]:
    """Vehicles that became first-service lost (首保流失, issue 14 §2) in each of `months` up to `today`: the
    store's `first_service_lost_months` after delivery (else purchase) came with no maintenance visit before it.
    Counted per car, apart from lost customers; one aggregate query."""
    stores = list(stores)
    policies = dict(ArchivePolicy.objects.filter(store__in=stores).values_list("store_id", "first_service_lost_months"))
    spans = [policies.get(s.pk, defaults.FIRST_SERVICE_LOST_MONTHS) for s in stores] or [
        defaults.FIRST_SERVICE_LOST_MONTHS
    ]
    period = Coalesce(F("store__archive_policy__first_service_lost_months"), Value(defaults.FIRST_SERVICE_LOST_MONTHS))
    # A maintenance visit (首保 or 定保) before the day it would be lost means the first service was made.
    serviced_before = RepairOrder.objects.filter(vehicle=OuterRef("pk"), ro_type__in=MAINTENANCE_TYPES).filter(
        LessThan(LocalDate("opened_at", tzinfo=tz), OuterRef("lost_on"))
    )
    rows = (
        Vehicle.objects.filter(store__in=stores)
        .annotate(start=Coalesce(F("delivery_date"), F("purchase_date")))
        # Only cars started in the window that can make them lost in the months shown reach the date arithmetic.
        .filter(
            start__gte=months[0] - relativedelta(months=max(spans), days=1),
            start__lte=today - relativedelta(months=min(spans), days=-1),
        )
        .annotate(lost_on=AddMonths(F("start"), period))
        .filter(lost_on__gte=months[0], lost_on__lte=today)
        .filter(~Exists(serviced_before))
        .annotate(month=TruncMonth("lost_on", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(count=Count("pk"))
    )
    return _per_month(rows, months)
