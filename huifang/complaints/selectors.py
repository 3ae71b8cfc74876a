"""Reads of complaints, always scoped to the user's stores; the manufacturer's people see level 4 and major ones."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    F,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership, Store, User
from huifang.accounts.selectors import has_role, stores_where_role
from huifang.archive.models import Customer, RepairOrder, Vehicle
from huifang.core.compiled import CompiledQuery
from huifang.followups.models import FollowUpTask

from . import defaults, major, rules
from .choices import OPEN_STATUSES, ClockKind, ComplaintLevel
from .models import (
    Complaint,
    ComplaintEvent,
    ComplaintFollowUp,
    ComplaintPolicy,
    ComplaintPolicyVersion,
    ComplaintReason,
)

# Who may open the complaint screens.
COMPLAINT_ROLES = frozenset(
    {
        Role.CARE_SPECIALIST,
        Role.SERVICE_ADVISOR,
        Role.SERVICE_MANAGER,
        Role.CARE_DIRECTOR,
        Role.GROUP_MANAGER,
        Role.OEM_REGIONAL,
        Role.ADMIN,
    }
)
# Who may change a complaint; the group manager only reads, the OEM regional acts on level 4 only.
COMPLAINT_EDITOR_ROLES = frozenset(
    {Role.CARE_SPECIALIST, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN}
)
# Who may change the store's complaint policy and sub-reasons.
POLICY_EDITOR_ROLES = frozenset({Role.CARE_DIRECTOR, Role.ADMIN})
# The regional view of level-4 and major complaints across stores: the manufacturer and the dealer group.
REGIONAL_ROLES = frozenset({Role.OEM_REGIONAL, Role.GROUP_MANAGER, Role.ADMIN})
# Who owns a complaint at each level (seed 001): front line, department manager, senior management, OEM.
# When a level's role has nobody available in the store, the next role of the chain takes it (issue 15 §5).
LEVEL_OWNER_ROLES = {
    2: (Role.SERVICE_MANAGER, *defaults.ESCALATION_CHAIN[1:]),
    3: defaults.ESCALATION_CHAIN[1:],
    4: (Role.OEM_REGIONAL, *defaults.ESCALATION_CHAIN[2:]),
}


def _full_access_roles() -> set[str]:
    return set(COMPLAINT_ROLES) - {Role.OEM_REGIONAL}


def complaints_visible_to(*, user: User) -> QuerySet[Complaint]:
    """Complaints of the user's stores; through an OEM regional role only level-4 or major ones."""
    if not user.is_authenticated or not user.is_active:
        return Complaint.objects.none()
    if user.is_superuser:
        return Complaint.objects.all()
    full = stores_where_role(user=user, roles=_full_access_roles())
    oem = stores_where_role(user=user, roles={Role.OEM_REGIONAL})
    return Complaint.objects.filter(
        Q(store__in=full.values("pk"))
        | (Q(store__in=oem.values("pk")) & (Q(level=ComplaintLevel.MANUFACTURER) | Q(is_major=True)))
    )


def may_edit_complaint(*, user: User, complaint: Complaint) -> bool:
    """Editors of the store change complaints; the manufacturer's regional people once it reached level 4."""
    if has_role(user=user, store=complaint.store, roles=COMPLAINT_EDITOR_ROLES):
        return True
    return complaint.level == ComplaintLevel.MANUFACTURER and has_role(
        user=user, store=complaint.store, roles={Role.OEM_REGIONAL}
    )


def complaint_stores_for(*, user: User, editors: bool = False) -> QuerySet[Store]:
    """Stores where the user may see (or with `editors`, file and change) complaints, by name."""
    roles = COMPLAINT_EDITOR_ROLES if editors else COMPLAINT_ROLES
    return stores_where_role(user=user, roles=roles).order_by("name", "pk")


