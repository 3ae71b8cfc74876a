"""Staff side: the care director's settings page, the API (task links, policy) and the task's link box."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.audit.models import AuditEntry
from huifang.core import clock
from huifang.messaging.choices import MessageStatus
from huifang.surveys import services
from huifang.surveys.models import SurveyLink, SurveyPolicy

from ..factories import member
from ..workbench.factories import NOW

pytestmark = pytest.mark.django_db
API = "/api/surveys"


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def other_director(other_store):
    return member(other_store, Role.CARE_DIRECTOR, username="other_director")


def test_the_director_changes_the_survey_policy(client, director, store):
    client.force_login(director)
    url = reverse("surveys:settings", kwargs={"store_id": store.pk})
    assert client.get(url).status_code == 200
    form = {
        "chain_enabled": "on",
        "link_valid_days": "5",
        "sms_enabled": "on",
        "email_enabled": "on",
        "email_after_days": "3",
        "resurvey_after_days": "30",
        "dissatisfied_scale_10": "6",
        "dissatisfied_scale_5": "2",
        "dissatisfied_no": "on",
        "hot_total_below": "75",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    policy = SurveyPolicy.objects.get(store=store)
    assert (policy.link_valid_days, policy.email_after_days, policy.hot_total_below) == (5, 3, 75)
    entry = AuditEntry.objects.get(object_id=policy.pk, changes__has_key="hot_total_below")
    assert entry.actor == director


def test_a_bad_value_is_named_and_nothing_changes(client, director, store):
    client.force_login(director)
    url = reverse("surveys:settings", kwargs={"store_id": store.pk})
    response = client.post(
        url,
        {
            "link_valid_days": "0",
            "email_after_days": "2",
            "resurvey_after_days": "30",
            "dissatisfied_scale_10": "6",
            "dissatisfied_scale_5": "2",
            "hot_total_below": "80",
        },
    )
    assert response.status_code == 422
    assert "link_valid_days" in response.content.decode()
    assert SurveyPolicy.objects.get(store=store).link_valid_days == 7


def test_settings_of_another_store_are_404_and_a_specialist_gets_403(client, store, other_director, specialist):
    url = reverse("surveys:settings", kwargs={"store_id": store.pk})
    client.force_login(other_director)
    assert client.get(url).status_code == 404
    assert client.post(url, {"hot_total_below": "1"}).status_code == 404
    client.force_login(specialist)
    assert client.get(url).status_code == 403


def test_staff_make_and_send_a_task_link_through_the_api(client, manager, task):
    client.force_login(manager)
    created = client.post(f"{API}/tasks/{task.pk}/links", {"send": "sms"}, content_type="application/json")
    assert created.status_code == 200, created.content
    body = created.json()
    assert body["state"] == "open" and body["sms_status"] == MessageStatus.QUEUED
    assert "/s/" in body["url"]
    listed = client.get(f"{API}/tasks/{task.pk}/links").json()
    assert [row["id"] for row in listed] == [body["id"]]
    # asking again returns the same link
    again = client.post(f"{API}/tasks/{task.pk}/links", {}, content_type="application/json").json()
    assert again["id"] == body["id"] and SurveyLink.objects.count() == 1


def test_another_stores_task_is_404_in_the_api(client, outsider, task):
    client.force_login(outsider)
    assert client.get(f"{API}/tasks/{task.pk}/links").status_code == 404
    assert client.post(f"{API}/tasks/{task.pk}/links", {}, content_type="application/json").status_code == 404
    assert not SurveyLink.objects.exists()


def test_a_bad_channel_is_422(client, manager, task):
    client.force_login(manager)
    response = client.post(f"{API}/tasks/{task.pk}/links", {"send": "fax"}, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "send"
    assert not SurveyLink.objects.exists()


def test_the_policy_api_for_the_director_only(client, director, specialist, other_director, store):
    url = f"{API}/stores/{store.code}/policy"
    client.force_login(director)
    assert client.get(url).json()["hot_total_below"] == 80
    changed = client.put(url, {"hot_total_below": 70}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["hot_total_below"] == 70
    bad = client.put(url, {"link_valid_days": 0}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "link_valid_days"
    client.force_login(specialist)
    assert client.get(url).status_code == 403
    client.force_login(other_director)
    assert client.get(url).status_code == 404
    assert client.put(url, {"hot_total_below": 1}, content_type="application/json").status_code == 404
    assert SurveyPolicy.objects.get(store=store).hot_total_below == 70


def test_the_task_box_shows_the_link_state(task):
    template = Template("{% load surveys %}{% task_survey_links task %}")
    assert "link-open" not in template.render(Context({"task": task}))
    services.chain_run(now=NOW)
    html = template.render(Context({"task": task}))
    assert "link-open" in html and NOW.strftime("%Y-%m-%d") in html
    link = SurveyLink.objects.get(task=task)
    SurveyLink.objects.filter(pk=link.pk).update(answered_at=NOW + timedelta(hours=1))
    assert "link-answered" in template.render(Context({"task": task}))


def test_staff_renew_an_expired_link_the_old_address_stops_and_the_new_one_is_sent(client, manager, task):
    # given a link sent by SMS, then expired unanswered
    client.force_login(manager)
    first = client.post(f"{API}/tasks/{task.pk}/links", {"send": "sms"}, content_type="application/json").json()
    link = SurveyLink.objects.get()
    old_url = first["url"]
    SurveyLink.objects.filter(pk=link.pk).update(expires_at=NOW - timedelta(hours=1))
    # when staff renew it and send it again
    renewed = client.post(
        f"{API}/tasks/{task.pk}/links", {"renew": True, "send": "sms"}, content_type="application/json"
    ).json()
    # then the same link has a new address valid for the store's period, and a second SMS is queued
    assert renewed["id"] == first["id"] and renewed["state"] == "open" and renewed["url"] != old_url
    link.refresh_from_db()
    assert link.expires_at == NOW + timedelta(days=SurveyPolicy.objects.get(store=task.store).link_valid_days)
    assert link.task.store.outbox_messages.filter(idempotency_key__startswith=f"survey-link:{link.pk}:").count() == 2
    assert services.link_from_token(old_url.rstrip("/").rsplit("/", 1)[-1]) is None
    assert services.link_from_token(renewed["url"].rstrip("/").rsplit("/", 1)[-1]) == link
    assert AuditEntry.objects.filter(object_id=link.pk, changes__renewed=True).count() == 1


def test_an_answered_link_cannot_be_renewed(client, manager, task):
    client.force_login(manager)
    client.post(f"{API}/tasks/{task.pk}/links", {}, content_type="application/json")
    SurveyLink.objects.update(answered_at=NOW)
    response = client.post(f"{API}/tasks/{task.pk}/links", {"renew": True}, content_type="application/json")
    assert response.status_code == 422
    assert [item["loc"][-1] for item in response.json()["detail"]] == ["renew"]
