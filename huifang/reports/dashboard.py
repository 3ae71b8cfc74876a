"""The dashboard's figures per role: a specialist's day, a store's day and 30-day trends, stores side by side."""

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, OuterRef, Q, Subquery
from django.db.models.lookups import In

from huifang.accounts.models import Store, User
from huifang.complaints.choices import OPEN_STATUSES
from huifang.complaints.models import Complaint
from huifang.core.sql import LocalDate
from huifang.followups.choices import TaskStatus
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.workbench.models import CallRecord
from huifang.workbench.selectors import my_call_counts, store_call_counts

from . import figures, rules
from .figures import REACHED_OUTCOMES

TREND_DAYS = 30


def _day_bounds(now: datetime) -> tuple[datetime, datetime]:
    start = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
    return start, start + timedelta(days=1)


def specialist_day(*, user: User, now: datetime) -> dict:
    """My open call tasks counted as my queue counts them (overdue, due now, due later today, later), calls
    done today, my reach rate today and over 30 days."""
    start, end = _day_bounds(now)
    tasks = my_call_counts(user=user, now=now)
    calls = CallRecord.objects.filter(caller=user, ended_at__gte=start, ended_at__lt=end).count()
    attempts = ContactAttempt.objects.filter(actor=user, at__gte=start - timedelta(days=TREND_DAYS - 1), at__lt=end)
    totals = attempts.aggregate(
        today=Count("pk", filter=Q(at__gte=start)),
        today_reached=Count("pk", filter=Q(at__gte=start, outcome__in=REACHED_OUTCOMES)),
        month=Count("pk"),
        month_reached=Count("pk", filter=Q(outcome__in=REACHED_OUTCOMES)),
    )
    return {
        **tasks,
        "calls_today": calls,
        "attempts_today": totals["today"],
        "reach_today": rules.rate(totals["today_reached"], totals["today"]),
        "reach_30": rules.rate(totals["month_reached"], totals["month"]),
    }


def store_day(*, stores: Sequence[Store], now: datetime, trend_days: int = TREND_DAYS) -> dict:
    """The stores' day: tasks due and done today, overdue, calls, open and overdue complaints; and `trend_days`
    (30) days of calls, reach rate, average score and complaints received per day (the team board asks for 7)."""
    stores = list(stores)
    store_ids = [store.pk for store in stores]
    start, end = _day_bounds(now)
    since = start - timedelta(days=trend_days - 1)
    # Open call tasks in the team queue's buckets, with the same words as the queue (issue 17).
    tasks = store_call_counts(stores=stores, now=now)
    tasks["done_today"] = FollowUpTask.objects.filter(
        store__in=stores, status=TaskStatus.DONE, closed_at__gte=start, closed_at__lt=end
    ).count()
    complaints = Complaint.objects.filter(store__in=stores).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=OPEN_STATUSES, level_due_at__lt=now)),
        # Issue 15 §5: open complaints nobody owns (未分配), linked to the list's filter.
        unowned=Count("pk", filter=Q(status__in=OPEN_STATUSES, owner__isnull=True)),
        today=Count("pk", filter=Q(received_at__gte=start, received_at__lt=end)),
    )
    tz = now.tzinfo
    calls = {
        r["day"]: r
        for r in CallRecord.objects.filter(store__in=stores, ended_at__gte=since, ended_at__lt=end)
        .annotate(day=LocalDate("ended_at", tzinfo=tz))
        .order_by()
        .values("day")
        .annotate(calls=Count("pk"), score=Avg("score"))
    }
    attempts = {
        r["day"]: r
        for r in ContactAttempt.objects.filter(at__gte=since, at__lt=end)
        # Each attempt's store read by primary key (a few thousand attempts a week), not by a join: with
        # PostgreSQL's default costs the join read the stores' whole task history (146,400 tasks, 80 ms).
        .filter(In(Subquery(FollowUpTask.objects.filter(pk=OuterRef("task_id")).values("store_id")), store_ids))
        .annotate(day=LocalDate("at", tzinfo=tz))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"), reached=Count("pk", filter=Q(outcome__in=REACHED_OUTCOMES)))
    }
    received = {
        r["day"]: r["n"]
        for r in Complaint.objects.filter(store__in=stores, received_at__gte=since, received_at__lt=end)
        .annotate(day=LocalDate("received_at", tzinfo=tz))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
    }
    days = [since.date() + timedelta(days=i) for i in range(trend_days)]
    trend = {
        "days": [f"{d:%m-%d}" for d in days],
        "calls": [_get(calls, d, "calls", 0) for d in days],
        "score": [_float(_get(calls, d, "score", None)) for d in days],
        "reach": [_float(rules.rate(_get(attempts, d, "reached", 0), _get(attempts, d, "n", 0))) for d in days],
        "complaints": [received.get(d, 0) for d in days],
    }
    return {"tasks": tasks, "complaints": complaints, "calls_today": trend["calls"][-1], "trend": trend}


def _get(rows: dict, day: date, field: str, default):
    row = rows.get(day)
    return default if row is None else row[field]


def _float(value):
    return None if value is None else round(float(value), 1)


def stores_side_by_side(*, stores: Sequence[Store], month: date) -> list[dict]:
    """This month's main KPIs per store, for group managers and the OEM: one aggregate per figure."""
    stores = list(stores)
    if not stores:
        return []
    complaints = figures.complaint_kpis(stores=stores, month=month)["stores"]
    followups = {r["id"]: r for r in figures.followup_kpis(stores=stores, month=month, by=("store",))["store"]}
    css = figures.css_scores(stores=stores, month=month, by="store")
    workshop = figures.workshop_kpis(stores=stores, month=month)["stores"]
    rows = []
    for store in stores:
        f = followups.get(store.pk, {})
        rows.append(
            {
                "store": store,
                "due": f.get("due", 0),
                "callback": f.get("callback"),
                "within_window": f.get("within_window"),
                "reach": f.get("reach"),
                "complaints": complaints[store.pk]["received"],
                "complaint_satisfaction": complaints[store.pk]["complaint_satisfaction"],
                "complaint_timeliness": complaints[store.pk]["complaint_timeliness"],
                "css": css.get(store.pk, {}).get("total"),
                "first_time_fix": workshop[store.pk]["first_time_fix"],
                "appointment": workshop[store.pk]["appointment"],
            }
        )
    return rows
