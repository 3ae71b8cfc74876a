"""The customer's link page through the test client: answer once, used, expired, tampered, rate limit."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from huifang.complaints.choices import ComplaintChannel
from huifang.complaints.models import Complaint
from huifang.core import clock
from huifang.followups.choices import TaskStatus
from huifang.notifications.models import Notification
from huifang.reports.figures import css_scores
from huifang.surveys import defaults, services
from huifang.surveys.models import SurveyLink
from huifang.workbench.choices import CallChannel, CallOutcome
from huifang.workbench.models import Answer, CallRecord

from ..workbench.factories import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def link(task):
    return services.link_create(task=task, actor=None, now=NOW - timedelta(hours=1))


def url_of(link, name="surveys:answer"):
    return reverse(name, kwargs={"token": services.link_token(link)})


def posted(**values) -> dict:
    """The form as a customer fills it: 9 everywhere and "yes", unless overridden."""
    data = {f"q_{code}": "9" for code in ("overall", "reception", "done_right", "explanation", "lounge")}
    data |= {"q_car_wash": "9", "q_invoice": "9", "q_come_back": "1", "t_suggestions": "很好"}
    data |= {f"q_{code}": str(value) for code, value in values.items()}
    return data


def test_the_page_shows_the_current_questionnaire_without_login(client, link):
    response = client.get(url_of(link))
    assert response.status_code == 200
    html = response.content.decode()
    assert "张三" in html
    assert 'name="q_overall"' in html and 'name="q_come_back"' in html and 'name="t_suggestions"' in html
    assert 'name="viewport"' in html
    link.refresh_from_db()
    assert link.opened_at == NOW


def test_answering_stores_a_link_call_counted_in_css_per_advisor(client, link, advisor):
    # when the customer answers 9s and "yes"
    response = client.post(url_of(link), posted(overall=10))
    # then the thanks page follows and the answers are a call record of the task, channel "link"
    assert response.status_code == 302 and response["Location"] == url_of(link, "surveys:thanks")
    assert client.get(response["Location"]).status_code == 200
    call = CallRecord.objects.get(task=link.task)
    assert call.channel == CallChannel.LINK and call.outcome == CallOutcome.SATISFIED
    assert call.advisor == advisor and call.caller is None
    assert Answer.objects.filter(call=call).count() == 9
    link.refresh_from_db()
    assert link.answered_at == NOW and link.call == call
    # the unreachable task keeps its status; no complaint, no alert
    link.task.refresh_from_db()
    assert link.task.status == TaskStatus.UNREACHABLE
    assert not Complaint.objects.exists() and not Notification.objects.exists()
    # and CSS per advisor counts it: overall 10/10 -> 100
    scores = css_scores(stores=[link.store], month=date(2026, 11, 1), by="advisor")
    assert scores[advisor.pk]["items"]["overall"]["score"] == 100
    assert scores[advisor.pk]["items"]["overall"]["answers"] == 1


def test_a_link_answers_once(client, link):
    client.post(url_of(link), posted())
    again = client.get(url_of(link))
    repost = client.post(url_of(link), posted(overall=1))
    assert again.status_code == 200 and "link-answered" in again.content.decode()
    assert repost.status_code == 200 and "link-answered" in repost.content.decode()
    assert CallRecord.objects.count() == 1
    assert not Complaint.objects.exists()


def test_an_expired_link_shows_a_clear_page(client, link, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: link.expires_at)
    response = client.get(url_of(link))
    assert response.status_code == 410 and "link-expired" in response.content.decode()
    assert client.post(url_of(link), posted()).status_code == 410
    assert not CallRecord.objects.exists()


@pytest.mark.parametrize("position", [5, -3])
def test_a_link_with_one_character_changed_is_invalid(client, link, position):
    token = services.link_token(link)
    changed = token[:position] + ("x" if token[position] != "x" else "y") + token[position + 1 :]
    if position < 0:
        changed = token[: len(token) + position] + ("x" if token[position] != "x" else "y") + token[position + 1 :]
    response = client.get(reverse("surveys:answer", kwargs={"token": changed}))
    assert response.status_code == 400 and "link-invalid" in response.content.decode()
    assert client.post(reverse("surveys:answer", kwargs={"token": changed}), posted()).status_code == 400


def test_a_validly_signed_token_with_a_wrong_nonce_is_invalid(client, link):
    from huifang.surveys.tokens import token_make

    forged = token_make(link_id=link.pk, nonce="guessed")
    assert client.get(reverse("surveys:answer", kwargs={"token": forged})).status_code == 400


def test_a_missing_answer_is_named_and_nothing_is_written(client, link):
    data = posted()
    del data["q_reception"]
    response = client.post(url_of(link), data)
    assert response.status_code == 422
    assert 'id="q-reception"' in response.content.decode()
    assert "has-error" in response.content.decode()
    assert not CallRecord.objects.exists()
    link.refresh_from_db()
    assert link.answered_at is None


def test_the_public_page_is_rate_limited_per_address(client, link, monkeypatch):
    monkeypatch.setattr(defaults, "RATE_LIMIT_REQUESTS", 3)
    statuses = [client.get(url_of(link)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = client.get(url_of(link), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_a_dissatisfied_answer_alerts_the_managers_and_opens_a_complaint(client, link, manager, director):
    # when the customer gives reception a 5
    client.post(url_of(link), posted(reception=5))
    # then a survey complaint is opened for the call and the service manager is notified at once
    call = CallRecord.objects.get(task=link.task)
    complaint = Complaint.objects.get()
    assert call.complaint == complaint and call.outcome == CallOutcome.WITH_ISSUE
    assert complaint.channel == ComplaintChannel.SURVEY and complaint.customer == link.customer
    assert any("不满意" in r and "5" in r for r in call.issue_reasons)
    alert = Notification.objects.get(key=f"surveys:hot:{link.pk}")
    assert alert.user == manager
    assert alert.url == reverse("complaints:detail", kwargs={"complaint_id": complaint.pk})
    assert "5" in alert.body


def test_a_total_under_the_threshold_alone_is_hot(client, link, manager):
    # given all 7s: no single answer at or below 6, but a total of 70 < 80 (the "yes" weighs in too)
    client.post(
        url_of(link),
        posted(
            **dict.fromkeys(("overall", "reception", "done_right", "explanation", "lounge", "car_wash", "invoice"), 7),
            come_back=1,
        ),
    )
    call = CallRecord.objects.get(task=link.task)
    assert call.score < 80
    assert call.complaint is not None
    assert any("总分" in reason for reason in call.issue_reasons)
    assert Notification.objects.filter(user=manager, key=f"surveys:hot:{link.pk}").exists()


def test_a_store_threshold_change_changes_the_alert(client, link, manager, store):
    services.policy_update(store=store, actor=None, now=NOW, hot_total_below=60, dissatisfied_scale_10=4)
    client.post(url_of(link), posted(reception=5))
    assert not Complaint.objects.exists()
    assert not Notification.objects.filter(key=f"surveys:hot:{link.pk}").exists()


def test_answering_an_open_task_link_closes_the_task_as_done(client, store, customer, specialist):
    from ..workbench.factories import call_task

    task = call_task(store, customer=customer, assigned_to=specialist, key="open")
    link = services.link_create(task=task, actor=specialist, now=NOW)
    client.post(url_of(link), posted())
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert SurveyLink.objects.get(pk=link.pk).call.channel == CallChannel.LINK
