"""Saving a call writes set-based (issue 18): one UPDATE of the task, its audit entries in one INSERT, and the
trail still records every state change, in the order attempt_record records it."""

from datetime import timedelta

import pytest

from huifang.audit.models import AuditEntry
from huifang.followups.choices import AttemptOutcome, TaskStatus
from huifang.followups.models import FollowUpTask
from huifang.workbench import services
from huifang.workbench.choices import CallOutcome

from .factories import NOW, call_task, full_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(store, specialist):
    task = call_task(store, assigned_to=specialist)
    # handed out by "next": the save gives the hold back
    FollowUpTask.objects.filter(pk=task.pk).update(claimed_by=specialist, claimed_until=NOW + timedelta(minutes=10))
    task.refresh_from_db()
    return task


def trail(task, call):
    entries = AuditEntry.objects.filter(content_type__model__in=("followuptask", "callrecord")).order_by("id")
    return [(e.content_type.model, e.object_id, e.source, e.action, e.changes) for e in entries]


def test_a_satisfied_call_moves_the_task_in_one_update(task, specialist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # the store's questionnaire and call policy exist (their first read makes them)
    services.questionnaire_current(store=task.store, now=NOW)
    services.call_policy_for(store=task.store)
    with CaptureQueriesContext(connection) as captured:
        call = services.call_record_save(
            task=task, actor=specialist, now=NOW, outcome=CallOutcome.SATISFIED, answers=full_answers()
        )
    sql = [q["sql"] for q in captured.captured_queries]
    task_updates = [s for s in sql if s.startswith('UPDATE "followups_followuptask"')]
    audit_inserts = [s for s in sql if s.startswith('INSERT INTO "audit_auditentry"')]
    assert len(task_updates) == 1 and len(audit_inserts) == 1
    # one savepoint: the save's own transaction inside the test's (attempt_record's nested one is gone)
    assert sum(s.startswith("SAVEPOINT") for s in sql) == 1
    task.refresh_from_db()
    assert (task.status, task.closed_at, task.claimed_by_id, task.claimed_until) == (TaskStatus.DONE, NOW, None, None)
    assert trail(task, call) == [
        ("followuptask", task.pk, "web", "update", {"attempt": "completed", "status": ["open", "done"]}),
        ("callrecord", call.pk, "workbench", "create", {
            "task": task.pk, "outcome": "satisfied", "score": str(call.score),
            "answers": {a.question.code: a.value for a in call.answers.select_related("question")},
            "complaint": None, "problem": None, "corrections": [], "recording": False,
        }),
    ]  # fmt: skip


def test_a_try_that_makes_the_task_unreachable_keeps_the_trail_in_order(store, specialist):
    from huifang.followups.models import FollowUpRule

    # given a rule that gives up after one failed try, at once
    task = call_task(store, assigned_to=specialist)
    FollowUpRule.objects.filter(pk=task.rule_id).update(max_failed_attempts=1)
    services.call_policy_update(store=store, actor=None, now=NOW, unreachable_min_hours=0)
    # when the call is not reached
    call = services.call_record_save(
        task=task, actor=specialist, now=NOW, outcome=CallOutcome.NOT_REACHED, attempt_outcome=AttemptOutcome.BUSY
    )
    # then the task closed, and the trail says so before what closing it sent, then the call
    task.refresh_from_db()
    assert (task.status, task.closed_at) == (TaskStatus.UNREACHABLE, NOW)
    entries = trail(task, call)
    assert [(model, action) for model, _pk, _source, action, _changes in entries] == [
        ("followuptask", "update"),
        ("followuptask", "update"),
        ("callrecord", "create"),
    ]
    assert entries[0][4] == {"attempt": "busy", "try": 1, "status": ["open", "unreachable"]}
    assert entries[1][4]["event"] == "unreachable"
    assert entries[2][4]["outcome"] == "not_reached"
