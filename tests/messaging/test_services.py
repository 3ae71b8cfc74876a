from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from huifang.audit.models import AuditEntry
from huifang.messaging import services
from huifang.messaging.choices import (
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    OptOutScope,
    OptOutSource,
    TemplateKind,
)
from huifang.messaging.models import MessageTemplate, OutboxMessage

from ..factories import CustomerFactory, RepairOrderFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def zhang(store):
    return CustomerFactory(
        store=store, name="张三", mobile="+8613812345678", email="zhang@example.com", marketing_consent=True
    )


def queue(store, customer, now, key, *, channel=MessageChannel.SMS, purpose=MessagePurpose.SERVICE, **kwargs):
    kwargs.setdefault("body", "尊敬的{customer_name}，{store_name}提醒您保养。")
    return services.message_queue(
        store=store, customer=customer, channel=channel, purpose=purpose, now=now, idempotency_key=key, **kwargs
    )


def test_default_templates_are_seeded_once_per_kind_and_channel(store):
    # given / when
    added = services.templates_ensure_defaults(store=store)
    again = services.templates_ensure_defaults(store=store)
    # then
    assert added == MessageTemplate.objects.filter(store=store).count() >= 7
    assert again == 0
    follow_up = services.template_for(store=store, kind=TemplateKind.REPAIR_FOLLOW_UP, channel=MessageChannel.SMS)
    assert "歉意" in follow_up.body and follow_up.purpose == MessagePurpose.SERVICE


