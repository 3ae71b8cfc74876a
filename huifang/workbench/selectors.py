"""Reads of the call workbench: the queue in buckets, the next task, everything to know before a call,
saved calls and problem records; always scoped to the user's stores and roles."""

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.accounts.choices import Role
from huifang.accounts.models import Membership, Store, User
from huifang.accounts.selectors import has_role, roles_in_store, roles_in_store_of, stores_where_role
from huifang.archive.choices import CustomerKind
from huifang.archive.models import Contact, Customer, RepairOrderLine
from huifang.archive.selectors import TimelineEvent, timeline_source
from huifang.complaints.choices import OPEN_STATUSES
from huifang.complaints.selectors import complaints_for_customer
from huifang.core.api_params import MAX_ROW_ID
from huifang.core.compiled import CompiledQuery
from huifang.core.hand_sql import fetch_all, placeholders
from huifang.core.phones import mask_phone
from huifang.followups.choices import FAILED_OUTCOMES, RuleKind, TaskChannel, TaskStatus
from huifang.followups.models import ContactAttempt, FollowUpTask
from huifang.followups.offering import (
    QuietRules,
    call_tasks_offerable,
    claim_free,
    quiet_rules_for,
)
from huifang.followups.selectors import overdue_counts_by_assignee, task_holders_for_store, task_receivers_for_store
from huifang.messaging import rules as messaging_rules
from huifang.messaging.services import policy_for as messaging_policy_for

from . import queue_read, rules
from .choices import CallOutcome, ProblemStatus, ScriptScenario
from .models import Answer, CallRecord, Problem, StoreSettingsVersion
from .precall_read import precall_rows
from .store_settings import settings_kept

__all__ = [
    "overdue_counts_by_assignee",
    "task_holders_for_store",
    "task_receivers_for_store",
]

# Who works the call screen, and who sees and moves the whole team's queue.
WORKBENCH_ROLES = frozenset(
    {Role.CARE_SPECIALIST, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN}
)
TEAM_ROLES = frozenset({Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN})
# Who edits the store's questionnaire, scripts and call policy.
SETTINGS_ROLES = frozenset({Role.CARE_DIRECTOR, Role.ADMIN})
# Who may play any recording of the store (seed 003/004: managers spot-check recordings); a caller
# may always play their own.
RECORDING_ROLES = TEAM_ROLES
BUCKETS = ("overdue", "due_now", "today", "later")
# Rows a queue shows at most (the counts are always complete); narrow with the filters beyond that.
QUEUE_LIMIT = 300
# Rows of one queue page (issue 17: hundreds of tasks must still open fast); the counts stay complete.
QUEUE_PAGE_SIZE = 50
EARLIER_CALLS = 10
# The columns a queue row shows (a customer has 33, a vehicle 27): fewer values to convert and objects to fill.
QUEUE_ROW_FIELDS = (
    *("id", "store_id", "rule_id", "kind", "customer_id", "vehicle_id", "repair_order_id", "subject", "target_date"),
    *("due_at", "window_end", "status", "assigned_to_id", "channel", "next_call_at"),
    "store",
    *("customer__id", "customer__store_id", "customer__name", "customer__best_contact_time"),
    *("customer__mobile", "customer__office_phone", "customer__home_phone"),
    *("vehicle__id", "vehicle__store_id", "vehicle__plate"),
    *("assigned_to__id", "assigned_to__username", "assigned_to__display_name"),
    *("assigned_to__first_name", "assigned_to__last_name"),
)


def workbench_stores_for(*, user: User) -> QuerySet[Store]:
    return stores_where_role(user=user, roles=WORKBENCH_ROLES)


def team_stores_for(*, user: User) -> QuerySet[Store]:
    return stores_where_role(user=user, roles=TEAM_ROLES)


def workbench_stores_marked(*, user: User, memberships: list[tuple] | None = None) -> list[Store]:
    """The user's workbench stores by code, each with `leads_team` (a team role there): one query, where
    reading the two lists apart took two. From `memberships` (core.permissions.request_memberships) when the
    request has read them: a plain read of the stores they reach, decided as stores_where_role and
    roles_in_store_of decide, instead of compiling their membership subqueries again (issue 18)."""
    return _stores_marked(user=user, memberships=memberships, tokens=False)[0]


def workbench_stores_and_tokens(
    *, user: User, memberships: list[tuple] | None = None
) -> tuple[list[Store], dict[int, str] | None]:
    """workbench_stores_marked, and the stores' settings tokens (store_settings.quiet_rules_kept's `tokens`) read
    in the same statement when it is the hand-written one ("next": one round trip less); None otherwise."""
    return _stores_marked(user=user, memberships=memberships, tokens=True)


def workbench_stores_tokens_advisors(
    *, user: User, memberships: list[tuple] | None = None
) -> tuple[list[Store], dict[int, str], list[queue_read.Person]]:
    """workbench_stores_marked, the stores' settings tokens and their service advisors (the queue's advisor
    filter, queue_read.advisors_and_tokens) read in one statement when the stores' is the hand-written one
    (the queue page: one round trip less, issue 18); in two otherwise."""
    if user.is_superuser or memberships is None:
        stores = workbench_stores_marked(user=user, memberships=memberships)
        advisors, tokens = queue_read.advisors_and_tokens(stores=stores)
        return stores, tokens, advisors
    return _stores_marked(user=user, memberships=memberships, tokens=True, advisors=True)


