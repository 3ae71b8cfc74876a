from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from huifang.accounts.choices import Role

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory, member

SH = ZoneInfo("Asia/Shanghai")
# Every sweep test runs at this instant: Wednesday 25 November 2026, 10:00 in Shanghai.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def advisor(store):
    return member(store, Role.SERVICE_ADVISOR, username="advisor")


@pytest.fixture
def world(store, advisor):
    """One archive row per rule kind that is due at NOW, one that is not, with the due time computed by hand."""
    w = {}
    plain = CustomerFactory(store=store, name="李四")
    # Post-service: delivered 23 Nov 15:00 -> due then, 72 h to 26 Nov 15:00; one delivered 21 Nov 09:00 ran out
    # (24 Nov 09:00) before the first sweep: still called, late (within the 7-day catch-up limit).
    w["ro"] = RepairOrderFactory(
        vehicle__customer=plain, opened_at=at(2026, 11, 23, 9), delivered_at=at(2026, 11, 23, 15), advisor=advisor
    )
    RepairOrderFactory(vehicle=w["ro"].vehicle, opened_at=at(2026, 11, 21, 8), delivered_at=at(2026, 11, 21, 9))
    # Maintenance 1 Dec, 7 days lead -> due 24 Nov 00:00; 10 Dec -> due 3 Dec, not yet.
    w["maintenance"] = VehicleFactory(
        customer=plain, next_maintenance_date=date(2026, 12, 1), last_maintenance_at=at(2026, 9, 1, 10)
    )
    VehicleFactory(customer=plain, next_maintenance_date=date(2026, 12, 10), last_maintenance_at=at(2026, 9, 10, 10))
    # Insurance 25 Dec, 30 days -> due 25 Nov 00:00; inspection 20 Dec -> due 20 Nov (7-day window to 27 Nov).
    w["insurance"] = VehicleFactory(customer=plain, insurance_expiry=date(2026, 12, 25))
    w["inspection"] = VehicleFactory(customer=plain, inspection_due=date(2026, 12, 20))
    VehicleFactory(customer=plain, licence_due=date(2026, 12, 31))  # due 1 Dec: not yet
    # Warranty: 100,000 km at 92.26 km/day from 1 Jan 2024 = day 1,083.9, reached on day 1,083 = 19 Dec 2026 (issue 14
    # §2: that day, not the next), before 1 Jun 2027; 30 days earlier is 19 Nov, inside its 7-day window at NOW.
    w["warranty"] = VehicleFactory(
        customer=plain,
        delivery_date=date(2024, 1, 1),
        last_visit_at=at(2026, 10, 1, 10),
        last_maintenance_at=at(2026, 10, 1, 10),
        warranty_end_date=date(2027, 6, 1),
        warranty_end_km=100_000,
        avg_km_per_day=92.26,
    )
    # First free service: delivered 1 Sep, never maintained -> 3 months = 1 Dec, due 24 Nov.
    w["first_service"] = VehicleFactory(customer=plain, delivery_date=date(2026, 9, 1), last_visit_at=at(2026, 9, 1, 9))
    # Lost: last visit 24 May -> 6 months on 24 Nov; last visit 22 Nov 2025 -> 12 months on 22 Nov 2026.
    w["dormant"] = VehicleFactory(customer=plain, last_visit_at=at(2026, 5, 24, 15))
    w["lost"] = VehicleFactory(customer=plain, last_visit_at=at(2025, 11, 22, 15))
    # First-visit series: 22 Nov 09:00 + 3 days = 25 Nov 09:00 (due); 24 Oct 11:00 + 1 month = 24 Nov 11:00 (due).
    w["new3d"] = CustomerFactory(store=store, first_visit_at=at(2026, 11, 22, 9))
    w["new1m"] = CustomerFactory(store=store, first_visit_at=at(2026, 10, 24, 11))
    CustomerFactory(store=store, first_visit_at=at(2026, 10, 25, 14))  # 1 month on 25 Nov 14:00: not yet
    # Birthdays today: solar 25 Nov, lunar 10/17 (= 25 Nov 2026); one without marketing consent gets nothing.
    w["solar_bd"] = CustomerFactory(store=store, birthday=date(1980, 11, 25), marketing_consent=True)
    w["lunar_bd"] = CustomerFactory(
        store=store, birthday=date(1975, 10, 17), birthday_is_lunar=True, marketing_consent=True
    )
    CustomerFactory(store=store, birthday=date(1981, 11, 25), marketing_consent=False)
    CustomerFactory(store=store, birthday=date(1981, 11, 25), birthday_is_lunar=True, marketing_consent=True)
    return w


def make_task(
    store, *, kind="insurance_renewal", customer=None, assigned_to=None, status="open", due_at=None, key=None
):
    """An existing task of `store`'s rule of `kind` (the defaults are ensured first)."""
    from huifang.followups.models import FollowUpRule, FollowUpTask
    from huifang.followups.services import rules_ensure_defaults

    rules_ensure_defaults(store=store)
    rule = FollowUpRule.objects.get(store=store, kind=kind)
    customer = customer or CustomerFactory(store=store)
    due_at = due_at or at(2026, 11, 20)
    return FollowUpTask.objects.create(
        store=store,
        rule=rule,
        kind=kind,
        customer=customer,
        subject=f"c{customer.pk}",
        occurrence_key=key or f"k{FollowUpTask.objects.count()}",
        due_at=due_at,
        window_end=due_at + timedelta(hours=rule.window_hours),
        status=status,
        assigned_to=assigned_to,
        channel=rule.channel,
        created_at=due_at,
    )
