"""Parts of the call screen that are the same for every task, rendered once per process and reused.

The empty call form's widgets and its questionnaire block cost about a third of the call screen's CPU
(issue 18: 14 widgets through the form renderer, a radio per scale value of every question). Before the
caller types anything they are the same for every task: they depend only on the language and on the
questions shown. Each part is kept under a key made of exactly that (the language; each question's id,
code, text, kind, weight and "required"), so an edited questionnaire, a new version or another language
gets its own rendering and a stale copy can never be shown: there is no invalidation to forget. A form
that came back with errors (a bound form) is always rendered afresh.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from .forms import CORRECTION_FIELDS, CallForm

# The empty form's fields whose HTML never changes (started_at carries the opening time: always rendered).
FIXED_WIDGETS = (
    "next",
    "not_reached_as",
    "callback_at",
    "relation",
    "best_time",
    "comment",
    "recording",
    "recording_url",
    *CORRECTION_FIELDS,
)
QUESTIONS_TEMPLATE = "workbench/_call_questions.html"


class RenderedParts:
    """A small least-recently-used map of rendered HTML, shared by the threads of one process."""

    def __init__(self, size: int = 256):
        self.size = size
        self._parts: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, render: Callable[[], object]):
        with self._lock:
            if key in self._parts:
                self._parts.move_to_end(key)
                return self._parts[key]
        value = render()  # outside the lock: two threads may render the same part once each, both right
        with self._lock:
            self._parts[key] = value
            while len(self._parts) > self.size:
                self._parts.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._parts.clear()


PARTS = RenderedParts()


def call_widgets(form: CallForm) -> dict:
    """{field name: its widget} for the template: the empty form's from the per-language copy, a bound
    form's (with what the caller typed and the errors) rendered as usual."""
    if form.is_bound:
        return {name: form[name] for name in FIXED_WIDGETS}
    return PARTS.get(("widgets", get_language()), lambda: {name: SafeString(form[name]) for name in FIXED_WIDGETS})


def questions_key(questions: Iterable) -> tuple:
    """Everything of the questions that the questionnaire block shows."""
    return tuple((q.pk, q.code, q.text, q.kind, str(q.weight), q.required) for q in questions)


def call_questions(form: CallForm, questions: list, rows: Callable[[], list]) -> SafeString:
    """The questionnaire block of the call form (a row per question: scale, remark, errors); `rows` makes
    the template's rows, called only when the block is rendered."""

    def render() -> SafeString:
        return render_to_string(QUESTIONS_TEMPLATE, {"question_rows": rows()})

    if form.is_bound:
        return render()
    return PARTS.get(("questions", get_language(), questions_key(questions)), render)
