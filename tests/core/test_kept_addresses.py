"""{% kept_url %} and {% kept_static %} answer what {% url %} and {% static %} answer, under another script
prefix too, and after a test changes STATIC_URL; the layout renders byte for byte as with Django's tags."""

from pathlib import Path

import pytest
from django.template import Context, engines
from django.urls import set_script_prefix

pytestmark = pytest.mark.django_db


def _render(source, autoescape=True):
    return engines["django"].from_string(source).template.render(Context({}, autoescape=autoescape))


@pytest.mark.parametrize("name", ["home", "logout", "set_language", "archive:customer_search", "notifications:bell"])
def test_kept_url_is_url(name):
    assert _render(f"{{% load kept %}}{{% kept_url '{name}' %}}") == _render(f"{{% url '{name}' %}}")


@pytest.mark.parametrize("path", ["css/huifang.css", "vendor/htmx-2.0.11.min.js", "a b&c.js"])
def test_kept_static_is_static_escaped_alike(path):
    for autoescape in (True, False):
        kept = _render(f"{{% load kept %}}{{% kept_static '{path}' %}}", autoescape)
        assert kept == _render(f"{{% load static %}}{{% static '{path}' %}}", autoescape)


def test_another_script_prefix_gets_its_own_address():
    plain = _render("{% load kept %}{% kept_url 'home' %}")
    try:
        set_script_prefix("/huifang/")
        assert _render("{% load kept %}{% kept_url 'logout' %}") == _render("{% url 'logout' %}")
        assert _render("{% load kept %}{% kept_url 'home' %}").startswith("/huifang/")
    finally:
        set_script_prefix("/")
    assert _render("{% load kept %}{% kept_url 'home' %}") == plain


def test_a_changed_static_url_is_not_served_stale(settings):
    _render("{% load kept %}{% kept_static 'js/search.js' %}")
    settings.STATIC_URL = "/elsewhere/"
    assert _render("{% load kept %}{% kept_static 'js/search.js' %}") == "/elsewhere/js/search.js"


def test_the_layout_renders_as_with_djangos_tags(client, specialist):
    client.force_login(specialist)
    page = client.get("/workbench/").content.decode()
    source = Path(engines["django"].engine.find_template("base.html")[0].origin.name).read_text(encoding="utf-8")
    assert "{% url" not in source and "{% static" not in source
    for name in ("home", "logout", "set_language", "notifications:list", "notifications:bell"):
        assert f'"{_render("{% url " + repr(name) + " %}")}"' in page
    assert _render("{% load static %}{% static 'css/huifang.css' %}") in page
