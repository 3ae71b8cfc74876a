"""Saving a call writes set-based (issue 18): one UPDATE of the task, its audit entries in one INSERT, and the
trail still records every state change, in the order attempt_record records it."""

from datetime import timedelta
from decimal import Decimal

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
    # (on PostgreSQL both are parts of one statement with the other writes: save_writes)
    task_updates = [s for s in sql if 'UPDATE "followups_followuptask"' in s]
    audit_inserts = [s for s in sql if 'INSERT INTO "audit_auditentry"' in s]
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


def _rows_of(task, call):
    """The rows a save wrote for `task`, without the ids the database chose (the references are kept as
    "the attempt", "the call")."""
    from huifang.followups.models import ContactAttempt
    from huifang.workbench.models import Answer, CallRecord

    attempt = ContactAttempt.objects.filter(task=task).values().get()
    written = CallRecord.objects.filter(pk=call.pk).values().get()
    assert written["attempt_id"] == attempt.pop("id")
    answers = [
        {k: v for k, v in a.items() if k not in ("id", "call_id")}
        for a in Answer.objects.filter(call_id=call.pk).order_by("pk").values()
    ]
    entries = [
        {k: v for k, v in e.items() if k != "id"} | {"object_id": "call" if e["object_id"] == call.pk else "task"}
        for e in AuditEntry.objects.filter(object_id__in=[task.pk, call.pk]).order_by("pk").values()
    ]
    # the task's name holds its own keys: it is its name, whichever task it is
    assert entries[0]["object_repr"] == str(task)
    entries[0]["object_repr"] = "the task"
    task_row = FollowUpTask.objects.filter(pk=task.pk).values().get()
    drop = ("id", "attempt_id", "task_id")
    return (
        {k: v for k, v in attempt.items() if k != "task_id"},
        {k: v for k, v in task_row.items() if k not in ("id", "occurrence_key", "subject", "customer_id",
                                                        "vehicle_id", "repair_order_id")},
        {k: v for k, v in written.items() if k not in (*drop, "customer_id", "vehicle_id", "repair_order_id")},
        answers,
        entries,
    )  # fmt: skip


def test_the_hand_written_statement_writes_what_the_orm_writes(store, specialist):
    from huifang.audit.choices import AuditAction
    from huifang.audit.services import audit_entry, audit_record_many
    from huifang.followups.models import ContactAttempt
    from huifang.workbench import save_writes
    from huifang.workbench.models import Answer, CallRecord

    # given two equal tasks and a call with every kind of value (a time, a score, a list, texts, empty fields)
    questionnaire = services.questionnaire_current(store=store, now=NOW)
    questions = list(questionnaire.questions.all())[:3]
    tasks = [call_task(store, assigned_to=specialist) for _ in range(2)]
    update = {"next_call_at": NOW + timedelta(hours=3), "claimed_by": None, "claimed_until": None}

    def made(task):
        attempt = ContactAttempt(
            task=task, at=NOW, outcome="call_back", note="稍后回电", relation="本人", best_time="晚上",
            callback_at=NOW + timedelta(hours=3), actor=specialist,
        )  # fmt: skip
        call = CallRecord(
            store=store, task=task, attempt=attempt, customer=task.customer, vehicle=task.vehicle,
            repair_order=task.repair_order, advisor=None, advisor_name="王顾问", caller=specialist,
            questionnaire=questionnaire, outcome=CallOutcome.SATISFIED, started_at=NOW - timedelta(minutes=4),
            ended_at=NOW, duration_seconds=240, score=Decimal("87.50"), comment="负载测试 'quoted' %s",
            issue_reasons=["总体满意度低于7分"], recording_url="https://rec.example/1.mp3",
        )  # fmt: skip
        answers = [
            Answer(call=call, question=questions[0], value=9, text=""),
            Answer(call=call, question=questions[1], value=None, text="等了很久"),
            Answer(call=call, question=questions[2], value=1, text="是"),
        ]
        task_entry = audit_entry(
            obj=task, action=AuditAction.UPDATE, at=NOW, actor=specialist, changes={"attempt": "call_back",
            "comes_back_at": NOW + timedelta(hours=3)},
        )  # fmt: skip
        return attempt, call, answers, task_entry

    # when the first is written by the ORM, as call_record_save wrote it, and the second by save_writes
    attempt, call, answers, task_entry = made(tasks[0])
    attempt.save(force_insert=True)
    FollowUpTask.objects.filter(pk=tasks[0].pk).update(**update)
    call.save(force_insert=True)
    Answer.objects.bulk_create(answers)
    audit_record_many([task_entry, audit_entry(obj=call, action=AuditAction.CREATE, at=NOW, actor=specialist,
                                               source="workbench", changes={"task": tasks[0].pk, "score": call.score})])  # fmt: skip
    attempt, hand_call, answers, task_entry = made(tasks[1])
    call_entry = audit_entry(
        obj=hand_call, action=AuditAction.CREATE, at=NOW, actor=specialist, source="workbench",
        changes={"task": tasks[1].pk, "score": hand_call.score},
    )  # fmt: skip
    save_writes.call_rows_write(
        attempt=attempt, update=update, call=hand_call, answers=answers, entries=[task_entry],
        call_entry=call_entry,
    )  # fmt: skip
    # then every column of every row is the same, but the ids the rows point at
    orm, hand = _rows_of(tasks[0], call), _rows_of(tasks[1], hand_call)
    orm[4][1]["changes"]["task"] = hand[4][1]["changes"]["task"] = "the task"
    assert hand == orm
    # and the instances carry their ids, as save() leaves them
    assert hand_call.pk == CallRecord.objects.get(task=tasks[1]).pk and hand_call.attempt_id == attempt.pk
    assert [a.call_id for a in answers] == [hand_call.pk] * 3 and call_entry.object_id == hand_call.pk
