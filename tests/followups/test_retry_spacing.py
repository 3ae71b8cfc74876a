"""Issue 14 §3 — call attempts spread over time: comeback times computed by hand, attempts made while a task
waits are not a new try, and no task closes as unreachable within the first hours of its first try."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.followups import rules
from huifang.followups.choices import AttemptOutcome, TaskStatus
from huifang.followups.offering import call_tasks_offerable
from huifang.followups.services import attempt_record
from huifang.messaging.models import OutboxMessage

from .conftest import make_task

SH = ZoneInfo("Asia/Shanghai")
DEFAULT = rules.RetrySpacing()


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SH)


# --- the rule ---------------------------------------------------------------------------------------


def test_the_defaults_are_two_hours_then_the_next_day_at_another_time():
    assert (DEFAULT.first_hours, DEFAULT.later_days, DEFAULT.other_time_hours, DEFAULT.unreachable_min_hours) == (
        2,
        1,
        3,
        4,
    )
    assert DEFAULT.times == (time(9, 30), time(14, 30), time(18, 30))


@pytest.mark.parametrize(
    ("tries", "comeback"),
    [
        # first try at 10:00 -> 2 h later
        ([at(25, 10)], at(25, 12)),
        # first try at 19:45 -> 21:45 (the offering still waits for the end of the quiet hours)
        ([at(25, 19, 45)], at(25, 21, 45)),
        # 10:00 and 12:00: 09:30 is 30 min from 10:00, 14:30 is 150 min from 12:00 -> 18:30 the next day
        ([at(25, 10), at(25, 12)], at(26, 18, 30)),
        # 15:00 and 17:10: 09:30 is 330 and 460 min away -> 09:30 the next day
        ([at(25, 15), at(25, 17, 10)], at(26, 9, 30)),
        # 09:40 and 18:00: 09:30 too close to 09:40, 14:30 is 290 and 210 min away -> 14:30
        ([at(25, 9, 40), at(25, 18)], at(26, 14, 30)),
        # third try 26 Nov 18:30 after 10:00 and 12:00: 09:30 is 30 min from 10:00, 14:30 150 from 12:00,
        # 18:30 0 from 18:30 -> none is 3 h from all; the furthest from its nearest try: 09:30 (30),
        # 14:30 (150), 18:30 (0) -> 14:30 on 27 Nov
        ([at(25, 10), at(25, 12), at(26, 18, 30)], at(27, 14, 30)),
    ],
)
def test_comeback_times_by_hand(tries, comeback):
    assert rules.comeback_at(tries, DEFAULT, SH) == comeback


def test_three_no_answers_in_32_seconds_are_one_try():
    failed = [at(25, 10), at(25, 10, 0, 16), at(25, 10, 0, 32)]
    assert rules.counted_tries(failed, DEFAULT, SH) == [at(25, 10)]
    assert not rules.is_unreachable([at(25, 10)], 3, at(25, 10, 0, 32), DEFAULT)


def test_an_attempt_while_waiting_is_not_a_try_and_one_after_is():
    failed = [at(25, 10), at(25, 11, 59), at(25, 12), at(26, 9, 30), at(26, 18, 30)]
    assert rules.counted_tries(failed, DEFAULT, SH) == [at(25, 10), at(25, 12), at(26, 18, 30)]


def test_never_unreachable_within_the_first_hours_even_with_no_spacing():
    none = rules.RetrySpacing(first_hours=0, later_days=0, times=(), other_time_hours=0, unreachable_min_hours=4)
    tries = rules.counted_tries([at(25, 10), at(25, 10, 1), at(25, 10, 2)], none, SH)
    assert len(tries) == 3
    assert not rules.is_unreachable(tries, 3, at(25, 13, 59), none)
    assert rules.is_unreachable(tries, 3, at(25, 14), none)


@pytest.mark.parametrize(
    ("text", "times"),
    [("09:30,14:30,18:30", (time(9, 30), time(14, 30), time(18, 30))), ("18:00，9 ", (time(9), time(18))), ("", ())],
)
def test_retry_times_are_parsed(text, times):
    assert rules.parse_retry_times(text) == times


# No deadline: the shared test machine is slow at times; the property does not depend on speed.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=5 * 24 * 60), min_size=1, max_size=12),
)
def test_counted_tries_are_spaced_at_least_by_the_rule(offsets):
    # whatever the attempts, consecutive tries are at least the comeback of the earlier ones apart
    failed = [at(25, 9) + timedelta(minutes=m) for m in offsets]
    tries = rules.counted_tries(failed, DEFAULT, SH)
    assert tries[0] == min(failed)
    for i in range(1, len(tries)):
        assert tries[i] >= rules.comeback_at(tries[:i], DEFAULT, SH)
    # and three tries never fall within a day
    if len(tries) >= 3:
        assert tries[2] - tries[0] >= timedelta(hours=DEFAULT.first_hours)
        assert tries[2].date() > tries[1].date()


# --- recording attempts -----------------------------------------------------------------------------


@pytest.fixture
def task(store, specialist):
    return make_task(store, assigned_to=specialist)


def test_three_quick_no_answers_leave_the_task_open_until_its_comeback(task, specialist):
    # when three no-answers are recorded within 32 seconds at 14:30 (what happened before issue 14 §3)
    assert list(call_tasks_offerable(stores=[task.store], now=at(25, 14, 30), assigned_to=specialist)) == [task]
    for seconds in (0, 16, 32):
        attempt_record(task=task, actor=specialist, now=at(25, 14, 30, seconds), outcome=AttemptOutcome.NO_ANSWER)
    # then the task is still open, waits until 16:30, and no SMS went out
    assert (task.status, task.next_call_at) == (TaskStatus.OPEN, at(25, 16, 30))
    assert task.attempts.count() == 3
    assert not OutboxMessage.objects.exists()
    # and it is not offered before 16:30, it is at 16:30
    assert list(call_tasks_offerable(stores=[task.store], now=at(25, 16, 29), assigned_to=specialist)) == []
    assert list(call_tasks_offerable(stores=[task.store], now=at(25, 16, 30), assigned_to=specialist)) == [task]


def test_three_spaced_tries_close_as_unreachable_at_the_third(task, specialist):
    attempt_record(task=task, actor=specialist, now=at(25, 10), outcome=AttemptOutcome.NO_ANSWER)
    attempt_record(task=task, actor=specialist, now=at(25, 12, 5), outcome=AttemptOutcome.SWITCHED_OFF)
    # 10:00 and 12:05: 14:30 is only 145 min from 12:05 -> 18:30 the next day
    assert (task.status, task.next_call_at) == (TaskStatus.OPEN, at(26, 18, 30))
    attempt_record(task=task, actor=specialist, now=at(26, 18, 31), outcome=AttemptOutcome.BUSY)
    assert (task.status, task.closed_at) == (TaskStatus.UNREACHABLE, at(26, 18, 31))
    assert OutboxMessage.objects.filter(customer=task.customer).count() == 1


def test_the_spacing_passed_by_the_store_is_used(task, specialist):
    mine = rules.RetrySpacing(first_hours=1, later_days=2, times=(time(16),), other_time_hours=0)
    attempt_record(task=task, actor=specialist, now=at(25, 10), outcome=AttemptOutcome.NO_ANSWER, spacing=mine)
    assert task.next_call_at == at(25, 11)
    attempt_record(task=task, actor=specialist, now=at(25, 11), outcome=AttemptOutcome.BUSY, spacing=mine)
    assert task.next_call_at == at(27, 16)


def test_a_promised_call_back_is_not_changed_by_the_spacing(task, specialist):
    attempt_record(
        task=task, actor=specialist, now=at(25, 10), outcome=AttemptOutcome.CALL_BACK, callback_at=at(25, 10, 30)
    )
    assert task.next_call_at == at(25, 10, 30)
