"""No call task is offered inside the store's quiet hours or before its call-back time."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from huifang.followups.offering import call_tasks_offerable, store_in_quiet_hours
from huifang.messaging.services import policy_for

from .conftest import make_task

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 25, hour, minute, tzinfo=SH)


@pytest.mark.parametrize(
    "moment, quiet",
    [(at(8, 59), True), (at(9, 0), False), (at(11, 59), False), (at(12, 30), True), (at(14, 0), False),
     (at(20, 59), False), (at(21, 0), True), (at(23, 30), True)],
)  # fmt: skip
def test_default_quiet_hours_are_21_to_9_and_12_to_14(store, moment, quiet):
    assert store_in_quiet_hours(store=store, now=moment) is quiet


def test_call_tasks_are_held_back_in_quiet_hours_and_offered_after(store, specialist):
    # given a call task due at 08:00
    task = make_task(store, kind="post_service_call", assigned_to=specialist, due_at=at(8))
    # then it is not offered at 12:30 (lunch rest) but is at 14:05
    assert list(call_tasks_offerable(stores=[store], now=at(12, 30), assigned_to=specialist)) == []
    assert list(call_tasks_offerable(stores=[store], now=at(14, 5), assigned_to=specialist)) == [task]


def test_quiet_hours_are_a_store_setting_in_the_store_time_zone(store, specialist):
    policy = policy_for(store=store)
    policy.quiet_hours = [["22:00", "08:00"]]
    policy.save()
    task = make_task(store, kind="post_service_call", assigned_to=specialist, due_at=at(8))
    # 12:30 is no longer quiet; 04:30 UTC is 12:30 in Shanghai
    assert list(call_tasks_offerable(stores=[store], now=at(12, 30).astimezone(ZoneInfo("UTC")))) == [task]
    assert list(call_tasks_offerable(stores=[store], now=at(22, 30))) == []


def test_a_call_back_time_holds_the_task_until_then(store, specialist):
    task = make_task(store, kind="post_service_call", assigned_to=specialist, due_at=at(9))
    type(task).objects.filter(pk=task.pk).update(next_call_at=at(16))
    assert list(call_tasks_offerable(stores=[store], now=at(15))) == []
    assert list(call_tasks_offerable(stores=[store], now=at(16))) == [task]


def test_closed_future_and_non_call_tasks_are_not_offered(store, specialist):
    make_task(store, kind="post_service_call", status="done", due_at=at(9))
    make_task(store, kind="post_service_call", due_at=at(18))
    make_task(store, kind="birthday_greeting", due_at=at(9))
    assert list(call_tasks_offerable(stores=[store], now=at(10))) == []
