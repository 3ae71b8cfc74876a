"""Hand-computed: maintenance and first-service reminders from repair orders and odometer readings, end to end.

Repair orders and readings → `vehicle_figures_refresh` (what every import does) → the daily sweep replayed
with `run_followups --date` (as at 23:59:59 that day) → the task's due time. Seed 000 §一.3: maintenance every
3 months or 5,000 km, whichever first; first free service at 3 months or 5,000 km; reminders 7 days ahead
with a 7-day window (brief §3). The store keeps the default calendar (Monday–Friday open), so a reminder due
on a weekend moves to the next open day (docs/reminders.md). All times Shanghai.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from huifang.archive.choices import RepairOrderType
from huifang.archive.models import MileageReading, Vehicle
from huifang.archive.services import vehicle_figures_refresh
from huifang.followups.choices import RuleKind
from huifang.followups.models import FollowUpTask

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def maintained(vehicle, opened: datetime, km: int):
    RepairOrderFactory(
        vehicle=vehicle,
        ro_type=RepairOrderType.MAINTENANCE,
        opened_at=opened,
        delivered_at=opened + timedelta(hours=3),
        mileage_in=km,
    )
    MileageReading.objects.create(vehicle=vehicle, read_on=opened.date(), km=km, source="dms")


def replay(store, day: date):
    call_command("run_followups", "--store", store.code, "--date", day.isoformat())


def tasks(vehicle, kind):
    return list(FollowUpTask.objects.filter(vehicle=vehicle, kind=kind).values_list("due_at", "window_end"))


@pytest.fixture
def cars(store):
    owner = CustomerFactory(store=store, name="钱多多")
    # V1: maintained 30 Apr at 10,000 km and Sun 31 May at 14,650 km: 4,650 km in 31 days = 150 km/day.
    v1 = VehicleFactory(customer=owner, delivery_date=date(2025, 12, 1))
    maintained(v1, sh(2026, 4, 30, 9), 10_000)
    maintained(v1, sh(2026, 5, 31, 10), 14_650)
    # V2: maintained once, Fri 31 Jul (one reading, so no km per day: only the months count).
    v2 = VehicleFactory(customer=owner, delivery_date=date(2026, 2, 1))
    maintained(v2, sh(2026, 7, 31, 10), 3_000)
    # V3: delivered Mon 31 Aug, never maintained: waiting for its first free service.
    v3 = VehicleFactory(customer=owner, delivery_date=date(2026, 8, 31))
    return v1, v2, v3


def test_hand_computed_maintenance_date_km_first(store, cars):
    v1, _v2, _v3 = cars
    vehicle_figures_refresh(store=store, today=date(2026, 6, 20))
    v1 = Vehicle.objects.get(pk=v1.pk)
    # 150 km/day; 5,000 km → day 33.3 → day 33 after 31 May = Fri 3 Jul, before 31 May + 3 months = 31 Aug
    assert v1.avg_km_per_day == pytest.approx(150.0)
    assert v1.next_maintenance_date == date(2026, 7, 3)
    assert v1.next_maintenance_km == 19_650
    # the reminder: 7 days ahead = Fri 26 Jun 00:00 (an open day), window to Fri 3 Jul 00:00
    replay(store, date(2026, 6, 25))
    assert tasks(v1, RuleKind.MAINTENANCE_REMINDER) == []
    replay(store, date(2026, 6, 26))
    assert tasks(v1, RuleKind.MAINTENANCE_REMINDER) == [(sh(2026, 6, 26), sh(2026, 7, 3))]


def test_hand_computed_maintenance_month_end_and_weekend(store, cars):
    _v1, v2, _v3 = cars
    vehicle_figures_refresh(store=store, today=date(2026, 10, 20))
    # 31 Jul + 3 months = 31 Oct (Saturday); 7 days ahead = Sat 24 Oct, closed → Mon 26 Oct 00:00, the 7-day
    # window kept → Mon 2 Nov 00:00
    assert Vehicle.objects.get(pk=v2.pk).next_maintenance_date == date(2026, 10, 31)
    replay(store, date(2026, 10, 23))
    assert tasks(v2, RuleKind.MAINTENANCE_REMINDER) == []
    replay(store, date(2026, 10, 24))
    assert tasks(v2, RuleKind.MAINTENANCE_REMINDER) == [(sh(2026, 10, 26), sh(2026, 11, 2))]


def test_hand_computed_first_free_service_month_end(store, cars):
    _v1, _v2, v3 = cars
    vehicle_figures_refresh(store=store, today=date(2026, 11, 20))
    # delivered 31 Aug + 3 months = 30 Nov (no 31 Nov), Monday; 7 days ahead = Mon 23 Nov 00:00, to 30 Nov 00:00
    replay(store, date(2026, 11, 22))
    assert tasks(v3, RuleKind.FIRST_SERVICE_REMINDER) == []
    replay(store, date(2026, 11, 23))
    assert tasks(v3, RuleKind.FIRST_SERVICE_REMINDER) == [(sh(2026, 11, 23), sh(2026, 11, 30))]
    # and never a maintenance reminder for the same target
    assert tasks(v3, RuleKind.MAINTENANCE_REMINDER) == []
