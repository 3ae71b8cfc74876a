"""The public unsubscribe page: off and on again with records, tampered links, rate limit."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from huifang.archive.models import Customer
from huifang.messaging import consent, unsubscribe
from huifang.messaging.choices import ConsentChannel, ConsentPurpose, ConsentSource, ConsentState
from huifang.messaging.models import ConsentRecord

from ..factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


def url_for(customer):
    return reverse("messaging:unsubscribe", kwargs={"token": unsubscribe.unsubscribe_token(customer_id=customer.pk)})


def boxes(**on):
    """POST data with the given boxes ticked, e.g. boxes(sms__service=True)."""
    return {key: "on" for key, ticked in on.items() if ticked}


def test_page_shows_current_choices_without_login(client, store):
    # given
    customer = CustomerFactory(store=store, marketing_consent=True)
    # when
    response = client.get(url_for(customer))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-state="open"' in html and store.name in html
    assert 'name="sms__marketing" checked' in html.replace('id="id_sms__marketing" ', "")


def test_one_click_stops_all_marketing_and_keeps_service(client, store, frozen_clock, now):
    # given
    customer = CustomerFactory(store=store, marketing_consent=True)
    # when
    response = client.post(url_for(customer), {"all_marketing_off": "1"})
    # then
    assert response.status_code == 302
    states = consent.consent_states(customer=customer)
    assert not any(states[(c, ConsentPurpose.MARKETING)] for c in ConsentChannel.values)
    assert all(states[(c, ConsentPurpose.SERVICE)] for c in ConsentChannel.values)
    written = ConsentRecord.objects.filter(customer=customer, source=ConsentSource.UNSUBSCRIBE_PAGE)
    assert written.count() == 4 and set(written.values_list("state", flat=True)) == {ConsentState.WITHDRAWN}
    assert written.first().at == now and written.first().recorded_by is None
    assert Customer.objects.get(pk=customer.pk).marketing_consent is False
    assert 'data-state="saved"' in client.get(response["Location"]).content.decode()


def test_turn_off_and_back_on_round_trip(client, store, frozen_clock):
    # given
    customer = CustomerFactory(store=store, marketing_consent=False)
    everything_service = {f"{c}__service": True for c in ConsentChannel.values}
    # when: SMS service off
    client.post(url_for(customer), boxes(**{**everything_service, "sms__service": False}))
    # then
    assert consent.consent_given(customer=customer, channel="sms", purpose="service") is False
    assert consent.consent_given(customer=customer, channel="email", purpose="service") is True
    # when: SMS service on again and e-mail marketing on
    client.post(url_for(customer), boxes(**everything_service, email__marketing=True))
    # then
    assert consent.consent_given(customer=customer, channel="sms", purpose="service") is True
    assert consent.consent_given(customer=customer, channel="email", purpose="marketing") is True
    history = list(
        ConsentRecord.objects.filter(customer=customer).order_by("pk").values_list("channel", "purpose", "state")
    )
    assert history == [
        ("sms", "service", "withdrawn"),
        ("sms", "service", "granted"),
        ("email", "marketing", "granted"),
    ]
    assert Customer.objects.get(pk=customer.pk).marketing_consent is True


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "9" + t, lambda t: "x"]
)
def test_tampered_link_shows_invalid_page_not_an_error(client, store, mangle):
    # given
    customer = CustomerFactory(store=store, marketing_consent=True)
    token = mangle(unsubscribe.unsubscribe_token(customer_id=customer.pk))
    # when
    url = reverse("messaging:unsubscribe", kwargs={"token": token})
    get, post = client.get(url), client.post(url, {"all_marketing_off": "1"})
    # then
    assert get.status_code == post.status_code == 400
    assert 'data-state="invalid"' in get.content.decode()
    assert not ConsentRecord.objects.exists()


def test_link_of_a_deleted_customer_is_invalid(client, store):
    customer = CustomerFactory(store=store)
    url = url_for(customer)
    customer.delete()
    assert client.get(url).status_code == 400


def test_public_page_is_rate_limited(client, store):
    customer = CustomerFactory(store=store)
    url = url_for(customer)
    codes = [client.get(url).status_code for _ in range(unsubscribe.RATE_LIMIT + 1)]
    assert codes[:-1] == [200] * unsubscribe.RATE_LIMIT
    assert codes[-1] == 429
