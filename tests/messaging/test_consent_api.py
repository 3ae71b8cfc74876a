"""The consent JSON API (/api/messaging/…): read state and history, record a change, other stores 404."""

import pytest
from django.urls import NoReverseMatch, reverse

from huifang.accounts.choices import Role
from huifang.messaging.choices import ConsentSource
from huifang.messaging.models import ConsentRecord

from ..factories import CustomerFactory, member

pytestmark = pytest.mark.django_db


def api_url(customer) -> str:
    try:
        return reverse("api:messaging_consent", kwargs={"customer_id": customer.pk})
    except NoReverseMatch:
        pytest.skip("the messaging router is not mounted in huifang/api.py yet")


@pytest.fixture
def customer(store):
    return CustomerFactory(store=store, marketing_consent=False)


def test_record_and_read_back(client, specialist, customer, frozen_clock):
    # given
    client.force_login(specialist)
    url = api_url(customer)
    # when
    posted = client.post(
        url, {"channel": "email", "purpose": "marketing", "state": "granted"}, content_type="application/json"
    )
    read = client.get(url)
    # then
    assert posted.status_code == 200, posted.content
    body = read.json()
    assert body["marketing_consent"] is True
    states = {(s["channel"], s["purpose"]): s["granted"] for s in body["states"]}
    assert states[("email", "marketing")] is True and states[("sms", "marketing")] is False
    assert [(h["channel"], h["state"], h["source"]) for h in body["history"]] == [
        ("email", "granted", ConsentSource.API)
    ]


def test_bad_channel_is_422_naming_the_field(client, specialist, customer):
    client.force_login(specialist)
    response = client.post(
        api_url(customer),
        {"channel": "fax", "purpose": "marketing", "state": "granted"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert [item["loc"][-1] for item in response.json()["detail"]] == ["channel"]
    assert not ConsentRecord.objects.exists()


def test_role_without_archive_edit_gets_403_and_other_store_404(client, store, outsider, customer):
    advisor = member(store, Role.SERVICE_ADVISOR, username="advisor")
    payload = {"channel": "sms", "purpose": "service", "state": "withdrawn"}
    client.force_login(advisor)
    assert client.get(api_url(customer)).status_code == 200
    assert client.post(api_url(customer), payload, content_type="application/json").status_code == 403
    client.force_login(outsider)
    assert client.get(api_url(customer)).status_code == 404
    assert client.post(api_url(customer), payload, content_type="application/json").status_code == 404
    assert not ConsentRecord.objects.exists()
