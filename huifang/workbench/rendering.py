"""Parts of the call screen that are the same for every task, rendered once per process and reused.

The empty call form's widgets and its questionnaire block cost about a third of the call screen's CPU
(issue 18: 14 widgets through the form renderer, a radio per scale value of every question). Before the
caller types anything they are the same for every task: they depend only on the language and on the
questions shown. Each part is kept under a key made of exactly that (the language; each question's id,
code, text, kind, weight and "required"), so an edited questionnaire, a new version or another language
gets its own rendering and a stale copy can never be shown: there is no invalidation to forget. A form
that came back with errors (a bound form) is always rendered afresh.
"""

import html
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.template.loader import render_to_string
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from huifang.followups.choices import RuleKind

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


def queue_labels() -> dict:
    """The words of the queue's rows, translated and escaped once per process and language (not per row or
    per request; nobody changes the dict)."""
    return PARTS.get(("queue_labels", get_language()), _queue_labels)


def queue_kind_labels() -> dict:
    """{task kind: its label}, translated once per process and language (15 lazy labels a page otherwise)."""
    return PARTS.get(
        ("queue_kind_labels", get_language()), lambda: {value: str(label) for value, label in RuleKind.choices}
    )


def _queue_labels() -> dict:
    return {
        key: _escape(text)
        for key, text in {
            "tick": gettext("Tick"),
            "nobody": gettext("Nobody"),
            "quiet_title": gettext("The store is inside its quiet hours now"),
            "quiet": gettext("Quiet hours"),
            "not_best": gettext("Not the best time"),
            "call_back": gettext("Call back"),
            "retry_title": gettext("Not reached: waits before the next try"),
            "comes_back": gettext("Comes back"),
        }.items()
    }


def _escape(value) -> str:
    """As the template's autoescape (django.utils.html.escape is html.escape behind a lazy-string wrapper);
    most values (names, plates, dates) have nothing to escape, which five `in` tests tell cheaply."""
    text = str(value)
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return html.escape(text)
    return text


def queue_rows_html(rows: Iterable, *, overdue: bool, team: bool, labels: dict) -> SafeString:
    """A bucket's rows (queue_read.QueueRow) as HTML, made here rather than by the template: 50 rows of ten
    cells and four marks were the queue page's largest template cost (issue 18). The markup is the one
    `_queue_table.html` had; every text value is escaped as the template's autoescape would."""
    return SafeString("".join([queue_row(row, overdue=overdue, team=team, labels=labels) for row in rows]))


def queue_row(task, *, overdue: bool, team: bool, labels: dict) -> str:
    """One row of the queue table, with the whitespace around it that the template's loop gave."""
    pk = int(task.pk)  # a number: nothing to escape
    marked = " marked" if task.quiet or task.not_best_time else ""
    tick = f'<td><input type="checkbox" name="tasks" value="{pk}" aria-label="{labels["tick"]}"></td>' if team else ""
    window = task.window_label  # digits, "-", ":" and a space (queue_read._short_time)
    if overdue:
        window = f'<span class="badge bad">{window}</span>'
    plate = f'<span class="plate">{_escape(task.plate or "—")}</span>' if task.has_vehicle else ""
    who = ""
    if team:
        who = _escape(task.assigned_to) if task.assigned_to else f'<span class="muted">{labels["nobody"]}</span>'
        who = f"<td>{who}</td>"
    quiet = (
        f'<span class="badge warn wb-mark-quiet" title="{labels["quiet_title"]}">{labels["quiet"]}</span>'
        if task.quiet
        else ""
    )
    not_best = (
        f'<span class="badge warn wb-mark-notbest" title="{_escape(task.best_contact_time)}">'
        f"{labels['not_best']}</span>"
        if task.not_best_time
        else ""
    )
    call_back = (
        f'<span class="badge wb-mark-callback">{labels["call_back"]} {task.callback_label}</span>'
        if task.callback_label
        else ""
    )
    retry = (
        f'<span class="badge wb-mark-retry" title="{labels["retry_title"]}">{labels["comes_back"]} '
        f"{task.retry_label}</span>"
        if task.retry_label
        else ""
    )
    return (
        f'\n      <tr class="task-row{marked}" data-task="{pk}">\n        {tick}'
        f'\n        <td class="nowrap">{_escape(task.kind_label)}</td>'
        f'\n        <td><a href="{_escape(task.url)}">{_escape(task.customer_name)}</a></td>'
        f'\n        <td class="mono nowrap">{_escape(task.phone_masked)}</td>'
        f'\n        <td class="nowrap">{plate}</td>'
        f'\n        <td class="nowrap">{task.due_label}</td>'
        f'\n        <td class="nowrap">{window}</td>'
        f'\n        <td class="num">{int(task.attempts_count)}</td>'
        f"\n        {who}"
        f'\n        <td class="wb-mark">\n          {quiet}\n          {not_best}\n          {call_back}'
        f"\n          {retry}\n        </td>\n      </tr>\n      "
    )


def queue_count_boxes(buckets: list) -> SafeString:
    """The count box of each bucket above the table (`_queue_table.html`'s loop, made here: it read five
    template variables per bucket for four numbers and four words)."""
    return SafeString(
        "".join(
            f'<div class="wb-count {key}" data-bucket-count="{key}"><span class="muted small">{_escape(label)}'
            f"</span><b>{int(count)}</b></div>"
            for key, label, _rows, count, _shown in buckets
        )
    )


