"""Operations reads, always scoped to one store the caller may see (views fetch the store first)."""

from collections.abc import Iterable
from datetime import date

from django.db.models import Count, Q, QuerySet

from huifang.accounts.choices import Role
from huifang.accounts.models import Membership, Store, User
from huifang.accounts.selectors import stores_where_role
from huifang.archive.models import Customer
from huifang.archive.segments import segment_customers

from . import rules
from .choices import DayState, SignupStatus
from .models import (
    ClubEvent,
    ClubLevel,
    ClubMember,
    EventSignup,
    LoungeChecklist,
    LoungeItem,
    LoungeScore,
    OperationsPolicy,
    StaffingCell,
)

# Care specialists and care directors run the checklist and the club (brief §7, §9).
WORK_ROLES = frozenset({Role.CARE_SPECIALIST, Role.CARE_DIRECTOR, Role.ADMIN})
# The director edits checklist items, club levels, the staffing table and the monthly figures.
EDIT_ROLES = frozenset({Role.CARE_DIRECTOR, Role.ADMIN})
# Managers read every operations screen.
READ_ROLES = WORK_ROLES | {Role.SERVICE_MANAGER, Role.SALES_MANAGER, Role.GROUP_MANAGER}


def operations_stores_for(*, user: User, roles: Iterable[str] = READ_ROLES) -> QuerySet[Store]:
    """The stores where the user holds one of `roles`, by name."""
    return stores_where_role(user=user, roles=roles).order_by("name", "pk")


# --- lounge checklist -------------------------------------------------------------------------------


def lounge_items_for(*, store: Store, active_only: bool = True) -> QuerySet[LoungeItem]:
    items = LoungeItem.objects.filter(store=store)
    return items.filter(active=True) if active_only else items


def lounge_checklist_for(*, store: Store, day: date) -> LoungeChecklist | None:
    return LoungeChecklist.objects.filter(store=store, day=day).select_related("checker", "signed_by").first()


def lounge_checklists_for(*, store: Store) -> QuerySet[LoungeChecklist]:
    return LoungeChecklist.objects.filter(store=store)


def lounge_scores_for(*, store: Store) -> QuerySet[LoungeScore]:
    return LoungeScore.objects.filter(checklist__store=store).select_related("checklist", "item")


def lounge_period(*, store: Store, policy: OperationsPolicy, start: date, end: date, today: date) -> dict:
    """Day states (missing days flagged) and per-item compliance over start…end, in three queries."""
    closed = rules.closed_weekdays(policy.lounge_closed_weekdays)
    lists = {
        row["day"]: row
        for row in LoungeChecklist.objects.filter(store=store, day__gte=start, day__lte=end).values(
            "pk", "day", "signed_at"
        )
    }
    days = []
    for day in rules.days_between(start, end):
        row = lists.get(day)
        state = rules.day_state(
            day=day, today=today, signed=bool(row and row["signed_at"]), started=row is not None, closed=closed
        )
        days.append({"day": day, "state": state, "checklist_id": row["pk"] if row else None})
    signed_days = sum(1 for d in days if d["state"] == DayState.SIGNED)
    counts = {
        row["item"]: row
        for row in LoungeScore.objects.filter(
            checklist__store=store,
            checklist__day__gte=start,
            checklist__day__lte=end,
            checklist__signed_at__isnull=False,
        )
        .order_by()
        .values("item")
        .annotate(checked=Count("pk"), compliant=Count("pk", filter=Q(score__gte=policy.lounge_pass_score)))
    }
    items = []
    for item in lounge_items_for(store=store, active_only=False):
        row = counts.get(item.pk, {"checked": 0, "compliant": 0})
        if not item.active and not row["checked"]:
            continue
        items.append(
            {
                "item": item,
                "checked": row["checked"],
                "compliant": row["compliant"],
                "percent": rules.compliance_percent(row["compliant"], row["checked"]),
            }
        )
    return {
        "days": days,
        "missing": [d["day"] for d in days if d["state"] in (DayState.MISSING, DayState.UNSIGNED)],
        "signed_days": signed_days,
        "items": items,
    }


# --- car club -----------------------------------------------------------------------------------------


def club_levels_for(*, store: Store) -> QuerySet[ClubLevel]:
    return ClubLevel.objects.filter(store=store).annotate(member_count=Count("members", filter=Q(members__active=True)))


def club_members_for(*, store: Store) -> QuerySet[ClubMember]:
    return (
        ClubMember.objects.filter(store=store)
        .select_related("customer", "level")
        .order_by("-level__rank", "customer__name", "pk")
    )


def club_events_for(*, store: Store) -> QuerySet[ClubEvent]:
    return ClubEvent.objects.filter(store=store).annotate(
        confirmed=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED), distinct=True),
        waitlisted=Count("signups", filter=Q(signups__status=SignupStatus.WAITLISTED), distinct=True),
        invited=Count("invitations", distinct=True),
    )


def event_signups_for(*, event: ClubEvent) -> QuerySet[EventSignup]:
    return event.signups.select_related("member__customer", "member__level").order_by("status", "signed_up_at", "pk")


def customers_in_segment(*, store: Store, **segment) -> QuerySet[Customer]:
    """Seed 002 客户细分: the store's customers by spend, paid visits (free service, warranty and insurance
    excluded), car-club level and customer type; one query with `spend`, `paid_visits` annotated.
    The definition lives in archive/segments.py, shared with reminder rules and group messages."""
    return segment_customers(store=store, **segment).order_by("name", "pk")


def members_in_segment(*, store: Store, **segment) -> QuerySet[ClubMember]:
    """Active club members whose customer falls in the segment (club invitations)."""
    customers = customers_in_segment(store=store, **segment).values("pk")
    return club_members_for(store=store).filter(active=True, customer__in=customers)


# --- staffing ---------------------------------------------------------------------------------------


def staffing_cells_for(*, store: Store) -> list[StaffingCell]:
    return list(StaffingCell.objects.filter(store=store).order_by("row", "column"))


def care_team_for(*, store: Store) -> dict[str, int]:
    """The store's actual care team from its memberships: directors and specialists (one query)."""
    counts = dict(
        Membership.objects.filter(
            store=store, role__in=[Role.CARE_DIRECTOR, Role.CARE_SPECIALIST], user__is_active=True
        )
        .order_by()
        .values("role")
        .annotate(n=Count("user", distinct=True))
        .values_list("role", "n")
    )
    directors = counts.get(Role.CARE_DIRECTOR, 0)
    specialists = counts.get(Role.CARE_SPECIALIST, 0)
    return {"directors": directors, "specialists": specialists, "total": directors + specialists}


def club_card_for_customer(*, store: Store, customer: Customer, now) -> dict:
    """The customer's membership and the store's upcoming events with the member's sign-up status."""
    member = ClubMember.objects.filter(store=store, customer=customer).select_related("level").first()
    events = list(club_events_for(store=store).filter(starts_at__gt=now).order_by("starts_at", "pk"))
    statuses = (
        dict(
            EventSignup.objects.filter(member=member, event__in=[e.pk for e in events]).values_list(
                "event_id", "status"
            )
        )
        if member
        else {}
    )
    return {"member": member, "events": [(event, statuses.get(event.pk, "")) for event in events]}
