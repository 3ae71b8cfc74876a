"""The policy screen (opening hours, Hold, keep/recompute) and the complaint page's clock, read in English."""

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from huifang.audit.models import AuditEntry
from huifang.complaints import services
from huifang.complaints.models import ComplaintPolicy
from huifang.core import clock

from ..factories import PASSWORD
from .conftest import NOW, at, intake

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=6))
    monkeypatch.setattr(clock, "today", lambda: NOW.date())


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def policy_form(client, url) -> dict:
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is False or value is None:
            continue
        data[name] = "on" if value is True else (value.strftime("%H:%M") if hasattr(value, "strftime") else value)
    return data


def test_saving_business_hours_and_recomputing_from_the_screen(client, store, specialist, director):
    # given an open complaint received at NOW (Wed 10:00), due Thu 10:00 on calendar hours
    complaint = intake(store, specialist, owner=specialist)
    url = reverse("complaints:policy", args=[store.pk])
    signed_in(client, director)
    data = policy_form(client, url)
    # when the director opens Saturdays 09:00–18:00, switches to business hours and recomputes at Wed 16:00
    data |= {"clock": "business", "open_5": "on", "opens_5": "09:00", "closes_5": "18:00"}
    data |= {"apply_to_open": "recompute"}
    response = client.post(url, data)
    # then saved (no 500 on time values), the hours are in the audit trail as text
    assert response.status_code == 302
    assert ComplaintPolicy.objects.get(store=store).version == 2
    entry = AuditEntry.objects.filter(changes__has_key="weekly_hours").latest("pk")
    assert entry.changes["weekly_hours"][1][5] == ["09:00", "18:00"]
    # and the complaint: 6 h used, 18 business hours left from Wed 16:00 in an 08:30–17:30 week:
    # 1.5 (Wed) + 9 (Thu) + Fri 08:30 + 7.5 → Friday 16:00
    complaint.refresh_from_db()
    assert complaint.level_due_at == at(2026, 11, 27, 16)
    page = signed_in(client, director).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "Deadlines from policy v2 (saved 2026-11-25 16:00)" in page
    assert "recomputed (1)" in client.get(url).content.decode()


def test_the_complaint_page_shows_paused_and_time_left(client, store, specialist, director):
    ComplaintPolicy.objects.update_or_create(store=store, defaults={"hold_pauses_clock": True})
    complaint = intake(store, specialist, owner=specialist)
    # The timeline note is written in the language active when it happens; this page is read in English.
    with translation.override("en"):
        services.complaint_status_change(
            complaint=complaint, actor=specialist, now=NOW + timedelta(hours=6), status="hold", why="僵持"
        )
    page = signed_in(client, specialist).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'id="clock-paused"' in page
    assert "18h 00min left" in page
    assert "runs again at the latest 2026-11-28 16:00" in page
    assert "Level clock paused with 18 h 00 min left" in page


def test_the_list_and_the_api_show_and_filter_paused_complaints(client, store, specialist, django_assert_num_queries):
    # given two open complaints in a store whose Hold pauses the clock; one goes on Hold at Wed 16:00
    ComplaintPolicy.objects.update_or_create(store=store, defaults={"hold_pauses_clock": True})
    held = intake(store, specialist, owner=specialist, customer_name="甲")
    running = intake(store, specialist, owner=specialist, customer_name="乙")
    hold_at = NOW + timedelta(hours=6)
    services.complaint_status_change(complaint=held, actor=specialist, now=hold_at, status="hold", why="僵持")
    signed_in(client, specialist)
    url = reverse("complaints:list")
    client.get(url)  # warm the session
    # when the list is read: the same pinned number of queries as without pauses
    with django_assert_num_queries(7):  # the session's user read with the session (core.sessions)
        page = client.get(url).content.decode()
    # then the held one carries the badge, the other not
    rows = {c.number: page.split(f">{c.number}<", 1)[1].split("</tr>", 1)[0] for c in (held, running)}
    assert 'class="badge status-hold paused"' in rows[held.number]
    assert "paused" not in rows[running.number]
    # and the filter keeps the paused ones, or the running ones
    assert [c.number for c in client.get(url, {"paused": "1"}).context["page"]] == [held.number]
    assert [c.number for c in client.get(url, {"paused": "0"}).context["page"]] == [running.number]
    # and the API says so, with the moment it was paused
    items = {i["number"]: i for i in client.get("/api/complaints/").json()["items"]}
    assert items[held.number]["paused"] is True
    assert datetime.fromisoformat(items[held.number]["paused_since"]) == hold_at
    assert items[running.number]["paused"] is False and items[running.number]["paused_since"] is None
    assert [i["number"] for i in client.get("/api/complaints/", {"paused": "true"}).json()["items"]] == [held.number]
