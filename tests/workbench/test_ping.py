"""The workbench keep-alive: a signed-in caller's session, how long it stays signed in without activity."""

import pytest
from django.conf import settings
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.core import middleware

from ..factories import PASSWORD, member

pytestmark = pytest.mark.django_db


def test_ping_says_how_long_the_session_stays_signed_in(client, store, monkeypatch):
    specialist = member(store, Role.CARE_SPECIALIST)
    monkeypatch.setattr(middleware, "wall_clock", lambda: 1_000_000)
    assert client.login(username=specialist.username, password=PASSWORD)
    monkeypatch.setattr(middleware, "wall_clock", lambda: 1_000_000 + 30)
    response = client.get(reverse("workbench:ping"))
    assert response.status_code == 200
    assert response.json() == {"signed_in": True, "idle_seconds_left": settings.SESSION_IDLE_SECONDS - 30}
    assert response["Cache-Control"] == "no-store"


def test_ping_is_refused_without_a_workbench_role(client, store):
    seller = member(store, Role.SALES_MANAGER)
    assert client.login(username=seller.username, password=PASSWORD)
    assert client.get(reverse("workbench:ping")).status_code == 403


def test_ping_signed_out_goes_to_the_login_page(client):
    response = client.get(reverse("workbench:ping"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_call_screen_names_the_ping_for_its_keep_alive(client, store):
    from .factories import call_task

    specialist = member(store, Role.CARE_SPECIALIST)
    task = call_task(store, assigned_to=specialist)
    assert client.login(username=specialist.username, password=PASSWORD)
    html = client.get(reverse("workbench:task", args=[task.pk])).content.decode()
    assert f'data-wb-ping="{reverse("workbench:ping")}"' in html
