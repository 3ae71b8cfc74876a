"""Factories for the report tests: follow-up tasks and attempts, calls with answers, complaints."""

from datetime import timedelta
from decimal import Decimal

import factory

from huifang.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintStatus
from huifang.complaints.models import Complaint, ComplaintFollowUp
from huifang.followups.choices import AttemptOutcome, RuleKind, TaskChannel, TaskStatus
from huifang.followups.models import ContactAttempt, FollowUpRule, FollowUpTask
from huifang.workbench.choices import CallOutcome, QuestionKind
from huifang.workbench.models import Answer, CallRecord, Question, Questionnaire
from tests.factories import CustomerFactory


def rule_for(store, kind=RuleKind.POST_SERVICE_CALL) -> FollowUpRule:
    rule, _created = FollowUpRule.objects.get_or_create(store=store, kind=kind, defaults={"name": str(kind)})
    return rule


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpTask

    customer = factory.SubFactory(CustomerFactory)
    store = factory.LazyAttribute(lambda o: o.customer.store)
    kind = RuleKind.POST_SERVICE_CALL
    rule = factory.LazyAttribute(lambda o: rule_for(o.store, o.kind))
    subject = factory.LazyAttribute(lambda o: f"c{o.customer.pk}")
    occurrence_key = factory.Sequence(lambda n: f"occ{n}")
    window_end = factory.LazyAttribute(lambda o: o.due_at + timedelta(hours=72))
    status = TaskStatus.OPEN
    channel = TaskChannel.CALL
    created_at = factory.LazyAttribute(lambda o: o.due_at)


def attempt(task, at, outcome=AttemptOutcome.COMPLETED, actor=None) -> ContactAttempt:
    return ContactAttempt.objects.create(task=task, at=at, outcome=outcome, actor=actor)


QUESTIONS = (
    # code, kind, weight
    ("overall", QuestionKind.SCALE_10, Decimal("50")),
    ("reception", QuestionKind.SCALE_5, Decimal("30")),
    ("come_back", QuestionKind.YES_NO, Decimal("20")),
    ("remarks", QuestionKind.TEXT, Decimal("0")),
)
QUESTION_TEXT = {"overall": "整体满意度", "reception": "及时迎接", "come_back": "再次到店", "remarks": "其他建议"}


def questionnaire_for(store, now) -> Questionnaire:
    q, created = Questionnaire.objects.get_or_create(
        store=store, version=1, defaults={"is_current": True, "created_at": now}
    )
    if created:
        Question.objects.bulk_create(
            Question(questionnaire=q, position=i, code=code, text=QUESTION_TEXT[code], kind=kind, weight=weight)
            for i, (code, kind, weight) in enumerate(QUESTIONS, start=1)
        )
    return q


def call(
    task,
    at,
    *,
    caller=None,
    advisor=None,
    outcome=CallOutcome.SATISFIED,
    answers=None,
    duration=120,
    recording_url="",
    attempt_outcome=AttemptOutcome.COMPLETED,
) -> CallRecord:
    """A call on `task` ended at `at`, with answers {code: value}."""
    a = attempt(task, at, attempt_outcome, actor=caller)
    questionnaire = questionnaire_for(task.store, at)
    record = CallRecord.objects.create(
        store=task.store,
        task=task,
        attempt=a,
        customer=task.customer,
        advisor=advisor,
        caller=caller,
        questionnaire=questionnaire,
        outcome=outcome,
        started_at=at - timedelta(seconds=duration or 0),
        ended_at=at,
        duration_seconds=duration,
        recording_url=recording_url,
    )
    if answers:
        by_code = {q.code: q for q in questionnaire.questions.all()}
        Answer.objects.bulk_create(
            Answer(call=record, question=by_code[code], value=value) for code, value in answers.items()
        )
    return record


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    number = factory.Sequence(lambda n: f"TS{n:05d}")
    channel = ComplaintChannel.PHONE
    category = ComplaintCategory.SERVICE
    customer_name = "李四"
    content = "等待时间太长"
    status = ComplaintStatus.ONGOING
    first_contact_due = factory.LazyAttribute(lambda o: o.received_at + timedelta(hours=2))


def complaint_follow_up(complaint, *, at, satisfied, outcome=AttemptOutcome.COMPLETED, round=1):
    """The complaint's follow-up task with one call attempt and the verdict."""
    task = TaskFactory(
        customer=CustomerFactory(store=complaint.store),
        kind=RuleKind.COMPLAINT_FOLLOW_UP,
        due_at=at,
        status=TaskStatus.DONE if outcome == AttemptOutcome.COMPLETED else TaskStatus.OPEN,
    )
    attempt(task, at, outcome)
    return ComplaintFollowUp.objects.create(
        complaint=complaint,
        task=task,
        round=round,
        satisfied=satisfied if outcome == AttemptOutcome.COMPLETED else None,
        answered_at=at if outcome == AttemptOutcome.COMPLETED else None,
    )
