"""The monthly report's appointment analysis (seed 002 一次修复率/预约分析), each figure with its definition.

- appointment rate 预约率 = repair orders opened in the month that came by appointment (matched to one of
  the product's appointments, or flagged 预约 in the DMS export) ÷ repair orders opened in the month;
- show rate 到店率 = appointments whose slot fell in the month and that arrived ÷ those that arrived or were
  marked no-show (cancelled ones and ones still waiting for their order are left out);
- no-shows 爽约, and cancellations with their reasons;
- lead time 提前预约天数 = average days from booking to the slot, of the month's slots.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q

from huifang.accounts.models import Store
from huifang.archive.models import RepairOrder
from huifang.reports.figures import month_bounds, time_zone
from huifang.reports.rules import rate

from .choices import AppointmentStatus
from .models import Appointment

# Cancellation reasons listed in the report (the most frequent first).
TOP_REASONS = 5


def appointment_analysis(*, stores: Sequence[Store], month: date) -> dict:
    stores = list(stores)
    start, end = month_bounds(month, time_zone(stores))
    orders = RepairOrder.objects.filter(store__in=stores, opened_at__gte=start, opened_at__lt=end).order_by()
    booked_here = Appointment.objects.filter(repair_order=OuterRef("pk"), status=AppointmentStatus.ARRIVED)
    order_counts = orders.aggregate(
        total=Count("pk"),
        by_appointment=Count("pk", filter=Q(is_appointment=True) | Q(Exists(booked_here))),
        by_product=Count("pk", filter=Q(Exists(booked_here))),
        dms_flag=Count("pk", filter=Q(is_appointment=True)),
    )
    slots = Appointment.objects.filter(store__in=stores, starts_at__gte=start, starts_at__lt=end).order_by()
    by_status = dict(slots.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    arrived = by_status.get(AppointmentStatus.ARRIVED, 0)
    no_show = by_status.get(AppointmentStatus.NO_SHOW, 0)
    leads = [
        (starts_at - created_at).total_seconds() / 86400
        for starts_at, created_at in slots.exclude(status=AppointmentStatus.CANCELLED).values_list(
            "starts_at", "created_at"
        )
    ]
    reasons = Counter(
        slots.filter(status=AppointmentStatus.CANCELLED)
        .exclude(closed_reason="")
        .values_list("closed_reason", flat=True)
    )
    return {
        "orders": order_counts["total"],
        "orders_by_appointment": order_counts["by_appointment"],
        "orders_by_product_booking": order_counts["by_product"],
        "orders_dms_flag": order_counts["dms_flag"],
        "appointment_rate": rate(order_counts["by_appointment"], order_counts["total"]),
        "slots": sum(by_status.values()),
        "arrived": arrived,
        "no_show": no_show,
        "cancelled": by_status.get(AppointmentStatus.CANCELLED, 0),
        "pending": sum(by_status.get(s, 0) for s in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)),
        "show_rate": rate(arrived, arrived + no_show),
        "lead_days": round(sum(leads) / len(leads), 1) if leads else None,
        "cancel_reasons": reasons.most_common(TOP_REASONS),
    }
