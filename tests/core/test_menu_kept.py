"""The menu bar and the workbench legend are rendered once per process and key (language, script prefix,
roles): every page still shows what a fresh rendering shows, in the page's language and for the user's roles."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from huifang.accounts.choices import Role
from huifang.navigation import menu_for

from ..factories import member

pytestmark = pytest.mark.django_db


def _page(client, language):
    client.cookies["django_language"] = language
    return client.get(reverse("workbench:queue")).content.decode()


@pytest.mark.parametrize("role", [Role.CARE_SPECIALIST, Role.CARE_DIRECTOR])
def test_the_kept_menu_is_the_fresh_menu_in_each_language(client, store, role):
    client.force_login(member(store, role))
    pages = {}
    for language in ("zh-hans", "en", "zh-hans"):  # back to Chinese: the kept copies do not mix
        html = _page(client, language)
        with translation.override(language):
            fresh = render_to_string("_mainnav.html", {"menu": menu_for({role})})
        assert fresh in html
        pages[language] = fresh
    assert pages["zh-hans"] != pages["en"]


def test_roles_get_their_own_menu(client, store):
    director, specialist = member(store, Role.CARE_DIRECTOR), member(store, Role.CARE_SPECIALIST)
    settings_url = f'href="{reverse("workbench:settings")}"'
    client.force_login(director)
    assert settings_url in _page(client, "zh-hans")
    client.force_login(specialist)
    assert settings_url not in _page(client, "zh-hans")


def test_the_kept_legend_follows_the_language(client, store):
    client.force_login(member(store, Role.CARE_SPECIALIST))
    assert "Show or hide this legend" in _page(client, "en")
    chinese = _page(client, "zh-hans")
    assert 'id="wb-legend"' in chinese and "Show or hide this legend" not in chinese


def test_the_kept_queue_head_follows_team_and_language(client, store):
    client.force_login(member(store, Role.SERVICE_MANAGER))
    client.cookies["django_language"] = "en"
    mine = client.get(reverse("workbench:queue")).content.decode()
    team = client.get(reverse("workbench:queue") + "?team=on").content.decode()
    assert "<h1>My call queue</h1>" in mine and "data-check-all" not in mine
    assert "<h1>Team queue</h1>" in team and "data-check-all" in team
    client.cookies["django_language"] = "zh-hans"
    chinese = client.get(reverse("workbench:queue") + "?team=on").content.decode()
    assert "data-check-all" in chinese and "<h1>Team queue</h1>" not in chinese
