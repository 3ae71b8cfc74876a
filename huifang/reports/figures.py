"""Every report figure, computed with set-based queries (values().annotate(), Exists, Case/When).

Each function costs a fixed number of queries whatever the data size: no loop over rows touches the
database. Months are first days; a month runs from its first midnight to the next month's first midnight in
the stores' time zone (the first store's when several are reported together, as in followups.effectiveness).
The `DEFINITIONS` dict states how each figure is counted; the screens show it as tooltips and the XLSX as a sheet.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store, User
from huifang.archive.choices import RepairOrderType
from huifang.archive.models import RepairOrder
from huifang.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintStatus
from huifang.complaints.models import Complaint, ComplaintFollowUp
from huifang.core.sql import LocalDate
from huifang.followups.choices import FAILED_OUTCOMES, AttemptOutcome, RuleKind, TaskStatus
from huifang.followups.effectiveness import reminder_effectiveness
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.workbench.choices import CallOutcome, ProblemStatus, QuestionKind
from huifang.workbench.models import Answer, CallRecord, Problem

from . import defaults, rules
from .choices import Kpi
from .models import Benchmark, RecordingAudit, ReportPolicy

# Attempt outcomes where the customer (or the owner) picked up: everything but the failed ones.
REACHED_OUTCOMES = tuple(o for o in AttemptOutcome.values if o not in FAILED_OUTCOMES)
# Repair orders that fix a fault (a repeat repair of them means the first visit did not fix it).
FIX_TYPES = (RepairOrderType.REPAIR, RepairOrderType.WARRANTY)
SCORED_KINDS = (QuestionKind.SCALE_10, QuestionKind.SCALE_5, QuestionKind.YES_NO)
TOTAL = "total"

DEFINITIONS: dict[str, str] = {
    Kpi.COMPLAINT_SATISFACTION: _(
        "客户投诉处理满意率 = complaints received in the month that are closed and whose follow-up call after that "
        "closing found the customer satisfied (投诉结案满意案件数) / complaints received in the month (总受理案件数) × 100."
    ),
    Kpi.COMPLAINT_TIMELINESS: _(
        "及时率 = complaints received in the month whose customer was first contacted by the first-contact "
        "deadline (低于标准回复时间个案数) / complaints received × 100."
    ),
    Kpi.COMPLAINT_HANDLING: _(
        "处理率 = complaints received in the month that are closed (结案) when the report is made "
        "(已处理个案数) / complaints received × 100."
    ),
    Kpi.COMPLAINT_VALID_CALLBACK: _(
        "有效回访率 = complaint follow-up calls made in the month on which the customer gave a verdict "
        "(outcome completed) / all complaint follow-up call attempts made in the month × 100."
    ),
    Kpi.CALLBACK: _(
        "Callback rate = post-service call tasks due in the month (not cancelled) with at least one call "
        "attempt / those tasks × 100."
    ),
    Kpi.WITHIN_WINDOW: _(
        "Within 72 hours = post-service call tasks due in the month completed before the end of their rule "
        "window (72 h by default) / tasks due × 100."
    ),
    Kpi.REACH: _(
        "Reach rate = tasks on which at least one attempt reached the customer (completed, refused or asked "
        "to call back) / tasks with at least one attempt × 100."
    ),
    Kpi.PROBLEM_RESOLUTION: _(
        "Problem resolution rate = problem records resolved plus complaints from calls closed / problem "
        "records and complaints from calls opened in the month × 100 (seed 001 target 95 %)."
    ),
    Kpi.REMINDER_RETURN: _(
        "Reminder return rate = reminders made in the month after which the customer opened a repair order "
        "within the rule's return window / reminders made × 100 (reminder effectiveness)."
    ),
    Kpi.CSS: _(
        "CSS = Σ weight × question score / Σ weight; a question's score is the average of its answers on "
        "0–100 (10-point answer × 10, 5-point × 20, yes = 100, no = 0) in calls of the month."
    ),
    Kpi.FIRST_TIME_FIX: _(
        "First-time-fix rate = repair and warranty orders opened in the month whose vehicle has no repair "
        "order flagged as a repeat repair within 30 days after / those orders × 100."
    ),
    Kpi.APPOINTMENT: _("Appointment rate = repair orders of the month made by appointment / all repair orders × 100."),
    "buckets": _(
        "Handling time = closed − received of complaints received in the month and closed: up to 3 × 24 h is "
        "'3 days', then up to 7, 14, 30 and 60 days; open complaints are counted apart."
    ),
    "implausible": _(
        "Implausible calls: on one day one specialist recorded at least the store's count of 'satisfied' "
        "calls each shorter than the store's threshold (3 calls under 30 s by default)."
    ),
}


def month_bounds(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The first instant of `month` and of the next month, in `tz`."""
    first = month.replace(day=1)
    return (
        datetime.combine(first, time.min, tzinfo=tz),
        datetime.combine(first + relativedelta(months=1), time.min, tzinfo=tz),
    )


