"""base.html's header is kept per process and key ({% kept_topbar %}): every page still shows what Django's
own tags ({% csrf_token %}, {{ request.get_full_path }}, {{ user }}, the user's checks) render, for each
role, language, unread count and demo mode, and no copy carries one user's or response's values to another."""

import re
from pathlib import Path

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.core.templatetags import topbar
from huifang.navigation import menu_for
from huifang.notifications.models import Notification

from ..factories import member

pytestmark = pytest.mark.django_db

TOKENS = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]{64}')
TOKEN_VALUES = re.compile(r'(?:csrfmiddlewaretoken" value="|"X-CSRFToken": ")([A-Za-z0-9]{64})')
HEADER = re.compile(r'<header class="topbar">.*?</header>', re.S)


def _django_header() -> str:
    """The header as base.html wrote it before the keeping: Django's own tags instead of the three slots."""
    source = Path(engines["django"].engine.find_template(topbar.TEMPLATE)[0].origin.name).read_text(encoding="utf-8")
    for slot, tag in (
        ("{{ csrf_input }}", "{% csrf_token %}"),
        ("{{ next_path }}", "{{ request.get_full_path }}"),
        ("{{ user_name }}", "{{ user }}"),
        ("{% if signed_in %}", "{% if user.is_authenticated %}"),
        ("{% if quick_search %}", '{% if "archive:customer_search" in menu_names %}'),
    ):
        assert slot in source
        source = source.replace(slot, tag)
    return source


def _same_as_django(response) -> str:
    page = TOKENS.sub(r"\1TOKEN", response.content.decode())
    fresh = engines["django"].from_string(_django_header()).render({}, response.wsgi_request)
    assert TOKENS.sub(r"\1TOKEN", fresh) in page
    return HEADER.search(page).group(0)


def _unread(user, n):
    for i in range(n):
        Notification.objects.create(user=user, title="t", key=f"k{i}", created_at="2026-12-01T10:00:00+08:00")


@pytest.mark.parametrize("role", [Role.CARE_SPECIALIST, Role.SERVICE_ADVISOR, Role.CARE_DIRECTOR, Role.ADMIN])
def test_the_kept_header_is_djangos_header(client, store, settings, role):
    headers = set()
    for demo in (False, True):
        settings.DEMO_MODE = demo
        for unread in (0, 1, 2):
            user = member(store, role, display_name=f"<i>名{unread}</i>")
            _unread(user, unread)
            client.force_login(user)
            for language in ("zh-hans", "en", "zh-hans"):  # back to Chinese: the kept copies do not mix
                client.cookies["django_language"] = language
                header = _same_as_django(client.get(reverse("workbench:queue") + "?q=<b>&x=1"))
                assert "&lt;i&gt;名" in header and "?q=%3Cb%3E&amp;x=1" in header
                headers.add(header)
    assert len(headers) == 2 * 3 * 2


def test_two_users_of_one_key_see_their_own_name_and_a_fresh_token(client, store):
    first, second = member(store, display_name="甲"), member(store, display_name="乙")
    client.force_login(first)
    one = client.get(reverse("workbench:queue")).content.decode()
    client.force_login(second)
    two = client.get(reverse("workbench:queue")).content.decode()
    assert str(first) in HEADER.search(one).group(0) and str(first) not in HEADER.search(two).group(0)
    assert str(second) in HEADER.search(two).group(0)
    assert set(TOKEN_VALUES.findall(one)).isdisjoint(TOKEN_VALUES.findall(two))


def test_pages_of_a_visitor_show_djangos_header(client):
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        _same_as_django(client.get(reverse("login")))


def test_a_context_without_the_kept_menu_is_rendered_afresh(specialist):
    menu = menu_for({Role.CARE_SPECIALIST})
    context = {"user": specialist, "menu": menu, "menu_names": {item.url_name for item in menu}}
    html = render_to_string("base.html", context)
    fresh = engines["django"].from_string(_django_header()).render(context)
    assert fresh in html and 'class="mainnav"' in html


def test_a_changed_setting_forgets_the_copies(client, specialist, settings):
    client.force_login(specialist)
    client.get(reverse("workbench:queue"))
    assert topbar._KEPT
    settings.LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
    assert not topbar._KEPT
