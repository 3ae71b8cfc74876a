"""Forms of the call workbench: the call itself, the queue filters, and the care director's editors."""

import copy
import weakref
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import User
from huifang.archive.choices import Channel
from huifang.followups.choices import AttemptOutcome, RuleKind

from .choices import CallOutcome, IssueAction, QuestionKind
from .rules import SCALE_MAX

# What a "not reached" call was, in the words of the contact attempt (seed 000).
NOT_REACHED_CHOICES = [
    (AttemptOutcome.NO_ANSWER, AttemptOutcome.NO_ANSWER.label),
    (AttemptOutcome.BUSY, AttemptOutcome.BUSY.label),
    (AttemptOutcome.SWITCHED_OFF, AttemptOutcome.SWITCHED_OFF.label),
    (AttemptOutcome.WRONG_NUMBER, AttemptOutcome.WRONG_NUMBER.label),
    (AttemptOutcome.SOMEONE_ELSE, AttemptOutcome.SOMEONE_ELSE.label),
    (AttemptOutcome.CALL_BACK, AttemptOutcome.CALL_BACK.label),
]
# Basic data the caller may correct during the call (seed 000 "confirm basic data").
CORRECTION_FIELDS = ("mobile", "address", "best_contact_time", "preferred_channel", "email")


class KeptSelect(forms.Select):
    """A select rendered once per process for each (language, name, value, attributes, choices) and then
    reused (workbench.rendering): the queue's filters, every option through the form renderer, cost the
    queue page about a tenth of its CPU (issue 18). The key is everything the HTML is made of."""

    def render(self, name, value, attrs=None, renderer=None):
        from django.utils.translation import get_language

        from .rendering import PARTS

        language = get_language()
        key = (
            "select",
            language,
            name,
            repr(value),
            repr(sorted({**self.attrs, **(attrs or {})}.items())),
            self._options(language),
        )
        return PARTS.get(key, lambda: super(KeptSelect, self).render(name, value, attrs, renderer))

    def _options(self, language: str) -> tuple:
        """The options as (value, text) in `language`, worked out once per choices list and language: a kept
        queue filter form (below) shows the same choices request after request. The list itself is held
        beside them, so new choices (a new list) are never answered with the old ones' texts."""
        choices, by_language = getattr(self, "_kept_options", (None, {}))
        if choices is not self.choices:
            by_language = {}
        options = by_language.get(language)
        if options is None:
            options = tuple((str(v), str(label)) for v, label in self.choices)
            # A new tuple rather than a change in place: a copied widget (deepcopy) shares the old one.
            self._kept_options = (self.choices, {**by_language, language: options})
        return options


class QueueFilterForm(forms.Form):
    """The queue's filters: kind, store, the repair order's advisor, the assignee (team view)."""

    kind = forms.ChoiceField(
        label=_("kind"), choices=[("", _("All kinds")), *RuleKind.choices], required=False, widget=KeptSelect
    )
    store = forms.TypedChoiceField(label=_("store"), coerce=int, required=False, empty_value=None, widget=KeptSelect)
    advisor = forms.TypedChoiceField(
        label=_("service advisor"), coerce=int, required=False, empty_value=None, widget=KeptSelect
    )
    assignee = forms.TypedChoiceField(
        label=_("assigned to"), coerce=int, required=False, empty_value=None, widget=KeptSelect
    )
    team = forms.BooleanField(label=_("team queue"), required=False)

    def __init__(self, *args, stores, advisors, assignees, **kwargs):
        # The fields with these choices are built once per process and shared (issue 18: copying the four
        # choice fields cost each queue page some 900 Python calls): the key is every choice they hold (the
        # "All …" texts stay lazy, translated when shown), and the queue's form never changes its fields,
        # cleaning and rendering only read them.
        from .rendering import PARTS

        choices = (
            tuple((s.pk, s.name) for s in stores),
            tuple((u.pk, str(u)) for u in advisors),
            tuple((u.pk, str(u)) for u in assignees),
        )
        self.base_fields = PARTS.get(
            ("queue_filter_fields", *choices),
            lambda: _SharedFields(_queue_filter_fields(type(self).base_fields, *choices)),
        )
        super().__init__(*args, **kwargs)


