"""A small hand-built October 2026 for store SZ01: every KPI of the tests is computed by hand from it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from huifang.accounts.choices import Role
from huifang.archive.choices import RepairOrderType
from huifang.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintStatus
from huifang.followups.choices import AttemptOutcome, RuleKind, TaskStatus
from huifang.workbench.choices import ProblemStatus
from huifang.workbench.models import Problem

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory, member
from .factories import ComplaintFactory, TaskFactory, attempt, call, complaint_follow_up

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 5, 10, 0, tzinfo=SH)
OCTOBER = date(2026, 10, 1)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def october(store, other_store):
    """The data set; see each block's comment for what it contributes."""
    w = {}
    a = w["a"] = member(store, Role.CARE_SPECIALIST, username="spec_a", display_name="专员甲")
    b = w["b"] = member(store, Role.CARE_SPECIALIST, username="spec_b", display_name="专员乙")
    x = w["x"] = member(store, Role.SERVICE_ADVISOR, username="adv_x", display_name="顾问X")
    y = w["y"] = member(store, Role.SERVICE_ADVISOR, username="adv_y", display_name="顾问Y")

    # --- complaints received in October: C1..C4 (C5 in September, one of the other store) ---
    c1 = ComplaintFactory(
        store=store,
        received_at=at(2026, 10, 3, 9),
        first_contacted_at=at(2026, 10, 3, 10),  # due 11:00: in time
        status=ComplaintStatus.CLOSED,
        closed_at=at(2026, 10, 5, 9),  # 48 h: "3日内"
        category=ComplaintCategory.SERVICE,
        channel=ComplaintChannel.PHONE,
    )
    complaint_follow_up(c1, at=at(2026, 10, 6, 15), satisfied=True)
    c2 = ComplaintFactory(
        store=store,
        received_at=at(2026, 10, 10, 9),
        first_contacted_at=at(2026, 10, 10, 12),  # due 11:00: late
        status=ComplaintStatus.CLOSED,
        closed_at=at(2026, 10, 13, 9, 1),  # 3 days and 1 minute: "4-7日内"
        category=ComplaintCategory.QUALITY,
        channel=ComplaintChannel.IN_STORE,
    )
    complaint_follow_up(c2, at=at(2026, 10, 14, 15), satisfied=False)
    ComplaintFactory(  # C3: from a follow-up call, never contacted, still open
        store=store,
        received_at=at(2026, 10, 20, 9),
        category=ComplaintCategory.SERVICE,
        channel=ComplaintChannel.FOLLOW_UP_CALL,
    )
    c4 = ComplaintFactory(
        store=store,
        received_at=at(2026, 10, 25, 9),
        first_contacted_at=at(2026, 10, 25, 9, 30),
        status=ComplaintStatus.CLOSED,
        closed_at=at(2026, 11, 4, 9),  # 10 days: "8-14日内"
        category=ComplaintCategory.SALES,
        channel=ComplaintChannel.PHONE,
    )
    complaint_follow_up(c4, at=at(2026, 11, 4, 15), satisfied=None, outcome=AttemptOutcome.NO_ANSWER)  # November
    c5 = ComplaintFactory(store=store, received_at=at(2026, 9, 30, 23), status=ComplaintStatus.CLOSED)
    complaint_follow_up(c5, at=at(2026, 10, 2, 10), satisfied=None, outcome=AttemptOutcome.NO_ANSWER)  # October call
    ComplaintFactory(store=other_store, received_at=at(2026, 10, 3, 9))

    # --- post-service call tasks due in October: T1..T4 (T5 cancelled, T6 September) ---
    def task_for(advisor, due, assigned, **kwargs):
        ro = RepairOrderFactory(
            vehicle=VehicleFactory(customer=CustomerFactory(store=store)),
            advisor=advisor,
            opened_at=at(2026, 8, 1, 9),
        )
        return TaskFactory(
            customer=ro.customer, vehicle=ro.vehicle, repair_order=ro, due_at=due, assigned_to=assigned, **kwargs
        )

    t1 = task_for(x, at(2026, 10, 2, 10), a, status=TaskStatus.DONE, closed_at=at(2026, 10, 2, 11))
    call(t1, at(2026, 10, 2, 11), caller=a, advisor=x, answers={"overall": 9, "reception": 4, "come_back": 1})
    t2 = task_for(x, at(2026, 10, 8, 10), a, status=TaskStatus.DONE, closed_at=at(2026, 10, 12, 10))
    attempt(t2, at(2026, 10, 8, 11), AttemptOutcome.NO_ANSWER, actor=a)
    call2 = call(t2, at(2026, 10, 12, 10), caller=a, advisor=x, answers={"overall": 7, "reception": 5, "come_back": 0})
    t3 = task_for(y, at(2026, 10, 15, 10), b, status=TaskStatus.UNREACHABLE, closed_at=at(2026, 10, 17, 10))
    for day in (15, 16, 17):
        attempt(t3, at(2026, 10, day, 10), AttemptOutcome.NO_ANSWER, actor=b)
    task_for(y, at(2026, 10, 20, 10), b)
    task_for(y, at(2026, 10, 28, 10), b, status=TaskStatus.CANCELLED)
    t6 = task_for(x, at(2026, 9, 30, 10), a, status=TaskStatus.DONE, closed_at=at(2026, 9, 30, 11))
    call(t6, at(2026, 9, 30, 11), caller=a, advisor=x, answers={"overall": 6, "reception": 3, "come_back": 1})

    # --- problem records from calls: P1 resolved, P2 open (plus C3 above, open) ---
    Problem.objects.create(
        store=store,
        call=call2,
        customer=t2.customer,
        description="洗车不干净",
        status=ProblemStatus.RESOLVED,
        created_at=at(2026, 10, 12, 10),
        resolved_at=at(2026, 10, 13, 10),
    )
    Problem.objects.create(
        store=store, call=call2, customer=t2.customer, description="结算解释不清", created_at=at(2026, 10, 12, 10)
    )

    # --- repair orders opened in October: RO1..RO5 ---
    v1, v2, v3, v4 = (VehicleFactory(customer=CustomerFactory(store=store)) for _ in range(4))
    RepairOrderFactory(vehicle=v1, ro_type=RepairOrderType.REPAIR, opened_at=at(2026, 10, 5, 9), is_appointment=True)
    RepairOrderFactory(vehicle=v2, ro_type=RepairOrderType.REPAIR, opened_at=at(2026, 10, 10, 9))
    RepairOrderFactory(  # RO3: repeat of RO2 after 15 days, so RO2 was not fixed the first time
        vehicle=v2, ro_type=RepairOrderType.REPAIR, opened_at=at(2026, 10, 25, 9), is_repeat_repair=True
    )
    RepairOrderFactory(
        vehicle=v1, ro_type=RepairOrderType.MAINTENANCE, opened_at=at(2026, 10, 12, 9), is_appointment=True
    )
    RepairOrderFactory(vehicle=v3, ro_type=RepairOrderType.WARRANTY, opened_at=at(2026, 10, 1, 0, 30))
    RepairOrderFactory(  # 32 days after RO5: outside the 30-day window, RO5 counts as fixed
        vehicle=v3, ro_type=RepairOrderType.REPAIR, opened_at=at(2026, 11, 2, 10), is_repeat_repair=True
    )

    # --- reminders done in October: V2's returned (RO2 on 10 Oct), V4's did not ---
    for vehicle, day in ((v2, 3), (v4, 15)):
        TaskFactory(
            customer=vehicle.customer,
            vehicle=vehicle,
            kind=RuleKind.MAINTENANCE_REMINDER,
            subject=f"v{vehicle.pk}",
            due_at=at(2026, 10, day, 9),
            status=TaskStatus.DONE,
            closed_at=at(2026, 10, day, 10),
        )
    w["v2"] = v2
    return w
