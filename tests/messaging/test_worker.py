"""End to end through the real database task queue and worker (as `make run` does)."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from huifang.core import clock
from huifang.messaging import services
from huifang.messaging.choices import MessageChannel, MessagePurpose, MessageStatus

from ..factories import CustomerFactory


# The worker closes its database connection between tasks, so this test cannot run inside a transaction.
@pytest.mark.django_db(transaction=True)
def test_queued_sms_is_sent_by_the_database_worker(settings, store, sms_gateway):
    # given the database task backend and a store without quiet hours (the test runs at any real time)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    policy = services.policy_for(store=store)
    policy.quiet_hours = []
    policy.save()
    customer = CustomerFactory(store=store, name="王五", mobile="+8613700001234")
    # when a message is queued (its delivery task is enqueued on commit) and a worker drains the queue
    message = services.message_queue(
        store=store,
        customer=customer,
        channel=MessageChannel.SMS,
        purpose=MessagePurpose.SERVICE,
        body="尊敬的{customer_name}，您好",
        now=clock.now(),
        idempotency_key="worker-1",
    )
    assert DBTaskResult.objects.count() == 1
    call_command("db_worker", "--batch", "--queue-name", "*", "--no-startup-delay")
    # then
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [r["json"]["text"] for r in sms_gateway.requests] == ["尊敬的王五，您好"]
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
