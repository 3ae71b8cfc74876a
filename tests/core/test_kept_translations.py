"""{% kept_trans "text" %} renders what {% trans "text" %} renders, in each language and autoescape mode, kept
per language (switching back and forth never shows the other language's copy); the call screen uses it."""

from pathlib import Path

import pytest
from django.template import Context, engines
from django.utils import translation

# Texts of the call screen: plain, with a percent sign's neighbours, with non-ASCII, and one without a catalogue entry.
TEXTS = ["Call", "Queue", "360° page", "Skip to the next task", "Book a visit", "No such text & <b>tag</b>"]


def _render(source, autoescape=True):
    return engines["django"].from_string(source).template.render(Context({}, autoescape=autoescape))


@pytest.mark.parametrize("text", TEXTS)
def test_kept_trans_is_trans_in_each_language(text):
    for _round in range(2):  # the second round reads the kept copies
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for autoescape in (True, False):
                    kept = _render(f'{{% load kept %}}{{% kept_trans "{text}" %}}', autoescape)
                    assert kept == _render(f'{{% load i18n %}}{{% trans "{text}" %}}', autoescape)


def test_the_languages_get_their_own_copies():
    with translation.override("zh-hans"):
        chinese = _render('{% load kept %}{% kept_trans "Queue" %}')
    with translation.override("en"):
        assert _render('{% load kept %}{% kept_trans "Queue" %}') == "Queue"
    assert chinese != "Queue"


def test_kept_trans_takes_one_quoted_constant_only():
    from django.template import TemplateSyntaxError

    for source in ("{% kept_trans text %}", '{% kept_trans "a" as b %}', '{% kept_trans "a" context "c" %}'):
        with pytest.raises(TemplateSyntaxError):
            _render("{% load kept %}" + source)


def test_the_call_screen_keeps_no_plain_trans():
    call = Path(__file__).parents[2] / "huifang/workbench/templates/workbench/call.html"
    assert "{% trans " not in call.read_text()
