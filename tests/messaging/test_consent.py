"""Consent records: the current state derived from the history, suppression per channel, the summary flag."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from huifang.archive.models import Customer
from huifang.audit.models import AuditEntry
from huifang.followups.choices import RuleKind, TaskChannel
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.services import rules_ensure_defaults
from huifang.followups.sweeps import sweep_run
from huifang.messaging import consent, rules, services
from huifang.messaging.choices import (
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    ConsentState,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    OptOutScope,
    OptOutSource,
)
from huifang.messaging.models import ChannelOptOut, ConsentRecord

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db

SMS, EMAIL, PHONE, LETTER = ConsentChannel.SMS, ConsentChannel.EMAIL, ConsentChannel.PHONE, ConsentChannel.LETTER
MKT, SVC = ConsentPurpose.MARKETING, ConsentPurpose.SERVICE
GRANTED, WITHDRAWN = ConsentState.GRANTED, ConsentState.WITHDRAWN


@pytest.mark.parametrize(
    ("purpose", "latest", "has_marketing", "flag", "expected"),
    [
        ("service", None, False, False, True),  # service goes unless withdrawn
        ("service", "withdrawn", False, True, False),
        ("service", "granted", True, False, True),
        ("marketing", None, False, False, False),  # no consent, no marketing
        ("marketing", None, False, True, True),  # the general flag while nothing per channel exists
        ("marketing", None, True, True, False),  # another channel has records: silence is no consent
        ("marketing", "granted", True, False, True),
        ("marketing", "withdrawn", True, True, False),
    ],
)
def test_consent_given_table(purpose, latest, has_marketing, flag, expected):
    assert (
        rules.consent_given(purpose=purpose, latest_state=latest, has_marketing_records=has_marketing, legacy_flag=flag)
        is expected
    )


def record(customer, channel, purpose, state, now, source=ConsentSource.FRONT_DESK, actor=None):
    return consent.consent_record(
        customer=customer, channel=channel, purpose=purpose, state=state, source=source, actor=actor, now=now
    )


def queue(store, customer, now, key, channel, purpose):
    return services.message_queue(
        store=store,
        customer=customer,
        channel=channel,
        purpose=purpose,
        body="{customer_name}您好",
        now=now,
        idempotency_key=key,
    )


def test_latest_record_wins_and_history_is_append_only(store, now, director):
    # given
    customer = CustomerFactory(store=store, email="a@example.com")
    # when
    first = record(customer, SMS, MKT, GRANTED, now, actor=director)
    record(customer, SMS, MKT, WITHDRAWN, now)
    again = record(customer, SMS, MKT, WITHDRAWN, now)  # repeats the state: nothing written
    record(customer, SMS, MKT, GRANTED, now)
    # then
    assert again is None
    states = list(consent.consent_history(customer=customer).values_list("state", flat=True))
    assert states == [GRANTED, WITHDRAWN, GRANTED]  # newest first
    assert ConsentRecord.objects.get(pk=first.pk).recorded_by == director
    assert consent.consent_given(customer=customer, channel=SMS, purpose=MKT) is True
    assert consent.consent_given(customer=customer, channel=EMAIL, purpose=MKT) is False
    assert AuditEntry.objects.filter(content_type__model="consentrecord").count() == 3


def test_summary_flag_follows_per_channel_marketing(store, now):
    # given
    customer = CustomerFactory(store=store, marketing_consent=False)
    # when / then
    record(customer, EMAIL, MKT, GRANTED, now)
    assert Customer.objects.get(pk=customer.pk).marketing_consent is True
    record(customer, EMAIL, MKT, WITHDRAWN, now)
    assert Customer.objects.get(pk=customer.pk).marketing_consent is False


def test_granting_one_channel_does_not_grant_the_others(store, now):
    # given: no general consent
    customer = CustomerFactory(store=store, marketing_consent=False, email="b@example.com")
    # when
    record(customer, EMAIL, MKT, GRANTED, now)
    customer.refresh_from_db()
    # then: the summary flag is now on, but SMS marketing still has no consent
    assert customer.marketing_consent is True
    assert queue(store, customer, now, "m-sms", MessageChannel.SMS, MessagePurpose.MARKETING).status == (
        MessageStatus.SUPPRESSED_OPT_OUT
    )
    assert queue(store, customer, now, "m-mail", MessageChannel.EMAIL, MessagePurpose.MARKETING).status == (
        MessageStatus.QUEUED
    )


def test_withdrawing_one_channel_keeps_earlier_general_consent_on_the_others(store, now):
    # given: general marketing consent from the archive, no per-channel record
    customer = CustomerFactory(store=store, marketing_consent=True, email="c@example.com")
    # when
    record(customer, SMS, MKT, WITHDRAWN, now, source=ConsentSource.UNSUBSCRIBE_PAGE)
    # then
    sms = queue(store, customer, now, "1", MessageChannel.SMS, MessagePurpose.MARKETING)
    mail = queue(store, customer, now, "2", MessageChannel.EMAIL, MessagePurpose.MARKETING)
    assert sms.status == MessageStatus.SUPPRESSED_OPT_OUT and "marketing consent" in sms.last_error
    assert mail.status == MessageStatus.QUEUED
    earlier = ConsentRecord.objects.filter(customer=customer, source=ConsentSource.EARLIER)
    assert sorted(earlier.values_list("channel", flat=True)) == sorted([EMAIL, LETTER, PHONE])
    assert Customer.objects.get(pk=customer.pk).marketing_consent is True


def test_service_messages_go_unless_withdrawn_for_that_channel(store, now):
    # given
    customer = CustomerFactory(store=store, marketing_consent=False, email="d@example.com")
    record(customer, SMS, SVC, WITHDRAWN, now)
    # when
    sms = queue(store, customer, now, "s1", MessageChannel.SMS, MessagePurpose.SERVICE)
    mail = queue(store, customer, now, "s2", MessageChannel.EMAIL, MessagePurpose.SERVICE)
    # then
    assert sms.status == MessageStatus.SUPPRESSED_OPT_OUT and "opted out" in sms.last_error
    assert mail.status == MessageStatus.QUEUED
    # and the withdrawal is mirrored as an opt-out of every message on SMS
    assert ChannelOptOut.objects.filter(customer=customer, channel=SMS, purpose=OptOutScope.ALL).exists()
    # granting it again lets service SMS through and removes the opt-out
    record(customer, SMS, SVC, GRANTED, now)
    assert queue(store, customer, now, "s3", MessageChannel.SMS, MessagePurpose.SERVICE).status == MessageStatus.QUEUED
    assert not ChannelOptOut.objects.filter(customer=customer).exists()


def test_optout_record_writes_withdrawn_consent(store, now):
    # given
    customer = CustomerFactory(store=store, marketing_consent=True)
    # when
    services.optout_record(customer=customer, channel=MessageChannel.SMS, source=OptOutSource.CALL, now=now)
    # then: both purposes withdrawn on SMS, from a call
    rows = ConsentRecord.objects.filter(customer=customer, channel=SMS).exclude(source=ConsentSource.EARLIER)
    assert sorted(rows.values_list("purpose", "state", "source")) == [
        (MKT, WITHDRAWN, ConsentSource.CALL),
        (SVC, WITHDRAWN, ConsentSource.CALL),
    ]
    assert consent.consent_given(customer=customer, channel=EMAIL, purpose=MKT) is True


def test_bad_value_is_refused_naming_the_field_and_nothing_is_written(store, now):
    customer = CustomerFactory(store=store)
    with pytest.raises(ValidationError) as exc:
        record(customer, "fax", MKT, GRANTED, now)
    assert "channel" in exc.value.message_dict
    assert not ConsentRecord.objects.exists()


def test_marketing_message_carries_a_working_unsubscribe_link(store, now, client, settings):
    # given
    settings.SITE_URL = "https://care.example.com"
    customer = CustomerFactory(store=store, marketing_consent=True)
    # when
    message = queue(store, customer, now, "m", MessageChannel.SMS, MessagePurpose.MARKETING)
    service = queue(store, customer, now, "s", MessageChannel.SMS, MessagePurpose.SERVICE)
    # then
    line = message.body.splitlines()[-1]
    assert line.startswith("退订") and "https://care.example.com/messaging/u/" in line
    assert "退订" not in service.body
    path = line.split("https://care.example.com", 1)[1]
    assert client.get(path).status_code == 200


def test_sweep_filter_uses_per_channel_marketing_consent(store, now):
    # given
    legacy = CustomerFactory(store=store, marketing_consent=True)  # general flag only
    phone_off = CustomerFactory(store=store, marketing_consent=True)
    record(phone_off, PHONE, MKT, WITHDRAWN, now)
    sms_only = CustomerFactory(store=store, marketing_consent=False)
    record(sms_only, SMS, MKT, GRANTED, now)
    nobody = CustomerFactory(store=store, marketing_consent=False)
    # when
    phone = set(Customer.objects.filter(consent.marketing_consent_q(channel=PHONE)).values_list("pk", flat=True))
    sms = set(Customer.objects.filter(consent.marketing_consent_q(channel=SMS)).values_list("pk", flat=True))
    # then
    assert phone == {legacy.pk}
    assert sms == {legacy.pk, phone_off.pk, sms_only.pk}
    assert nobody.pk not in sms


def test_holiday_greeting_sweep_skips_customers_without_marketing_consent_on_its_channel(store, now):
    # given three customers with the general flag; one withdrew SMS marketing, one phone marketing
    keeps = CustomerFactory(store=store, marketing_consent=True)
    sms_off = CustomerFactory(store=store, marketing_consent=True)
    phone_off = CustomerFactory(store=store, marketing_consent=True)
    record(sms_off, SMS, MKT, WITHDRAWN, now)
    record(phone_off, PHONE, MKT, WITHDRAWN, now)
    rules_ensure_defaults(store=store)
    rule = FollowUpRule.objects.get(store=store, kind=RuleKind.HOLIDAY_GREETING)
    assert rule.marketing_only and rule.channel == TaskChannel.SMS
    # when the Spring Festival 2027 (6 February) greeting falls due
    sweep_run(store=store, now=datetime(2027, 2, 6, 6, tzinfo=ZoneInfo("Asia/Shanghai")))
    # then the SMS greeting goes only to those who still consent to SMS marketing
    greeted = set(FollowUpTask.objects.filter(kind=RuleKind.HOLIDAY_GREETING).values_list("customer_id", flat=True))
    assert greeted == {keeps.pk, phone_off.pk}
