"""Recent history for the demo stores: the last weeks of post-service calls with their answers, the
complaints they and other channels opened, closings and follow-ups, escalations. Everything goes through
the same services the screens call, at the instants it would have happened, so the queue, the complaint
list and the reports start from a believable month instead of an empty one."""

import random
from collections import Counter
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.archive.models import Vehicle
from huifang.complaints import services as complaint_services
from huifang.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintNature, ComplaintStatus
from huifang.complaints.models import Complaint, ComplaintFollowUp
from huifang.followups.choices import AttemptOutcome, RuleKind, TaskStatus
from huifang.followups.models import FollowUpTask
from huifang.followups.sweeps import sweep_run
from huifang.workbench import services as call_services
from huifang.workbench.choices import CallOutcome, QuestionKind

# Days of history: long enough for this month and last month in the reports.
HISTORY_DAYS = 45
# The post-service sweep looks 72 h back; sweeping every 3 days covers every delivered order once.
SWEEP_STEP_DAYS = 3
# How the calls of a believable store turn out (seed 002's four result types).
OUTCOME_WEIGHTS = {
    CallOutcome.SATISFIED: 78,
    CallOutcome.WITH_ISSUE: 7,
    CallOutcome.NOT_REACHED: 12,
    CallOutcome.REFUSED: 3,
}
NOT_REACHED_REASONS = (AttemptOutcome.NO_ANSWER, AttemptOutcome.BUSY, AttemptOutcome.SOMEONE_ELSE)
SUGGESTIONS = ("", "", "", "休息区的咖啡可以再好一点", "希望周末也能预约", "洗车很干净，谢谢", "结算时等得有点久")

# Complaints that arrive through other channels than a call: (channel, category, nature, content, demand,
# compensation). Some are written to trip the major-complaint rules (media, lawyer, safety, amount).
OTHER_COMPLAINTS = (
    (
        ComplaintChannel.IN_STORE,
        ComplaintCategory.SERVICE,
        ComplaintNature.GENERAL,
        "保养后发现车内有油污，服务顾问态度冷淡。",
        "清洗内饰并道歉",
        None,
    ),
    (
        ComplaintChannel.PHONE,
        ComplaintCategory.QUALITY,
        ComplaintNature.GENERAL,
        "空调异响，已经来店修了三次还是没有解决。",
        "彻底修好",
        None,
    ),
    (
        ComplaintChannel.MANUFACTURER,
        ComplaintCategory.QUALITY,
        ComplaintNature.MEDIA_RISK,
        "变速箱顿挫严重，客户表示如果不解决将联系记者曝光。",
        "更换变速箱",
        Decimal("15000"),
    ),
    (
        ComplaintChannel.LETTER,
        ComplaintCategory.PARTS,
        ComplaintNature.GENERAL,
        "订购的倒车雷达配件等了三周还没到货。",
        "尽快到货并补偿",
        Decimal("500"),
    ),
    (
        ComplaintChannel.GOVERNMENT,
        ComplaintCategory.SALES,
        ComplaintNature.CONSUMER_ASSOCIATION,
        "购车时承诺的赠品未兑现，客户已向消费者协会投诉。",
        "兑现赠品",
        None,
    ),
    (
        ComplaintChannel.PHONE,
        ComplaintCategory.QUALITY,
        ComplaintNature.LEGAL,
        "行驶中安全气囊故障灯常亮，客户已委托律师，准备起诉。",
        "退车",
        Decimal("120000"),
    ),
    (
        ComplaintChannel.IN_STORE,
        ComplaintCategory.SERVICE,
        ComplaintNature.GENERAL,
        "维修时间比约定晚了两个小时，没有人提前通知。",
        "下次保养工时优惠",
        None,
    ),
    (
        ComplaintChannel.PHONE,
        ComplaintCategory.OTHER,
        ComplaintNature.GENERAL,
        "停车场车位太少，来店找不到地方停车。",
        "",
        None,
    ),
)


def _local(store: Store, day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(store.time_zone))


def _answers(questionnaire, rng: random.Random, *, unhappy: bool) -> dict:
    """A plausible set of answers; an unhappy customer scores the overall question and one item low."""
    answers = {}
    questions = list(questionnaire.questions.all())
    sore = rng.choice([q.code for q in questions if q.kind == QuestionKind.SCALE_10 and q.code != "overall"] or [""])
    for q in questions:
        if q.kind == QuestionKind.SCALE_10:
            low = unhappy and q.code in ("overall", sore)
            answers[q.code] = {"value": rng.randint(2, 5) if low else rng.choice((8, 9, 9, 10, 10, 10)), "text": ""}
        elif q.kind == QuestionKind.SCALE_5:
            answers[q.code] = {"value": rng.randint(1, 2) if unhappy else rng.choice((4, 5, 5)), "text": ""}
        elif q.kind == QuestionKind.YES_NO:
            answers[q.code] = {"value": 0 if unhappy and rng.random() < 0.5 else 1, "text": ""}
        else:
            answers[q.code] = {"value": None, "text": rng.choice(SUGGESTIONS)}
    return answers


