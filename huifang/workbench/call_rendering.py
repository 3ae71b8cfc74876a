"""Parts of the call screen rendered in Python or kept per process (issue 18: the call screen's template was
the largest part of its CPU, some 35,000 of its 44,000 Python calls).

The form below its hidden fields is the same for every task while the caller has typed nothing: it depends on
the language, the questionnaire and the store's call policy, and is kept under exactly those (as
workbench.rendering keeps the widgets and the questionnaire block), so an edit can never show a stale copy.
A form that came back with errors is rendered afresh.
"""

import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatechars
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.timezone import get_current_timezone, template_localtime
from django.utils.translation import get_language, gettext

from huifang.archive.choices import ContactRole, LineKind
from huifang.complaints.choices import ComplaintStatus
from huifang.core.choice_labels import choice_map
from huifang.core.phones import mask_phone

from .choices import CallOutcome
from .forms import CallForm
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


# --- Per-task loops of the screen, rendered here rather than by the template ---------------------------------
# Each loop iteration of the template cost a few hundred Python calls (a node per value, a filter, a display
# method); these make the very markup the template made, every value through `_shown` as a template variable
# is shown (localized, then escaped unless already safe), labels translated once per request.


# What django.utils.html.escape replaces, in one str.translate (escape is a lazy-aware wrapper around five
# replaces: some ten Python calls a value).
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def _shown(value) -> str:
    if type(value) is str:  # localize() gives a plain str back as it is; a SafeString is left to Django
        return value.translate(_ESCAPES)
    return conditional_escape(localize(value))


def _amounts():
    """`{{ amount }}` of decimals: localize() gives the decimal's own digits when the language's separator is
    "." and thousands are not grouped (number_format then only splits and joins them again)."""
    if settings.USE_THOUSAND_SEPARATOR or get_format("DECIMAL_SEPARATOR") != ".":
        return _shown

    def shown(value) -> str:
        if type(value) is Decimal and value.is_finite():
            return f"{value:f}"
        return _shown(value)

    return shown


class _Labels(dict):
    """text -> `{% trans text %}` as shown, in one language, filled as asked: per process, as kept_trans keeps
    them (the catalogues do not change while it runs; a test changing them clears these too)."""

    def __missing__(self, text: str) -> str:
        value = self[text] = _shown(gettext(text))
        return value


_LABELS: dict[str, _Labels] = {}


def labels() -> _Labels:
    """The fixed texts of the call screen in the current language."""
    language = get_language()
    found = _LABELS.get(language)
    if found is None:
        found = _LABELS[language] = _Labels()
    return found


def _date(value, fmt: str) -> str:
    """`{{ value|date:fmt }}` (the filter sees the time in the current time zone)."""
    return conditional_escape(date_filter(template_localtime(value), fmt))


