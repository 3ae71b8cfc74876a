"""Hand-made day of one store for the board tests: call tasks, calls with CSS scores, complaints; every figure
the tests expect is counted by hand in the comments below."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from huifang.complaints.choices import ComplaintStatus
from huifang.followups.choices import AttemptOutcome, TaskStatus
from huifang.workbench.models import CallRecord
from tests.factories import CustomerFactory
from tests.reports.factories import ComplaintFactory, TaskFactory, attempt, call

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 07:30 on 8 December in the store; in UTC it is still 7 December (23:30), so a UTC "today" would be wrong.
NOW = datetime(2026, 12, 8, 7, 30, tzinfo=SHANGHAI)
LOCAL_MIDNIGHT = datetime(2026, 12, 8, 0, 0, tzinfo=SHANGHAI)
YESTERDAY_EVENING = datetime(2026, 12, 7, 22, 0, tzinfo=SHANGHAI)  # same UTC date as this morning
SECRET_PHONE = "+8613912345678"


def _scored_call(task, at, score):
    record = call(task, at)
    CallRecord.objects.filter(pk=record.pk).update(score=Decimal(score))
    return record


@pytest.fixture
def board_day(store, other_store, specialist):
    """Store SZ01's day at NOW, and a busier other store that must not count."""
    cust = CustomerFactory(store=store, name="王小明", mobile=SECRET_PHONE)
    # Open call tasks: due now (still in its window), due later today (two) -> 3 due today; one overdue; one tomorrow.
    t_due_now = TaskFactory(customer=cust, due_at=NOW - timedelta(hours=2))
    TaskFactory(customer=cust, due_at=NOW + timedelta(hours=3))
    TaskFactory(customer=cust, due_at=datetime(2026, 12, 8, 23, 30, tzinfo=SHANGHAI))
    TaskFactory(customer=cust, due_at=NOW - timedelta(hours=80))  # window (72 h) ended 8 h ago
    TaskFactory(customer=cust, due_at=datetime(2026, 12, 9, 9, 0, tzinfo=SHANGHAI))
    # Done: one closed this morning (counts), one closed yesterday evening (does not).
    done_today = TaskFactory(
        customer=cust,
        due_at=NOW - timedelta(hours=30),
        status=TaskStatus.DONE,
        closed_at=LOCAL_MIDNIGHT + timedelta(minutes=10),
    )
    done_before = TaskFactory(
        customer=cust, due_at=NOW - timedelta(hours=40), status=TaskStatus.DONE, closed_at=YESTERDAY_EVENING
    )
    # Attempts today: two completed calls (scores 80 and 90) and one no-answer -> reach 2/3 = 66.7 %, CSS 85.0.
    _scored_call(done_today, LOCAL_MIDNIGHT + timedelta(minutes=10), "80")
    _scored_call(done_today, NOW - timedelta(minutes=30), "90")
    attempt(t_due_now, NOW - timedelta(hours=1, minutes=30), AttemptOutcome.NO_ANSWER)
    # Yesterday evening: a reached call scored 40, which today's figures must leave out.
    _scored_call(done_before, YESTERDAY_EVENING, "40")
    # Complaints: overdue first contact; level due in 2 h (soon); paused, due in 10 h; due in 30 h; one closed.
    c_overdue = ComplaintFactory(
        store=store,
        customer_name="赵大海",
        phone=SECRET_PHONE,
        received_at=NOW - timedelta(hours=30),
        first_contact_due=NOW - timedelta(hours=28),
        level_due_at=NOW + timedelta(hours=40),
        owner=specialist,
    )
    c_soon = ComplaintFactory(
        store=store,
        customer_name="钱多多",
        received_at=NOW - timedelta(hours=1),
        first_contacted_at=NOW - timedelta(minutes=50),
        level_due_at=NOW + timedelta(hours=2),
        is_major=True,
    )
    c_paused = ComplaintFactory(
        store=store,
        customer_name="孙",
        status=ComplaintStatus.HOLD,
        received_at=NOW - timedelta(hours=20),
        first_contacted_at=NOW - timedelta(hours=19),
        level_due_at=NOW + timedelta(hours=10),
        paused_at=NOW - timedelta(hours=1),
        pause_until=NOW + timedelta(hours=5),
    )
    c_later = ComplaintFactory(
        store=store,
        customer_name="李四",
        received_at=NOW - timedelta(hours=10),
        first_contacted_at=NOW - timedelta(hours=9),
        level_due_at=NOW + timedelta(hours=30),
    )
    ComplaintFactory(
        store=store,
        status=ComplaintStatus.CLOSED,
        received_at=NOW - timedelta(hours=50),
        first_contact_due=NOW - timedelta(hours=48),
        closed_at=NOW - timedelta(hours=5),
    )
    # The other store: overdue tasks, a call today, an overdue complaint -- none of it is SZ01's.
    other = CustomerFactory(store=other_store, name="外店客户")
    for _ in range(3):
        TaskFactory(customer=other, due_at=NOW - timedelta(hours=100))
    _scored_call(TaskFactory(customer=other, due_at=NOW - timedelta(hours=5)), NOW - timedelta(hours=1), "10")
    ComplaintFactory(
        store=other_store, received_at=NOW - timedelta(hours=9), first_contact_due=NOW - timedelta(hours=7)
    )
    return {"overdue": c_overdue, "soon": c_soon, "paused": c_paused, "later": c_later}
