"""Which call tasks may be offered to a caller right now: due, not waiting for a call-back time, and
not inside the store's quiet hours (seed 003: do not disturb customers at rest)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from huifang.accounts.models import Store
from huifang.calendars.selectors import calendars_for
from huifang.core.calendar import StoreCalendar
from huifang.messaging import rules as messaging_rules
from huifang.messaging.models import MessagingPolicy
from huifang.messaging.services import policy_for

from .choices import TaskChannel, TaskStatus
from .models import FollowUpTask


@dataclass(frozen=True)
class QuietRules:
    """When a store does not call: its calendar (closed days are quiet all day) and its quiet hours."""

    calendar: StoreCalendar
    windows: list
    tz: ZoneInfo

    def quiet_at(self, now: datetime) -> bool:
        local = now.astimezone(self.tz)
        if not self.calendar.is_open(local.date()):
            return True
        return messaging_rules.in_quiet_hours(local.time(), self.windows)


def quiet_rules_for(*, stores: Iterable[Store]) -> dict[int, QuietRules]:
    """{store id: QuietRules} of several stores in three queries whatever their number; a screen asks once per
    request and hands the result to everything that needs it (rows, "next", the quiet-hours notice)."""
    stores = list(stores)
    calendars = calendars_for(stores=stores)
    windows = dict(MessagingPolicy.objects.filter(store__in=stores).values_list("store_id", "quiet_hours"))
    for store in stores:
        if store.pk not in windows:  # a store nobody has asked yet: its policy is made with the defaults
            windows[store.pk] = policy_for(store=store).quiet_hours
    return {s.pk: QuietRules(calendars[s.pk], windows[s.pk], ZoneInfo(s.time_zone)) for s in stores}


def store_in_quiet_hours(*, store: Store, now: datetime) -> bool:
    """Is `now` inside the store's quiet hours, in the store's own time zone? A day the store is closed (its
    calendar: weekly opening days, official holidays, its own dates) is quiet all day: nobody is there to call."""
    return quiet_rules_for(stores=[store])[store.pk].quiet_at(now)


def call_tasks_offerable(
    *, stores: Iterable[Store], now: datetime, assigned_to=None, rules: dict[int, QuietRules] | None = None
) -> QuerySet[FollowUpTask]:
    """Open call tasks due by `now` in the stores that are outside their quiet hours, oldest due first."""
    stores = list(stores)
    rules = rules if rules is not None else quiet_rules_for(stores=stores)
    awake = [s.pk for s in stores if not rules[s.pk].quiet_at(now)]
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
