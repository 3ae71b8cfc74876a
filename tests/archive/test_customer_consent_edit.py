"""Editing the archive's "accepts marketing" flag records consent per channel instead of overwriting it."""

import pytest

from huifang.archive.services import customer_update
from huifang.core import clock
from huifang.messaging import consent
from huifang.messaging.choices import ConsentChannel, ConsentPurpose, ConsentSource, ConsentState
from huifang.messaging.models import ConsentRecord

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_ticking_the_flag_grants_marketing_on_every_channel_from_the_front_desk(store, specialist):
    customer = CustomerFactory(store=store, marketing_consent=False)
    consent.consent_record(
        customer=customer,
        channel=ConsentChannel.SMS,
        purpose=ConsentPurpose.MARKETING,
        state=ConsentState.WITHDRAWN,
        source=ConsentSource.UNSUBSCRIBE_PAGE,
        now=clock.now(),
    )

    customer_update(customer=customer, actor=specialist, now=clock.now(), marketing_consent=True, occupation="教师")

    customer.refresh_from_db()
    assert customer.marketing_consent is True and customer.occupation == "教师"
    granted = ConsentRecord.objects.filter(customer=customer, source=ConsentSource.FRONT_DESK, recorded_by=specialist)
    assert sorted(granted.values_list("channel", flat=True)) == sorted(ConsentChannel.values)
    assert consent.consent_states(customer=customer)[(ConsentChannel.SMS, ConsentPurpose.MARKETING)] is True


def test_unticking_withdraws_and_an_unchanged_flag_writes_no_record(store, specialist):
    customer = CustomerFactory(store=store, marketing_consent=True)

    customer_update(customer=customer, actor=specialist, now=clock.now(), marketing_consent=True, occupation="医生")
    assert not ConsentRecord.objects.filter(customer=customer).exists()

    customer_update(customer=customer, actor=specialist, now=clock.now(), marketing_consent=False, via="api")
    customer.refresh_from_db()
    assert customer.marketing_consent is False
    states = consent.consent_states(customer=customer)
    assert not any(states[(channel, ConsentPurpose.MARKETING)] for channel in ConsentChannel.values)
    assert set(ConsentRecord.objects.filter(customer=customer).values_list("source", flat=True)) == {ConsentSource.API}
