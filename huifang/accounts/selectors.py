"""Who may see which store, and in which role."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from huifang.core.hand_sql import fetch_all

from .choices import ROLES_THAT_CALL, SETUP_ROLES, Role, Scope
from .models import DealerGroup, Invitation, Membership, Store, User


def stores_visible_to(*, user: User) -> QuerySet[Store]:
    """Every store the user may see: own stores, stores of their groups, stores of their regions."""
    if not user.is_authenticated or not user.is_active:
        return Store.objects.none()
    if user.is_superuser:
        return Store.objects.all()
    memberships = Membership.objects.filter(user=user)
    return Store.objects.filter(
        Q(pk__in=memberships.values("store"))
        | Q(group__in=memberships.values("group"))
        | Q(region__in=memberships.values("region"))
    ).distinct()


def roles_in_store(*, user: User, store: Store) -> set[str]:
    """The user's roles that apply to this store (direct, through its group, or through its region)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {Role.ADMIN}
    rows = Membership.objects.filter(user=user).filter(
        Q(store=store) | Q(group_id=store.group_id) | Q(region_id=store.region_id, region__isnull=False)
    )
    return set(rows.values_list("role", flat=True))


def memberships_of(*, user: User) -> list[tuple]:
    """(role, store id, group id, region id) of each of the user's memberships: one read from which both
    all_roles and roles_in_store can be answered (roles_in_store_of)."""
    # Every signed-in request reads these (core.permissions.request_memberships): hand SQL, nothing to compile.
    return fetch_all(MEMBERSHIPS_SQL, [user.pk])


MEMBERSHIPS_SQL = f"SELECT role, store_id, group_id, region_id FROM {Membership._meta.db_table} WHERE user_id = %s"


def roles_in_store_of(*, user: User, memberships: Iterable[tuple], store: Store) -> set[str]:
    """roles_in_store, answered from the user's memberships already read (memberships_of)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {Role.ADMIN}
    return {
        role
        for role, store_id, group_id, region_id in memberships
        if store_id == store.pk
        or group_id == store.group_id
        or (region_id is not None and region_id == store.region_id)
    }


def all_roles(*, user: User) -> set[str]:
    """Every role the user holds anywhere (for menus; access is always checked per store)."""
    if user.is_superuser:
        return {Role.ADMIN}
    return set(Membership.objects.filter(user=user).values_list("role", flat=True))


def has_role(*, user: User, store: Store, roles: Iterable[str]) -> bool:
    return bool(roles_in_store(user=user, store=store) & set(roles))


def may_reveal_phone(*, user: User, store: Store) -> bool:
    """Only roles that call customers may see a full number."""
    return has_role(user=user, store=store, roles=ROLES_THAT_CALL)


def stores_where_role(*, user: User, roles: Iterable[str]) -> QuerySet[Store]:
    """Visible stores in which the user holds one of the roles."""
    roles = set(roles)
    if user.is_superuser:
        return Store.objects.all()
    memberships = Membership.objects.filter(user=user, role__in=roles)
    return Store.objects.filter(
        Q(pk__in=memberships.values("store"))
        | Q(group__in=memberships.values("group"))
        | Q(region__in=memberships.values("region"))
    ).distinct()


def groups_for_setup(*, user: User) -> QuerySet[DealerGroup]:
    """Dealer groups in which the user may create stores: those they administer (every group for a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return DealerGroup.objects.none()
    if user.is_superuser:
        return DealerGroup.objects.order_by("code")
    return DealerGroup.objects.filter(
        pk__in=Membership.objects.filter(user=user, role__in=SETUP_ROLES, scope=Scope.GROUP).values("group")
    ).order_by("code")


def stores_for_setup(*, user: User) -> QuerySet[Store]:
    """Stores whose users the user may invite: the stores of groups they administer, and stores they administer."""
    if not user.is_authenticated or not user.is_active:
        return Store.objects.none()
    return stores_where_role(user=user, roles=SETUP_ROLES).select_related("group", "region").order_by("code")


def store_team(*, store: Store) -> list[Membership]:
    """Who works in the store, by role (direct memberships; group-wide roles listed with their group)."""
    return list(
        Membership.objects.filter(Q(store=store) | Q(group_id=store.group_id))
        .select_related("user", "store", "group")
        .order_by("role", "user__username")
    )


def invitations_open(*, store: Store, now) -> QuerySet[Invitation]:
    """Invitations to the store not accepted and not expired yet."""
    return Invitation.objects.filter(store=store, accepted_at=None, expires_at__gt=now).order_by("-created_at")