def time_zone(stores: Sequence[Store]) -> ZoneInfo:
    return ZoneInfo(stores[0].time_zone if stores else settings.TIME_ZONE)


def _dec(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _by_key(rows: Iterable[dict], key: str) -> dict:
    return {row[key]: row for row in rows}


def _sum_rows(rows: Iterable[dict], fields: Sequence[str]) -> dict:
    rows = list(rows)
    return {f: sum(r[f] for r in rows) for f in fields}


# --- complaints (seed 004) -------------------------------------------------------------------------------


def _complaints(stores, month, tz):
    start, end = month_bounds(month, tz)
    return Complaint.objects.filter(store__in=stores, received_at__gte=start, received_at__lt=end).order_by()


COMPLAINT_FIELDS = ("received", "satisfied", "timely", "handled", "callbacks", "valid_callbacks")


def complaint_kpis(*, stores: Sequence[Store], month: date) -> dict:
    """Seed 004 KPIs per store and in total: {"stores": {store_id: row}, "total": row}; each row holds the
    counts and the four rates."""
    stores = list(stores)
    tz = time_zone(stores)
    start, end = month_bounds(month, tz)
    # 投诉结案满意: closed now, and the follow-up call after that closing found the customer satisfied. A reopening
    # clears closed_at, so an earlier satisfied answer that the customer took back no longer counts.
    satisfied = ComplaintFollowUp.objects.filter(
        complaint=OuterRef("pk"), satisfied=True, answered_at__gte=OuterRef("closed_at")
    )
    rows = (
        _complaints(stores, month, tz)
        .annotate(was_satisfied=Exists(satisfied))
        .values("store")
        .annotate(
            received=Count("pk"),
            satisfied=Count("pk", filter=Q(was_satisfied=True, status=ComplaintStatus.CLOSED)),
            timely=Count(
                "pk", filter=Q(first_contacted_at__isnull=False, first_contacted_at__lte=F("first_contact_due"))
            ),
            handled=Count("pk", filter=Q(status=ComplaintStatus.CLOSED)),
        )
    )
    calls = (
        ContactAttempt.objects.filter(
            task__store__in=stores, task__kind=RuleKind.COMPLAINT_FOLLOW_UP, at__gte=start, at__lt=end
        )
        .order_by()
        .values("task__store")
        .annotate(callbacks=Count("pk"), valid_callbacks=Count("pk", filter=Q(outcome=AttemptOutcome.COMPLETED)))
    )
    per_store: dict[int, dict] = {s.pk: dict.fromkeys(COMPLAINT_FIELDS, 0) for s in stores}
    for row in rows:
        per_store[row["store"]].update({k: row[k] for k in ("received", "satisfied", "timely", "handled")})
    for row in calls:
        per_store[row["task__store"]].update(callbacks=row["callbacks"], valid_callbacks=row["valid_callbacks"])
    total = _sum_rows(per_store.values(), COMPLAINT_FIELDS)
    return {"stores": {k: _complaint_rates(v) for k, v in per_store.items()}, "total": _complaint_rates(total)}


def _complaint_rates(row: dict) -> dict:
    return {
        **row,
        Kpi.COMPLAINT_SATISFACTION: rules.rate(row["satisfied"], row["received"]),
        Kpi.COMPLAINT_TIMELINESS: rules.rate(row["timely"], row["received"]),
        Kpi.COMPLAINT_HANDLING: rules.rate(row["handled"], row["received"]),
        Kpi.COMPLAINT_VALID_CALLBACK: rules.rate(row["valid_callbacks"], row["callbacks"]),
    }


def _shares(rows: list[dict], choices, key: str) -> list[dict]:
    counts = {row[key]: row["count"] for row in rows}
    total = sum(counts.values())
    return [
        {
            "code": code,
            "label": str(label),
            "count": counts.get(code, 0),
            "percent": rules.rate(counts.get(code, 0), total),
        }
        for code, label in choices
    ]


def complaint_statistics(*, stores: Sequence[Store], month: date) -> dict:
    """Seed 004 monthly table: complaints by category and by channel (count, %), by handling-time bucket,
    and the most frequent reasons."""
    stores = list(stores)
    tz = time_zone(stores)
    qs = _complaints(stores, month, tz)
    by_category = _shares(
        list(qs.values("category").annotate(count=Count("pk"))), ComplaintCategory.choices, "category"
    )
    by_channel = _shares(list(qs.values("channel").annotate(count=Count("pk"))), ComplaintChannel.choices, "channel")
    bucket = Case(
        *[
            When(closed_at__lte=F("received_at") + timedelta(days=days), then=Value(code))
            for code, _label, days in rules.BUCKETS
            if days is not None
        ],
        default=Value(rules.BUCKETS[-1][0]),
        output_field=CharField(),
    )
    bucket_rows = (
        qs.filter(status=ComplaintStatus.CLOSED, closed_at__isnull=False)
        .annotate(bucket=bucket)
        .values("bucket")
        .annotate(count=Count("pk"))
    )
    bucket_counts = {row["bucket"]: row["count"] for row in bucket_rows}
    closed = sum(bucket_counts.values())
    by_bucket = [
        {
            "code": code,
            "label": label,
            "count": bucket_counts.get(code, 0),
            "percent": rules.rate(bucket_counts.get(code, 0), closed),
        }
        for code, label, _days in rules.BUCKETS
    ]
    still_open = qs.exclude(status=ComplaintStatus.CLOSED).count()
    reasons = list(
        qs.exclude(reason__isnull=True)
        .values("category", "reason__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "reason__name")[:10]
    )
    return {
        "total": sum(r["count"] for r in by_category),
        "by_category": by_category,
        "by_channel": by_channel,
        "by_bucket": by_bucket,
        "closed": closed,
        "open": still_open,
        "reasons": [{"category": r["category"], "reason": r["reason__name"], "count": r["count"]} for r in reasons],
    }


# --- follow-up calls -------------------------------------------------------------------------------------

FOLLOWUP_FIELDS = ("due", "attempted", "within", "reached")
DIMENSIONS = {"store": "store", "specialist": "assigned_to", "advisor": "repair_order__advisor"}


def _followup_rates(row: dict) -> dict:
    return {
        **row,
        Kpi.CALLBACK: rules.rate(row["attempted"], row["due"]),
        Kpi.WITHIN_WINDOW: rules.rate(row["within"], row["due"]),
        Kpi.REACH: rules.rate(row["reached"], row["attempted"]),
    }


def followup_kpis(*, stores: Sequence[Store], month: date, by: Sequence[str] = ("store",)) -> dict:
    """Post-service call KPIs of tasks due in the month, grouped by each dimension in `by` ("store",
    "specialist" = the task's assignee, "advisor" = the repair order's advisor): {dimension: [rows]} plus
    "total"; rows carry id, counts and the callback, within-window and reach rates."""
    stores = list(stores)
    tz = time_zone(stores)
    start, end = month_bounds(month, tz)
    attempts = ContactAttempt.objects.filter(task=OuterRef("pk"))
    tasks = (
        FollowUpTask.objects.filter(
            store__in=stores, kind=RuleKind.POST_SERVICE_CALL, due_at__gte=start, due_at__lt=end
        )
        .exclude(status=TaskStatus.CANCELLED)
        .annotate(
            was_attempted=Exists(attempts),
            was_reached=Exists(attempts.filter(outcome__in=REACHED_OUTCOMES)),
        )
        .order_by()
    )
    aggregates = {
        "due": Count("pk"),
        "attempted": Count("pk", filter=Q(was_attempted=True)),
        "within": Count("pk", filter=Q(status=TaskStatus.DONE, closed_at__lte=F("window_end"))),
        "reached": Count("pk", filter=Q(was_reached=True)),
    }
    # One scan of the month's tasks grouped by every requested dimension at once; each task falls in
    # exactly one group, so the counts add up to each dimension and the total (5 M orders: one pass,
    # not one per dimension).
    fields = [DIMENSIONS[dimension] for dimension in by]
    groups = list(tasks.values(*fields).annotate(**aggregates).order_by()) if fields else []
    result: dict = {}
    for dimension, field in zip(by, fields, strict=True):
        per_id: dict = {}
        for row in groups:
            sums = per_id.setdefault(row[field], dict.fromkeys(FOLLOWUP_FIELDS, 0))
            for key in FOLLOWUP_FIELDS:
                sums[key] += row[key]
        ordered = sorted(per_id.items(), key=lambda item: (item[0] is None, item[0] or 0))
        result[dimension] = [_followup_rates({"id": key, **sums}) for key, sums in ordered]
    total = _sum_rows(groups, FOLLOWUP_FIELDS) if fields else tasks.aggregate(**aggregates)
    result["total"] = _followup_rates(total)
    return result


def problem_resolution(*, stores: Sequence[Store], month: date) -> dict:
    """Problems and complaints opened from calls in the month, and how many of them are resolved/closed:
    {"stores": {store_id: row}, "total": row}."""
    stores = list(stores)
    tz = time_zone(stores)
    start, end = month_bounds(month, tz)
    problems = (
        Problem.objects.filter(store__in=stores, created_at__gte=start, created_at__lt=end)
        .order_by()
        .values("store")
        .annotate(opened=Count("pk"), resolved=Count("pk", filter=Q(status=ProblemStatus.RESOLVED)))
    )
    complaints = (
        _complaints(stores, month, tz)
        .filter(channel=ComplaintChannel.FOLLOW_UP_CALL)
        .values("store")
        .annotate(opened=Count("pk"), resolved=Count("pk", filter=Q(status=ComplaintStatus.CLOSED)))
    )
    per_store = {s.pk: {"opened": 0, "resolved": 0} for s in stores}
    for row in [*problems, *complaints]:
        per_store[row["store"]]["opened"] += row["opened"]
        per_store[row["store"]]["resolved"] += row["resolved"]
    total = _sum_rows(per_store.values(), ("opened", "resolved"))

    def with_rate(row):
        return {**row, Kpi.PROBLEM_RESOLUTION: rules.rate(row["resolved"], row["opened"])}

    return {"stores": {k: with_rate(v) for k, v in per_store.items()}, "total": with_rate(total)}


def reminder_return(*, stores: Sequence[Store], month: date) -> dict:
    """The month's reminder effectiveness (followups.effectiveness) per store and in total."""
    stores = list(stores)
    per_store = {s.pk: {"reminded": 0, "returned": 0} for s in stores}
    for row in reminder_effectiveness(stores=stores, months=[month.replace(day=1)]):
        per_store[row["store_id"]]["reminded"] += row["reminded"]
        per_store[row["store_id"]]["returned"] += row["returned"]
    total = _sum_rows(per_store.values(), ("reminded", "returned"))

    def with_rate(row):
        return {**row, Kpi.REMINDER_RETURN: rules.rate(row["returned"], row["reminded"])}

    return {"stores": {k: with_rate(v) for k, v in per_store.items()}, "total": with_rate(total)}


# --- workshop figures ------------------------------------------------------------------------------------


def workshop_kpis(*, stores: Sequence[Store], month: date, fix_days: int = defaults.FIRST_FIX_DAYS) -> dict:
    """First-time-fix and appointment rates of the repair orders opened in the month, per store and total.

    A repair or warranty order counts as fixed the first time when no order of the same vehicle flagged
    `is_repeat_repair` (the DMS's own "same fault again" flag) was opened in the `fix_days` after it."""
    stores = list(stores)
    tz = time_zone(stores)
    start, end = month_bounds(month, tz)
    repeat = RepairOrder.objects.filter(
        vehicle=OuterRef("vehicle"),
        is_repeat_repair=True,
        opened_at__gt=OuterRef("opened_at"),
        opened_at__lte=OuterRef("opened_at") + timedelta(days=fix_days),
    )
    orders = RepairOrder.objects.filter(store__in=stores, opened_at__gte=start, opened_at__lt=end).order_by()
    rows = (
        orders.annotate(repeated=Case(When(ro_type__in=FIX_TYPES, then=Exists(repeat)), default=Value(False)))
        .values("store")
        .annotate(
            orders=Count("pk"),
            appointments=Count("pk", filter=Q(is_appointment=True)),
            repairs=Count("pk", filter=Q(ro_type__in=FIX_TYPES)),
            repeated=Count("pk", filter=Q(ro_type__in=FIX_TYPES, repeated=True)),
        )
    )
    fields = ("orders", "appointments", "repairs", "repeated")
    per_store = {s.pk: dict.fromkeys(fields, 0) for s in stores}
    for row in rows:
        per_store[row["store"]].update({k: row[k] for k in fields})
    total = _sum_rows(per_store.values(), fields)

    def with_rate(row):
        fixed = row["repairs"] - row["repeated"]
        return {
            **row,
            "fixed": fixed,
            Kpi.FIRST_TIME_FIX: rules.rate(fixed, row["repairs"]),
            Kpi.APPOINTMENT: rules.rate(row["appointments"], row["orders"]),
        }

    return {"stores": {k: with_rate(v) for k, v in per_store.items()}, "total": with_rate(total)}


# --- CSS (seed 002) --------------------------------------------------------------------------------------


def _points():
    return Case(
        *[When(question__kind=kind, then=F("value") * Value(factor)) for kind, factor in rules.SCALE_FACTORS.items()],
        output_field=FloatField(),
    )


def css_scores(*, stores: Sequence[Store], month: date, by: str = "") -> dict:
    """Per CSS item (question code) the average score on 0–100 and the weighted total, for the stores'
    calls ended in the month. `by` = "" (all together), "store" or "advisor" groups the figures:
    {group_id: {"items": {code: {"score", "weight", "answers", "text", "position"}}, "total": Decimal|None}}
    with group_id None when `by` is empty."""
    return _css_groups(_css_rows(stores=stores, month=month, by=by), by=by)


def _css_rows(*, stores: Sequence[Store], month: date, by: str) -> list[dict]:
    """One aggregate row per (question code[, group]): summed points, answers, weight, text, position."""
    stores = list(stores)
    tz = time_zone(stores)
    start, end = month_bounds(month, tz)
    group = {"": None, "store": "call__store", "advisor": "call__advisor"}[by]
    keys = ["question__code", *([group] if group else [])]
    return [
        {**row, "group": row[group] if group else None}
        for row in Answer.objects.filter(
            call__store__in=stores,
            call__ended_at__gte=start,
            call__ended_at__lt=end,
            question__kind__in=SCORED_KINDS,
            value__isnull=False,
        )
        .order_by()
        .annotate(points=_points())
        .values(*keys)
        .annotate(
            points_sum=Sum("points"),
            answers=Count("pk"),
            weight=Max("question__weight"),
            text=Max("question__text"),
            position=Min("question__position"),
        )
    ]


def _css_groups(rows: list[dict], *, by: str) -> dict:
    """Per group and code: score = Σ points / answers; groups merged when `by` is empty."""
    merged: dict = {}
    for row in rows:
        key = row["group"] if by else None
        item = merged.setdefault(key, {}).setdefault(
            row["question__code"],
            {"points": 0.0, "answers": 0, "weight": row["weight"], "text": row["text"], "position": row["position"]},
        )
        item["points"] += float(row["points_sum"] or 0)
        item["answers"] += row["answers"]
    result: dict = {}
    for key, items in merged.items():
        out = {
            code: {
                "score": _dec(i["points"] / i["answers"]) if i["answers"] else None,
                "weight": i["weight"],
                "answers": i["answers"],
                "text": i["text"],
                "position": i["position"],
            }
            for code, i in items.items()
        }
        result[key] = {
            "items": out,
            "total": rules.weighted_total([(i["weight"], i["score"]) for i in out.values()]),
        }
    return result


def css_comparison(*, stores: Sequence[Store], month: date, previous: dict | None = None) -> dict:
    """Seed 002's CSS table: per item this month, the previous month, the imported benchmark rows, and the
    totals; plus per advisor this month. Items are ordered by their questionnaire position. One answer query
    for this month (per advisor, merged for the store) and one for the previous month unless given."""
    stores = list(stores)
    previous_month = month.replace(day=1) - relativedelta(months=1)
    rows = _css_rows(stores=stores, month=month, by="advisor")
    empty = {"items": {}, "total": None}
    now = _css_groups(rows, by="").get(None, empty)
    before = previous if previous is not None else css_scores(stores=stores, month=previous_month).get(None, empty)
    region_ids = {s.region_id for s in stores if s.region_id}
    marks = Benchmark.objects.filter(month=month.replace(day=1)).filter(
        Q(store__in=stores) | Q(region_id__in=region_ids)
    )
    bench: dict[str, dict] = {}
    # Store rows win over region rows for the same item (ordering puts region rows first).
    for row in marks.order_by("store_id").values(
        "code", "previous_score", "current_score", "region_average", "national_average", "store_id"
    ):
        if len(stores) > 1 and row["store_id"] is not None:
            continue  # one store's survey scores mean nothing for a group of stores; region rows still apply
        bench.setdefault(row["code"], {}).update({k: v for k, v in row.items() if v is not None})
    codes = sorted(
        set(now["items"]) | set(before["items"]),
        key=lambda c: (now["items"].get(c) or before["items"].get(c))["position"],
    )
    items = []
    for code in codes:
        cur = now["items"].get(code) or {}
        prev = before["items"].get(code) or {}
        items.append(
            {
                "code": code,
                "text": cur.get("text") or prev.get("text"),
                "weight": cur.get("weight") or prev.get("weight"),
                "score": cur.get("score"),
                "answers": cur.get("answers", 0),
                "previous": prev.get("score"),
                "change": _change(cur.get("score"), prev.get("score")),
                "benchmark": bench.get(code, {}),
            }
        )
    advisors = _css_groups(rows, by="advisor")
    names = _user_names(k for k in advisors if k is not None)
    per_advisor = sorted(
        (
            {
                "id": pk,
                "name": names.get(pk, str(_("(no advisor)"))) if pk is not None else str(_("(no advisor)")),
                "total": value["total"],
                "answers": sum(i["answers"] for i in value["items"].values()),
            }
            for pk, value in advisors.items()
        ),
        key=lambda r: (r["total"] is None, -(r["total"] or 0), r["name"]),
    )
    return {
        "items": items,
        "total": now["total"],
        "previous_total": before["total"],
        "change": _change(now["total"], before["total"]),
        "benchmark_total": bench.get(TOTAL, {}),
        "advisors": per_advisor,
    }


def _change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    return None if now is None or before is None else now - before


def _user_names(ids: Iterable[int]) -> dict[int, str]:
    ids = list(ids)
    if not ids:
        return {}
    return {
        row["pk"]: row["display_name"] or row["username"]
        for row in User.objects.filter(pk__in=ids).values("pk", "display_name", "username")
    }


# --- staff assessment (seed 003) -------------------------------------------------------------------------


def policy_for(*, store: Store) -> ReportPolicy:
    """The store's report settings (created with the defaults on first use)."""
    policy, _created = ReportPolicy.objects.get_or_create(store=store)
    return policy


def implausible_calls(*, store: Store, month: date, policy: ReportPolicy | None = None) -> list[dict]:
    """Days on which one specialist recorded at least `implausible_count` satisfied calls each shorter than
    `implausible_seconds`: rows of specialist id and name, day, calls, shortest and average duration."""
    policy = policy or policy_for(store=store)
    tz = ZoneInfo(store.time_zone)
    start, end = month_bounds(month, tz)
    rows = list(
        CallRecord.objects.filter(
            store=store,
            ended_at__gte=start,
            ended_at__lt=end,
            outcome=CallOutcome.SATISFIED,
            duration_seconds__lt=policy.implausible_seconds,
            caller__isnull=False,
        )
        .annotate(day=LocalDate("ended_at", tzinfo=tz))
        .order_by()
        .values("caller", "day")
        .annotate(calls=Count("pk"), shortest=Min("duration_seconds"), average=Avg("duration_seconds"))
        .filter(calls__gte=policy.implausible_count)
        .order_by("day", "caller")
    )
    names = _user_names({r["caller"] for r in rows})
    return [
        {
            "specialist_id": r["caller"],
            "name": names.get(r["caller"], ""),
            "day": r["day"],
            "calls": r["calls"],
            "shortest": r["shortest"],
            "average": _dec(r["average"]),
        }
        for r in rows
    ]


def staff_assessment(*, store: Store, month: date) -> list[dict]:
    """Per specialist (whoever held or called tasks in the month): tasks done, done on time, tasks
    attempted and reached, reach rate, calls, average call length, recordings sampled/audited, average audit
    score and implausible days. Ordered by name."""
    tz = ZoneInfo(store.time_zone)
    start, end = month_bounds(month, tz)
    policy = policy_for(store=store)
    done = (
        FollowUpTask.objects.filter(
            store=store, status=TaskStatus.DONE, closed_at__gte=start, closed_at__lt=end, assigned_to__isnull=False
        )
        .order_by()
        .values("assigned_to")
        .annotate(done=Count("pk"), on_time=Count("pk", filter=Q(closed_at__lte=F("window_end"))))
    )
    attempts = (
        ContactAttempt.objects.filter(task__store=store, at__gte=start, at__lt=end, actor__isnull=False)
        .order_by()
        .values("actor")
        .annotate(
            attempted=Count("task", distinct=True),
            reached=Count("task", distinct=True, filter=Q(outcome__in=REACHED_OUTCOMES)),
        )
    )
    calls = (
        CallRecord.objects.filter(store=store, ended_at__gte=start, ended_at__lt=end, caller__isnull=False)
        .order_by()
        .values("caller")
        .annotate(calls=Count("pk"), avg_duration=Avg("duration_seconds"))
    )
    audits = (
        RecordingAudit.objects.filter(store=store, month=month.replace(day=1), specialist__isnull=False)
        .order_by()
        .values("specialist")
        .annotate(sampled=Count("pk"), audited=Count("score"), audit_score=Avg("score"))
    )
    flags: dict[int, int] = {}
    for row in implausible_calls(store=store, month=month, policy=policy):
        flags[row["specialist_id"]] = flags.get(row["specialist_id"], 0) + 1
    people: dict[int, dict] = {}

    def person(pk):
        return people.setdefault(
            pk,
            {
                "id": pk,
                "done": 0,
                "on_time": 0,
                "attempted": 0,
                "reached": 0,
                "calls": 0,
                "avg_duration": None,
                "sampled": 0,
                "audited": 0,
                "audit_score": None,
                "implausible_days": 0,
            },
        )

    for row in done:
        person(row["assigned_to"]).update(done=row["done"], on_time=row["on_time"])
    for row in attempts:
        person(row["actor"]).update(attempted=row["attempted"], reached=row["reached"])
    for row in calls:
        person(row["caller"]).update(calls=row["calls"], avg_duration=_dec(row["avg_duration"]))
    for row in audits:
        person(row["specialist"]).update(
            sampled=row["sampled"], audited=row["audited"], audit_score=_dec(row["audit_score"])
        )
    for pk, days in flags.items():
        person(pk)["implausible_days"] = days
    names = _user_names(people)
    for row in people.values():
        row["name"] = names.get(row["id"], "")
        row["on_time_rate"] = rules.rate(row["on_time"], row["done"])
        row[Kpi.REACH] = rules.rate(row["reached"], row["attempted"])
    return sorted(people.values(), key=lambda r: r["name"])


def kpi_actuals(*, stores: Sequence[Store], month: date, css: dict | None = None) -> dict:
    """Every KPI's actual value for the stores together in the month: {kpi code: Decimal | None}.
    `css` is the month's css_scores()[None] when the caller has it already."""
    stores = list(stores)
    if css is None:
        css = css_scores(stores=stores, month=month).get(None, {"total": None})
    return actuals_from(
        complaints=complaint_kpis(stores=stores, month=month)["total"],
        followups=followup_kpis(stores=stores, month=month, by=())["total"],
        workshop=workshop_kpis(stores=stores, month=month)["total"],
        problems=problem_resolution(stores=stores, month=month)["total"],
        reminders=reminder_return(stores=stores, month=month)["total"],
        css_total=css["total"],
    )


def actuals_from(
    *, complaints: dict, followups: dict, workshop: dict, problems: dict, reminders: dict, css_total
) -> dict:
    """The KPI values out of the figures' total rows (so a report computes each figure once)."""
    return {
        Kpi.COMPLAINT_SATISFACTION: complaints[Kpi.COMPLAINT_SATISFACTION],
        Kpi.COMPLAINT_TIMELINESS: complaints[Kpi.COMPLAINT_TIMELINESS],
        Kpi.COMPLAINT_HANDLING: complaints[Kpi.COMPLAINT_HANDLING],
        Kpi.COMPLAINT_VALID_CALLBACK: complaints[Kpi.COMPLAINT_VALID_CALLBACK],
        Kpi.CALLBACK: followups[Kpi.CALLBACK],
        Kpi.WITHIN_WINDOW: followups[Kpi.WITHIN_WINDOW],
        Kpi.REACH: followups[Kpi.REACH],
        Kpi.PROBLEM_RESOLUTION: problems[Kpi.PROBLEM_RESOLUTION],
        Kpi.REMINDER_RETURN: reminders[Kpi.REMINDER_RETURN],
        Kpi.CSS: css_total,
        Kpi.FIRST_TIME_FIX: workshop[Kpi.FIRST_TIME_FIX],
        Kpi.APPOINTMENT: workshop[Kpi.APPOINTMENT],
    }


# --- customers won and lost (seed 002 顾客统计表) ----------------------------------------------------------

FLOW_MONTHS = 12


def customer_flow(*, stores: Sequence[Store], month: date) -> list[dict]:
    """New and lost customers in the 12 months up to `month`: [{"month": "2026-10", "new", "lost"}].

    Lost follows archive.statistics exactly (a vehicle becomes lost `lost_after_months` after it was last seen;
    the same query). New counts customers whose vehicle was delivered (else bought) in the month — seed 002's
    展厅销售数 row; archive.statistics' "first repair order" definition needs a per-customer scan of every
    repair order, too slow for a 1 M-vehicle report (see bench/README.md)."""
    from huifang.archive import defaults as archive_defaults
    from huifang.archive.models import ArchivePolicy, Vehicle
    from huifang.core.sql import AddMonths

    stores = list(stores)
    tz = time_zone(stores)
    last = month.replace(day=1)
    months = [last - relativedelta(months=FLOW_MONTHS - 1 - i) for i in range(FLOW_MONTHS)]
    end = last + relativedelta(months=1)
    today = end - timedelta(days=1)
    new = (
        Vehicle.objects.filter(store__in=stores)
        .annotate(joined=Coalesce(F("delivery_date"), F("purchase_date")))
        .filter(joined__gte=months[0], joined__lt=end)
        .annotate(month=TruncMonth("joined", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(count=Count("customer", distinct=True))
    )
    last_seen = Coalesce(LocalDate("last_visit_at", tzinfo=tz), F("delivery_date"), F("purchase_date"))
    lost_after = Coalesce(F("store__archive_policy__lost_after_months"), Value(archive_defaults.LOST_AFTER_MONTHS))
    policies = dict(ArchivePolicy.objects.filter(store__in=stores).values_list("store_id", "lost_after_months"))
    spans = [policies.get(s.pk, archive_defaults.LOST_AFTER_MONTHS) for s in stores] or [
        archive_defaults.LOST_AFTER_MONTHS
    ]
    seen_from = datetime.combine(months[0] - relativedelta(months=max(spans), days=1), time.min, tzinfo=tz)
    seen_until = datetime.combine(today - relativedelta(months=min(spans), days=-1), time.min, tzinfo=tz)
    # A car never seen in the workshop is a lost first service (first_service_lost_flow), not a lost customer.
    candidates = Q(last_visit_at__gte=seen_from, last_visit_at__lt=seen_until)
    lost = (
        Vehicle.objects.filter(store__in=stores)
        .filter(candidates)
        .annotate(lost_on=AddMonths(last_seen, lost_after))
        .filter(lost_on__gte=months[0], lost_on__lte=today)
        .annotate(month=TruncMonth("lost_on", output_field=DateField()))
        .order_by()
        .values("month")
        .annotate(count=Count("customer", distinct=True))
    )
    new_counts = {_as_date(r["month"]): r["count"] for r in new}
    lost_counts = {_as_date(r["month"]): r["count"] for r in lost}
    return [{"month": f"{m:%Y-%m}", "new": new_counts.get(m, 0), "lost": lost_counts.get(m, 0)} for m in months]


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def first_service_lost_flow(*, stores: Sequence[Store], month: date) -> list[dict]:
    """New cars that became first-service lost (首保流失, issue 14 §2) in the 12 months up to `month`, counted per
    car and apart from lost customers: [{"month": "2026-10", "count"}]. The archive statistics' query."""
    from huifang.archive.statistics import first_service_lost_per_month

    stores = list(stores)
    last = month.replace(day=1)
    months = [last - relativedelta(months=FLOW_MONTHS - 1 - i) for i in range(FLOW_MONTHS)]
    today = last + relativedelta(months=1) - timedelta(days=1)
    counts = first_service_lost_per_month(stores=stores, months=months, today=today, tz=time_zone(stores))
    return [{"month": f"{m:%Y-%m}", "count": n} for m, n in zip(months, counts, strict=True)]
