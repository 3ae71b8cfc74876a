"""Delivery through real local servers: aiosmtpd for e-mail, an http.server thread as the SMS gateway."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from huifang.messaging import services
from huifang.messaging.choices import MessageChannel, MessagePurpose, MessageStatus
from huifang.messaging.models import OutboxMessage

from ..factories import CustomerFactory
from .conftest import GATEWAY_KEY

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def zhang(store):
    return CustomerFactory(store=store, name="张三", mobile="+8613812345678", email="zhang@example.com")


def queue(store, customer, now, key, channel, body="尊敬的{customer_name}，感谢您选择{store_name}。", subject=""):
    return services.message_queue(
        store=store,
        customer=customer,
        channel=channel,
        purpose=MessagePurpose.SERVICE,
        body=body,
        subject=subject,
        now=now,
        idempotency_key=key,
    )


def test_email_reaches_a_real_smtp_server(
    store, zhang, now, smtp_server, immediate_tasks, frozen_clock, django_capture_on_commit_callbacks
):
    # when the message is queued, the delivery task runs after commit
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(store, zhang, now, "mail-1", MessageChannel.EMAIL, subject="{store_name}维修回访")
    # then the SMTP server got it, in Chinese, and the outbox says sent
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.sent_at == now and message.attempts == 1
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received["to"] == ["zhang@example.com"]
    assert received["from"] == "care@huifang.test"
    assert received["message"]["Subject"] == f"{store.name}维修回访"
    assert received["message"].get_content().strip() == f"尊敬的张三，感谢您选择{store.name}。"
    assert received["message"]["Message-ID"] == message.provider_message_id


def test_smtp_server_down_means_retry_then_failed(store, zhang, now, settings):
    # given an SMTP port nobody listens on
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    message = queue(store, zhang, now, "mail-2", MessageChannel.EMAIL)
    # when
    message = services.message_deliver(message_id=message.pk, now=now)
    # then
    assert message.status == MessageStatus.QUEUED
    assert "SMTP" in message.last_error
    assert message.not_before == now + timedelta(minutes=5)


def test_sms_posts_json_with_the_key_to_the_gateway(store, zhang, now, sms_gateway):
    # given
    policy = services.policy_for(store=store)
    policy.sms_sender = "深圳斯柯达"
    policy.save()
    message = queue(store, zhang, now, "sms-1", MessageChannel.SMS)
    # when
    message = services.message_deliver(message_id=message.pk, now=now)
    # then
    assert message.status == MessageStatus.SENT
    assert message.provider_message_id == "gw-0001"
    [request] = sms_gateway.requests
    assert request["path"] == "/send"
    assert request["headers"]["X-Api-Key"] == GATEWAY_KEY
    assert request["json"] == {
        "to": "+8613812345678",
        "text": f"尊敬的张三，感谢您选择{store.name}。",
        "sender": "深圳斯柯达",
        "id": f"huifang-{message.pk}",
    }


def test_gateway_500_is_retried_with_backoff_and_finally_failed(store, zhang, now, sms_gateway):
    # given a gateway answering 500
    sms_gateway.status, sms_gateway.answer = 500, {"error": "upstream carrier down"}
    message = queue(store, zhang, now, "sms-2", MessageChannel.SMS)
    # when tried at once, then after each backoff (5, then 10 minutes)
    first = services.message_deliver(message_id=message.pk, now=now)
    too_early = services.message_deliver(message_id=message.pk, now=now + timedelta(minutes=4))
    second = services.message_deliver(message_id=message.pk, now=now + timedelta(minutes=5))
    third = services.message_deliver(message_id=message.pk, now=now + timedelta(minutes=15))
    after = services.message_deliver(message_id=message.pk, now=now + timedelta(hours=1))
    # then
    assert first.status == MessageStatus.QUEUED and first.attempts == 1
    assert first.not_before == now + timedelta(minutes=5)
    assert too_early.attempts == 1
    assert second.status == MessageStatus.QUEUED and second.not_before == now + timedelta(minutes=15)
    assert third.status == MessageStatus.FAILED and third.attempts == 3
    assert "HTTP 500" in third.last_error and "upstream carrier down" in third.last_error
    assert after.attempts == 3
    assert len(sms_gateway.requests) == 3


def test_wrong_gateway_key_fails_with_the_gateway_answer(store, zhang, now, sms_gateway, settings):
    settings.SMS_GATEWAY_KEY = "wrong"
    message = queue(store, zhang, now, "sms-3", MessageChannel.SMS)
    message = services.message_deliver(message_id=message.pk, now=now)
    assert "HTTP 401" in message.last_error and "bad key" in message.last_error


def test_retry_landing_in_quiet_hours_waits_for_the_morning(store, zhang, sms_gateway):
    # given a failure at 20:58; the 5-minute retry would be at 21:03, inside quiet hours
    evening = datetime(2026, 6, 2, 20, 58, tzinfo=SH)
    sms_gateway.status = 503
    message = queue(store, zhang, evening, "sms-4", MessageChannel.SMS)
    message = services.message_deliver(message_id=message.pk, now=evening)
    assert message.not_before == datetime(2026, 6, 3, 9, 0, tzinfo=SH)


def test_delivery_in_quiet_hours_holds_instead_of_sending(store, zhang, now, sms_gateway):
    message = queue(store, zhang, now, "sms-5", MessageChannel.SMS)
    night = datetime(2026, 6, 2, 23, 0, tzinfo=SH)
    message = services.message_deliver(message_id=message.pk, now=night)
    assert message.status == MessageStatus.HELD_QUIET_HOURS
    assert message.not_before == datetime(2026, 6, 3, 9, 0, tzinfo=SH)
    assert sms_gateway.requests == []


def test_a_sent_message_is_never_sent_twice(store, zhang, now, sms_gateway):
    message = queue(store, zhang, now, "sms-6", MessageChannel.SMS)
    services.message_deliver(message_id=message.pk, now=now)
    services.message_deliver(message_id=message.pk, now=now + timedelta(minutes=1))
    assert len(sms_gateway.requests) == 1


def test_console_provider_writes_the_message_to_stdout(store, zhang, now, settings, capsys):
    settings.SMS_PROVIDER = "console"
    message = queue(store, zhang, now, "sms-7", MessageChannel.SMS)
    message = services.message_deliver(message_id=message.pk, now=now)
    assert message.status == MessageStatus.SENT
    assert "尊敬的张三" in capsys.readouterr().out


def test_release_sweep_sends_held_messages_once_after_quiet_hours(
    store, zhang, sms_gateway, immediate_tasks, frozen_clock, django_capture_on_commit_callbacks
):
    # given two messages held overnight and one already sent
    night = datetime(2026, 6, 2, 23, 0, tzinfo=SH)
    morning = datetime(2026, 6, 3, 9, 1, tzinfo=SH)
    held = [queue(store, zhang, night, f"held-{n}", MessageChannel.SMS) for n in range(2)]
    assert {m.status for m in held} == {MessageStatus.HELD_QUIET_HOURS}
    # when the sweep runs at 08:59 nothing is due; at 09:01 both go, and a second run does nothing
    assert services.outbox_release_due(now=datetime(2026, 6, 3, 8, 59, tzinfo=SH)) == 0
    frozen_clock.set(morning)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.outbox_release_due(now=morning)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.outbox_release_due(now=morning)
    # then
    assert (first, second) == (2, 0)
    assert len(sms_gateway.requests) == 2
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_release_sweep_picks_up_a_retry_once_its_backoff_has_passed(
    store, zhang, now, sms_gateway, immediate_tasks, frozen_clock, django_capture_on_commit_callbacks
):
    sms_gateway.status = 500
    message = queue(store, zhang, now, "retry", MessageChannel.SMS)
    services.message_deliver(message_id=message.pk, now=now)
    sms_gateway.status = 200
    assert services.outbox_release_due(now=now + timedelta(minutes=1)) == 0
    later = now + timedelta(minutes=6)
    frozen_clock.set(later)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.outbox_release_due(now=later) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 2


def test_release_sweep_runs_in_a_fixed_number_of_queries(store, zhang, django_assert_num_queries):
    night = datetime(2026, 6, 2, 23, 0, tzinfo=SH)
    for n in range(5):
        queue(store, zhang, night, f"q-{n}", MessageChannel.SMS)
    # Two updates reclaim stale "sending" rows; one round (SAVEPOINT, select ids, update, RELEASE) for the
    # batch, then an empty round (3 queries): 9 whatever the number of messages up to BATCH_SIZE.
    with django_assert_num_queries(9):
        assert services.outbox_release_due(now=datetime(2026, 6, 3, 9, 0, tzinfo=SH)) == 5


def test_message_left_sending_by_a_dead_worker_is_retried_then_failed(store, zhang, now, sms_gateway):
    # given a message claimed by a worker that died before recording the result
    message = queue(store, zhang, now, "stale", MessageChannel.SMS)
    OutboxMessage.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=now, attempts=1)
    # when the sweep runs 10 minutes later nothing happens; 20 minutes later it is queued again
    assert services.outbox_release_due(now=now + timedelta(minutes=10)) == 0
    assert services.outbox_release_due(now=now + timedelta(minutes=20)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and "worker" in message.last_error
    # and one that already used its last try is failed instead
    OutboxMessage.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=now, attempts=3)
    assert services.outbox_release_due(now=now + timedelta(hours=1)) == 0
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED


def test_a_retried_delivery_task_leaves_a_claimed_message_to_the_stale_window(store, zhang, now, sms_gateway, settings):
    from huifang.background import defaults as lease
    from huifang.messaging import defaults

    # given a message claimed by a worker that was killed mid-send (its task is taken back and run again)
    message = queue(store, zhang, now, "claimed", MessageChannel.SMS)
    OutboxMessage.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, claimed_at=now, attempts=1)
    # when the retried task delivers it, nothing is sent: only the release sweep's stale window reclaims it
    services.message_deliver(message_id=message.pk, now=now + timedelta(minutes=1))
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING and message.attempts == 1 and sms_gateway.requests == []
    # and that window outlasts a live send (provider timeouts) and the worker lease that hands the task back
    window = defaults.STALE_SENDING_MINUTES * 60
    assert window > max(settings.SMS_GATEWAY_TIMEOUT, settings.EMAIL_TIMEOUT, lease.LEASE_SECONDS)


def test_quiet_hours_that_fill_the_day_are_refused_by_the_policy_form(store):
    policy = services.policy_for(store=store)
    policy.quiet_hours = [["21:00", "09:00"], ["09:00", "21:00"]]
    with pytest.raises(ValidationError):
        policy.full_clean()


def test_release_task_from_the_schedule_sends_due_messages(
    store, zhang, sms_gateway, immediate_tasks, frozen_clock, django_capture_on_commit_callbacks
):
    from huifang.messaging.tasks import release_outbox_task
    from huifang.schedule import SCHEDULE

    # given a message held overnight, and the scheduler's job for the outbox
    queue(store, zhang, datetime(2026, 6, 2, 23, 0, tzinfo=SH), "sched", MessageChannel.SMS)
    [job] = [job for job in SCHEDULE if job.task == "huifang.messaging.tasks.release_outbox_task"]
    # when the job runs at 09:00
    frozen_clock.set(datetime(2026, 6, 3, 9, 0, tzinfo=SH))
    with django_capture_on_commit_callbacks(execute=True):
        result = release_outbox_task.enqueue()
    # then
    assert job.cron == "* * * * *"
    assert result.return_value == 1
    assert OutboxMessage.objects.get().status == MessageStatus.SENT
    assert len(sms_gateway.requests) == 1
