"""Demo data for the operations screens (called by the lead's seed_demo)."""

from datetime import datetime, timedelta

from huifang.accounts.choices import Role
from huifang.accounts.models import Membership, Store
from huifang.archive.models import Customer

from . import services
from .choices import EventKind, SignupSource
from .models import ClubLevel, ClubMember, LoungeChecklist, LoungeItem

DEMO_DAYS = 14
# Two days of the fortnight left unchecked, so the month view shows missing days.
DEMO_SKIPPED = (3, 9)
DEMO_MEMBERS = 12


def operations_demo_seed(*, store: Store, now: datetime) -> dict:
    """Seed items, levels and the staffing table; a fortnight of checklists (two days missing), club members
    and one upcoming event with sign-ups. Running it twice adds nothing."""
    services.lounge_items_ensure_defaults(store=store)
    services.club_levels_ensure_defaults(store=store)
    services.staffing_cells_ensure_defaults(store=store)
    staff = (
        Membership.objects.filter(store=store, role__in=[Role.CARE_SPECIALIST, Role.CARE_DIRECTOR])
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    counts = {"checklists": 0, "members": 0, "events": 0}
    if staff is None:
        return counts
    actor = staff.user
    items = list(LoungeItem.objects.filter(store=store, active=True))
    today = now.date()
    for back in range(DEMO_DAYS, 0, -1):
        day = today - timedelta(days=back)
        if back in DEMO_SKIPPED or LoungeChecklist.objects.filter(store=store, day=day).exists():
            continue
        scores = [
            services.ScoreInput(item_id=item.pk, score=3 if (item.position + back) % 5 == 0 else 5) for item in items
        ]
        services.lounge_checklist_save(
            store=store, day=day, scores=scores, sign=True, actor=actor, now=now - timedelta(days=back)
        )
        counts["checklists"] += 1
    if not ClubMember.objects.filter(store=store).exists():
        levels = list(ClubLevel.objects.filter(store=store).order_by("rank"))
        customers = Customer.objects.filter(store=store).order_by("pk")[:DEMO_MEMBERS]
        members = [
            services.club_member_save(store=store, customer=c, level=levels[n % len(levels)], actor=actor, now=now)
            for n, c in enumerate(customers)
        ]
        counts["members"] = len(members)
        if members:
            event = services.club_event_create(
                store=store,
                actor=actor,
                now=now,
                kind=EventKind.SAFE_DRIVING,
                title="安全驾驶课堂",
                starts_at=now + timedelta(days=10),
                capacity=8,
                place="展厅二楼车主活动空间",
                description="雨季安全驾驶要点与轮胎检查,现场提供茶点。",
            )
            for member in members[:3]:
                services.event_signup_create(
                    event=event, member=member, source=SignupSource.FRONT_DESK, actor=actor, now=now
                )
            counts["events"] = 1
    return counts