def _stores_marked(*, user: User, memberships: list[tuple] | None, tokens: bool, advisors: bool = False) -> tuple:
    if user.is_superuser:
        return list(workbench_stores_for(user=user).order_by("code").annotate(leads_team=Value(True))), None
    if memberships is None:
        team = Membership.objects.filter(user=user, role__in=TEAM_ROLES).filter(
            Q(store=OuterRef("pk")) | Q(group=OuterRef("group")) | Q(region=OuterRef("region"))
        )
        return list(workbench_stores_for(user=user).order_by("code").annotate(leads_team=Exists(team))), None
    reach = [(store_id, group_id, region_id) for role, store_id, group_id, region_id in memberships
             if role in WORKBENCH_ROLES]  # fmt: skip
    if not reach:
        return ([], {}, []) if advisors else ([], {})
    # Read on every queue and "next": hand SQL (one string per shape of the IN lists), no query to compile.
    ids = [sorted({scope[i] for scope in reach if scope[i] is not None}) for i in range(3)]
    fields = _store_fields()
    stores, found = [], {}
    params = [*ids[0], *ids[1], *ids[2]]
    if advisors:
        rows = fetch_all(_stores_and_advisors_sql(*(len(i) for i in ids)), [*params, Role.SERVICE_ADVISOR, *params])
        first = len(fields) + 2  # the advisor's id: after the side, the store's columns and its token
        people = [queue_read.Person(row[first], queue_read._person(*row[first + 1 :])) for row in rows if row[0]]
        rows = [row[1:first] for row in rows if not row[0]]
    else:
        rows = fetch_all(_stores_sql(*(len(i) for i in ids), tokens=tokens), params)
    for row in rows:
        store = Store.from_db(connection.alias, fields, row[:-1] if tokens else row)
        store.leads_team = bool(roles_in_store_of(user=user, memberships=memberships, store=store) & TEAM_ROLES)
        stores.append(store)
        if tokens and row[-1] is not None:  # a store never asked for its settings has no token yet
            found[store.pk] = row[-1]
    if advisors:
        return stores, found, people
    return stores, found if tokens else None


@cache
def _stores_and_advisors_sql(stores: int, groups: int, regions: int) -> str:
    """_stores_sql's stores with their tokens (first column 0, by code), then their service advisors (first
    column 1: id and the names str(User) is made of, each once, by username), each side padded with NULLs."""
    table = Store._meta.db_table
    columns, where = _stores_columns(tokens=True), _stores_where(stores, groups, regions)
    width = len(_store_fields()) + 1  # the columns and the token
    code = _store_fields().index("code") + 2
    return (
        f"SELECT 0, {columns}, {', '.join(['NULL'] * 5)} FROM {table} WHERE {where}"
        f" UNION ALL SELECT 1, {', '.join(['NULL'] * width)}, a.* FROM (SELECT DISTINCT u.id, u.username,"
        f" u.display_name, u.first_name, u.last_name FROM {queue_read.USERS} u INNER JOIN {queue_read.MEMBERSHIPS} m"
        f" ON m.user_id = u.id WHERE m.role = %s AND m.store_id IN (SELECT {table}.id FROM {table} WHERE {where})) a"
        f" ORDER BY 1, {code}, {width + 3}"
    )


@cache
def _store_fields() -> list[str]:
    return [f.attname for f in Store._meta.concrete_fields]


def _stores_columns(*, tokens: bool) -> str:
    """The store's columns; with `tokens`, its settings token (NULL when it has none) after them."""
    table = Store._meta.db_table
    columns = ", ".join(f"{table}.{name}" for name in _store_fields())
    if tokens:
        versions = StoreSettingsVersion._meta.db_table
        columns += f", (SELECT token FROM {versions} WHERE {versions}.store_id = {table}.id)"
    return columns


def _stores_where(stores: int, groups: int, regions: int) -> str:
    """The condition of a store with one of `stores` ids, in one of `groups` or in one of `regions`, in that
    order of parameters (a count of 0 leaves its part out)."""
    table = Store._meta.db_table
    return " OR ".join(
        f"{table}.{column} IN ({placeholders(count)})"
        for column, count in (("id", stores), ("group_id", groups), ("region_id", regions))
        if count
    )


@cache
def _stores_sql(stores: int, groups: int, regions: int, tokens: bool = False) -> str:
    """The stores with one of the ids, in one of the groups or in one of the regions, by code; with `tokens`,
    each store's settings token (NULL when it has none) after its columns."""
    table = Store._meta.db_table
    return (
        f"SELECT {_stores_columns(tokens=tokens)} FROM {table} WHERE {_stores_where(stores, groups, regions)}"
        f" ORDER BY {table}.code"
    )


def tasks_visible_to(*, user: User) -> QuerySet[FollowUpTask]:
    """Tasks the user may open: every task of a store where they lead the team, their own elsewhere."""
    if not user.is_authenticated:
        return FollowUpTask.objects.none()
    return FollowUpTask.objects.filter(
        Q(store__in=team_stores_for(user=user)) | Q(store__in=workbench_stores_for(user=user), assigned_to=user)
    )


