"""Contact attempts: outcomes, three failures close as unreachable, overdue list for managers."""

from datetime import timedelta

import pytest

from huifang.audit.models import AuditEntry
from huifang.followups.choices import AttemptOutcome, TaskStatus
from huifang.followups.models import FollowUpRule
from huifang.followups.selectors import tasks_overdue
from huifang.followups.services import attempt_record
from huifang.messaging.choices import MessageChannel
from huifang.messaging.models import OutboxMessage

from .conftest import NOW, at, make_task


@pytest.fixture
def task(store, specialist):
    return make_task(store, assigned_to=specialist)


def test_three_failed_attempts_close_the_task_as_unreachable(task, specialist):
    # when three calls fail, each once the task came back: 10:00, 12:00 and the next day at 18:30
    attempt_record(task=task, actor=specialist, now=NOW, outcome=AttemptOutcome.NO_ANSWER)
    attempt_record(task=task, actor=specialist, now=NOW + timedelta(hours=2), outcome=AttemptOutcome.BUSY)
    assert task.status == TaskStatus.OPEN
    attempt_record(task=task, actor=specialist, now=NOW + timedelta(hours=32.5), outcome=AttemptOutcome.NO_ANSWER)
    # then the task is closed as unreachable at the third attempt, and the unreachable hook left its audit entry
    assert task.status == TaskStatus.UNREACHABLE
    assert task.closed_at == NOW + timedelta(hours=32.5)
    assert task.attempts.count() == 3
    hook = AuditEntry.objects.filter(object_id=task.pk, changes__event="unreachable")
    assert hook.count() == 1
    # and the repair follow-up SMS is in the outbox for the customer's mobile, once
    [sms] = OutboxMessage.objects.filter(customer=task.customer, channel=MessageChannel.SMS)
    assert sms.to_address == task.customer.mobile and sms.related_id == task.pk


def test_the_number_of_failures_is_a_rule_setting(task, specialist):
    FollowUpRule.objects.filter(pk=task.rule_id).update(max_failed_attempts=2)
    attempt_record(task=task, actor=specialist, now=NOW, outcome=AttemptOutcome.WRONG_NUMBER)
    # (2 h later the task is back; the second try is 4 h after the first, the shortest span before unreachable)
    attempt_record(task=task, actor=specialist, now=NOW + timedelta(hours=4), outcome=AttemptOutcome.NO_ANSWER)
    assert task.status == TaskStatus.UNREACHABLE


def test_someone_else_answering_records_relation_and_best_time(task, specialist):
    attempt = attempt_record(
        task=task,
        actor=specialist,
        now=NOW,
        outcome=AttemptOutcome.SOMEONE_ELSE,
        relation="妻子",
        best_time="晚上7点后",
        note="车主出差",
    )
    attempt.refresh_from_db()
    assert (attempt.relation, attempt.best_time, attempt.actor) == ("妻子", "晚上7点后", specialist)
    assert task.status == TaskStatus.OPEN


def test_call_back_reschedules_and_needs_a_time(task, specialist):
    callback = at(2026, 11, 26, 15)
    attempt_record(task=task, actor=specialist, now=NOW, outcome=AttemptOutcome.CALL_BACK, callback_at=callback)
    assert (task.status, task.next_call_at) == (TaskStatus.OPEN, callback)
    with pytest.raises(ValueError, match="call back"):
        attempt_record(task=task, actor=specialist, now=NOW, outcome=AttemptOutcome.CALL_BACK)


@pytest.mark.parametrize(
    ("outcome", "status"), [(AttemptOutcome.COMPLETED, TaskStatus.DONE), (AttemptOutcome.REFUSED, TaskStatus.REFUSED)]
)
def test_completed_or_refused_closes_the_task(task, specialist, outcome, status):
    attempt_record(task=task, actor=specialist, now=NOW, outcome=outcome)
    assert (task.status, task.closed_at) == (status, NOW)


def test_a_closed_task_takes_no_more_attempts(task, specialist):
    attempt_record(task=task, actor=specialist, now=NOW, outcome=AttemptOutcome.COMPLETED)
    with pytest.raises(ValueError, match="done"):
        attempt_record(task=task, actor=specialist, now=NOW, outcome=AttemptOutcome.NO_ANSWER)


def test_managers_see_open_tasks_past_their_window_in_their_stores_only(store, other_store, specialist):
    # given an insurance task due 10 Nov (window to 17 Nov), one due 20 Nov (to 27 Nov), a done overdue one,
    # and an overdue one in another store
    late = make_task(store, due_at=at(2026, 11, 10))
    make_task(store, due_at=at(2026, 11, 20))
    make_task(store, due_at=at(2026, 11, 1), status=TaskStatus.DONE)
    make_task(other_store, due_at=at(2026, 11, 1))
    # then only the first is overdue for the store's manager
    assert list(tasks_overdue(stores=[store], now=NOW)) == [late]


def test_an_unreachable_customer_without_a_mobile_gets_no_sms(store, specialist):
    task = make_task(store, assigned_to=specialist)
    type(task.customer).objects.filter(pk=task.customer_id).update(mobile="", home_phone="+862087654321")
    task.customer.refresh_from_db()
    for hour in (0, 2, 32.5):  # 10:00, 12:00, next day 18:30 (retry spacing)
        attempt_record(task=task, actor=specialist, now=NOW + timedelta(hours=hour), outcome=AttemptOutcome.BUSY)
    assert task.status == TaskStatus.UNREACHABLE
    assert not OutboxMessage.objects.filter(customer=task.customer).exists()
    assert AuditEntry.objects.get(object_id=task.pk, changes__event="unreachable").changes["sms_follow_up"] == (
        "no mobile number"
    )