def _queue_filter_fields(declared: dict, stores: tuple, advisors: tuple, assignees: tuple) -> dict:
    fields = copy.deepcopy(declared)
    fields["store"].choices = [("", _("All stores")), *stores]
    fields["advisor"].choices = [("", _("All advisors")), *advisors]
    fields["assignee"].choices = [("", _("Everyone")), *assignees]
    return fields


class BulkReassignForm(forms.Form):
    """Give the ticked tasks to one colleague."""

    tasks = forms.TypedMultipleChoiceField(label=_("tasks"), coerce=int, choices=())
    to_user = forms.ModelChoiceField(label=_("give them to"), queryset=User.objects.none())

    def __init__(self, *args, task_ids, receivers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tasks"].choices = [(pk, pk) for pk in task_ids]
        self.fields["to_user"].queryset = receivers
        self.fields["tasks"].error_messages["required"] = _("Tick at least one task.")


def _question_fields(questions) -> dict:
    """A value field (unless the answer is text) and a remark field for each question."""
    fields = {}
    for q in questions:
        if q.kind != QuestionKind.TEXT:
            fields[f"q_{q.code}"] = forms.IntegerField(
                label=q.text,
                required=False,
                min_value=0 if q.kind == QuestionKind.YES_NO else 1,
                max_value=SCALE_MAX[q.kind],
            )
        fields[f"t_{q.code}"] = forms.CharField(label=q.text, required=False, max_length=2000)
    return fields


def _call_fields(declared: dict, questions) -> dict:
    return {**copy.deepcopy(declared), **_question_fields(questions)}


class _SharedFields(dict):
    """The call form's fields kept for one questionnaire: the form's "copy" of them is a new dict of the same
    field objects (Form.__init__ deep-copies base_fields so an instance may change its fields; a posted call
    form never does: cleaning, errors and rendering only read them)."""

    def __deepcopy__(self, memo):
        return dict(self)


# Widgets whose value for a name the post does not carry is a constant (Widget.value_from_datadict: None;
# CheckboxInput: False), by exact type: a subclass may read the post otherwise (SelectMultiple, file inputs).
_CONSTANT_WHEN_ABSENT = {
    forms.TextInput: None,
    forms.Textarea: None,
    forms.Select: None,
    forms.HiddenInput: None,
    forms.DateTimeInput: None,
    forms.NumberInput: None,
    forms.EmailInput: None,
    forms.URLInput: None,
    forms.CheckboxInput: False,
}
# What a field cleans to when the post leaves it out, kept per field object (the posted call form's fields are
# built once per process and shared); only the immutable empty values the form's fields give.
_ABSENT_CLEANED: "weakref.WeakKeyDictionary[forms.Field, object]" = weakref.WeakKeyDictionary()
_UNKNOWN = object()


def _absent_cleaned(field: forms.Field) -> object:
    """`field.clean()` of a value the post does not carry, or _UNKNOWN where that is not the same every time."""
    found = _ABSENT_CLEANED.get(field, _UNKNOWN)
    if found is _UNKNOWN:
        widget_value = _CONSTANT_WHEN_ABSENT.get(type(field.widget), _UNKNOWN)
        if field.required or field.disabled or widget_value is _UNKNOWN or isinstance(field, forms.FileField):
            return _UNKNOWN
        try:
            found = field.clean(widget_value)
        except forms.ValidationError:
            return _UNKNOWN
        if not any(found is empty for empty in (None, "", False)):
            return _UNKNOWN
        _ABSENT_CLEANED[field] = found
    return found


class CallForm(forms.Form):
    """One call: outcome, answers to the questionnaire version shown, remarks, corrections, recording."""

    outcome = forms.ChoiceField(label=_("outcome"), choices=CallOutcome.choices)
    not_reached_as = forms.ChoiceField(
        label=_("what happened"), choices=NOT_REACHED_CHOICES, required=False, initial=AttemptOutcome.NO_ANSWER
    )
    comment = forms.CharField(label=_("comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    started_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    relation = forms.CharField(label=_("who answered (relation)"), max_length=50, required=False)
    best_time = forms.CharField(label=_("best time to reach the owner"), max_length=100, required=False)
    callback_at = forms.DateTimeField(
        label=_("call back at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    mobile = forms.CharField(label=_("mobile"), max_length=20, required=False)
    address = forms.CharField(label=_("address"), max_length=255, required=False)
    best_contact_time = forms.CharField(label=_("best contact time"), max_length=100, required=False)
    preferred_channel = forms.ChoiceField(
        label=_("preferred channel"), choices=[("", _("unchanged")), *Channel.choices], required=False
    )
    email = forms.EmailField(label=_("e-mail"), required=False)
    recording = forms.FileField(label=_("recording file"), required=False)
    recording_url = forms.URLField(label=_("recording link"), max_length=500, required=False, assume_scheme="https")
    next = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, questions=(), **kwargs):
        self.questions = list(questions)
        if args or kwargs.get("data") is not None:
            # A posted call is validated with the questionnaire's fields built once per process (issue 18:
            # building and copying some 20 fields cost a saved call ~1,800 Python calls). The same fields,
            # so the same cleaning and the same errors; a bound form only reads them.
            from .rendering import PARTS, questions_key

            self.base_fields = PARTS.get(
                ("call_form_fields", *questions_key(self.questions)),
                lambda: _SharedFields(_call_fields(type(self).base_fields, self.questions)),
            )
            super().__init__(*args, **kwargs)
        else:
            super().__init__(*args, **kwargs)
            self.fields.update(_question_fields(self.questions))

    def _clean_fields(self):
        # A posted call carries few of the form's ~30 boxes (a call not reached: three). A box it leaves out
        # cleans to the same empty value every time: that value, without a bound field, the widget's read of
        # the post and the field's cleaning each time (issue 18: ~700 Python calls a save). The rest as
        # Django's Form._clean_fields (tests/workbench/test_save_reads.py compares the two).
        data = self.data
        for name, field in self.fields.items():
            if self.add_prefix(name) not in data and not hasattr(self, f"clean_{name}"):
                value = _absent_cleaned(field)
                if value is not _UNKNOWN:
                    self.cleaned_data[name] = value
                    continue
            try:
                self.cleaned_data[name] = field._clean_bound_field(self[name])
                if hasattr(self, f"clean_{name}"):
                    self.cleaned_data[name] = getattr(self, f"clean_{name}")()
            except forms.ValidationError as e:
                self.add_error(name, e)

    def clean(self):
        data = super().clean()
        call_back = (
            data.get("outcome") == CallOutcome.NOT_REACHED and data.get("not_reached_as") == AttemptOutcome.CALL_BACK
        )
        if call_back and not data.get("callback_at"):
            self.add_error("callback_at", _("Give the time to call back."))
        return data

    def answers(self) -> dict:
        """{code: {"value", "text"}} for the questions that got a value or a remark."""
        data, result = self.cleaned_data, {}
        for q in self.questions:
            value, text = data.get(f"q_{q.code}"), (data.get(f"t_{q.code}") or "").strip()
            if value is not None or text:
                result[q.code] = {"value": value, "text": text}
        return result

    def corrections(self) -> dict:
        """Only the basic data the caller typed in: an empty box means "unchanged"."""
        data = self.cleaned_data
        return {f: data[f].strip() for f in CORRECTION_FIELDS if (data.get(f) or "").strip()}

    def field_for_error(self, key: str) -> str | None:
        """Where a service error belongs on this form: a field, a question's value, or the top."""
        key = {"phone": "mobile", "attempt_outcome": "not_reached_as"}.get(key, key)
        if key.startswith("answer_"):
            key = key.removeprefix("answer_")
        if key in self.fields:
            return key
        if f"q_{key}" in self.fields:
            return f"q_{key}"
        if f"t_{key}" in self.fields:
            return f"t_{key}"
        return None


class ProblemResolveForm(forms.Form):
    resolution = forms.CharField(label=_("how it was resolved"), widget=forms.Textarea(attrs={"rows": 2}))


class RecordingForm(forms.Form):
    recording = forms.FileField(label=_("recording file"), required=False)
    recording_url = forms.URLField(label=_("recording link"), max_length=500, required=False, assume_scheme="https")

    def clean(self):
        data = super().clean()
        if not data.get("recording") and not data.get("recording_url"):
            raise forms.ValidationError(_("Attach a file or give a link."))
        return data


class QuestionForm(forms.Form):
    """One row of the questionnaire editor."""

    code = forms.SlugField(label=_("code"), max_length=30)
    text = forms.CharField(label=_("question"), max_length=300)
    # The field's initial value keeps the empty "add a question" row unchanged, so it is skipped.
    kind = forms.ChoiceField(label=_("answer"), choices=QuestionKind.choices, initial=QuestionKind.SCALE_10)
    weight = forms.DecimalField(label=_("weight (%)"), min_value=Decimal(0), max_value=Decimal(100), decimal_places=2)
    required = forms.BooleanField(label=_("required"), required=False)


class BaseQuestionFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        codes = [f.cleaned_data["code"] for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        if len(codes) != len(set(codes)):
            raise forms.ValidationError(_("Each question needs its own code."))
        if not codes:
            raise forms.ValidationError(_("Keep at least one question."))


QuestionFormSet = forms.formset_factory(QuestionForm, formset=BaseQuestionFormSet, extra=1, can_delete=True)


class PublishForm(forms.Form):
    note = forms.CharField(label=_("what changed"), max_length=255)


class ScriptStepForm(forms.Form):
    title = forms.CharField(label=_("step"), max_length=100)
    text = forms.CharField(label=_("what to say"), widget=forms.Textarea(attrs={"rows": 3}))


ScriptStepFormSet = forms.formset_factory(ScriptStepForm, extra=1, can_delete=True)


class CallPolicyForm(forms.Form):
    low_overall_score = forms.IntegerField(label=_("overall score at or below"), min_value=0, max_value=10)
    low_overall_action = forms.ChoiceField(label=_("then"), choices=IssueAction.choices)
    no_return_action = forms.ChoiceField(label=_("a no to 'would you come back'"), choices=IssueAction.choices)
    low_item_score = forms.IntegerField(label=_("any question at or below"), min_value=0, max_value=10)
    low_item_action = forms.ChoiceField(label=_("then"), choices=IssueAction.choices)


class RetrySpacingForm(forms.Form):
    """The store's spacing of failed call attempts (issue 14 §3), on the call policy page."""

    retry_first_hours = forms.IntegerField(
        label=_("after the first failed attempt, call again after (h)"), min_value=0, max_value=72
    )
    retry_later_days = forms.IntegerField(
        label=_("after the second and later ones, call again after (days)"), min_value=0, max_value=14
    )
    retry_times = forms.CharField(label=_("at one of these times of day"), max_length=100, required=False)
    retry_other_time_hours = forms.IntegerField(
        label=_("another time of day: at least (h) from earlier attempts"), min_value=0, max_value=12
    )
    unreachable_min_hours = forms.IntegerField(
        label=_("never unreachable within (h) of the first attempt"), min_value=0, max_value=240
    )


QUIET_WINDOWS = 4  # rows of the quiet-hours form; the seed's defaults use two


class QuietHoursForm(forms.Form):
    """Up to four quiet windows (start, end, store time); an empty row is no window. A window may cross
    midnight (21:00 to 09:00)."""

    def __init__(self, *args, windows=(), **kwargs):
        initial = {}
        for i, (start, end) in enumerate(list(windows)[:QUIET_WINDOWS], start=1):
            initial[f"start_{i}"], initial[f"end_{i}"] = start, end
        super().__init__(*args, initial=initial, **kwargs)
        for i in range(1, QUIET_WINDOWS + 1):
            # Plain HH:MM text: the browser's own time picker shows "09:00 PM" in an English browser locale.
            widget = forms.TimeInput(
                attrs={"inputmode": "numeric", "pattern": r"[0-2]?\d:[0-5]\d", "placeholder": "21:00", "size": 6},
                format="%H:%M",
            )
            self.fields[f"start_{i}"] = forms.TimeField(label=_("from"), required=False, widget=widget)
            self.fields[f"end_{i}"] = forms.TimeField(label=_("until"), required=False, widget=widget)

    def rows(self):
        return [(self[f"start_{i}"], self[f"end_{i}"]) for i in range(1, QUIET_WINDOWS + 1)]

    def clean(self):
        data = super().clean()
        windows = []
        for i in range(1, QUIET_WINDOWS + 1):
            start, end = data.get(f"start_{i}"), data.get(f"end_{i}")
            if (start is None) != (end is None):
                self.add_error(f"end_{i}" if end is None else f"start_{i}", _("Give both the start and the end."))
            elif start is not None:
                windows.append([f"{start:%H:%M}", f"{end:%H:%M}"])
        data["windows"] = windows
        return data
