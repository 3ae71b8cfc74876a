"""The consent panel on the customer page: who sees it, who records a front-desk change, other stores 404."""

import pytest
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.audit.models import AuditEntry
from huifang.messaging import consent
from huifang.messaging.choices import ConsentSource
from huifang.messaging.models import ConsentRecord

from ..factories import CustomerFactory, member

pytestmark = pytest.mark.django_db

CHANGE = {"channel": "sms", "purpose": "marketing", "state": "withdrawn", "note": "到店说不要短信"}


@pytest.fixture
def customer(store):
    return CustomerFactory(store=store, name="王五", marketing_consent=True)


def panel_url(customer):
    return reverse("messaging:customer_consent", kwargs={"customer_id": customer.pk})


def test_customer_page_loads_the_consent_panel(client, specialist, customer):
    client.force_login(specialist)
    html = client.get(reverse("archive:customer_detail", args=[customer.pk])).content.decode()
    assert f'hx-get="{panel_url(customer)}"' in html


def test_specialist_records_a_front_desk_change(client, specialist, customer, frozen_clock, now):
    # given
    client.force_login(specialist)
    # when
    response = client.post(panel_url(customer), CHANGE, HTTP_HX_REQUEST="true")
    # then
    assert response.status_code == 200
    row = ConsentRecord.objects.exclude(source=ConsentSource.EARLIER).get(customer=customer)
    assert (row.channel, row.purpose, row.state, row.source) == ("sms", "marketing", "withdrawn", "front_desk")
    assert row.recorded_by == specialist and row.at == now and row.note == "到店说不要短信"
    assert AuditEntry.objects.filter(content_type__model="consentrecord", object_id=row.pk, actor=specialist).exists()
    html = response.content.decode()
    assert "到店说不要短信" in html and "consent-history" in html
    assert consent.consent_given(customer=customer, channel="sms", purpose="marketing") is False


def test_bad_choice_is_refused_with_the_field_named(client, specialist, customer):
    client.force_login(specialist)
    response = client.post(panel_url(customer), {**CHANGE, "channel": "fax"})
    assert response.status_code == 422
    assert "channel" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_role_that_does_not_edit_customers_sees_but_cannot_record(client, store, customer):
    # given: a service advisor sees the customer but does not edit the archive
    advisor = member(store, Role.SERVICE_ADVISOR, username="advisor")
    client.force_login(advisor)
    # when
    panel = client.get(panel_url(customer))
    post = client.post(panel_url(customer), CHANGE)
    # then
    assert panel.status_code == 200 and "consent-matrix" in panel.content.decode()
    assert "consent-form" not in panel.content.decode()
    assert post.status_code == 403
    assert not ConsentRecord.objects.exists()


def test_another_stores_user_gets_404(client, outsider, customer):
    client.force_login(outsider)
    assert client.get(panel_url(customer)).status_code == 404
    assert client.post(panel_url(customer), CHANGE).status_code == 404
    assert not ConsentRecord.objects.exists()


def test_panel_query_count_does_not_grow_with_history(client, specialist, customer, now, django_assert_max_num_queries):
    # given: a long history
    for i in range(20):
        consent.consent_record(
            customer=customer,
            channel="email",
            purpose="marketing",
            state="withdrawn" if i % 2 == 0 else "granted",
            source=ConsentSource.FRONT_DESK,
            actor=specialist,
            now=now,
        )
    client.force_login(specialist)
    # when / then: session, user, roles, customer, store roles, states, history (recorded_by joined)
    with django_assert_max_num_queries(11):
        response = client.get(panel_url(customer))
    assert response.content.decode().count("<tr>") >= 20


def test_plain_post_without_htmx_returns_to_the_customer_page(client, specialist, customer):
    client.force_login(specialist)
    response = client.post(panel_url(customer), CHANGE)
    assert response.status_code == 302
    assert response["Location"] == reverse("archive:customer_detail", args=[customer.pk])
    assert ConsentRecord.objects.filter(source=ConsentSource.FRONT_DESK).count() == 1
