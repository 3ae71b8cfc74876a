"""Parts of the call screen rendered in Python or kept per process (issue 18: the call screen's template was
the largest part of its CPU, some 35,000 of its 44,000 Python calls).

The form below its hidden fields is the same for every task while the caller has typed nothing: it depends on
the language, the questionnaire and the store's call policy, and is kept under exactly those (as
workbench.rendering keeps the widgets and the questionnaire block), so an edit can never show a stale copy.
A form that came back with errors is rendered afresh.
"""

from collections.abc import Callable

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from .rendering import PARTS, questions_key

FORM_BODY_TEMPLATE = "workbench/_call_form_body.html"


def form_body_key(*, questionnaire, questions, policy) -> tuple:
    """Everything of the settings that the form's body shows."""
    return (
        questionnaire.pk,
        questionnaire.version,
        questions_key(questions),
        policy.low_overall_score,
        policy.low_overall_action,
        policy.low_item_score,
        policy.low_item_action,
    )


def call_form_body(*, form, context: Callable[[], dict], key: tuple) -> SafeString:
    """The call form's questionnaire and outcome sections; `context` makes what the template shows (called only when it is rendered)."""

    def render() -> SafeString:
        return SafeString(render_to_string(FORM_BODY_TEMPLATE, context()))

    if form.is_bound:
        return render()
    return PARTS.get(("form_body", get_language(), *key), render)