def queue_tbodies(buckets: list, *, team: bool, page: int) -> SafeString:
    """Each bucket's section of the queue table (its head row with the count, then its rows or why there are
    none), the markup and whitespace the template's loop gave; a bucket with no row on a later page is left
    out, as there."""
    columns = 10 if team else 8
    parts = []
    for key, label, rows, count, shown in buckets:
        if not (shown or page == 1):
            continue
        badge = " bad" if key == "overdue" and count else " warn" if key == "due_now" and count else ""
        on_page = ""
        if shown < count:
            # {% blocktrans %}: the translation is not escaped, the number in it is.
            on_page = f' <span class="muted small">{gettext("%(shown)s on this page") % {"shown": int(shown)}}</span>'
        if shown:
            body = rows
        else:
            why = _escape(gettext("On the next pages.") if count else gettext("None."))
            body = f'\n      <tr><td colspan="{columns}" class="muted">{why}</td></tr>\n      '
        parts.append(
            f'\n    <tbody class="bucket-{key}">\n      <tr class="bucket {key}"><th colspan="{columns}">'
            f'{_escape(label)} <span class="badge{badge}">{int(count)}</span>{on_page}</th></tr>\n      {body}'
            "\n    </tbody>\n    "
        )
    return SafeString("".join(parts))


QUEUE_FILTERS = ("kind", "store", "advisor", "assignee")


def queue_filter_fields(filters, *, team: bool) -> SafeString:
    """The queue's filters (label and select of each field; the assignee's only on the team's queue and when
    there is someone to choose), as the template's lines gave them: each select is a KeptSelect.

    Kept per process (PARTS) for each language, view and state of the four fields: the field itself (the
    form's fields are shared per set of choices, forms.QueueFilterForm, so the field stands for its label and
    choices), the value the request gave it and whether it has an error. Making the four bound fields and
    their selects' keys again cost the queue page ~300 Python calls for the same HTML (issue 18)."""
    key = ("queue_filters", get_language(), team, *(_filter_state(filters, name) for name in QUEUE_FILTERS))
    return PARTS.get(key, lambda: _queue_filter_fields(filters, team=team))


def _filter_state(form, name: str) -> tuple:
    """What a filter's label and select are made of, beside the language: the field, its value (as
    BoundField.value reads it: a select's value is the request's, else the initial one) and its error."""
    field = form.fields[name]
    value = form.data.get(name) if form.is_bound else form.initial.get(name, field.initial)
    return field, repr(value), name in form.errors


def _queue_filter_fields(filters, *, team: bool) -> SafeString:
    def field(name: str) -> str:
        bound = filters[name]
        return f"<label>{_escape(bound.label)} {bound}</label>"

    html_ = f"{field('kind')}\n  {field('store')}\n  {field('advisor')}\n  "
    if team:
        assignee = field("assignee") if len(filters.fields["assignee"].choices) > 1 else ""
        html_ += f'<input type="hidden" name="team" value="on">\n    {assignee}\n  '
    return SafeString(html_)


def queue_pager(*, page: int, pages: int, query: str) -> SafeString:
    """The links to the more and the less urgent page (none when there is one page), as the template gave
    them; `query` is the page's other parameters, urlencoded."""
    if pages <= 1:
        return SafeString("")
    before = f"{_escape(query)}&amp;" if query else ""
    prev = f'<a href="?{before}page={page - 1}" rel="prev">← {_escape(gettext("More urgent"))}</a>' if page > 1 else ""
    after = (
        f'<a href="?{before}page={page + 1}" rel="next">{_escape(gettext("Less urgent"))} →</a>' if page < pages else ""
    )
    # {% blocktrans %}: the translation is not escaped, the numbers in it are plain.
    where = gettext("Page %(page)s of %(pages)s") % {"page": int(page), "pages": int(pages)}
    return SafeString(
        f'\n  <nav class="pager" id="wb-pager">\n    {prev}\n    <span>{where}</span>\n    {after}\n  </nav>\n  '
    )


def queue_behind_rows(behind: list[dict]) -> SafeString:
    """The rows of "who is behind" (team_behind's: name, on leave, overdue count, oldest window end), or the
    line saying nobody is, as the template's loop gave them; the time as |date:"Y-m-d H:i" shows it."""
    if not behind:
        return SafeString(
            f'\n      <tr><td colspan="3" class="muted">{_escape(gettext("Nobody is behind."))}</td></tr>\n    '
        )
    rows = []
    for b in behind:
        if b["assigned_to"]:
            who = _escape(b["name"])
            if b["on_leave"]:
                who += f' <span class="badge warn">{_escape(gettext("on leave"))}</span>'
        else:
            who = f'<span class="muted">{_escape(gettext("Nobody"))}</span>'
        oldest = "" if b["oldest"] is None else dateformat.format(timezone.localtime(b["oldest"]), "Y-m-d H:i")
        rows.append(
            f'\n      <tr class="behind-row"><td>{who}</td><td class="num">{int(b["overdue"])}</td>'
            f'<td class="nowrap">{oldest}</td></tr>\n    '
        )
    return SafeString("".join(rows))


def queue_receiver_options(people: Iterable) -> SafeString:
    """The options of "give the ticked tasks to" (pk and name of each colleague), as the template's loop gave."""
    return SafeString("".join(f'<option value="{int(p.pk)}">{_escape(p)}</option>' for p in people))
