"""The daily brief: by the scheduler at the store's brief time, once a day, with the dashboard's figures."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from huifang.background.scheduling import schedule_tick
from huifang.complaints import services as complaints
from huifang.messaging.choices import ROBOT_CHANNEL, MessageStatus
from huifang.messaging.models import OutboxMessage
from huifang.robots import brief
from huifang.schedule import SCHEDULE

from ..workbench.factories import call_task
from .conftest import DINGTALK_SECRET, DINGTALK_TOKEN, robot_on

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
JOBS = tuple(job for job in SCHEDULE if job.task == "huifang.robots.tasks.post_daily_briefs_task")


def tick(frozen_clock, when: datetime) -> list[str]:
    """One scheduler step at `when`, the tasks it enqueues running at once with the clock at `when`."""
    frozen_clock.set(when)
    return schedule_tick(now=when, jobs=JOBS)


def test_the_brief_goes_out_at_its_time_by_the_scheduler_once(
    store, specialist, dingtalk, frozen_clock, immediate_tasks, django_capture_on_commit_callbacks
):
    day = datetime(2026, 6, 2, 0, 0, tzinfo=SH)
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=day, brief_time=time(8, 30))
    assert len(JOBS) == 1
    with django_capture_on_commit_callbacks(execute=True):
        tick(frozen_clock, day.replace(hour=8, minute=0))  # the first tick only marks the job as seen
        # before the brief time: the sweep runs, nothing goes out
        assert tick(frozen_clock, day.replace(hour=8, minute=25)) == ["work-group daily brief"]
        assert dingtalk.received == []
        # the first run at or after 08:30 posts it
        tick(frozen_clock, day.replace(hour=8, minute=30))
        # later runs that day do not post again
        tick(frozen_clock, day.replace(hour=8, minute=35))
        tick(frozen_clock, day.replace(hour=17, minute=0))
    [received] = dingtalk.received
    assert received["body"]["markdown"]["title"] == f"每日简报 · {store.name} · 2026-06-02"
    [message] = OutboxMessage.objects.filter(channel=ROBOT_CHANNEL)
    assert message.status == MessageStatus.SENT and message.created_at == day.replace(hour=8, minute=30)
    # the next day, one more
    with django_capture_on_commit_callbacks(execute=True):
        tick(frozen_clock, day.replace(hour=8, minute=30) + timedelta(days=1))
    assert [m["body"]["markdown"]["title"][-10:] for m in dingtalk.received] == ["2026-06-02", "2026-06-03"]


def test_the_brief_time_is_the_stores_local_time(store, dingtalk, other_store):
    # a store in Urumqi time (UTC+6) posts at 08:30 there, two hours after Shanghai's 08:30
    other_store.time_zone = "Asia/Urumqi"
    other_store.save()
    dingtalk.groups["urumqi0000robot"] = ""
    now = datetime(2026, 6, 2, 8, 30, tzinfo=SH)
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, secret=DINGTALK_SECRET, now=now)
    robot_on(other_store, dingtalk, token="urumqi0000robot", now=now)
    assert brief.briefs_post_due(now=now) == 1
    assert brief.briefs_post_due(now=now + timedelta(hours=1)) == 0
    assert brief.briefs_post_due(now=now + timedelta(hours=2)) == 1
    assert set(OutboxMessage.objects.filter(channel=ROBOT_CHANNEL).values_list("store", flat=True)) == {
        store.pk,
        other_store.pk,
    }


def test_brief_off_or_robot_off_posts_no_brief(store, other_store, dingtalk):
    now = datetime(2026, 6, 2, 9, 0, tzinfo=SH)
    robot_on(store, dingtalk, token=DINGTALK_TOKEN, now=now, post_brief=False)
    dingtalk.groups["other000robot"] = ""
    robot_on(other_store, dingtalk, token="other000robot", now=now, enabled=False)
    assert brief.briefs_post_due(now=now) == 0
    assert not OutboxMessage.objects.filter(channel=ROBOT_CHANNEL).exists()


def test_the_brief_counts_what_the_dashboard_counts(store, specialist, dingtalk):
    # given two call tasks overdue, one due later today, and one open complaint past its level deadline
    now = datetime(2026, 6, 2, 8, 30, tzinfo=SH)
    for hours in (-30, -50):
        task = call_task(store, key=f"late{hours}")
        type(task).objects.filter(pk=task.pk).update(
            due_at=now + timedelta(hours=hours - 48), window_end=now - timedelta(hours=1)
        )
    later = call_task(store, key="later")
    type(later).objects.filter(pk=later.pk).update(due_at=now + timedelta(hours=5), window_end=now + timedelta(days=2))
    complaints.complaint_intake(
        store=store,
        actor=specialist,
        now=now - timedelta(days=3),
        channel="phone",
        category="SA",
        content="异响",
        customer_name="赵六",
    )
    text = "\n".join(brief.brief_lines(store=store, now=now))
    assert "待回访 3：已逾期 2，现在可打 0，今日稍后 1" in text
    assert "未结 1，超期 1，未分配 0" in text
    assert "赵" not in text
