"""Workbench test data: a post-service call task on a delivered repair order with lines, by hand."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from huifang.archive.choices import LineKind
from huifang.archive.models import RepairOrderLine
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.services import rules_ensure_defaults

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory

SH = ZoneInfo("Asia/Shanghai")
# Every workbench test runs at this instant: Wednesday 25 November 2026, 10:00 in Shanghai.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def call_task(
    store,
    *,
    assigned_to=None,
    kind="post_service_call",
    customer=None,
    repair_order=None,
    due_at=None,
    window_hours=None,
    status="open",
    advisor=None,
    amount=Decimal("680.00"),
    key=None,
):
    """An open call task of `kind`; a post-service one carries a delivered repair order with two lines."""
    rules_ensure_defaults(store=store)
    rule = FollowUpRule.objects.get(store=store, kind=kind)
    customer = customer or CustomerFactory(store=store, name="张三", gender="M")
    if repair_order is None and kind == "post_service_call":
        vehicle = VehicleFactory(customer=customer, plate="粤B12345", brand="斯柯达", model="明锐")
        vehicle.next_maintenance_km = 15000
        vehicle.next_maintenance_date = at(2027, 2, 23).date()
        vehicle.save()
        repair_order = RepairOrderFactory(
            vehicle=vehicle,
            opened_at=at(2026, 11, 23, 9),
            delivered_at=at(2026, 11, 23, 15),
            advisor=advisor,
            advisor_name=str(advisor) if advisor else "王顾问",
            total_amount=amount,
            labour_amount=Decimal("300.00"),
            parts_amount=amount - Decimal("300.00"),
        )
        RepairOrderLine.objects.create(
            repair_order=repair_order, position=1, kind=LineKind.LABOUR, description="定期保养", amount=Decimal("300")
        )
        RepairOrderLine.objects.create(
            repair_order=repair_order,
            position=2,
            kind=LineKind.PART,
            description="机油滤清器",
            amount=amount - Decimal("300.00"),
        )
    due_at = due_at or (repair_order.delivered_at if repair_order else at(2026, 11, 24, 9))
    return FollowUpTask.objects.create(
        store=store,
        rule=rule,
        kind=kind,
        customer=customer,
        vehicle=repair_order.vehicle if repair_order else None,
        repair_order=repair_order,
        subject=f"c{customer.pk}",
        occurrence_key=key or f"k{FollowUpTask.objects.count()}",
        due_at=due_at,
        window_end=due_at + timedelta(hours=window_hours or rule.window_hours),
        status=status,
        assigned_to=assigned_to,
        channel=rule.channel,
        created_at=due_at,
    )


def full_answers(**overrides) -> dict:
    """Answers to every seed 002 question: all 9/10 and a yes, unless overridden."""
    answers = {
        code: {"value": 9, "text": ""}
        for code in ("overall", "reception", "done_right", "explanation", "lounge", "car_wash", "invoice")
    }
    answers["come_back"] = {"value": 1, "text": ""}
    answers["suggestions"] = {"value": None, "text": ""}
    for code, value in overrides.items():
        answers[code] = value if isinstance(value, dict) else {"value": value, "text": ""}
    return answers
