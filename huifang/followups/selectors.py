"""Reads of follow-up rules and tasks: overdue lists, who may take new work and how much each has."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership, Store, User
from huifang.accounts.selectors import stores_where_role

from .choices import TaskStatus
from .models import FollowUpRule, FollowUpTask


def tasks_overdue(*, stores: Iterable[Store], now: datetime) -> QuerySet[FollowUpTask]:
    """Open tasks of `stores` whose window has run out, oldest first (the manager's list)."""
    return (
        FollowUpTask.objects.filter(store__in=list(stores), status=TaskStatus.OPEN, window_end__lt=now)
        .select_related("store", "rule", "customer", "vehicle", "assigned_to")
        .order_by("window_end", "id")
    )


def specialists_open_counts(*, store: Store, exclude_user_ids: Iterable[int] = ()) -> dict[int, int]:
    """{user id: open tasks in `store`} for every care specialist of the store who can take work now."""
    return dict(specialists_open_counts_query(store=store, exclude_user_ids=exclude_user_ids))


def specialists_open_counts_query(*, store: Store, exclude_user_ids: Iterable[int] = ()) -> QuerySet:
    """(user id, open tasks) rows of specialists_open_counts, as a query (the sweep's INSERT reads it inline).
    Each count is an index lookup on (assigned to, status): a specialist's closed tasks are never read."""
    is_specialist = Membership.objects.filter(
        user=OuterRef("pk"), store=store, scope=Scope.STORE, role=Role.CARE_SPECIALIST
    )
    open_tasks = (
        FollowUpTask.objects.filter(assigned_to=OuterRef("pk"), status=TaskStatus.OPEN, store=store)
        .order_by()
        .values("assigned_to")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        User.objects.filter(Exists(is_specialist), is_active=True, on_leave=False)
        .exclude(pk__in=list(exclude_user_ids))
        .annotate(open_tasks=Coalesce(Subquery(open_tasks), 0))
        .order_by()
        .values_list("pk", "open_tasks")
    )


# Who may see the rules and the overdue/team screen, and who may change rules.
RULE_VIEWER_ROLES = frozenset({Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN})
RULE_EDITOR_ROLES = frozenset({Role.CARE_DIRECTOR, Role.ADMIN})
TEAM_MANAGER_ROLES = frozenset({Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN})
# Roles whose people hold follow-up tasks (care team calls, advisors take their post-service calls).
TASK_HOLDER_ROLES = frozenset({Role.CARE_SPECIALIST, Role.SERVICE_ADVISOR})


def followup_stores_for(*, user: User, roles: Iterable[str]) -> QuerySet[Store]:
    """The stores where the user holds one of `roles`, by name (the store chooser of the follow-up screens)."""
    return stores_where_role(user=user, roles=roles).order_by("name", "pk")


def rules_for_store(*, store: Store) -> QuerySet[FollowUpRule]:
    """The store's follow-up rules in a fixed order."""
    return FollowUpRule.objects.filter(store=store).order_by("kind")


def overdue_for_store(*, store: Store, now: datetime, kind: str = "") -> QuerySet[FollowUpTask]:
    """The store's overdue open tasks (optionally of one kind), with everything a row shows joined in."""
    tasks = tasks_overdue(stores=[store], now=now)
    return tasks.filter(kind=kind) if kind else tasks


def overdue_counts_by_assignee(*, store: Store, now: datetime, kind: str = "") -> list[dict]:
    """Who is behind: [{assigned_to, name, overdue, oldest}] per assignee (None = nobody), most overdue first."""
    rows = (
        overdue_for_store(store=store, now=now, kind=kind)
        .order_by()
        .values("assigned_to", "assigned_to__username", "assigned_to__display_name", "assigned_to__on_leave")
        .annotate(overdue=Count("pk"), oldest=Min("window_end"))
        .order_by("-overdue", "assigned_to")
    )
    return [
        {
            "assigned_to": row["assigned_to"],
            "name": row["assigned_to__display_name"] or row["assigned_to__username"] or "",
            "on_leave": bool(row["assigned_to__on_leave"]),
            "overdue": row["overdue"],
            "oldest": row["oldest"],
        }
        for row in rows
    ]


def task_holders_for_store(*, store: Store) -> QuerySet[User]:
    """Everyone who may hold tasks of the store or holds open ones there now (to move work off them)."""
    staff = Membership.objects.filter(store=store, scope=Scope.STORE, role__in=TASK_HOLDER_ROLES)
    holding = FollowUpTask.objects.filter(store=store, status=TaskStatus.OPEN)
    return (
        User.objects.filter(Q(pk__in=staff.values("user")) | Q(pk__in=holding.values("assigned_to")))
        .distinct()
        .order_by("username")
    )


def task_receivers_for_store(*, store: Store) -> QuerySet[User]:
    """Staff of the store who can take tasks now: active, not on leave, holding a task role in the store."""
    staff = Membership.objects.filter(store=store, scope=Scope.STORE, role__in=TASK_HOLDER_ROLES)
    return User.objects.filter(pk__in=staff.values("user"), is_active=True, on_leave=False).order_by("username")
