"""Hypothesis over the real services: whenever a message is queued and delivered, it never goes out in quiet hours."""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.messaging import services
from huifang.messaging.choices import MessageChannel, MessagePurpose, MessageStatus
from huifang.messaging.rules import in_quiet_hours

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 6, 1, tzinfo=SH)
_keys = itertools.count()


@pytest.fixture
def customer(store, settings):
    settings.SMS_PROVIDER = "console"
    return CustomerFactory(store=store, mobile="+8613812345678")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    queued_after=st.integers(min_value=0, max_value=7 * 24 * 60),
    tries=st.lists(st.integers(min_value=0, max_value=36 * 60), min_size=1, max_size=4),
)
def test_no_message_is_ever_sent_inside_quiet_hours(store, customer, queued_after, tries, capsys):
    # given a message queued at any minute of a week
    queued_at = START + timedelta(minutes=queued_after)
    message = services.message_queue(
        store=store,
        customer=customer,
        channel=MessageChannel.SMS,
        purpose=MessagePurpose.SERVICE,
        body="您好",
        now=queued_at,
        idempotency_key=f"inv-{next(_keys)}",
    )
    windows = services.policy_for(store=store).quiet_hours
    # then it is queued for a moment outside quiet hours
    assert not in_quiet_hours(message.not_before.astimezone(SH).time(), windows)
    # and whenever workers try to deliver it, it is sent only outside quiet hours
    moment = queued_at
    for offset in sorted(tries):
        moment = queued_at + timedelta(minutes=offset)
        message = services.message_deliver(message_id=message.pk, now=moment)
        if message.status == MessageStatus.SENT:
            assert not in_quiet_hours(message.sent_at.astimezone(SH).time(), windows)
            break
    # and delivered at its not_before it always goes out
    if message.status != MessageStatus.SENT:
        message = services.message_deliver(message_id=message.pk, now=max(message.not_before, moment))
        assert message.status == MessageStatus.SENT
    capsys.readouterr()
