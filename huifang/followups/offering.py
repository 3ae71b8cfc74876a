"""Which call tasks may be offered to a caller right now: due, not waiting for a call-back time, and
not inside the store's quiet hours (seed 003: do not disturb customers at rest)."""

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from huifang.accounts.models import Store
from huifang.calendars.selectors import calendar_for
from huifang.messaging import rules as messaging_rules
from huifang.messaging.services import policy_for

from .choices import TaskChannel, TaskStatus
from .models import FollowUpTask


def store_in_quiet_hours(*, store: Store, now: datetime) -> bool:
    """Is `now` inside the store's quiet hours, in the store's own time zone? A day the store is closed (its
    calendar: weekly opening days, official holidays, its own dates) is quiet all day: nobody is there to call."""
    local = now.astimezone(ZoneInfo(store.time_zone))
    if not calendar_for(store=store).is_open(local.date()):
        return True
    return messaging_rules.in_quiet_hours(local.time(), policy_for(store=store).quiet_hours)


def call_tasks_offerable(*, stores: Iterable[Store], now: datetime, assigned_to=None) -> QuerySet[FollowUpTask]:
    """Open call tasks due by `now` in the stores that are outside their quiet hours, oldest due first."""
    awake = [s.pk for s in stores if not store_in_quiet_hours(store=s, now=now)]
    tasks = FollowUpTask.objects.filter(
        store_id__in=awake, status=TaskStatus.OPEN, channel=TaskChannel.CALL, due_at__lte=now
    ).filter(Q(next_call_at__isnull=True) | Q(next_call_at__lte=now))
    if assigned_to is not None:
        tasks = tasks.filter(assigned_to=assigned_to)
    return tasks.select_related("store", "customer", "vehicle", "repair_order").order_by("due_at", "id")


def claim_free(*, user, now: datetime) -> Q:
    """Tasks nobody else holds: never handed out, the hand-out ran out, or handed to `user` already."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now) | Q(claimed_by=user)


def call_task_claim_first(
    *, tasks: QuerySet[FollowUpTask], user, now: datetime, until: datetime, batch: int = 5, rounds: int = 4
) -> FollowUpTask | None:
    """Hand the first task of `tasks` (ordered, offerable to `user`) that nobody else holds to `user` alone.

    The claim is a conditional UPDATE that repeats the whole offer condition (status, assignee, due, free),
    so of several agents racing for one task exactly one wins: PostgreSQL re-checks the condition on the row
    once a competing update commits, SQLite writes one at a time. A manager's reassignment that commits
    first makes the claim fail too (the assignee no longer matches). A loser simply takes the next one.
    """
    free = tasks.filter(claim_free(user=user, now=now))
    for _round in range(rounds):
        candidates = list(free[:batch])
        for task in candidates:
            if free.filter(pk=task.pk).update(claimed_by=user, claimed_until=until):
                task.claimed_by, task.claimed_until = user, until
                return task
        if len(candidates) < batch:
            return None
    return None


def call_task_release(*, task_id: int, user) -> None:
    """Give back a task `user` holds (skipped, or its call saved) so it may be offered again."""
    FollowUpTask.objects.filter(pk=task_id, claimed_by=user).update(claimed_by=None, claimed_until=None)
