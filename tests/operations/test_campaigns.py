"""Group messages (群发): a template to a seed 002 segment through the outbox, consent respected, sent once."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.archive.choices import CustomerKind
from huifang.audit.models import AuditEntry
from huifang.messaging.choices import MessageChannel, MessagePurpose, MessageStatus, OptOutSource, TemplateKind
from huifang.messaging.models import MessageTemplate, OutboxMessage
from huifang.messaging.services import optout_record
from huifang.operations.campaigns import campaign_send
from huifang.operations.choices import CampaignStatus
from huifang.operations.models import Campaign

from ..factories import CustomerFactory, member
from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def template(store):
    return MessageTemplate.objects.create(
        store=store,
        kind=TemplateKind.USEFUL_INFORMATION,
        channel=MessageChannel.SMS,
        purpose=MessagePurpose.MARKETING,
        body="【{store_name}】{customer_name}您好,春季保养八折。",
    )


@pytest.fixture
def companies(store, now):
    """Three consenting company customers (one opted out of SMS) and one private customer outside the segment."""
    names = ("甲公司", "乙公司", "丙公司")
    rows = [CustomerFactory(store=store, name=n, kind=CustomerKind.COMPANY, marketing_consent=True) for n in names]
    optout_record(customer=rows[2], channel=MessageChannel.SMS, source=OptOutSource.CALL, now=now)
    CustomerFactory(store=store, name="个人", marketing_consent=True)
    return rows


def _post(tpl, **extra) -> dict:
    return {
        "kind": CustomerKind.COMPANY,
        "template": str(tpl.pk),
        "channel": MessageChannel.SMS,
        "submit_token": "token-1",
        **extra,
    }


def test_preview_shows_the_count_and_a_rendered_sample(client, store, director, template, companies, frozen_clock):
    client.force_login(director)
    response = client.post(reverse("operations:campaign_new", args=[store.pk]), _post(template, preview="1"))
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.count == 3
    # the sample is the first customer by name
    assert preview.body == f"【{store.name}】{min(c.name for c in companies)}您好,春季保养八折。"
    assert 'id="preview-count">3<' in response.content.decode()
    assert not OutboxMessage.objects.exists() and not Campaign.objects.exists()


def test_send_queues_through_the_outbox_respecting_consent_and_a_double_submit_sends_once(
    client, store, director, template, companies, frozen_clock, django_capture_on_commit_callbacks
):
    client.force_login(director)
    url = reverse("operations:campaign_new", args=[store.pk])
    # when the form is submitted twice with the same token
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, _post(template, send="1"))
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url, _post(template, send="1"))
    # then one campaign, both answers lead to it
    campaign = Campaign.objects.get()
    assert first.status_code == second.status_code == 302
    assert (
        first["Location"] == second["Location"] == reverse("operations:campaign_detail", args=[store.pk, campaign.pk])
    )
    # and the outbox queued the two consenting companies, suppressed the opted-out one, left out the person
    # (the immediate task backend delivers the queued ones at once)
    statuses = dict(OutboxMessage.objects.values_list("customer__name", "status"))
    assert statuses == {
        "甲公司": MessageStatus.SENT,
        "乙公司": MessageStatus.SENT,
        "丙公司": MessageStatus.SUPPRESSED_OPT_OUT,
    }
    assert (campaign.status, campaign.total, campaign.processed) == (CampaignStatus.DONE, 3, 3)
    assert (campaign.queued, campaign.held, campaign.suppressed_consent, campaign.failed) == (2, 0, 1, 0)
    assert campaign.segment == {"kind": CustomerKind.COMPANY}
    # and the result is shown, without polling once done
    page = client.get(second["Location"]).content.decode()
    assert 'id="count-queued">2<' in page and 'id="count-consent">1<' in page
    assert "hx-get" not in page.split('id="campaign-progress"')[1].split(">")[0]
    # and the creation and the result are audited
    audits = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Campaign), object_id=campaign.pk)
    assert audits.count() == 2


def test_running_a_campaign_again_sends_nothing_twice(store, director, template, companies, now):
    # given a campaign already sent
    from huifang.operations.campaigns import campaign_create

    campaign, created = campaign_create(
        store=store,
        template=template,
        channel=MessageChannel.SMS,
        segment={"kind": CustomerKind.COMPANY},
        submit_token="t",
        actor=director,
        now=now,
    )
    assert created
    campaign_send(campaign_id=campaign.pk, now=now)
    # when it runs again (claimed: nothing) and even when forced back to pending
    campaign_send(campaign_id=campaign.pk, now=now)
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.PENDING)
    campaign_send(campaign_id=campaign.pk, now=now)
    # then the outbox still holds one message per customer
    assert OutboxMessage.objects.count() == 3


def test_progress_is_polled_while_the_campaign_waits(client, store, director, template, companies, now, frozen_clock):
    from huifang.operations.campaigns import campaign_create

    campaign, _ = campaign_create(
        store=store, template=template, channel="sms", segment={}, submit_token="p", actor=director, now=now
    )  # on_commit not run: the worker has not started
    client.force_login(director)
    url = reverse("operations:campaign_progress", args=[store.pk, campaign.pk])
    html = client.get(url).content.decode()
    assert f'hx-get="{url}"' in html and "0 / 4" in html


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"paid_visits_min": "3", "paid_visits_max": "1"}, "paid_visits_max"),
        ({"channel": MessageChannel.EMAIL}, "template"),
        ({"template": "999999"}, "template"),
    ],
)
def test_bad_input_is_named_and_nothing_is_sent(
    client, store, director, template, companies, frozen_clock, changes, field
):
    client.force_login(director)
    response = client.post(reverse("operations:campaign_new", args=[store.pk]), _post(template, send="1", **changes))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert not Campaign.objects.exists() and not OutboxMessage.objects.exists()


def test_another_stores_template_cannot_be_used(client, store, other_store, director, companies, frozen_clock):
    foreign = MessageTemplate.objects.create(
        store=other_store, kind=TemplateKind.TIPS, channel="sms", purpose=MessagePurpose.MARKETING, body="x"
    )
    client.force_login(director)
    response = client.post(reverse("operations:campaign_new", args=[store.pk]), _post(foreign, send="1"))
    assert response.status_code == 422 and not Campaign.objects.exists()


def test_roles_and_stores(client, store, other_store, director, specialist, manager, template, companies, now):
    from huifang.operations.campaigns import campaign_create

    campaign, _ = campaign_create(
        store=store, template=template, channel="sms", segment={}, submit_token="r", actor=director, now=now
    )
    other_director = member(other_store, Role.CARE_DIRECTOR, username="other-director")
    detail = [
        reverse("operations:campaign_list", args=[store.pk]),
        reverse("operations:campaign_detail", args=[store.pk, campaign.pk]),
        reverse("operations:campaign_progress", args=[store.pk, campaign.pk]),
    ]
    new = reverse("operations:campaign_new", args=[store.pk])
    # another store's director: nothing of this store exists
    client.force_login(other_director)
    assert [client.get(url).status_code for url in [*detail, new]] == [404, 404, 404, 404]
    # a campaign of this store is not found under the other store's id
    assert client.get(reverse("operations:campaign_detail", args=[other_store.pk, campaign.pk])).status_code == 404
    # managers read, only the director sends
    client.force_login(manager)
    assert [client.get(url).status_code for url in detail] == [200, 200, 200]
    assert client.post(new, _post(template, send="1", submit_token="m")).status_code == 403
    client.force_login(specialist)
    assert client.get(new).status_code == 403
    # the director gets the form with the invitation's segment widgets and a fresh token
    client.force_login(director)
    page = client.get(new).content.decode()
    assert 'name="paid_visits_min"' in page and 'name="club_level"' in page and 'name="submit_token"' in page
    assert Campaign.objects.count() == 1


def test_list_shows_each_campaign_with_its_segment(client, store, director, template, companies, now, frozen_clock):
    from huifang.operations.campaigns import campaign_create

    for token in ("a", "b"):
        campaign_create(
            store=store,
            template=template,
            channel="sms",
            segment={"kind": CustomerKind.COMPANY, "spend_min": "100"},
            submit_token=token,
            actor=director,
            now=NOW,
        )
    client.force_login(director)
    html = client.get(reverse("operations:campaign_list", args=[store.pk])).content.decode()
    assert html.count('id="campaign-') == 2 and "100.00" in html