def _day(value, zone) -> str:
    """`{{ value|date:"Y-m-d" }}` of a datetime or None, without the filter's DateFormat (some 60 Python calls
    a value): an aware datetime is seen in `zone` (the current time zone) as the filter sees it."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return _date(value, "Y-m-d")
    if settings.USE_TZ and value.utcoffset() is not None:
        value = value.astimezone(zone)
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _truncated(text: str, length: int) -> str:
    """`text|truncatechars:length`: the filter gives an NFC-normalized text of at most `length` characters
    back unchanged, so only a longer or unnormalized one goes through it."""
    if len(text) <= length and unicodedata.is_normalized("NFC", text):
        return text
    return truncatechars(text, length)


# Addresses with arguments, from one reverse() per process, URL configuration, script prefix and name: the
# arguments (row ids, a field name) go where the placeholders came out.
_URL_MARK = 987654320
_URLS: dict[tuple, tuple[str, bool]] = {}


@receiver(setting_changed, dispatch_uid="huifang.workbench.call_rendering.urls")
def _forget_urls(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _URLS.clear()
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"):
        _LABELS.clear()


def url_of(name: str, *args) -> str:
    """`reverse(name, args=args)` for int arguments and plain-word strings (no quoting), escaped as `{% url %}`."""
    key = (get_urlconf(), get_script_prefix(), name, len(args))
    kept = _URLS.get(key)
    if kept is None:
        pattern = reverse(name, args=[_URL_MARK + i for i in range(len(args))])
        # A pattern that escaping leaves as it is stays so with plain-word arguments put in (no & < > " ').
        kept = _URLS[key] = (pattern, conditional_escape(pattern) == pattern)
    pattern, plain = kept
    for i, arg in enumerate(args):
        value = str(arg)
        if not (value.isascii() and value.replace("_", "").isalnum()):
            return conditional_escape(reverse(name, args=args))
        pattern = pattern.replace(str(_URL_MARK + i), value, 1)
    return SafeString(pattern) if plain else conditional_escape(pattern)


def lines_html(lines) -> SafeString:
    """The repair order's lines: the rows of the table's body."""
    kind, amount = _labels_shown(choice_map(LineKind)), _amounts()
    return SafeString(
        "".join(
            f'<tr><td><span class="muted small">{kind(line.kind)}</span> '
            f'{_shown(line.description)}</td><td class="num">{amount(line.quantity) if line.quantity else ""}</td>'
            f'<td class="num">{amount(line.amount)}</td></tr>'
            for line in lines
        )
    )


def scripts_html(scripts: list[dict], scenario: str) -> SafeString:
    """The script card's scenario tabs and each scenario's steps (the one to open with shown)."""
    tabs = "".join(
        f'<button type="button" data-scenario-tab="{_shown(s["scenario"])}" '
        f'class="{"on" if s["scenario"] == scenario else ""}">{_shown(s["label"])}</button>'
        for s in scripts
    )
    steps = "".join(
        f'\n      <ol class="wb-steps" data-scenario="{_shown(s["scenario"])}"'
        f"{'' if s['scenario'] == scenario else ' hidden'}>\n        "
        + "".join(f"<li><b>{_shown(step['title'])}</b><p>{_shown(step['text'])}</p></li>" for step in s["steps"])
        + "\n      </ol>\n      "
        for s in scripts
    )
    if not scripts:
        steps = f'<p class="muted">{labels()["No script for this kind of task."]}</p>\n      '
    return SafeString(f'<div class="wb-tabs">{tabs}</div>\n      {steps}\n')


def _labels_shown(labels: Mapping) -> Callable[[str], str]:
    """value -> its label in `labels` (a choice_map) as shown, each translated and escaped once per call of the
    caller."""
    shown: dict[str, str] = {}

    def label(value: str) -> str:
        text = shown.get(value)
        if text is None:
            text = shown[value] = _shown(labels.get(value, value))
        return text

    return label


def history_html(calls, complaints) -> SafeString:
    """Earlier calls and complaints: the items of their list."""
    outcome, status = _labels_shown(choice_map(CallOutcome)), _labels_shown(choice_map(ComplaintStatus))
    shown = labels()
    score, complaint = shown["score"], shown["Complaint"]
    zone, amount = get_current_timezone(), _amounts()
    calls_items = [
        f'<li><span class="nowrap">{_day(c.ended_at, zone)}</span> {outcome(c.outcome)}'
        + (f" · {score} {amount(c.score)}" if c.score is not None else "")
        + (f' <span class="muted">{_shown(_truncated(c.comment, 60))}</span>' if c.comment else "")
        + "</li>"
        for c in calls
    ]
    complaint_items = [
        f'<li><span class="badge{" bad" if c.is_major else " warn"}">{complaint}</span> '
        f'<span class="mono small">{_shown(c.number)}</span> <span class="nowrap">{_day(c.received_at, zone)}</span> '
        f"{status(c.status)} {_shown(_truncated(c.content, 50))}</li>"
        for c in complaints
    ]
    # The template's two loops, a line apart.
    return SafeString("".join(calls_items) + "\n        " + "".join(complaint_items))


def flags_html(flags: list[dict]) -> SafeString:
    """The items of the "review before the call" list."""
    if not flags:
        return SafeString(f'<li class="ok">{labels()["Nothing to watch out for."]}</li>')
    return SafeString(
        "".join(
            f'<li class="{_shown(f["severity"])}" data-flag="{_shown(f["code"])}"><b>{_shown(f["label"])}</b>'
            f"{_shown(f['detail'])}</li>\n        "
            for f in flags
        )
    )


def contacts_html(contacts, *, customer_pk: int, may_reveal: bool) -> SafeString:
    """The company car's people: the rows of their table's body (phones masked; a reveal button for callers)."""
    role = _labels_shown(choice_map(ContactRole))
    reveal = labels()["Reveal"]
    rows = []
    for ct in contacts:
        phone = ""
        if ct.phone:
            button = (
                f' <button type="button" class="link reveal" hx-post="'
                f'{url_of("archive:contact_phone_reveal", customer_pk, ct.pk)}" hx-target="closest .phone-cell" '
                f'hx-swap="innerHTML">{reveal}</button>'
                if may_reveal
                else ""
            )
            phone = f'<span class="phone-cell"><span class="phone mono">{_shown(mask_phone(ct.phone))}</span>{button}</span>'
        department = f' <span class="muted">{_shown(ct.department)}</span>' if ct.department else ""
        rows.append(f"<tr><td>{role(ct.role)}</td><td>{_shown(ct.name)}{department}</td><td>{phone}</td></tr>")
    return SafeString("".join(rows))


def phone_html(number: str, *, field: str, customer_pk: int, may_reveal: bool) -> SafeString:
    """`{% include "archive/_phone.html" %}` of one of the customer's numbers as the call screen includes it
    (its context has no `unverified`)."""
    if not number:
        return SafeString("—\n")
    button = ""
    if may_reveal and field:
        shown = labels()
        button = (
            f' <button type="button" class="link reveal" hx-post="{url_of("archive:phone_reveal", customer_pk, field)}"'
            f' hx-target="closest .phone-cell" hx-swap="innerHTML" title="'
            f'{shown["Show the full number (the view is logged)"]}">{shown["Reveal"]}</button>'
        )
    return SafeString(
        f'<span class="phone-cell"><span class="phone mono">{_shown(mask_phone(number))}</span>{button}</span>\n'
    )


def saved_notice_html(saved: dict | None) -> SafeString:
    """`{% include "workbench/_saved_notice.html" %}` on the call screen: what the call just saved opened."""
    if not saved:
        return SafeString("\n")
    c, shown = saved["call"], labels()
    outcome = _labels_shown(choice_map(CallOutcome))(c.outcome)
    issue = " issue" if c.complaint or saved["problems"] else ""
    parts = [
        f'\n<section class="card wb-notice{issue}" id="wb-saved">\n  <strong>'
        + gettext("Call with %(name)s saved: %(outcome)s.") % {"name": _shown(c.customer.name), "outcome": outcome}
        + "</strong>\n  ",
        f'<span class="muted">{shown["Score"]} {_amounts()(c.score)}</span>' if c.score is not None else "",
        "\n  ",
    ]
    if c.complaint:
        number = gettext("Complaint %(no)s") % {"no": _shown(c.complaint)}
        link = (
            f'<a href="{_shown(saved["complaint_url"])}" class="wb-complaint-link">{number}</a>'
            if saved["complaint_url"]
            else f'<span class="wb-complaint-link">{number}</span>'
        )
        parts.append(f'\n    <span class="badge bad">{shown["Complaint opened"]}</span>\n    {link}\n  ')
    parts.append("\n  ")
    problems = url_of("workbench:problems")
    parts += [
        f'<span class="badge warn">{shown["Problem record for the advisor"]}</span> <a href="{problems}">'
        f"{_shown(_truncated(pr.description, 40))}</a>"
        for pr in saved["problems"]
    ]
    parts.append("\n  ")
    if c.issue_reasons:
        reasons = conditional_escape("；").join(conditional_escape(v) for v in c.issue_reasons)
        parts.append(f'<div class="small muted">{shown["Why:"]} {reasons}</div>')
    parts.append(f'\n  <a href="{url_of("workbench:call_detail", c.pk)}">{shown["Open the call"]}</a>\n</section>\n\n')
    return SafeString("".join(parts))


# --- Single values of the page ---------------------------------------------------------------------------------


_STARTED_MARK = "wbstartedatmark"


def started_at_html(now) -> SafeString:
    """`{{ form.started_at }}` of the empty call form (its hidden input carrying the opening time): the
    input's markup is kept per language with a mark where the value goes, the value made as the bound field
    makes it (the field's prepare_value, then the widget's format_value)."""
    field = CallForm.base_fields["started_at"]
    pattern = PARTS.get(
        ("started_at", get_language()),
        lambda: str(field.widget.render("started_at", _STARTED_MARK, attrs={"id": "id_started_at"})),
    )
    value = field.widget.format_value(field.prepare_value(now))
    return SafeString(pattern.replace(_STARTED_MARK, conditional_escape(value)))


class EmptyCallForm:
    """The empty call form, made only when a kept part of the screen has to be rendered afresh: building it
    (two dozen fields copied, one per question) cost more than the rest of the call screen's view."""

    is_bound = False

    def __init__(self, make: Callable[[], CallForm]):
        self._make = make
        self._form: CallForm | None = None

    @property
    def form(self) -> CallForm:
        if self._form is None:
            self._form = self._make()
        return self._form

    def __getitem__(self, name: str):
        return self.form[name]

    def __getattr__(self, name: str):
        return getattr(self.form, name)