def tasks_workable_by(*, user: User, now: datetime) -> QuerySet[FollowUpTask]:
    """Tasks the user may open and save a call on: those visible to them, and the one "next" handed them
    that a manager has since given to someone else (the call in progress is not lost)."""
    if not user.is_authenticated:
        return FollowUpTask.objects.none()
    held = Q(claimed_by=user, claimed_until__gt=now, store__in=workbench_stores_for(user=user))
    return FollowUpTask.objects.filter(Q(pk__in=tasks_visible_to(user=user).values("pk")) | held)


def task_workable(
    *,
    user: User,
    task_id: int,
    now: datetime,
    related: tuple[str, ...] = ("store",),
    memberships: list[tuple] | None = None,
    attempts: bool = False,
) -> tuple:
    """(task, the user's roles in its store) if the user may open and save a call on the task, else Http404:
    the rule of tasks_workable_by checked on the one row. Its role-scoped store subqueries cost more CPU to
    build than the task row to read (issue 18); here a plain read of the task and of the user's roles in its
    store (direct, group or region, as stores_where_role), which the call screen needs anyway (phone reveal);
    from `memberships` (core.permissions.request_memberships) when the request has read them already.
    `related` and `attempts` (the count of its contact attempts): what to read with the task in the same query,
    such as everything the call screen shows (PRECALL_RELATED, attempts=True)."""
    if not user.is_authenticated:
        raise Http404
    tasks = FollowUpTask.objects.select_related(*related)
    if attempts:
        tasks = tasks.annotate(attempts_count=Count("attempts"))
    task = tasks.filter(pk=task_id).first()
    if task is None:
        raise Http404
    return task, _workable_roles(user=user, task=task, now=now, memberships=memberships)


def _workable_roles(*, user: User, task: FollowUpTask, now: datetime, memberships: list[tuple] | None) -> set[str]:
    """The user's roles in the task's store if they may open and save a call on it, else Http404."""
    if memberships is None:
        roles = roles_in_store(user=user, store=task.store)
    else:
        roles = roles_in_store_of(user=user, memberships=memberships, store=task.store)
    calls_here = bool(roles & WORKBENCH_ROLES)
    visible = bool(roles & TEAM_ROLES) or (calls_here and task.assigned_to_id == user.pk)
    held = calls_here and task.claimed_by_id == user.pk and task.claimed_until is not None and task.claimed_until > now
    if not (visible or held):
        raise Http404
    return roles


def _attempts_counted() -> Coalesce:
    attempts = ContactAttempt.objects.filter(task=OuterRef("pk")).order_by().values("task").annotate(n=Count("*"))
    return Coalesce(Subquery(attempts.values("n")), 0)


def _settings_token() -> Subquery:
    return Subquery(StoreSettingsVersion.objects.filter(store_id=OuterRef("store_id")).values("token")[:1])


# The call screen's task with everything it shows, its attempts counted and its store's settings token (so
# the kept settings cost no query of their own): one SQL, compiled once per process. Saving a call reads the
# same row (the repair order's advisor included: the call record names them).
_TASK_FOR_CALL = CompiledQuery(
    lambda task_id: (
        FollowUpTask.objects.select_related(*PRECALL_RELATED)
        .annotate(attempts_count=_attempts_counted(), settings_token=_settings_token())
        .filter(pk=task_id)
    ),
    "task_id",
)


def task_for_call(*, user: User, task_id: int, now: datetime, memberships: list[tuple] | None = None) -> tuple:
    """(task, the user's roles in its store) as task_workable(related=PRECALL_RELATED, attempts=True) answers,
    for the call screen and saving a call; the task also carries `settings_token` (store_settings.settings_kept).
    Its SQL is compiled once per process (workbench.compiled), not on every request (issue 18)."""
    return _task_with_roles(_TASK_FOR_CALL, user=user, task_id=task_id, now=now, memberships=memberships)


# Saving a call needs far less than the screen shows: the task, its store (roles, settings, time zone) and its
# repair order with the advisor (the call record names them), with the store's settings token; customer and
# vehicle go into the call record by id. A third of the columns of _TASK_FOR_CALL, no attempts subquery.
_TASK_FOR_SAVE = CompiledQuery(
    lambda task_id: (
        FollowUpTask.objects.select_related("store", "repair_order__advisor")
        .annotate(settings_token=_settings_token())
        .filter(pk=task_id)
    ),
    "task_id",
)


def task_for_save(*, user: User, task_id: int, now: datetime, memberships: list[tuple] | None = None) -> tuple:
    """(task, the user's roles in its store) for saving a call: the access rule of task_for_call on a leaner
    read (the task, its store and repair order with the advisor, `settings_token`); other relations load on
    first use."""
    return _task_with_roles(_TASK_FOR_SAVE, user=user, task_id=task_id, now=now, memberships=memberships)


def _task_with_roles(read: CompiledQuery, *, user: User, task_id: int, now: datetime, memberships) -> tuple:
    """The task `read` finds by id and the user's roles in its store; 404 when it is not there or not theirs."""
    if not user.is_authenticated or not 1 <= task_id <= MAX_ROW_ID:
        raise Http404
    rows = read(task_id=task_id)
    if not rows:
        raise Http404
    task = rows[0]
    return task, _workable_roles(user=user, task=task, now=now, memberships=memberships)


