"""The daily brief (每日简报) posted to each store's work group at the store's brief time, once a day.

The figures are the dashboard's (reports.dashboard.store_day) and the month's CSS (reports.figures), so the
group reads the same numbers as the manager's screen.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from huifang.accounts.models import Store
from huifang.core.links import absolute_url
from huifang.reports import dashboard, figures

from . import rules
from .choices import AlertKind
from .models import RobotSettings
from .services import robot_post


def brief_lines(*, store: Store, now: datetime) -> list[str]:
    """The brief's lines for the store at `now` (store time): today's queue, yesterday's calls, complaints, CSS."""
    local = now.astimezone(ZoneInfo(store.time_zone or settings.TIME_ZONE))
    day = dashboard.store_day(stores=[store], now=local)
    tasks, complaints, trend = day["tasks"], day["complaints"], day["trend"]
    css = figures.css_scores(stores=[store], month=local.date().replace(day=1)).get(None, {}).get("total")
    yesterday_score = trend["score"][-2]
    return [
        "**今日回访任务**",
        f"- 待回访 {tasks['overdue'] + tasks['due_now'] + tasks['today']}："
        f"已逾期 {tasks['overdue']}，现在可打 {tasks['due_now']}，今日稍后 {tasks['today']}",
        f"**昨日（{trend['days'][-2]}）**",
        f"- 回访通话 {trend['calls'][-2]}，接通率 {rules.percent(trend['reach'][-2])}，"
        f"平均得分 {'—' if yesterday_score is None else yesterday_score}",
        f"- 新投诉 {trend['complaints'][-2]}",
        "**投诉**",
        f"- 未结 {complaints['open']}，超期 {complaints['overdue']}，未分配 {complaints['unowned']}",
        f"**本月 CSS**：{'—' if css is None else css}",
        "",
        f"[打开工作台]({absolute_url('/')})",
    ]


def brief_post(*, robot: RobotSettings, now: datetime) -> bool:
    """Queue the store's brief for its local day unless it went out already (guarded claim); True when queued."""
    store = robot.store
    local = now.astimezone(ZoneInfo(store.time_zone or settings.TIME_ZONE))
    today = local.date()
    with transaction.atomic():
        claimed = (
            RobotSettings.objects.filter(pk=robot.pk)
            .filter(Q(last_brief_on__isnull=True) | Q(last_brief_on__lt=today))
            .update(last_brief_on=today)
        )
        if not claimed:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            robot_post(
                store=store,
                kind=AlertKind.BRIEF,
                key=f"brief:{today.isoformat()}",
                title=f"每日简报 · {store.name} · {today.isoformat()}",
                lines=brief_lines(store=store, now=now),
                now=now,
                robot=robot,
            )
    return True


def briefs_post_due(*, now: datetime) -> int:
    """The sweep (every 5 minutes): each store whose brief time has come today and has no brief yet gets one."""
    robots = (
        RobotSettings.objects.filter(enabled=True, post_brief=True)
        .exclude(webhook_sealed="")
        .select_related("store")
        .order_by("pk")
    )
    posted = 0
    for robot in robots:
        local = now.astimezone(ZoneInfo(robot.store.time_zone or settings.TIME_ZONE))
        if rules.brief_due(local_now=local, brief_time=robot.brief_time, last_brief_day=robot.last_brief_on):
            posted += brief_post(robot=robot, now=now)
    return posted
