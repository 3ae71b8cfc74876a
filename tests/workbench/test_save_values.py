"""What saving a call computes per request without Django's long ways (issue 18, branch wbc2): the values
of the save's statement for datetimes (and the task's UPDATE), the failed tries' times, the outcomes'
checks, and the call screen's choice labels and addresses kept per process."""

import warnings
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from huifang.archive.choices import ContactRole, LineKind
from huifang.audit.models import AuditEntry
from huifang.complaints.choices import ComplaintStatus
from huifang.followups.choices import AttemptOutcome
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.followups.services import attempt_validate
from huifang.workbench import call_rendering, save_writes
from huifang.workbench.choices import CallOutcome
from huifang.workbench.models import Answer, CallRecord
from huifang.workbench.services import call_record_save

from .factories import NOW, call_task

pytestmark = pytest.mark.django_db

PLUS_8 = timezone(timedelta(hours=8))
DATETIMES = [
    None,
    datetime(2026, 12, 7, 8, 30, 15, 123456, tzinfo=UTC),
    datetime(2026, 12, 7, 16, 30, tzinfo=PLUS_8),
    NOW,
    datetime(2026, 12, 7, 8, 30),  # naive: Django warns and makes it aware (the long way, both)
    "2026-12-07 08:30:00+00:00",  # a string: Django parses it (the long way, both)
]


def _djangos(field, obj):
    try:
        return field.get_db_prep_save(field.pre_save(obj, True), connection=connection)
    except (TypeError, ValueError, ValidationError):
        return "refused"


def _ours(function, *args):
    try:
        return function(*args)
    except (TypeError, ValueError, ValidationError):
        return "refused"


@pytest.mark.parametrize("value", DATETIMES)
def test_datetimes_are_written_as_django_writes_them(value):
    """Every datetime column of what a save writes, and the task's columns the save's UPDATE may set: the same
    value of the same type as pre_save and get_db_prep_save give (on SQLite a string, on PostgreSQL the
    datetime)."""
    seen = 0
    for model in (ContactAttempt, CallRecord, Answer, AuditEntry, FollowUpTask):
        for field in save_writes._fields(model):
            if field.get_internal_type() != "DateTimeField":
                continue
            seen += 1
            obj = model()
            setattr(obj, field.attname, value)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                expected = _djangos(field, obj)
                found = _ours(save_writes._value, field, obj)
                updated = _ours(save_writes._update_value, field, value)
            assert (type(found), found) == (type(expected), expected), (model, field.name, value)
            assert (type(updated), updated) == (type(expected), expected), (model, field.name, value)
    assert seen >= 10


@pytest.mark.parametrize("value", [None, "open", "unreachable", 7, 2**40, True])
def test_the_tasks_update_writes_each_value_as_django_does(value):
    for field in save_writes._fields(FollowUpTask):
        if field.get_internal_type() in ("JSONField", "FileField", "DecimalField", "DateTimeField"):
            continue
        try:
            expected = field.get_db_prep_save(value, connection=connection)
        except (TypeError, ValueError, ValidationError):
            expected = "refused"
        found = _ours(save_writes._update_value, field, value)
        assert (type(found), found) == (type(expected), expected), (field.name, value)


def test_failed_tries_are_the_orms(store):
    task = call_task(store)
    assert save_writes.failed_before(task_id=task.pk) == []
    times = [NOW - timedelta(hours=h) for h in (5, 1, 3)]
    for at, outcome in zip(
        times, [AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY, AttemptOutcome.CALL_BACK], strict=True
    ):
        ContactAttempt.objects.create(task=task, at=at, outcome=outcome)
    expected = list(
        ContactAttempt.objects.filter(task=task, outcome__in=save_writes.FAILED).order_by("at", "id")
        .values_list("at", flat=True)
    )  # fmt: skip
    assert len(expected) == 2
    for _twice in range(2):  # the second with the converters kept
        assert save_writes.failed_before(task_id=task.pk) == expected


def test_unknown_outcomes_are_refused(store, specialist):
    task = call_task(store)
    with pytest.raises(ValidationError) as refused:
        call_record_save(task=task, actor=specialist, now=NOW, outcome="shouted")
    assert "outcome" in refused.value.message_dict
    assert not ContactAttempt.objects.filter(task=task).exists()
    with pytest.raises(ValueError):
        attempt_validate(outcome="shouted", callback_at=None)
    for outcome in AttemptOutcome.values:
        if outcome != AttemptOutcome.CALL_BACK:
            attempt_validate(outcome=outcome, callback_at=None)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_kept_choice_labels_are_translated_when_shown(language):
    for choices in (CallOutcome, ComplaintStatus, ContactRole, LineKind):
        with translation.override(language):
            shown = call_rendering._labels_shown(call_rendering.choice_map(choices))
            for value, label in choices.choices:
                assert shown(value) == conditional_escape(str(label))
            assert shown("no such value") == "no such value"
    assert call_rendering.choice_map(CallOutcome) is call_rendering.choice_map(CallOutcome)


def _view(request, **kwargs):  # pragma: no cover - only reversed
    raise AssertionError


urlpatterns = [
    path("odd&<int:pk>/<str:field>/", _view, name="odd"),
    path("plain/<int:pk>/<str:field>/", _view, name="plain"),
]


@override_settings(ROOT_URLCONF=__name__)
def test_addresses_are_escaped_as_the_url_tag_escapes_them():
    for name, args in [("odd", (3, "office_phone")), ("plain", (3, "office_phone")), ("odd", (4, "a<b"))]:
        for _twice in range(2):  # the second from the kept pattern
            found = call_rendering.url_of(name, *args)
            assert found == conditional_escape(reverse(name, args=args))
            assert isinstance(found, SafeString)
    assert "&amp;" in call_rendering.url_of("odd", 3, "x")


@pytest.mark.parametrize("value", [None, "", "文本", CallOutcome.SATISFIED, 0, 7, 2**40, True, NOW, [1, "a"]])
def test_a_row_is_each_columns_value(value):
    """save_writes._row (the columns' plan kept per process, the commonest values inline) gives each column
    what _value gives, of the same type; the columns the statement fills stay its references."""
    for model in (ContactAttempt, CallRecord, Answer, AuditEntry):
        obj = model()
        for field in save_writes._fields(model):
            if field.get_internal_type() not in ("FileField", "DecimalField"):
                setattr(obj, field.attname, value)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = [_ours(save_writes._value, f, obj) for f in save_writes._fields(model)]
            try:
                found = save_writes._row(obj, {})
            except (TypeError, ValueError, ValidationError):
                assert "refused" in expected, (model, value)
                continue
        assert [(type(v), v) for v in found] == [(type(v), v) for v in expected], (model, value)
    call = CallRecord(outcome=CallOutcome.SATISFIED, comment="x")
    row = save_writes._row(call, {"attempt_id": save_writes.ATTEMPT_ID})
    names = [f.attname for f in save_writes._fields(CallRecord)]
    assert row[names.index("attempt_id")] is save_writes.ATTEMPT_ID
    assert row[names.index("comment")] == "x"
