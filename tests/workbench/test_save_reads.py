"""What saving a call reads (issue 18, branch wbsave2): the leaner task read of the POST answers as the call
screen's does (the same row, the same access rule, the relations the save uses), the names the audit
entries give a task and a call are get_FOO_display's, the call form cleans a post as Django's Form does, and
the save's statement writes each value as Django's compilers do."""

from urllib.parse import urlencode

import pytest
from django import forms
from django.http import Http404, QueryDict
from django.utils import translation

from huifang.audit.models import AuditEntry
from huifang.followups.choices import AttemptOutcome, RuleKind
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.workbench import save_writes, selectors
from huifang.workbench.choices import CallOutcome
from huifang.workbench.forms import CallForm
from huifang.workbench.models import Answer, CallRecord, StoreSettingsVersion
from huifang.workbench.services import questionnaire_current

from ..core.test_compiled import same
from ..factories import CustomerFactory
from .factories import NOW, call_task

pytestmark = pytest.mark.django_db

SAVE_RELATED = ("store", "repair_order", "repair_order__advisor")


@pytest.fixture
def advisor_user(store):
    from huifang.accounts.choices import Role

    from ..factories import member

    return member(store, Role.SERVICE_ADVISOR, username="advisor_s")


def test_the_save_task_is_the_call_screen_task_with_fewer_relations(
    store, specialist, advisor_user, django_assert_num_queries
):
    full = call_task(store, assigned_to=specialist, advisor=advisor_user)
    bare = call_task(store, assigned_to=specialist, kind="complaint_follow_up", customer=CustomerFactory(store=store))
    for task in (full, bare):
        expected, roles = selectors.task_for_call(user=specialist, task_id=task.pk, now=NOW)
        with django_assert_num_queries(2):  # the row, and the user's roles in its store
            found, found_roles = selectors.task_for_save(user=specialist, task_id=task.pk, now=NOW)
            same([found], [expected], related=SAVE_RELATED)
        assert found_roles == roles
        assert found.settings_token == expected.settings_token
        token = StoreSettingsVersion.objects.filter(store_id=task.store_id).values_list("token", flat=True).first()
        assert found.settings_token == token
        # what is left out loads on first use, the same rows
        assert found.customer == expected.customer and found.vehicle == expected.vehicle


def test_the_save_task_keeps_the_access_rule(store, specialist, manager, outsider):
    mine = call_task(store, assigned_to=specialist)
    nobodys = call_task(store, kind="complaint_follow_up", customer=CustomerFactory(store=store))
    for user, task in ((outsider, mine), (specialist, nobodys)):
        with pytest.raises(Http404):
            selectors.task_for_call(user=user, task_id=task.pk, now=NOW)
        with pytest.raises(Http404):
            selectors.task_for_save(user=user, task_id=task.pk, now=NOW)
    for task_id in (0, 10**12, 2**63):
        with pytest.raises(Http404):
            selectors.task_for_save(user=specialist, task_id=task_id, now=NOW)
    # a manager of the store may save on anyone's task, as on the call screen
    assert (
        selectors.task_for_save(user=manager, task_id=nobodys.pk, now=NOW)[1]
        == (selectors.task_for_call(user=manager, task_id=nobodys.pk, now=NOW)[1])
    )
    # the task "next" handed out stays the caller's while held, after a manager gave it to nobody
    FollowUpTask.objects.filter(pk=mine.pk).update(
        assigned_to=None, claimed_by=specialist, claimed_until=NOW.replace(year=2030)
    )
    assert selectors.task_for_save(user=specialist, task_id=mine.pk, now=NOW)[1]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_task_and_call_names_are_their_display_labels(store, language):
    task = call_task(store)
    call = CallRecord(ended_at=NOW, outcome=CallOutcome.SATISFIED)
    with translation.override(language):
        for kind in [*RuleKind.values, "no_such_kind"]:
            task.kind = kind
            assert str(task) == f"{task.get_kind_display()} · {task.subject} · {task.occurrence_key}"
        for outcome in [*CallOutcome.values, "no_such"]:
            call.outcome = outcome
            assert str(call) == f"{call.ended_at:%Y-%m-%d %H:%M} {call.get_outcome_display()}"


class _DjangosCleaning(CallForm):
    """The call form cleaned field by field as Django's Form does (what CallForm._clean_fields shortens)."""

    def _clean_fields(self):
        forms.Form._clean_fields(self)


POSTS = [
    {},
    {"outcome": "not_reached", "not_reached_as": "no_answer", "next": "on"},
    {"outcome": "not_reached", "not_reached_as": "call_back", "callback_at": "2026-12-09T10:30"},
    {"outcome": "not_reached", "not_reached_as": "call_back", "callback_at": "2026-13-09T10:30", "next": ""},
    {"outcome": "satisfied", "comment": "负载测试", "started_at": "2026-12-07 10:00:00", "next": "on"},
    {"outcome": "satisfied", "started_at": "garbage", "mobile": "1" * 21, "email": "bad", "recording_url": "x"},
    {"outcome": "nonsense", "not_reached_as": "nonsense", "preferred_channel": "pigeon", "relation": "父亲"},
    {"outcome": "refused", "recording-clear": "on", "address": " 广州 ", "best_contact_time": "晚上"},
    {"outcome": "", "comment": "", "mobile": "", "email": "", "callback_at": ""},
]


@pytest.mark.parametrize("post", POSTS)
def test_the_call_form_cleans_as_djangos_form(store, post):
    questions = list(questionnaire_current(store=store, now=NOW).questions.all())
    answers = [{}, {f"q_{q.code}": "9" for q in questions}, {f"q_{q.code}": "11" for q in questions}]
    answers.append({f"t_{q.code}": "x" * 2001 for q in questions} | {f"q_{questions[0].code}": "abc"})
    for extra in answers:
        data = QueryDict(urlencode({**post, **extra}))
        expected = _DjangosCleaning(data, {}, questions=questions)
        for _twice in range(2):  # the second form answers from what the first kept
            form = CallForm(data, {}, questions=questions)
            assert form.is_valid() == expected.is_valid()
            assert form.cleaned_data == expected.cleaned_data
            assert list(form.cleaned_data) == list(expected.cleaned_data)
            assert form.errors.get_json_data() == expected.errors.get_json_data()


@pytest.mark.parametrize(
    "value", [None, "", "文本", CallOutcome.SATISFIED, AttemptOutcome.NO_ANSWER, 0, 7, 2**40, True, "12"]
)
def test_the_save_statement_writes_each_value_as_django_does(value):
    """save_writes._value takes a short way for None, text and integers: the same value of the same type as
    pre_save and get_db_prep_save give, in every column of what a save writes."""
    from django.db import connection

    for model in (ContactAttempt, CallRecord, Answer, AuditEntry):
        for field in save_writes._fields(model):
            if field.get_internal_type() in ("DateTimeField", "JSONField", "FileField", "DecimalField"):
                continue  # always the long way
            obj = model()
            setattr(obj, field.attname, value)
            try:
                expected = field.get_db_prep_save(field.pre_save(obj, True), connection=connection)
            except (TypeError, ValueError):
                expected = "refused"
            try:
                found = save_writes._value(field, obj)
            except (TypeError, ValueError):
                found = "refused"
            assert (type(found), found) == (type(expected), expected), (model, field.name, value)
