"""Reads of follow-up rules and tasks: overdue lists, who may take new work and how much each has."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Store, User

from .choices import TaskStatus
from .models import FollowUpTask


def tasks_overdue(*, stores: Iterable[Store], now: datetime) -> QuerySet[FollowUpTask]:
    """Open tasks of `stores` whose window has run out, oldest first (the manager's list)."""
    return (
        FollowUpTask.objects.filter(store__in=list(stores), status=TaskStatus.OPEN, window_end__lt=now)
        .select_related("store", "rule", "customer", "vehicle", "assigned_to")
        .order_by("window_end", "id")
    )


def specialists_open_counts(*, store: Store, exclude_user_ids: Iterable[int] = ()) -> dict[int, int]:
    """{user id: open tasks in `store`} for every care specialist of the store who can take work now."""
    rows = (
        User.objects.filter(
            memberships__store=store,
            memberships__scope=Scope.STORE,
            memberships__role=Role.CARE_SPECIALIST,
            is_active=True,
            on_leave=False,
        )
        .exclude(pk__in=list(exclude_user_ids))
        .annotate(
            open_tasks=Count(
                "followup_tasks",
                filter=Q(followup_tasks__status=TaskStatus.OPEN, followup_tasks__store=store),
                distinct=True,
            )
        )
        .values_list("pk", "open_tasks")
    )
    return dict(rows)