def _with_deadline(rows: QuerySet[Complaint], now: datetime) -> QuerySet[Complaint]:
    open_q = Q(status__in=list(OPEN_STATUSES))
    return rows.annotate(
        deadline=Case(
            When(~open_q, then=Value(None, output_field=DateTimeField())),
            When(first_contacted_at__isnull=True, then=F("first_contact_due")),
            default=F("level_due_at"),
            output_field=DateTimeField(),
        ),
        media_report_overdue=Case(
            When(open_q & Q(media_reported_at__isnull=True, media_report_due__lte=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        # 已暂停: on Hold with the level clock stopped (services.clock.is_paused, as the complaint page says).
        is_paused=Case(
            When(open_q & Q(paused_at__isnull=False, pause_until__gt=now), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    ).annotate(
        is_overdue=Case(
            When(deadline__lte=now, then=Value(True)),
            When(media_report_overdue=True, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def complaint_list(
    *,
    user: User,
    now: datetime,
    store: Store | None = None,
    status: str = "",
    level: int | None = None,
    category: str = "",
    channel: str = "",
    major: bool | None = None,
    overdue: bool | None = None,
    q: str = "",
    owner: User | None = None,
    unowned: bool | None = None,
    paused: bool | None = None,
) -> QuerySet[Complaint]:
    """The user's complaints, filtered; overdue first, then the nearest deadline, closed ones last."""
    rows = complaints_visible_to(user=user)
    if store is not None:
        rows = rows.filter(store=store)
    if status == "open":
        rows = rows.filter(status__in=list(OPEN_STATUSES))
    elif status:
        rows = rows.filter(status=status)
    if level:
        rows = rows.filter(level=level)
    if category:
        rows = rows.filter(category=category)
    if channel:
        rows = rows.filter(channel=channel)
    if major is not None:
        rows = rows.filter(is_major=major)
    if owner is not None:
        rows = rows.filter(owner=owner)
    if unowned is not None:
        # 未分配 (issue 15 §5): nobody owns it, e.g. no front line and no manager in the store at intake.
        rows = rows.filter(owner__isnull=unowned)
    text = (q or "").strip()
    if text:
        rows = rows.filter(
            Q(number__icontains=text)
            | Q(external_case_no__icontains=text)
            | Q(customer_name__icontains=text)
            | Q(plate__icontains=text)
            | Q(vin__icontains=text)
            | Q(content__icontains=text)
        )
    rows = _with_deadline(rows, now)
    if overdue is not None:
        rows = rows.filter(is_overdue=overdue)
    if paused is not None:
        rows = rows.filter(is_paused=paused)
    return rows.select_related("store", "owner", "reason").order_by(
        F("is_overdue").desc(), F("deadline").asc(nulls_last=True), "-received_at", "-id"
    )


def open_complaints_by_deadline(*, store: Store, now: datetime) -> QuerySet[Complaint]:
    """The store's open complaints with `deadline` (first contact, then the level's) and `is_overdue` exactly as
    the complaint list counts them, overdue first, then the soonest deadline (for the team board, which has no
    user: its caller decides who may see it)."""
    rows = _with_deadline(Complaint.objects.filter(store=store, status__in=list(OPEN_STATUSES)), now)
    return rows.order_by(F("is_overdue").desc(), F("deadline").asc(nulls_last=True), "received_at", "pk")


def complaint_detail(*, user: User, pk: int, now: datetime | None = None) -> Complaint:
    """One visible complaint with its timeline, attachments and follow-ups; 404 for anyone else's."""
    rows = complaints_visible_to(user=user).select_related(
        "store", "owner", "reason", "customer", "vehicle", "repair_order", "created_by"
    )
    if now is not None:
        rows = _with_deadline(rows, now)
    return get_object_or_404(
        rows.prefetch_related("events__actor", "attachments__uploaded_by", "follow_ups__task"), pk=pk
    )


def complaint_as_filed(*, pk: int, now: datetime) -> Complaint:
    """A complaint just filed, read back for the caller who filed it (the API's answer to an intake).

    Not scoped: only for the intake reply, where the manufacturer's system filing a complaint below level 4
    still reads back what it sent.
    """
    rows = _with_deadline(Complaint.objects.filter(pk=pk), now).select_related("store", "owner", "reason")
    return rows.prefetch_related("events__actor", "attachments__uploaded_by", "follow_ups__task").get()


def complaints_for_customer(*, customer: Customer) -> QuerySet[Complaint]:
    """The customer's complaints, newest first."""
    return Complaint.objects.filter(customer=customer).select_related("owner").order_by("-received_at", "-id")


def customer_major_complaints(*, customer: Customer) -> QuerySet[Complaint]:
    """The customer's major complaints (a pre-call warning), newest first."""
    return complaints_for_customer(customer=customer).filter(is_major=True)


def complaint_for_task(*, task: FollowUpTask) -> Complaint | None:
    """The complaint a complaint follow-up task calls back about, if any."""
    row = ComplaintFollowUp.objects.filter(task=task).select_related("complaint").first()
    return row.complaint if row else None


def policy_for(*, store: Store) -> ComplaintPolicy:
    """The store's complaint policy, created with the defaults the first time."""
    policy, _created = ComplaintPolicy.objects.get_or_create(store=store)
    return policy


def policy_values(policy: ComplaintPolicy) -> dict[str, int]:
    return {f"level{n}_hours": getattr(policy, f"level{n}_hours") for n in (1, 2, 3)}


def reasons_for(*, store: Store, category: str = "", active_only: bool = True) -> QuerySet[ComplaintReason]:
    """The store's sub-reasons (of one category), giving the store the defaults the first time."""
    if not ComplaintReason.objects.filter(store=store).exists():
        ComplaintReason.objects.bulk_create(
            [
                ComplaintReason(store=store, category=cat, name=name, position=i)
                for cat, names in defaults.DEFAULT_REASONS.items()
                for i, name in enumerate(names)
            ],
            ignore_conflicts=True,
        )
    rows = ComplaintReason.objects.filter(store=store)
    if category:
        rows = rows.filter(category=category)
    if active_only:
        rows = rows.filter(active=True)
    return rows.order_by("category", "position", "name")


def risk_periods(*, complaint: Complaint, now: datetime | None = None) -> list[str]:
    """Seed 004 periods of higher risk the complaint falls into, each explained (3·15, new car, new model)."""
    received = complaint.received_at.date()
    vehicle = complaint.vehicle
    purchase = (vehicle.purchase_date or vehicle.delivery_date) if vehicle else None
    model = vehicle.model if vehicle else complaint.model
    first_sold = None
    if model:
        # A model is new when its first sale in the archive (any store) is less than 12 months ago.
        first_sold = (
            Vehicle.objects.filter(model=model, purchase_date__isnull=False)
            .filter(**({"brand": vehicle.brand} if vehicle and vehicle.brand else {}))
            .aggregate(first=Min("purchase_date"))["first"]
        )
        if first_sold is not None and first_sold < received - timedelta(days=366):
            first_sold = None
    return rules.risk_periods(received, purchase_date=purchase, model_first_sold=first_sold, model=model)


def _available_with_role(*, store: Store, role: str) -> list[User]:
    """Active people not on leave holding `role` for `store`, fewest open complaints of the store first."""
    members = Membership.objects.filter(role=role)
    if role == Role.OEM_REGIONAL:
        if store.region_id is None:
            return []
        members = members.filter(scope=Scope.REGION, region_id=store.region_id)
    elif role == Role.GROUP_MANAGER:
        members = members.filter(Q(scope=Scope.GROUP, group_id=store.group_id) | Q(store=store))
    else:
        members = members.filter(scope=Scope.STORE, store=store)
    return list(
        User.objects.filter(pk__in=members.values("user"), is_active=True, on_leave=False)
        .annotate(
            open_complaints=Count(
                "complaints_owned",
                filter=Q(complaints_owned__status__in=list(OPEN_STATUSES), complaints_owned__store=store),
            )
        )
        .order_by("open_complaints", "pk")
    )


@dataclass(frozen=True)
class Recipients:
    """Who receives a complaint at a level: `users` of `role`, the first role of the chain that had someone.

    `wanted` is the role the level asks for; `passed_over` the roles that had nobody available in the store.
    """

    users: list[User]
    role: str | None
    wanted: str | None
    passed_over: tuple[str, ...] = ()

    def why(self, store: Store) -> str:
        """Why the notification went up the chain, in the user's language; empty when it did not."""
        if not self.passed_over:
            return ""
        skipped = "、".join(str(Role(r).label) for r in self.passed_over)
        if self.role is None:
            return _("Nobody available in %(store)s as %(roles)s, nor higher up the chain.") % {
                "store": store.name,
                "roles": skipped,
            }
        return _(
            "Nobody available in %(store)s as %(roles)s (none, inactive or on leave): sent up the chain to %(role)s."
        ) % {
            "store": store.name,
            "roles": skipped,
            "role": Role(self.role).label,
        }


def chain_recipients(*, store: Store, roles: Iterable[str]) -> Recipients:
    """The people of the first role in `roles` that has someone available; the empty roles before it noted."""
    roles = tuple(roles)
    passed: list[str] = []
    for role in roles:
        users = _available_with_role(store=store, role=role)
        if users:
            return Recipients(users, role, roles[0] if roles else None, tuple(passed))
        passed.append(role)
    return Recipients([], None, roles[0] if roles else None, tuple(passed))


def level_recipients(*, store: Store, level: int) -> Recipients:
    """Who takes the complaint at `level`, going up the chain when the level's role has nobody in the store.

    Level 2: the service managers, level 3: the care director, level 4: the OEM regional people of the
    store's region; when nobody is available (none, inactive or on leave) the next role of
    defaults.ESCALATION_CHAIN gets it (service manager → care director → group manager → administrator).
    """
    return chain_recipients(store=store, roles=LEVEL_OWNER_ROLES.get(level, ()))


def level_owner_candidates(*, store: Store, level: int) -> list[User]:
    """Who takes the complaint at `level` in `store`, best first (see level_recipients)."""
    return level_recipients(store=store, level=level).users


def care_specialists_by_load(*, store: Store, exclude: Iterable[int] = ()) -> list[User]:
    """The store's available care specialists, fewest open complaints first."""
    exclude = list(exclude)
    if exclude:
        return list(_specialists_by_load(store_id=store.pk, load_store_id=store.pk, exclude=exclude))
    # Every complaint opened without an owner (intake, a call's complaint) asks this: compiled once per process.
    return _SPECIALISTS_BY_LOAD(store_id=store.pk, load_store_id=store.pk)


def _specialists_by_load(*, store_id: int, load_store_id: int, exclude: Iterable[int] = ()) -> QuerySet[User]:
    # The store id is given twice (the members, the complaints counted): a CompiledQuery binds each id once.
    members = Membership.objects.filter(scope=Scope.STORE, store_id=store_id, role=Role.CARE_SPECIALIST)
    users = User.objects.filter(pk__in=members.values("user"), is_active=True, on_leave=False)
    if exclude:
        users = users.exclude(pk__in=list(exclude))
    return users.annotate(
        open_complaints=Count(
            "complaints_owned",
            filter=Q(complaints_owned__status__in=list(OPEN_STATUSES), complaints_owned__store_id=load_store_id),
        )
    ).order_by("open_complaints", "pk")


_SPECIALISTS_BY_LOAD = CompiledQuery(_specialists_by_load, "store_id", "load_store_id")


def store_users_with_roles(*, store: Store, roles: Iterable[str]) -> list[User]:
    """Active members of the store holding one of `roles` in it (store scope)."""
    members = Membership.objects.filter(scope=Scope.STORE, store=store, role__in=list(roles))
    return list(User.objects.filter(pk__in=members.values("user"), is_active=True).order_by("pk"))


def assignable_owners(*, complaint: Complaint) -> QuerySet[User]:
    """Who a complaint may be handed to: staff of its store with a complaint role, and the region's OEM people."""
    store = complaint.store
    members = Membership.objects.filter(
        Q(scope=Scope.STORE, store=store, role__in=list(COMPLAINT_EDITOR_ROLES))
        | Q(scope=Scope.GROUP, group_id=store.group_id, role=Role.GROUP_MANAGER)
        | Q(scope=Scope.REGION, region_id=store.region_id, role=Role.OEM_REGIONAL)
    )
    return User.objects.filter(pk__in=members.values("user"), is_active=True).order_by("username")


def oem_overview(*, user: User, now: datetime) -> dict:
    """The manufacturer's regional view: level-4 and major complaints of the region's stores, and counts per store."""
    stores = stores_where_role(user=user, roles=REGIONAL_ROLES)
    rows = complaint_list(user=user, now=now).filter(store__in=stores.values("pk"))
    rows = rows.filter(Q(level=ComplaintLevel.MANUFACTURER) | Q(is_major=True))
    per_store = (
        rows.order_by()
        .values("store_id", "store__code", "store__name")
        .annotate(
            open=Count("pk", filter=Q(status__in=list(OPEN_STATUSES))),
            level4=Count("pk", filter=Q(level=ComplaintLevel.MANUFACTURER, status__in=list(OPEN_STATUSES))),
            major=Count("pk", filter=Q(is_major=True)),
        )
        .order_by("store__code")
    )
    return {"complaints": rows, "per_store": list(per_store)}


def complaint_counts(*, user: User, now: datetime, store: Store | None = None) -> dict[str, int]:
    """Badges for the complaint menu: open, overdue, major open, mine, open without an owner (未分配)."""
    rows = _with_deadline(complaints_visible_to(user=user), now).filter(status__in=list(OPEN_STATUSES))
    if store is not None:
        rows = rows.filter(store=store)
    return rows.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(is_overdue=True)),
        major=Count("pk", filter=Q(is_major=True)),
        mine=Count("pk", filter=Q(owner=user)),
        unowned=Count("pk", filter=Q(owner__isnull=True)),
    )


def complaint_events(*, complaint: Complaint) -> QuerySet[ComplaintEvent]:
    return complaint.events.select_related("actor").order_by("at", "id")


def media_report_pending(*, complaint: Complaint) -> bool:
    return complaint.media_report_due is not None and complaint.media_reported_at is None


def risk_period_days(received: date) -> bool:
    """Whether a date falls in the 3·15 period (for list badges without the vehicle)."""
    return bool(rules.risk_periods(received, purchase_date=None, model_first_sold=None))


def vehicle_repair_history(*, vehicle_id: int | None, until: datetime) -> list[major.Order]:
    """The vehicle's repair and warranty-claim orders (fault descriptions) of the repeat-repair window before
    `until`; maintenance and first-service orders are never part of it (major.orders_in_scope rechecks)."""
    if vehicle_id is None:
        return []
    since = until - timedelta(days=30 * defaults.REPEAT_REPAIR_MONTHS)
    rows = (
        RepairOrder.objects.filter(
            vehicle_id=vehicle_id,
            ro_type__in=list(defaults.REPEAT_REPAIR_ORDER_TYPES),
            opened_at__gte=since,
            opened_at__lte=until,
        )
        .order_by("opened_at", "pk")
        .values_list("ro_type", "opened_at", "fault_description")
    )
    return [major.Order(ro_type=t, opened_at=opened, fault=fault or "") for t, opened, fault in rows]


def policy_versions(*, store: Store, limit: int = 10) -> QuerySet[ComplaintPolicyVersion]:
    """The store's latest saved deadline settings, newest first, with who saved them."""
    return ComplaintPolicyVersion.objects.filter(store=store).select_related("saved_by").order_by("-number")[:limit]


def level_clock(*, complaint: Complaint, now: datetime) -> dict:
    """What the complaint page shows of the level clock: paused or not, time left, where the deadlines came from."""
    from huifang.calendars.selectors import calendar_for

    from .services.clock import deadlines_source, is_paused, level_time_left

    policy = policy_for(store=complaint.store)
    paused = complaint.status in OPEN_STATUSES and is_paused(complaint, now)
    left = None
    if complaint.status in OPEN_STATUSES and complaint.level_due_at is not None:
        left = level_time_left(row=complaint, policy=policy, now=now, cal=calendar_for(store=complaint.store))
    return {
        "paused": paused,
        "left_seconds": int(left.total_seconds()) if left is not None else None,
        "pause_until": complaint.pause_until if paused else None,
        "business": policy.clock == ClockKind.BUSINESS,
        "version": complaint.policy_version or 1,
        "source": deadlines_source(complaint=complaint),
        "current_version": policy.version,
    }
