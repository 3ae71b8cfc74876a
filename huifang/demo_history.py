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
from django.db.models import Count

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.archive.models import RepairOrder, Vehicle
from huifang.complaints import defaults as complaint_defaults
from huifang.complaints import services as complaint_services
from huifang.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintNature, ComplaintStatus
from huifang.complaints.models import Complaint, ComplaintFollowUp
from huifang.demo_appointments import demo_appointments_seed
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
# compensation). Ordinary ones, the kind a store gets every week.
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
        ComplaintChannel.LETTER,
        ComplaintCategory.PARTS,
        ComplaintNature.GENERAL,
        "订购的倒车雷达配件等了三周还没到货。",
        "尽快到货并补偿",
        Decimal("500"),
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
    (
        ComplaintChannel.PHONE,
        ComplaintCategory.SERVICE,
        ComplaintNature.GENERAL,
        "结算时发现多收了一瓶玻璃水和一次洗车的钱，服务顾问没有提前说明。",
        "退还多收费用",
        Decimal("80"),
    ),
    (
        ComplaintChannel.MANUFACTURER,
        ComplaintCategory.QUALITY,
        ComplaintNature.GENERAL,
        "仪表上气囊灯偶尔常亮，客户担心有安全隐患，希望尽快检查。",
        "免费检查",
        None,
    ),
    (
        ComplaintChannel.IN_STORE,
        ComplaintCategory.SERVICE,
        ComplaintNature.GENERAL,
        "预约了上午九点，到店后还是排队一个小时才开单。",
        "预约客户优先",
        None,
    ),
    (
        ComplaintChannel.PHONE,
        ComplaintCategory.SALES,
        ComplaintNature.GENERAL,
        "购车时承诺的脚垫和行车记录仪一直没有装，销售顾问电话不接。",
        "尽快安装",
        None,
    ),
    (
        ComplaintChannel.PHONE,
        ComplaintCategory.SERVICE,
        ComplaintNature.GENERAL,
        "客户说只想把问题解决，不会找媒体，但对服务顾问的态度很不满意。",
        "更换服务顾问",
        None,
    ),
    (
        ComplaintChannel.IN_STORE,
        ComplaintCategory.SERVICE,
        ComplaintNature.GENERAL,
        "交车时座椅上有油手印，车内有烟味。",
        "重新清洁",
        None,
    ),
)
# The few major ones (seed 004): media, consumer association, court with a large claim, a safety event.
MAJOR_COMPLAINTS = (
    (
        ComplaintChannel.MANUFACTURER,
        ComplaintCategory.QUALITY,
        ComplaintNature.MEDIA_RISK,
        "变速箱顿挫严重，客户表示如果不解决将联系记者曝光。",
        "更换变速箱",
        Decimal("15000"),
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
        ComplaintNature.GENERAL,
        "下坡时刹车失灵，车辆撞上路边护栏，客户要求检测并给出书面结论。",
        "检测并书面答复",
        None,
    ),
    (
        ComplaintChannel.PHONE,
        ComplaintCategory.QUALITY,
        ComplaintNature.LEGAL,
        "发动机大修后仍然烧机油，客户已委托律师，准备起诉。",
        "退车",
        Decimal("120000"),
    ),
)
# Complaints through other channels, per complaint opened by a call (a believable mix for a month).
OTHER_CHANNEL_SHARE = 0.25
# Major complaints per hundred complaints in a believable month (issue 15: "a few in a hundred").
MAJOR_PER_HUNDRED = 3

