"""Every row a saved call writes, through the call screen's POST with "save and next" (the load test's two
posts: not reached / no answer, and satisfied with every answer). The expected rows are the ones the ORM
writes (checked against main's code before save_writes wrote them in hand SQL); both databases."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from huifang.audit.models import AuditEntry
from huifang.core import clock
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.workbench.models import Answer, CallRecord, Question

from ..factories import PASSWORD
from .factories import NOW, call_task

pytestmark = pytest.mark.django_db

ANSWERS = {f"q_{code}": 9 for code in ("overall", "reception", "done_right", "explanation", "lounge", "car_wash")}
ANSWERS.update(q_invoice=9, q_come_back=1)


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def held(store, specialist):
    """A task "next" handed to the specialist (the save gives the hold back), signed in."""
    task = call_task(store, assigned_to=specialist)
    FollowUpTask.objects.filter(pk=task.pk).update(claimed_by=specialist, claimed_until=NOW + timedelta(minutes=30))
    return task


def rows(model, **where) -> list[dict]:
    return list(model.objects.filter(**where).order_by("pk").values())


def audit_rows(since: int) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "id"} for row in rows(AuditEntry, pk__gt=since)]


def post(client, user, task, data):
    assert client.login(username=user.username, password=PASSWORD)
    before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post(reverse("workbench:task", args=[task.pk]), {**data, "next": "on", "comment": "负载测试"})
    call = CallRecord.objects.get(task=task)
    assert response.status_code == 302
    assert response["Location"] == reverse("workbench:next") + f"?saved={call.pk}"
    return call, before


def test_a_call_not_reached_writes_the_rows_the_orm_wrote(client, store, specialist, held):
    # when the call is saved as not reached, no answer
    call, before = post(client, specialist, held, {"outcome": "not_reached", "not_reached_as": "no_answer"})
    # then the attempt
    attempt = ContactAttempt.objects.get(task=held)
    assert rows(ContactAttempt, task=held) == [
        {"id": attempt.pk, "task_id": held.pk, "at": NOW, "outcome": "no_answer", "note": "负载测试", "relation": "",
         "best_time": "", "callback_at": None, "actor_id": specialist.pk},
    ]  # fmt: skip
    # the task waits for its next try (the store's default spacing: 2 hours) and is no longer held
    task = FollowUpTask.objects.get(pk=held.pk)
    assert (task.status, task.next_call_at, task.closed_at) == ("open", NOW + timedelta(hours=2), None)
    assert (task.claimed_by_id, task.claimed_until) == (None, None)
    # the call, with no answers
    assert rows(CallRecord, task=held) == [
        {"id": call.pk, "store_id": store.pk, "task_id": held.pk, "attempt_id": attempt.pk,
         "customer_id": held.customer_id, "vehicle_id": held.vehicle_id, "repair_order_id": held.repair_order_id,
         "advisor_id": None, "advisor_name": "王顾问", "caller_id": specialist.pk, "questionnaire_id": None,
         "outcome": "not_reached", "channel": "phone", "started_at": None, "ended_at": NOW, "duration_seconds": None,
         "score": None, "comment": "负载测试", "issue_reasons": [], "complaint_id": None, "recording": "",
         "recording_url": ""},
    ]  # fmt: skip
    assert not Answer.objects.exists()
    # and the two audit entries, the task's move then the call (named as the request's language, Chinese, names it)
    task_type, call_type = (ContentType.objects.get_for_model(m) for m in (FollowUpTask, CallRecord))
    assert audit_rows(before) == [
        {"at": NOW, "store_id": store.pk, "actor_id": specialist.pk, "source": "web", "action": "update",
         "content_type_id": task_type.pk, "object_id": held.pk, "object_repr": str(task)[:200],
         "changes": {"attempt": "no_answer", "try": 1, "comes_back_at": (NOW + timedelta(hours=2)).isoformat()}},
        {"at": NOW, "store_id": store.pk, "actor_id": specialist.pk, "source": "workbench", "action": "create",
         "content_type_id": call_type.pk, "object_id": call.pk, "object_repr": "2026-11-25 10:00 未接通",
         "changes": {"task": held.pk, "outcome": "not_reached", "score": None, "answers": {}, "complaint": None,
                     "problem": None, "corrections": [], "recording": False}},
    ]  # fmt: skip


def test_a_satisfied_call_writes_the_rows_the_orm_wrote(client, store, specialist, held):
    # when the call is saved as satisfied with every answer (9 of 10, come back: yes)
    call, before = post(client, specialist, held, {"outcome": "satisfied", **ANSWERS})
    # then the attempt
    attempt = ContactAttempt.objects.get(task=held)
    assert rows(ContactAttempt, task=held) == [
        {"id": attempt.pk, "task_id": held.pk, "at": NOW, "outcome": "completed", "note": "负载测试", "relation": "",
         "best_time": "", "callback_at": None, "actor_id": specialist.pk},
    ]  # fmt: skip
    # the task is done and no longer held
    task = FollowUpTask.objects.get(pk=held.pk)
    assert (task.status, task.next_call_at, task.closed_at) == ("done", None, NOW)
    assert (task.claimed_by_id, task.claimed_until) == (None, None)
    # the call with its weighted score
    questionnaire_id = Question.objects.filter(code="overall").values_list("questionnaire_id", flat=True).get()
    assert rows(CallRecord, task=held) == [
        {"id": call.pk, "store_id": store.pk, "task_id": held.pk, "attempt_id": attempt.pk,
         "customer_id": held.customer_id, "vehicle_id": held.vehicle_id, "repair_order_id": held.repair_order_id,
         "advisor_id": None, "advisor_name": "王顾问", "caller_id": specialist.pk,
         "questionnaire_id": questionnaire_id, "outcome": "satisfied", "channel": "phone", "started_at": None,
         "ended_at": NOW, "duration_seconds": None, "score": Decimal("90.00"), "comment": "负载测试",
         "issue_reasons": [], "complaint_id": None, "recording": "", "recording_url": ""},
    ]  # fmt: skip
    # every answer, in the questionnaire's order
    questions = {q.code: q.pk for q in Question.objects.filter(questionnaire_id=questionnaire_id)}
    answered = [(questions[name[2:]], value) for name, value in ANSWERS.items()]
    assert [{k: v for k, v in r.items() if k != "id"} for r in rows(Answer, call=call)] == sorted(
        ({"call_id": call.pk, "question_id": q, "value": v, "text": ""} for q, v in answered),
        key=lambda r: r["question_id"],
    )
    # and the two audit entries, the task's move then the call (named as the request's language, Chinese, names it)
    task_type, call_type = (ContentType.objects.get_for_model(m) for m in (FollowUpTask, CallRecord))
    assert audit_rows(before) == [
        {"at": NOW, "store_id": store.pk, "actor_id": specialist.pk, "source": "web", "action": "update",
         "content_type_id": task_type.pk, "object_id": held.pk, "object_repr": str(task)[:200],
         "changes": {"attempt": "completed", "status": ["open", "done"]}},
        {"at": NOW, "store_id": store.pk, "actor_id": specialist.pk, "source": "workbench", "action": "create",
         "content_type_id": call_type.pk, "object_id": call.pk, "object_repr": "2026-11-25 10:00 完成-满意",
         "changes": {"task": held.pk, "outcome": "satisfied", "score": "90.00",
                     "answers": {name[2:]: value for name, value in ANSWERS.items()}, "complaint": None,
                     "problem": None, "corrections": [], "recording": False}},
    ]  # fmt: skip