def _work_calls(store: Store, rng: random.Random, today, counts: Counter) -> None:
    questionnaire = call_services.questionnaire_current(store=store)
    tasks = (
        FollowUpTask.objects.filter(store=store, kind=RuleKind.POST_SERVICE_CALL, status=TaskStatus.OPEN)
        .filter(due_at__date__lt=today - timedelta(days=1))
        .select_related("store", "rule", "customer", "assigned_to")
        .order_by("due_at", "pk")
    )
    specialists = list(User.objects.filter(memberships__store=store, memberships__role=Role.CARE_SPECIALIST))
    for task in tasks:
        outcome = rng.choices(list(OUTCOME_WEIGHTS), weights=list(OUTCOME_WEIGHTS.values()))[0]
        caller = task.assigned_to or (rng.choice(specialists) if specialists else None)
        # Most calls are made the day after delivery, a few late (the 72 h rate is not 100%).
        ended = task.due_at + timedelta(hours=rng.choice((18, 20, 22, 26, 44, 50, 80)), minutes=rng.randint(0, 59))
        kwargs: dict = {"task": task, "actor": caller, "outcome": outcome}
        if outcome in (CallOutcome.SATISFIED, CallOutcome.WITH_ISSUE):
            kwargs["answers"] = _answers(questionnaire, rng, unhappy=outcome == CallOutcome.WITH_ISSUE)
        elif outcome == CallOutcome.NOT_REACHED:
            kwargs["attempt_outcome"] = rng.choice(NOT_REACHED_REASONS)
        # Not reached is tried again later the same day and the next day: after the third miss the task
        # closes as unreachable and the follow-up SMS goes out.
        tries = 3 if outcome == CallOutcome.NOT_REACHED else 1
        for n in range(tries):
            kwargs["now"] = ended + timedelta(hours=(0, 3, 24)[n])
            talk = rng.randint(70, 420) if outcome != CallOutcome.NOT_REACHED else 30
            kwargs["started_at"] = kwargs["now"] - timedelta(seconds=talk)
            try:
                call_services.call_record_save(**kwargs)
            except ValidationError:
                counts["calls skipped"] += 1
                break
        counts[f"calls {outcome}"] += 1


def _other_complaints(store: Store, rng: random.Random, today, counts: Counter) -> None:
    vehicles = list(Vehicle.objects.filter(store=store).select_related("customer").order_by("pk")[:400])
    if not vehicles:
        return
    care = User.objects.filter(memberships__store=store, memberships__role=Role.CARE_SPECIALIST).first()
    for n, (channel, category, nature, content, demand, amount) in enumerate(OTHER_COMPLAINTS):
        vehicle = rng.choice(vehicles)
        received = _local(store, today - timedelta(days=rng.randint(1, 30)), rng.randint(9, 17), rng.randint(0, 59))
        complaint, created = complaint_services.complaint_intake(
            store=store,
            actor=care,
            now=received,
            channel=channel,
            category=category,
            content=content,
            customer=vehicle.customer,
            vehicle=vehicle,
            nature=nature,
            demand=demand,
            compensation_demand=amount,
            external_case_no=f"DEMO-{store.code}-{n + 1:03d}" if channel == ComplaintChannel.MANUFACTURER else "",
        )
        if created:
            counts["complaints filed"] += 1


def _handle_complaints(store: Store, rng: random.Random, now: datetime, counts: Counter) -> None:
    """Contact, escalate as the clock passed, and close most older complaints with a root cause."""
    for complaint in Complaint.objects.filter(store=store).order_by("received_at", "pk"):
        age = now - complaint.received_at
        contacted = complaint.received_at + timedelta(minutes=rng.choice((25, 40, 70, 100, 150, 200)))
        if contacted < now and complaint.first_contacted_at is None:
            complaint = complaint_services.complaint_contact_record(
                complaint=complaint, actor=complaint.owner, now=contacted, note="已致电客户致歉并了解情况"
            )
        if age > timedelta(days=5) and not complaint.is_major and rng.random() < 0.8:
            closed = complaint.received_at + timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 8))
            complaint_services.complaints_escalate_due(now=closed)
            complaint.refresh_from_db()
            if complaint.status == ComplaintStatus.CLOSED:
                continue
            complaint_services.complaint_close(
                complaint=complaint,
                actor=complaint.owner,
                now=closed,
                result="已与客户达成一致，问题已处理。",
                root_cause=rng.choice(("服务顾问未按流程解释项目", "维修质量检验不到位", "配件供应延迟")),
                corrective_action=rng.choice(("班前会培训服务流程", "增加终检环节", "与配件部约定到货时限")),
                is_valid=True,
            )
            counts["complaints closed"] += 1
    complaint_services.complaints_escalate_due(now=now)
    # Follow-up calls of closings more than 3 days ago: most customers are satisfied, one is not.
    for follow_up in ComplaintFollowUp.objects.filter(
        complaint__store=store, answered_at__isnull=True, task__due_at__lt=now - timedelta(days=3)
    ).select_related("task"):
        complaint_services.complaint_follow_up_record(
            task=follow_up.task,
            actor=follow_up.task.assigned_to,
            now=follow_up.task.due_at + timedelta(hours=26),
            satisfied=rng.random() < 0.85,
        )
        counts["complaint follow-ups"] += 1


def demo_history_seed(*, store: Store, now: datetime, seed: int = 42) -> Counter:
    """Fill `store` with the last HISTORY_DAYS of calls and complaints; does nothing if it has calls."""
    counts: Counter = Counter()
    if store.call_records.exists():
        return counts
    rng = random.Random(f"{seed}-{store.code}")
    today = now.astimezone(ZoneInfo(store.time_zone)).date()
    for back in range(HISTORY_DAYS, 0, -SWEEP_STEP_DAYS):
        sweep_run(store=store, now=_local(store, today - timedelta(days=back), 10), kinds=(RuleKind.POST_SERVICE_CALL,))
    _work_calls(store, rng, today, counts)
    _other_complaints(store, rng, today, counts)
    _handle_complaints(store, rng, now, counts)
    return counts