# How a month of complaints is handled (seed 001: level 1 within 24 h, level 2 within 48 h, level 3 within
# 72 h): most closed by the front line within its deadline, some handed to the service manager, a few to
# senior management, a few left to run late so that the sweep escalates them.
HANDLING_WEIGHTS = {"front_line": 76, "manager": 14, "senior": 4, "late": 6}
# Minutes from intake to the first call back: seed 004 asks for 2 hours; a few are late.
CONTACT_MINUTES = (10, 15, 20, 30, 35, 45, 50, 60, 75, 90, 100, 110)
LATE_CONTACT_MINUTES = (135, 160, 190)
LATE_CONTACT_SHARE = 0.05
ROOT_CAUSES = (
    ("服务顾问未按流程解释项目", "班前会培训服务流程"),
    ("维修质量检验不到位", "增加终检环节"),
    ("配件供应延迟", "与配件部约定到货时限"),
    ("预约排程不合理", "预约时段按工位数限额"),
    ("交车前清洁不到位", "交车前清洁检查表"),
)
ESCALATION_REASONS = {
    2: "客户要求的补偿超出一线权限，转服务经理处理",
    3: "需要公司层面批准处理方案，转高层处理",
}


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


def _repeat_fault_vehicle(store: Store, vehicles: list[Vehicle]) -> tuple[Vehicle, str, int] | None:
    """A vehicle whose repair and claim orders name the same fault three times or more, if the archive has one."""
    rows = (
        RepairOrder.objects.filter(vehicle__in=vehicles, ro_type__in=list(complaint_defaults.REPEAT_REPAIR_ORDER_TYPES))
        .values("vehicle", "fault_description")
        .annotate(n=Count("pk"))
        .filter(n__gte=complaint_defaults.MAJOR_REPEAT_REPAIRS)
        .order_by("-n", "vehicle")
        .first()
    )
    if rows is None:
        return None
    vehicle = next(v for v in vehicles if v.pk == rows["vehicle"])
    return vehicle, rows["fault_description"], rows["n"]


def _other_complaints(store: Store, rng: random.Random, today, counts: Counter) -> None:
    """Complaints through the other channels: ordinary ones in proportion to the calls' complaints, and
    MAJOR_PER_HUNDRED major ones per hundred complaints (one of them a fault repaired three times)."""
    vehicles = list(Vehicle.objects.filter(store=store).select_related("customer").order_by("pk")[:400])
    if not vehicles:
        return
    care = User.objects.filter(memberships__store=store, memberships__role=Role.CARE_SPECIALIST).first()
    from_calls = Complaint.objects.filter(store=store).count()
    ordinary = max(3, round(from_calls * OTHER_CHANNEL_SHARE))
    majors = round((from_calls + ordinary) * MAJOR_PER_HUNDRED / 100)
    plan = [(OTHER_COMPLAINTS[n % len(OTHER_COMPLAINTS)], None) for n in range(ordinary)]
    repeat = _repeat_fault_vehicle(store, vehicles) if majors else None
    for n in range(majors):
        if n == 1 and repeat is not None:
            vehicle, fault, times = repeat
            content = f"{fault}，已经来店修了{times}次还是没有解决，客户非常不满。"
            plan.append(
                (
                    (
                        ComplaintChannel.PHONE,
                        ComplaintCategory.QUALITY,
                        ComplaintNature.GENERAL,
                        content,
                        "彻底修好",
                        None,
                    ),
                    vehicle,
                )
            )
        else:
            plan.append((MAJOR_COMPLAINTS[n % len(MAJOR_COMPLAINTS)], None))
    for n, ((channel, category, nature, content, demand, amount), vehicle) in enumerate(plan):
        vehicle = vehicle or rng.choice(vehicles)
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


def _between(rng: random.Random, start: datetime, end: datetime, low: float = 0.2, high: float = 0.8) -> datetime:
    """An instant between start and end (as fractions of the span), to the minute."""
    instant = start + (end - start) * rng.uniform(low, high)
    return instant.replace(second=0, microsecond=0)


def _close(complaint: Complaint, rng: random.Random, now: datetime, counts: Counter) -> None:
    root_cause, corrective_action = rng.choice(ROOT_CAUSES)
    complaint_services.complaint_close(
        complaint=complaint,
        actor=complaint.owner,
        now=now,
        result="已与客户达成一致，问题已处理。",
        root_cause=root_cause,
        corrective_action=corrective_action,
        is_valid=True,
    )
    counts["complaints closed"] += 1