def _local_day_end(now: datetime, tz_name: str) -> datetime:
    local = now.astimezone(ZoneInfo(tz_name))
    return datetime.combine(local.date() + timedelta(days=1), time.min, tzinfo=local.tzinfo)


def bucket_of(task: FollowUpTask, *, now: datetime, day_end: datetime) -> str:
    """overdue: the window ran out; due now: due and still in the window; today: due later today
    (in the store's time zone); later: after today."""
    if task.window_end < now:
        return "overdue"
    if task.due_at <= now:
        return "due_now"
    if task.due_at < day_end:
        return "today"
    return "later"


def queue_for(
    *,
    user: User,
    now: datetime,
    store: Store | None = None,
    kind: str = "",
    advisor_id: int | None = None,
    team: bool = False,
    assignee_id: int | None = None,
    page: int = 1,
    page_size: int = QUEUE_PAGE_SIZE,
    stores: list[Store] | None = None,
    quiet_rules: dict[int, QuietRules] | None = None,
) -> dict:
    """The user's open call tasks (or, team=True, their team's) in buckets overdue / due now / today /
    later with counts; each row carries customer, masked phone, plate, attempts, quiet-hours and
    best-time marks. A few queries whatever the size: counts, rows, and quiet hours of the stores. A screen that
    has the user's `stores` (the team's with team=True) and their `quiet_rules` already passes them in."""
    if stores is None:
        stores = list((team_stores_for(user=user) if team else workbench_stores_for(user=user)).order_by("pk"))
    if store is not None:
        stores = [s for s in stores if s.pk == store.pk]
    tasks = FollowUpTask.objects.filter(store__in=stores, status=TaskStatus.OPEN, channel=TaskChannel.CALL)
    if not team:
        tasks = tasks.filter(assigned_to=user)
    elif assignee_id is not None:
        tasks = tasks.filter(assigned_to_id=assignee_id or None)
    if kind:
        tasks = tasks.filter(kind=kind)
    if advisor_id:
        tasks = tasks.filter(repair_order__advisor_id=advisor_id)
    counts = queue_counts(tasks=tasks, stores=stores, now=now)
    # A page past the last shows the last (and keeps OFFSET within a 64-bit integer whatever ?page= says).
    page = min(max(page, 1), max((counts["total"] + page_size - 1) // page_size, 1))
    offset = (page - 1) * page_size
    rows = list(
        tasks.select_related("store", "customer", "vehicle", "assigned_to")
        .only(*QUEUE_ROW_FIELDS)
        .annotate(attempts_count=Count("attempts"), last_outcome=_last_outcome())
        .order_by("window_end", "due_at", "id")[offset : offset + page_size]
    )
    result: dict = {b: [] for b in BUCKETS}
    for task in task_rows(tasks=rows, now=now, quiet_rules=quiet_rules):
        result[task.bucket].append(task)
    result["counts"] = counts
    result["truncated"] = counts["total"] > offset + len(rows)
    result["page"] = page
    result["pages"] = max((counts["total"] + page_size - 1) // page_size, 1)
    return result


def queue_counts(*, tasks: QuerySet[FollowUpTask], stores: list[Store], now: datetime) -> dict:
    """How many of `tasks` are overdue, due now, due later today (store time) and later, in one query.
    The queue and the dashboard both count with this, so the same word means the same number on both."""
    day_ends = {s.time_zone: _local_day_end(now, s.time_zone) for s in stores}
    today_q = Q(pk__in=[])
    for tz_name, day_end in day_ends.items():
        today_q |= Q(store__time_zone=tz_name, due_at__lt=day_end)
    not_overdue = Q(window_end__gte=now)
    counts = tasks.aggregate(
        overdue=Count("pk", filter=Q(window_end__lt=now)),
        due_now=Count("pk", filter=not_overdue & Q(due_at__lte=now)),
        today=Count("pk", filter=not_overdue & Q(due_at__gt=now) & today_q),
        later=Count("pk", filter=not_overdue & Q(due_at__gt=now) & ~today_q),
    )
    counts["total"] = sum(counts[b] for b in BUCKETS)
    return counts


def my_call_counts(*, user: User, now: datetime) -> dict:
    """The user's own open call tasks by bucket, exactly as their queue counts them (for the dashboard)."""
    stores = list(workbench_stores_for(user=user))
    tasks = FollowUpTask.objects.filter(
        store__in=stores, status=TaskStatus.OPEN, channel=TaskChannel.CALL, assigned_to=user
    )
    return queue_counts(tasks=tasks, stores=stores, now=now)


def store_call_counts(*, stores: Iterable[Store], now: datetime) -> dict:
    """Every open call task of the stores by bucket, as the team queue counts them (for the dashboard)."""
    stores = list(stores)
    tasks = FollowUpTask.objects.filter(store__in=stores, status=TaskStatus.OPEN, channel=TaskChannel.CALL)
    return queue_counts(tasks=tasks, stores=stores, now=now)


def next_callable(
    *,
    user: User,
    now: datetime,
    stores: list[Store] | None = None,
    quiet_rules: dict[int, QuietRules] | None = None,
    earliest: dict | None = None,
) -> dict:
    """Why `n` may offer nothing now: the user's stores inside their quiet hours (with the windows and when
    they end), and when the first of the user's open call tasks becomes callable — the latest of its due
    time, its call-back time and the end of the quiet hours it would fall in. One query for all the stores
    (and the stores and their quiet hours, unless the screen passes its own `stores` and `quiet_rules`), none
    when it passes `earliest`: {store id: earliest callable time} as queue_read.earliest_due gives it."""
    quiet, first = [], None
    if stores is None:
        stores = list(workbench_stores_for(user=user).order_by("code"))
    earliest_at = queue_read.earliest_due(user_id=user.pk, stores=stores) if earliest is None else earliest
    for store in stores:
        windows = (
            quiet_rules[store.pk].windows if quiet_rules is not None else messaging_policy_for(store=store).quiet_hours
        )
        tz = ZoneInfo(store.time_zone)
        quiet_now = messaging_rules.in_quiet_hours(now.astimezone(tz).time(), windows)
        if quiet_now:
            ends = messaging_rules.next_allowed_time(now, windows, tz)
            quiet.append({"store": store, "windows": windows, "ends": ends})
        earliest = earliest_at.get(store.pk)
        if earliest is None:
            continue
        at = messaging_rules.next_allowed_time(max(earliest, now), windows, tz)
        first = at if first is None or at < first else first
    return {"quiet": quiet, "first_at": first}


def _last_outcome() -> Subquery:
    """The outcome of the task's latest contact attempt (tells a retry wait from a promised call-back)."""
    latest = ContactAttempt.objects.filter(task=OuterRef("pk")).order_by("-at", "-id").values("outcome")[:1]
    return Subquery(latest, output_field=CharField())


def task_rows(
    *, tasks: list[FollowUpTask], now: datetime, quiet_rules: dict[int, QuietRules] | None = None
) -> list[FollowUpTask]:
    """Mark queue rows (tasks with store, customer and vehicle joined) with what a row shows: bucket,
    masked phone, plate, kind label, quiet hours, best time, call-back; counts attempts if not annotated."""
    stores = {t.store_id: t.store for t in tasks}
    if quiet_rules is None or not stores.keys() <= quiet_rules.keys():
        quiet_rules = quiet_rules_for(stores=stores.values())
    quiet = {pk: quiet_rules[pk].quiet_at(now) for pk in stores}
    # Translated once per call: get_kind_display() rebuilds and hashes every kind's lazy label for each row.
    kind_labels = {value: str(label) for value, label in RuleKind.choices}
    day_ends = {s.time_zone: _local_day_end(now, s.time_zone) for s in stores.values()}
    # The row's link and times as text, made here once: a `{% url %}` and four `|date` per row cost more.
    task_url = reverse("workbench:task", args=[_URL_PLACEHOLDER])
    missing = [t.pk for t in tasks if not hasattr(t, "attempts_count")]
    if missing:
        counted = dict(FollowUpTask.objects.filter(pk__in=missing).annotate(n=Count("attempts")).values_list("pk", "n"))
        for t in tasks:
            if t.pk in counted:
                t.attempts_count = counted[t.pk]
    for task in tasks:
        local = now.astimezone(ZoneInfo(task.store.time_zone))
        task.bucket = bucket_of(task, now=now, day_end=day_ends[task.store.time_zone])
        task.is_overdue = task.bucket == "overdue"
        task.customer_name = task.customer.name
        task.phone_masked = mask_phone(task.customer.mobile or task.customer.office_phone or task.customer.home_phone)
        task.plate = task.vehicle.plate if task.vehicle else ""
        task.kind_label = kind_labels.get(task.kind, task.kind)
        task.quiet = quiet[task.store_id]
        task.not_best_time = rules.best_time_ok(task.customer.best_contact_time, local) is False
        task.callback_at = task.next_call_at if task.next_call_at and task.next_call_at > now else None
        # Issue 14 §3: after a failed attempt the task waits for its retry time; the row says when it comes back.
        task.retry_at = task.callback_at if getattr(task, "last_outcome", None) in FAILED_OUTCOMES else None
        if task.retry_at is not None:
            task.callback_at = None
        task.url = task_url.replace(str(_URL_PLACEHOLDER), str(task.pk))
        task.due_label = _short_time(task.due_at)
        task.window_label = _short_time(task.window_end)
        task.callback_label = _short_time(task.callback_at)
        task.retry_label = _short_time(task.retry_at)
    return tasks


_URL_PLACEHOLDER = 987654321


def _short_time(at: datetime | None) -> str:
    """As the template's |date:"m-d H:i" shows it (the screen's time zone)."""
    return timezone.localtime(at).strftime("%m-%d %H:%M") if at is not None else ""


def next_task_for(*, user: User, now: datetime, store: Store | None = None) -> FollowUpTask | None:
    """My most urgent call task I may make now: overdue first (oldest window first), then due; none
    inside the store's quiet hours, before a promised call-back time, or held by another caller. Only
    looks: services.next_task_hand_out hands it out."""
    stores = list(workbench_stores_for(user=user))
    if store is not None:
        stores = [s for s in stores if s.pk == store.pk]
    offerable = call_tasks_offerable(stores=stores, now=now, assigned_to=user).filter(claim_free(user=user, now=now))
    return offerable.order_by("window_end", "due_at", "id").first()


def _title(customer: Customer) -> str:
    return {"M": "先生", "F": "女士"}.get(customer.gender, "")


def script_context(*, task: FollowUpTask, caller: User | None, lines: Iterable[RepairOrderLine] = ()) -> dict:
    """The values a script's placeholders take for this task."""
    customer, vehicle, ro = task.customer, task.vehicle, task.repair_order
    tz = ZoneInfo(task.store.time_zone)
    advisor = (ro.advisor_name or (str(ro.advisor) if ro.advisor_id else "")) if ro else ""
    items = "、".join(line.description for line in lines if line.description)
    context = {
        "customer": customer.name,
        "title": _title(customer) if customer.kind == CustomerKind.INDIVIDUAL else "",
        "advisor": advisor,
        "store": task.store.name,
        "plate": vehicle.plate if vehicle else "",
        "model": " ".join(filter(None, [vehicle.brand, vehicle.model])) if vehicle else "",
        "ro_items": items or (ro.get_ro_type_display() if ro else ""),
        "ro_amount": f"{ro.total_amount:.2f}" if ro else "",
        "delivered": f"{ro.delivered_at.astimezone(tz):%m月%d日}" if ro and ro.delivered_at else "",
        "next_service_km": vehicle.next_maintenance_km if vehicle and vehicle.next_maintenance_km else "",
        "next_service_date": f"{vehicle.next_maintenance_date:%Y年%m月%d日}"
        if vehicle and vehicle.next_maintenance_date
        else "",
        "caller": str(caller) if caller else "",
    }
    if caller is not None and ro is not None and ro.advisor_id == caller.pk:
        context["caller"] = f"服务顾问{caller}"
    return context


def scenario_for(*, customer: Customer, complaining: bool) -> str:
    """Which seed 000 dialogue to open with: company car, complaining customer, or the owner."""
    if customer.kind == CustomerKind.COMPANY:
        return ScriptScenario.COMPANY_CAR
    if complaining:
        return ScriptScenario.COMPLAINING
    return ScriptScenario.OWNER


def _flag(code: str, label: str, detail: str, severity: str) -> dict:
    return {"code": code, "label": label, "detail": detail, "severity": severity}


def precall_flags(
    *,
    task: FollowUpTask,
    now: datetime,
    major_complaints: list,
    open_complaints: list,
    high_amount,
    sensitive_words: str,
    quiet: bool,
    contacts: list[Contact] = (),
) -> list[dict]:
    """Seed 000 "review before the call": major complaint history, high-amount order, sensitive
    occupation, whether now is a good time, repeat repair."""
    customer, ro = task.customer, task.repair_order
    flags = []
    if major_complaints:
        latest = major_complaints[0]
        flags.append(
            _flag(
                "major_complaint",
                _("Earlier major complaint"),
                f"{latest.number} · {latest.received_at.astimezone(ZoneInfo(task.store.time_zone)):%Y-%m-%d} · "
                f"{latest.get_status_display()}",
                "bad",
            )
        )
    if open_complaints:
        flags.append(
            _flag(
                "open_complaint",
                _("Open complaint"),
                "、".join(c.number for c in open_complaints),
                "warn",
            )
        )
    if ro is not None and ro.total_amount >= high_amount:
        flags.append(
            _flag("high_amount", _("High-amount order"), f"¥{ro.total_amount:,.2f} ≥ ¥{high_amount:,.0f}", "warn")
        )
    words = [w.strip() for w in sensitive_words.replace("，", ",").split(",") if w.strip()]
    hits = [w for w in words if w in customer.occupation]
    if customer.sensitive_occupation or hits:
        flags.append(
            _flag(
                "sensitive_occupation",
                _("Sensitive occupation"),
                customer.occupation + (f" ({'、'.join(hits)})" if hits else ""),
                "bad",
            )
        )
    if quiet:
        flags.append(_flag("quiet_hours", _("Quiet hours now"), _("Customers are at rest; call later."), "bad"))
    local = now.astimezone(ZoneInfo(task.store.time_zone))
    best = rules.best_time_ok(customer.best_contact_time, local)
    if best is False:
        flags.append(_flag("not_best_time", _("Not the customer's best time"), customer.best_contact_time, "warn"))
    elif best is True:
        flags.append(_flag("best_time", _("Good time to call"), customer.best_contact_time, "ok"))
    elif customer.best_contact_time:
        flags.append(_flag("best_time_unknown", _("Best contact time"), customer.best_contact_time, "info"))
    if customer.kind == CustomerKind.COMPANY:
        # Seed 000 公司车: learn the driver's view, report to the fleet manager and the decision maker.
        people = "；".join(
            f"{c.get_role_display()} {c.name}{' 分机' + c.extension if c.extension else ''}" for c in contacts
        )
        flags.append(_flag("company_car", _("Company car"), people or _("No driver or manager on file"), "info"))
    if ro is not None and ro.is_repeat_repair:
        flags.append(_flag("repeat_repair", _("Repeat repair"), ro.fault_description[:100], "warn"))
    return flags


def calls_for_task(*, task: FollowUpTask) -> QuerySet[CallRecord]:
    """Calls made on a task, newest first."""
    return CallRecord.objects.filter(task=task).select_related("caller").order_by("-ended_at", "-id")


# What the call screen shows of a task, read with it in one query.
PRECALL_RELATED = ("store", "customer", "vehicle", "repair_order", "repair_order__advisor", "assigned_to")


# The call screen's other reads, each one SQL compiled once per process (workbench.compiled).
_LINES = CompiledQuery(
    lambda ro_id: RepairOrderLine.objects.filter(repair_order_id=ro_id).order_by("position", "id"), "ro_id"
)
_CONTACTS = CompiledQuery(
    lambda customer_id: Contact.objects.filter(customer_id=customer_id).order_by("role", "name", "id"), "customer_id"
)
_EARLIER_CALLS = CompiledQuery(
    lambda customer_id: CallRecord.objects.filter(customer_id=customer_id).order_by("-ended_at", "-id")[:EARLIER_CALLS],
    "customer_id",
)
_COMPLAINTS = CompiledQuery(
    # The complaints app's own query of a customer's complaints (an unsaved customer only carries the id).
    lambda customer_id: complaints_for_customer(customer=_row_of(Customer, customer_id)),
    "customer_id",
)


def _row_of(model, pk: int):
    """An instance standing for the row `pk` (for a filter that takes an instance and only reads its id)."""
    obj = model(pk=pk)
    obj._state.adding = False
    return obj


def precall_for(
    *,
    task: FollowUpTask,
    user: User,
    now: datetime,
    read: bool = True,
    answers: bool = True,
    kept=None,
    plain: bool = False,
    saved_call_id: int | None = None,
) -> dict:
    """Everything the caller reviews before dialling: customer, vehicle, repair order with lines,
    earlier calls (with their answers unless `answers` is False), complaints, company contacts, flags,
    rendered scripts, questionnaire.
    The task is read again with PRECALL_RELATED and its attempts counted, unless `read` is False: the caller
    read it so already (task_for_call, or task_workable(related=PRECALL_RELATED, attempts=True)).
    `kept`: the store's settings when the caller has them (store_settings), else read here.
    `plain`: lines, contacts, earlier calls (without answers) and complaints as plain rows read in one statement
    (workbench.precall_read; the call screen), not model instances; with them, `saved_call_id`'s call and
    problem records ("saved_call", "saved_problems"; not checked against the user: saved_call_of_rows does)."""
    if read:
        task = (
            FollowUpTask.objects.select_related(*PRECALL_RELATED)
            .annotate(attempts_count=Count("attempts"))
            .get(pk=task.pk)
        )
    customer, ro = task.customer, task.repair_order
    if plain:
        read_rows = precall_rows(
            task_id=task.pk,
            repair_order_id=ro.pk if ro else None,
            customer_id=customer.pk,
            calls=EARLIER_CALLS,
            saved_call_id=saved_call_id,
        )
        lines, contacts, calls = read_rows["lines"], read_rows["contacts"], read_rows["calls"]
        complaints = read_rows["complaints"]
    else:
        lines = _LINES(ro_id=ro.pk) if ro else []
        contacts = _CONTACTS(customer_id=customer.pk)
        calls = _EARLIER_CALLS(customer_id=customer.pk)
        if answers:
            prefetch_related_objects(calls, Prefetch("answers", queryset=Answer.objects.select_related("question")))
        complaints = _COMPLAINTS(customer_id=customer.pk)
    major = [c for c in complaints if c.is_major]
    open_complaints = [c for c in complaints if c.status in OPEN_STATUSES]
    if kept is None:
        kept = settings_kept(store=task.store, token=getattr(task, "settings_token", None))
    policy = kept.archive_policy
    quiet = kept.quiet.quiet_at(now)
    flags = precall_flags(
        task=task,
        now=now,
        major_complaints=major,
        open_complaints=open_complaints,
        high_amount=policy.high_amount_rmb,
        sensitive_words=policy.sensitive_occupation_words,
        quiet=quiet,
        contacts=contacts,
    )
    scenario = scenario_for(customer=customer, complaining=bool(open_complaints or major))
    context = script_context(task=task, caller=user, lines=lines)
    rows = {scenario: s for (kind, scenario), s in kept.scripts.items() if kind == task.kind}
    if not rows:
        rows = {scenario: s for (kind, scenario), s in kept.scripts.items() if kind == RuleKind.POST_SERVICE_CALL}
    scripts = [
        {
            "scenario": key,
            "label": str(label),
            "steps": rules.script_render(rows[key].steps, context),
        }
        for key, label in ScriptScenario.choices
        if key in rows
    ]
    if scenario not in rows:
        scenario = ScriptScenario.OWNER
    local = now.astimezone(ZoneInfo(task.store.time_zone))
    return {
        "task": task,
        "customer": customer,
        "vehicle": task.vehicle,
        "repair_order": ro,
        "lines": lines,
        "labour_lines": [line for line in lines if line.kind == "labour"],
        "part_lines": [line for line in lines if line.kind == "part"],
        "contacts": contacts,
        "calls": calls,
        "complaints": complaints,
        "flags": flags,
        "quiet": quiet,
        "best_time_ok": rules.best_time_ok(customer.best_contact_time, local),
        "scenario": scenario,
        "scripts": scripts,
        "script_context": context,
        "questionnaire": kept.questionnaire,
        "questions": kept.questions,
        "settings": kept,
        "attempts": task.attempts_count,
        # Read with the plain rows only: whether the task has a survey link (None: not known).
        "survey_link": read_rows["survey_link"] if plain else None,
        "saved_call": read_rows["saved_call"] if plain else None,
        "saved_problems": read_rows["problems"] if plain else [],
    }


def calls_visible_to(*, user: User) -> QuerySet[CallRecord]:
    """Calls of the stores where the user leads the team, and the user's own calls."""
    if not user.is_authenticated:
        return CallRecord.objects.none()
    return CallRecord.objects.filter(
        Q(store__in=team_stores_for(user=user)) | Q(store__in=workbench_stores_for(user=user), caller=user)
    )


def call_detail(*, user: User, pk: int) -> CallRecord:
    """A saved call with its answers, or 404 when the user may not see it."""
    call = (
        calls_visible_to(user=user)
        .select_related("store", "task", "customer", "vehicle", "repair_order", "caller", "complaint", "questionnaire")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("question").order_by("question__position")),
            "problems",
        )
        .filter(pk=pk)
        .first()
    )
    if call is None:
        raise Http404("No such call")
    return call


# The call the "saved" notice names (after "Save and next": nearly every call screen shows one), and its
# problem records: SQL compiled once per process, where call_detail compiled its role subqueries each time.
_SAVED_CALL = CompiledQuery(
    lambda call_id: CallRecord.objects.select_related("store", "customer", "complaint").filter(pk=call_id), "call_id"
)
_CALL_PROBLEMS = CompiledQuery(lambda call_id: Problem.objects.filter(call_id=call_id), "call_id")


def saved_call_of_rows(*, user: User, memberships: list[tuple], call, problems: list) -> tuple | None:
    """saved_call's answer from the call and problem records the call screen read with its other rows
    (precall_for with `saved_call_id`): the same rule on the same row."""
    if call is None or not user.is_authenticated:
        return None
    roles = roles_in_store_of(user=user, memberships=memberships, store=call.store)
    if not (roles & TEAM_ROLES or (roles & WORKBENCH_ROLES and call.caller_id == user.pk)):
        return None
    return call, problems


def saved_call(*, user: User, call_id: int, memberships: list[tuple] | None = None) -> tuple | None:
    """(call, its problem records) for the notice of a call just saved, or None when there is no such call or
    the user may not see it: calls_visible_to's rule (the store's team, or the caller in a store where they
    call) decided on the one row from the user's roles in its store, as task_workable decides."""
    if not user.is_authenticated or not 1 <= call_id <= MAX_ROW_ID:
        return None
    rows = _SAVED_CALL(call_id=call_id)
    if not rows:
        return None
    call = rows[0]
    if memberships is None:
        roles = roles_in_store(user=user, store=call.store)
    else:
        roles = roles_in_store_of(user=user, memberships=memberships, store=call.store)
    if not (roles & TEAM_ROLES or (roles & WORKBENCH_ROLES and call.caller_id == user.pk)):
        return None
    return call, _CALL_PROBLEMS(call_id=call.pk)


def may_play_recording(*, user: User, call: CallRecord) -> bool:
    """The caller and the store's managers may play a recording."""
    return call.caller_id == user.pk or has_role(user=user, store=call.store, roles=RECORDING_ROLES)


def problems_visible_to(*, user: User) -> QuerySet[Problem]:
    if not user.is_authenticated:
        return Problem.objects.none()
    return Problem.objects.filter(
        Q(store__in=team_stores_for(user=user)) | Q(store__in=workbench_stores_for(user=user), assigned_to=user)
    )


def problems_for(*, user: User, status: str = "") -> QuerySet[Problem]:
    """Problem records the user handles (theirs, or the team's for managers), open first, newest first."""
    rows = problems_visible_to(user=user).select_related(
        "store", "customer", "repair_order", "assigned_to", "call", "call__caller"
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("status", "-created_at", "-id")


def team_behind(*, store: Store, now: datetime) -> list[dict]:
    """Who is behind in the store: overdue open tasks per assignee, most first (followups selector)."""
    return overdue_counts_by_assignee(store=store, now=now)


def problem_open_count(*, user: User) -> int:
    return problems_visible_to(user=user).filter(status=ProblemStatus.OPEN).count()


@timeline_source
def _call_events(customer: Customer) -> Iterable[TimelineEvent]:
    calls = CallRecord.objects.filter(customer=customer).select_related("task").order_by("-ended_at")[:200]
    for call in calls:
        badges = ("bad",) if call.outcome == CallOutcome.WITH_ISSUE else ()
        score = f" · {call.score}" if call.score is not None else ""
        yield TimelineEvent(
            at=call.ended_at,
            kind="call",
            title=f"{call.task.get_kind_display()} · {call.get_outcome_display()}{score}",
            detail="；".join(call.issue_reasons) or call.comment[:100],
            badges=badges,
        )