def test_queued_message_is_rendered_addressed_and_queued(store, zhang, now, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        message = queue(store, zhang, now, "k1")
    # then
    assert message.status == MessageStatus.QUEUED
    assert message.to_address == "+8613812345678"
    assert message.body == f"尊敬的张三，{store.name}提醒您保养。"
    assert message.not_before == now
    assert len(callbacks) == 1  # delivery is enqueued after commit


def test_same_idempotency_key_queues_once(store, zhang, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = queue(store, zhang, now, "ro-1:follow-up")
        second = queue(store, zhang, now + timedelta(minutes=5), "ro-1:follow-up", body="另一条")
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert len(callbacks) == 1


def test_message_inside_quiet_hours_is_held_until_they_end(store, zhang, django_capture_on_commit_callbacks):
    # given 22:40 in Shanghai
    late = datetime(2026, 6, 2, 22, 40, tzinfo=SH)
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        message = queue(store, zhang, late, "late")
    # then held until 09:00 the next morning, nothing enqueued now
    assert message.status == MessageStatus.HELD_QUIET_HOURS
    assert message.not_before == datetime(2026, 6, 3, 9, 0, tzinfo=SH)
    assert callbacks == []


def test_letters_are_not_held_by_quiet_hours(store, now):
    customer = CustomerFactory(store=store, address="深圳市南山区科技园路1号")
    message = queue(store, customer, now.replace(hour=23), "letter", channel=MessageChannel.LETTER)
    assert message.status == MessageStatus.QUEUED
    assert message.to_address == "深圳市南山区科技园路1号\n张三 收"


def test_opted_out_customer_gets_nothing_on_that_channel(store, zhang, now, director):
    # given
    services.optout_record(
        customer=zhang, channel=MessageChannel.SMS, source=OptOutSource.SMS_REPLY, actor=director, now=now
    )
    # when
    sms = queue(store, zhang, now, "sms")
    email = queue(store, zhang, now, "email", channel=MessageChannel.EMAIL)
    # then
    assert sms.status == MessageStatus.SUPPRESSED_OPT_OUT
    assert "opted out" in sms.last_error
    assert email.status == MessageStatus.QUEUED
    assert AuditEntry.objects.filter(action="create", object_repr__contains="张三").count() == 1


def test_marketing_only_opt_out_still_lets_service_messages_through(store, zhang, now):
    services.optout_record(
        customer=zhang, channel=MessageChannel.SMS, purpose=OptOutScope.MARKETING, source=OptOutSource.CALL, now=now
    )
    assert queue(store, zhang, now, "svc").status == MessageStatus.QUEUED
    assert queue(store, zhang, now, "mkt", purpose=MessagePurpose.MARKETING).status == (
        MessageStatus.SUPPRESSED_OPT_OUT
    )


def test_marketing_without_consent_is_suppressed(store, now):
    customer = CustomerFactory(store=store, marketing_consent=False)
    message = queue(store, customer, now, "mkt", purpose=MessagePurpose.MARKETING)
    assert message.status == MessageStatus.SUPPRESSED_OPT_OUT
    assert "consent" in message.last_error


def test_opt_out_recorded_twice_is_one_row(zhang, now):
    first = services.optout_record(customer=zhang, channel=MessageChannel.EMAIL, source=OptOutSource.EMAIL, now=now)
    second = services.optout_record(customer=zhang, channel=MessageChannel.EMAIL, source=OptOutSource.EMAIL, now=now)
    assert first.pk == second.pk


def test_marketing_frequency_cap_is_two_per_thirty_days(store, zhang, now):
    # given two marketing messages in the last 30 days (one 29 days ago) and an old one 40 days ago
    queue(store, zhang, now - timedelta(days=40), "m0", purpose=MessagePurpose.MARKETING)
    queue(store, zhang, now - timedelta(days=29), "m1", purpose=MessagePurpose.MARKETING)
    queue(store, zhang, now - timedelta(days=1), "m2", purpose=MessagePurpose.MARKETING, channel=MessageChannel.EMAIL)
    # when
    third = queue(store, zhang, now, "m3", purpose=MessagePurpose.MARKETING)
    service = queue(store, zhang, now, "s1")
    # then the cap counts across channels, and service messages are never capped
    assert third.status == MessageStatus.SUPPRESSED_CAP
    assert service.status == MessageStatus.QUEUED
    # and a day later the message from 29 days ago has left the window
    assert queue(store, zhang, now + timedelta(days=2), "m4", purpose=MessagePurpose.MARKETING).status == (
        MessageStatus.QUEUED
    )


def test_suppressed_messages_do_not_count_against_the_cap(store, zhang, now):
    services.policy_for(store=store)
    for n in range(3):
        OutboxMessage.objects.create(
            store=store,
            customer=zhang,
            channel=MessageChannel.SMS,
            purpose=MessagePurpose.MARKETING,
            body="x",
            status=MessageStatus.FAILED,
            not_before=now,
            created_at=now,
            idempotency_key=f"f{n}",
        )
    assert queue(store, zhang, now, "m", purpose=MessagePurpose.MARKETING).status == MessageStatus.QUEUED


def test_customer_without_address_is_recorded_as_failed(store, now):
    customer = CustomerFactory(store=store, email="")
    message = queue(store, customer, now, "e", channel=MessageChannel.EMAIL)
    assert message.status == MessageStatus.FAILED
    assert "address" in message.last_error


def test_landline_is_not_an_sms_address(store, now):
    customer = CustomerFactory(store=store, mobile="+861065529988")
    assert queue(store, customer, now, "s").status == MessageStatus.FAILED


def test_missing_placeholder_value_is_named_in_the_failed_message(store, zhang, now):
    message = queue(store, zhang, now, "p", body="您的爱车{plate}该保养了")
    assert message.status == MessageStatus.FAILED
    assert "{plate}" in message.last_error


def test_template_with_unknown_placeholder_is_refused_at_save(store, director, now):
    template = services.template_for(store=store, kind=TemplateKind.TIPS, channel=MessageChannel.SMS)
    with pytest.raises(ValidationError) as excinfo:
        services.template_update(
            template=template, actor=director, now=now, subject="", body="尊敬的{customer_nmae}，您好"
        )
    assert "{customer_nmae}" in str(excinfo.value)
    with pytest.raises(ValidationError):
        services.template_update(
            template=template, actor=director, now=now, subject="", body="{customer_name.__class__}"
        )
    template.refresh_from_db()
    assert "customer_nmae" not in template.body


def test_template_edit_is_audited(store, director, now):
    template = services.template_for(store=store, kind=TemplateKind.TIPS, channel=MessageChannel.SMS)
    services.template_update(
        template=template, actor=director, now=now, subject="", body="{customer_name}您好，{store_name}"
    )
    assert template.body == "{customer_name}您好，{store_name}"
    assert AuditEntry.objects.filter(action="update", object_id=template.pk, actor=director).exists()


def test_unreachable_customer_gets_one_repair_follow_up_sms(store, zhang, now):
    # given a repair order whose follow-up task closed unreachable
    order = RepairOrderFactory(vehicle__customer=zhang)
    # when the follow-up engine calls the hook twice
    first = services.sms_follow_up_for_unreachable(task_store=store, customer=zhang, now=now, related=order)
    second = services.sms_follow_up_for_unreachable(task_store=store, customer=zhang, now=now, related=order)
    # then
    assert first.pk == second.pk
    assert first.channel == MessageChannel.SMS and first.template.kind == TemplateKind.REPAIR_FOLLOW_UP
    assert first.status == MessageStatus.QUEUED
    assert "张三" in first.body and "歉意" in first.body
    assert (first.related_type.model, first.related_id) == ("repairorder", order.pk)


def test_unreachable_hook_sends_nothing_without_mobile_and_records_opt_out(store, now):
    no_mobile = CustomerFactory(store=store, mobile="")
    assert services.sms_follow_up_for_unreachable(task_store=store, customer=no_mobile, now=now, related=None) is None
    opted = CustomerFactory(store=store)
    services.optout_record(customer=opted, channel=MessageChannel.SMS, source=OptOutSource.CALL, now=now)
    message = services.sms_follow_up_for_unreachable(task_store=store, customer=opted, now=now, related=None)
    assert message.status == MessageStatus.SUPPRESSED_OPT_OUT


def test_deactivated_follow_up_template_sends_nothing(store, zhang, now, director):
    template = services.template_for(store=store, kind=TemplateKind.REPAIR_FOLLOW_UP, channel=MessageChannel.SMS)
    services.template_update(template=template, actor=director, now=now, subject="", body=template.body, active=False)
    assert services.sms_follow_up_for_unreachable(task_store=store, customer=zhang, now=now, related=None) is None
    assert not OutboxMessage.objects.exists()