def _handle_one(complaint: Complaint, plan: str, rng: random.Random, now: datetime, counts: Counter) -> datetime | None:
    """Contact, report, escalate by hand and close at the instants a store that keeps its deadlines would;
    stops at `now`. Returns when a late complaint is finally closed (after the sweep escalated it)."""
    late_contact = rng.random() < LATE_CONTACT_SHARE
    minutes = rng.choice(LATE_CONTACT_MINUTES if late_contact else CONTACT_MINUTES)
    contacted = complaint.received_at + timedelta(minutes=minutes)
    if contacted >= now:
        return None
    complaint = complaint_services.complaint_contact_record(
        complaint=complaint, actor=complaint.owner, now=contacted, note="已致电客户致歉并了解情况"
    )
    complaint = complaint_services.complaint_status_change(
        complaint=complaint,
        actor=complaint.owner,
        now=contacted + timedelta(minutes=5),
        status=ComplaintStatus.IN_PROCESS,
        why="已联系客户，安排检查和处理",
    )
    if complaint.media_report_due is not None and complaint.media_reported_at is None:
        reported = contacted + timedelta(minutes=rng.randint(30, 90))
        if reported < now:
            complaint_services.complaint_media_report_record(
                complaint=complaint,
                actor=complaint.owner,
                now=reported,
                note="已书面报告厂家区域经理：投诉内容、客户诉求和我店处理意见",
            )
    if plan == "late":
        closed = complaint.level_due_at + timedelta(hours=rng.randint(2, 20)) if complaint.level_due_at else None
        return closed if closed is not None and closed < now else None
    steps = {"front_line": 0, "manager": 1, "senior": 2}[plan]
    cursor = contacted + timedelta(minutes=10)
    for _ in range(steps):
        escalated = _between(rng, cursor, complaint.level_due_at, 0.1, 0.5)
        if escalated >= now:
            return None
        complaint = complaint_services.complaint_escalate(
            complaint=complaint, actor=complaint.owner, now=escalated, why=ESCALATION_REASONS[complaint.level + 1]
        )
        counts["complaints escalated by hand"] += 1
        cursor = escalated
    closed = _between(rng, cursor, complaint.level_due_at)
    if closed < now:
        _close(complaint, rng, closed, counts)
    return None


def _handle_complaints(store: Store, rng: random.Random, now: datetime, counts: Counter) -> None:
    """Handle every complaint the way a store that keeps its deadlines does (HANDLING_WEIGHTS); the few late
    ones are escalated by the sweep at the instants their deadlines passed and then closed."""
    late: list[tuple[datetime, int]] = []
    for complaint in (
        Complaint.objects.filter(store=store).select_related("store", "owner").order_by("received_at", "pk")
    ):
        plan = rng.choices(list(HANDLING_WEIGHTS), weights=list(HANDLING_WEIGHTS.values()))[0]
        if complaint.is_major:
            plan = "senior"
        closed = _handle_one(complaint, plan, rng, now, counts)
        if closed is not None:
            late.append((closed, complaint.pk))
    for closed, pk in sorted(late):
        complaint_services.complaints_escalate_due(now=closed)
        complaint = Complaint.objects.select_related("store", "owner").get(pk=pk)
        if complaint.status != ComplaintStatus.CLOSED:
            _close(complaint, rng, closed, counts)
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
    """Fill `store` with the last HISTORY_DAYS of reminder calls and appointments, post-service calls and
    complaints; does nothing if it has calls."""
    counts: Counter = Counter()
    if store.call_records.exists():
        return counts
    rng = random.Random(f"{seed}-{store.code}")
    today = now.astimezone(ZoneInfo(store.time_zone)).date()
    # Reminder calls, bookings and visits first: the visits they bring in get their post-service calls below.
    counts.update(demo_appointments_seed(store=store, now=now, days=HISTORY_DAYS, seed=seed))
    for back in range(HISTORY_DAYS, 0, -SWEEP_STEP_DAYS):
        sweep_run(store=store, now=_local(store, today - timedelta(days=back), 10), kinds=(RuleKind.POST_SERVICE_CALL,))
    _work_calls(store, rng, today, counts)
    _other_complaints(store, rng, today, counts)
    _handle_complaints(store, rng, now, counts)
    return counts
