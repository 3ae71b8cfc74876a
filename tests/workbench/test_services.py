"""Saving calls: the attempt, answers and score, complaints and problems by the store's rule,
corrections of the archive, questionnaire versions, recordings and moving tasks."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.archive.choices import CustomerKind
from huifang.audit.models import AuditEntry
from huifang.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintStatus
from huifang.complaints.models import Complaint
from huifang.followups.choices import AttemptOutcome, TaskStatus
from huifang.workbench import services
from huifang.workbench.choices import CallOutcome, ProblemStatus
from huifang.workbench.models import CallRecord, CallScript, Problem, Questionnaire

from ..factories import CustomerFactory
from .factories import NOW, call_task, full_answers


@pytest.fixture
def task(store, specialist, advisor):
    return call_task(store, assigned_to=specialist, advisor=advisor)


def save(task, actor, **kwargs):
    kwargs.setdefault("outcome", CallOutcome.SATISFIED)
    kwargs.setdefault("started_at", NOW - timedelta(minutes=4))
    return services.call_record_save(task=task, actor=actor, now=NOW, **kwargs)


def test_satisfied_call_closes_the_task_with_its_weighted_score(task, specialist, advisor):
    # when all CSS questions get 9 and lounge 7 (weights 10/30/10/10/20/20 of seed 002)
    call = save(task, specialist, answers=full_answers(lounge=7), comment="很满意")
    # then (90*90 + 70*10) / 100 = 88
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert call.attempt.outcome == AttemptOutcome.COMPLETED
    assert call.outcome == CallOutcome.SATISFIED
    assert call.score == Decimal("88.00")
    assert call.duration_seconds == 240
    assert (call.advisor, call.caller, call.questionnaire.version) == (advisor, specialist, 1)
    assert call.answers.count() == 8  # the empty suggestion is not stored
    assert call.complaint is None and not call.problems.exists() and call.issue_reasons == []
    assert AuditEntry.objects.filter(
        content_type__model="callrecord", object_id=call.pk, changes__outcome="satisfied"
    ).exists()


def test_low_overall_opens_a_complaint_with_the_answers_attached(task, specialist):
    # when the overall score is 5 (at or below the default 6)
    call = save(task, specialist, answers=full_answers(overall={"value": 5, "text": "等太久"}), comment="不满")
    # then a service complaint from the follow-up call carries the answers in words
    complaint = Complaint.objects.get()
    assert call.complaint == complaint and call.outcome == CallOutcome.WITH_ISSUE
    assert (complaint.channel, complaint.category) == (ComplaintChannel.FOLLOW_UP_CALL, ComplaintCategory.SERVICE)
    assert (complaint.customer, complaint.repair_order) == (task.customer, task.repair_order)
    assert {"question": "那您对这次服务的整体满意度感觉如何呢？", "answer": "5/10 · 等太久"} in complaint.source_answers
    assert call.issue_reasons == ["整体满意度 5 分，不高于 6 分"]
    assert "不满" in complaint.content


def test_a_no_to_come_back_opens_a_complaint(task, specialist):
    call = save(task, specialist, answers=full_answers(come_back=0))
    assert call.complaint is not None
    assert {"question": "那您会再次到我们站维修吗？会帮我们推荐吗？", "answer": "否"} in call.complaint.source_answers


def test_a_low_item_opens_a_problem_for_the_ro_advisor(task, specialist, advisor):
    call = save(task, specialist, answers=full_answers(car_wash=4))
    [problem] = Problem.objects.all()
    assert problem.assigned_to == advisor and problem.call == call and problem.status == ProblemStatus.OPEN
    assert "交车给您时是否帮您车辆作免费清洗" in problem.description
    assert call.complaint is None and call.outcome == CallOutcome.WITH_ISSUE
    # and the advisor resolves it
    services.problem_resolve(problem=problem, actor=advisor, now=NOW + timedelta(hours=1), resolution="已致电道歉")
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == (ProblemStatus.RESOLVED, "已致电道歉")


def test_the_rule_is_a_store_setting(task, specialist, director, store):
    services.call_policy_update(store=store, actor=director, now=NOW, low_overall_score=4, low_item_action="none")
    call = save(task, specialist, answers=full_answers(overall=5, car_wash=2))
    assert call.complaint is None and not Problem.objects.exists() and call.outcome == CallOutcome.SATISFIED


def test_three_unreached_calls_make_the_task_unreachable(task, specialist):
    # 10:00, 12:00 and, after the retry spacing, the next day at 18:30
    for hours, why in ((0, AttemptOutcome.NO_ANSWER), (2, AttemptOutcome.BUSY), (32.5, AttemptOutcome.NO_ANSWER)):
        services.call_record_save(
            task=task, actor=specialist, now=NOW + timedelta(hours=hours), outcome="not_reached", attempt_outcome=why
        )
    task.refresh_from_db()
    assert task.status == TaskStatus.UNREACHABLE
    assert CallRecord.objects.filter(task=task, outcome=CallOutcome.NOT_REACHED).count() == 3


def test_call_back_reschedules(task, specialist):
    later = NOW + timedelta(hours=8)
    save(task, specialist, outcome="not_reached", attempt_outcome="call_back", callback_at=later, best_time="晚上")
    task.refresh_from_db()
    assert (task.status, task.next_call_at) == (TaskStatus.OPEN, later)


def test_refused_closes_the_task(task, specialist):
    call = save(task, specialist, outcome=CallOutcome.REFUSED)
    task.refresh_from_db()
    assert task.status == TaskStatus.REFUSED and call.attempt.outcome == AttemptOutcome.REFUSED


def test_corrections_update_the_archive_and_are_audited(task, specialist):
    corrections = {"phone": "139 0000 1111", "address": "深圳市南山区", "best_contact_time": "晚上"}
    save(task, specialist, answers=full_answers(), corrections={**corrections, "preferred_channel": "sms"})
    customer = task.customer
    customer.refresh_from_db()
    assert (customer.mobile, customer.address, customer.best_contact_time, customer.preferred_channel) == (
        "+8613900001111",
        "深圳市南山区",
        "晚上",
        "sms",
    )
    entry = AuditEntry.objects.filter(content_type__model="customer", object_id=customer.pk, source="workbench").get()
    assert set(entry.changes) == {"mobile", "address", "best_contact_time", "preferred_channel"}


def test_bad_input_names_the_field_and_writes_nothing(task, specialist):
    with pytest.raises(ValidationError) as exc:
        save(task, specialist, answers=full_answers(reception=11, nonsense=3), corrections={"phone": "12"})
    assert set(exc.value.message_dict) == {"phone"}
    with pytest.raises(ValidationError) as exc:
        save(task, specialist, answers=full_answers(reception=11, nonsense=3))
    assert set(exc.value.message_dict) == {"answer_reception", "answer_nonsense"}
    assert "1–10" in exc.value.message_dict["answer_reception"][0]
    answers = full_answers()
    del answers["done_right"]
    with pytest.raises(ValidationError) as exc:
        save(task, specialist, answers=answers)
    assert "服务顾问是否在约定时间和费用下准确完成工作" in exc.value.message_dict["answer_done_right"][0]
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and not CallRecord.objects.exists() and not task.attempts.exists()


def test_a_closed_task_cannot_be_called_twice(task, specialist):
    save(task, specialist, answers=full_answers())
    with pytest.raises(ValidationError) as exc:
        save(task, specialist, answers=full_answers())
    assert "task" in exc.value.message_dict


def test_old_calls_keep_their_questionnaire_version(task, specialist, director, store):
    # given a call on version 1
    first = save(task, specialist, answers=full_answers())
    # when the director publishes version 2 with one question and its weight
    v2 = services.questionnaire_publish(
        store=store,
        actor=director,
        now=NOW,
        questions=[
            {"code": "overall", "text": "整体满意度？", "kind": "scale10", "weight": 0, "required": True},
            {"code": "speed", "text": "速度满意吗？", "kind": "scale5", "weight": 100, "required": True},
        ],
        note="精简",
    )
    # then the next call is scored on version 2, the first still on version 1
    other = call_task(store, assigned_to=specialist, customer=CustomerFactory(store=store))
    second = services.call_record_save(
        task=other, actor=specialist, now=NOW, outcome="satisfied", answers={"overall": 9, "speed": 4}
    )
    first.refresh_from_db()
    assert (first.questionnaire.version, second.questionnaire.version, v2.version) == (1, 2, 2)
    assert second.score == Decimal("80.00")
    assert list(Questionnaire.objects.filter(store=store, is_current=True)) == [v2]
    assert first.answers.get(question__code="reception").question.questionnaire.version == 1


def test_publishing_rejects_duplicate_codes(store, director):
    with pytest.raises(ValidationError) as exc:
        services.questionnaire_publish(
            store=store,
            actor=director,
            now=NOW,
            questions=[{"code": "a", "text": "x", "kind": "scale10"}, {"code": "a", "text": "y", "kind": "scale10"}],
        )
    assert "question_2" in exc.value.message_dict


def test_complaint_follow_up_call_reopens_an_unsatisfied_complaint(store, specialist, manager):
    # given a closed complaint whose follow-up task was created at closing
    from huifang.complaints import services as complaint_services

    customer = CustomerFactory(store=store)
    complaint, _ = complaint_services.complaint_intake(
        store=store, actor=manager, now=NOW - timedelta(days=3), channel="phone", category="SA", content="等太久",
        customer=customer,
    )  # fmt: skip
    complaint_services.complaint_close(
        complaint=complaint, actor=manager, now=NOW - timedelta(days=1), result="已道歉并免工时费",
        root_cause="排班", corrective_action="增加预约", is_valid=True,
    )  # fmt: skip
    follow_up = complaint.follow_ups.get()
    # when the customer says not satisfied
    save(follow_up.task, specialist, outcome=CallOutcome.WITH_ISSUE, comment="还是不满意")
    # then the complaint is open again, and no second complaint was opened
    complaint.refresh_from_db()
    assert complaint.status != ComplaintStatus.CLOSED and Complaint.objects.count() == 1


def test_recording_file_or_link(task, specialist):
    call = save(task, specialist, answers=full_answers())
    services.recording_attach(call=call, actor=specialist, now=NOW, url="https://pbx.example.cn/rec/1.mp3")
    audio = SimpleUploadedFile("call.mp3", b"ID3....", content_type="audio/mpeg")
    services.recording_attach(call=call, actor=specialist, now=NOW, file=audio)
    assert call.recording_url == "https://pbx.example.cn/rec/1.mp3" and call.recording.name.endswith(".mp3")
    with pytest.raises(ValidationError):
        services.recording_attach(call=call, actor=specialist, now=NOW, url="ftp://x/1.mp3")
    with pytest.raises(ValidationError):
        services.recording_attach(
            call=call, actor=specialist, now=NOW, file=SimpleUploadedFile("a.exe", b"MZ", content_type="text/plain")
        )


def test_scripts_are_seeded_and_editable(store, director):
    assert services.scripts_ensure_defaults(store=store) > 4
    assert services.scripts_ensure_defaults(store=store) == 0
    script = CallScript.objects.get(store=store, kind="post_service_call", scenario="owner")
    assert [s["title"] for s in script.steps] == ["问候与身份", "来意", "问题", "结束语"]
    assert "{next_service_km}" in script.steps[-1]["text"]
    services.script_update(script=script, actor=director, now=NOW, steps=[{"title": "问候", "text": "{customer}好"}])
    assert script.steps == [{"title": "问候", "text": "{customer}好"}]
    with pytest.raises(ValidationError):
        services.script_update(script=script, actor=director, now=NOW, steps=[{"title": "问候", "text": "{oops}"}])


def test_tasks_move_only_moves_open_tasks_of_the_store(store, other_store, specialist, manager, advisor):
    mine = call_task(store, assigned_to=specialist)
    closed = call_task(store, assigned_to=specialist, status="done", customer=CustomerFactory(store=store))
    elsewhere = call_task(other_store, customer=CustomerFactory(store=other_store, kind=CustomerKind.INDIVIDUAL))
    moved = services.tasks_move(
        task_ids=[mine.pk, closed.pk, elsewhere.pk], to_user=advisor, store=store, actor=manager, now=NOW
    )
    assert moved == 1
    mine.refresh_from_db()
    closed.refresh_from_db()
    assert (mine.assigned_to, closed.assigned_to) == (advisor, specialist)
    assert AuditEntry.objects.filter(content_type__model="followuptask", object_id=mine.pk, source="workbench").exists()


def test_open_problems_are_recalled_daily_after_two_days(task, specialist, advisor):
    from huifang.notifications.models import Notification

    save(task, specialist, answers=full_answers(lounge=2))
    before = Notification.objects.filter(user=advisor).count()  # the notice when it was opened
    assert services.problems_remind(now=NOW + timedelta(days=1)) == 0
    assert services.problems_remind(now=NOW + timedelta(days=2)) == 1
    assert services.problems_remind(now=NOW + timedelta(days=2, hours=3)) == 0  # once a day
    assert Notification.objects.filter(user=advisor).count() == before + 1
