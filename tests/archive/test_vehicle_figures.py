from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from huifang.archive.choices import ActivityState, RepairOrderType
from huifang.archive.models import MileageReading
from huifang.archive.services import vehicle_figures_refresh

from ..factories import RepairOrderFactory, VehicleFactory

SH = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 25)


def at(d: str, hour: int = 10) -> datetime:
    y, m, day = map(int, d.split("-"))
    return datetime(y, m, day, hour, tzinfo=SH)


def visit(vehicle, opened: str, km: int, ro_type=RepairOrderType.MAINTENANCE):
    RepairOrderFactory(
        vehicle=vehicle, opened_at=at(opened), delivered_at=at(opened, 16), mileage_in=km, ro_type=ro_type
    )
    MileageReading.objects.create(vehicle=vehicle, read_on=date.fromisoformat(opened), km=km, source="repair_order")


@pytest.mark.django_db
def test_figures_follow_the_km_interval_when_the_car_is_driven_a_lot(store):
    # given a car driven 100 km a day, serviced twice 60 days apart
    vehicle = VehicleFactory(customer__store=store, delivery_date=date(2026, 1, 1))
    visit(vehicle, "2026-08-01", 20000)
    visit(vehicle, "2026-09-30", 26000, ro_type=RepairOrderType.FIRST_FREE_SERVICE)
    visit(vehicle, "2026-10-10", 27000, ro_type=RepairOrderType.REPAIR)
    # when
    vehicle_figures_refresh(store=store, today=TODAY)
    vehicle.refresh_from_db()
    # then: 7000 km in 70 days = 100 km/day; 5,000 km come after 50 days, before 3 months
    assert vehicle.avg_km_per_day == pytest.approx(100.0)
    assert vehicle.avg_days_between_maintenance == pytest.approx(60.0)
    assert vehicle.last_maintenance_at == at("2026-09-30")
    assert vehicle.last_maintenance_km == 26000
    assert vehicle.last_visit_at == at("2026-10-10")
    assert vehicle.current_km == 27000
    assert vehicle.next_maintenance_km == 31000
    assert vehicle.next_maintenance_date == date(2026, 9, 30) + timedelta(days=50)
    assert vehicle.visits_12m == 3
    assert vehicle.activity == ActivityState.ACTIVE


@pytest.mark.django_db
def test_figures_follow_three_months_for_a_car_rarely_driven(store):
    # given 10 km a day: 5,000 km would take 500 days, so 3 months come first
    vehicle = VehicleFactory(customer__store=store)
    visit(vehicle, "2026-05-31", 1000)
    visit(vehicle, "2026-08-31", 1920)
    # when
    vehicle_figures_refresh(store=store, today=TODAY)
    vehicle.refresh_from_db()
    # then: 31 Aug + 3 months is the last day of November
    assert vehicle.avg_km_per_day == pytest.approx(10.0)
    assert vehicle.next_maintenance_date == date(2026, 11, 30)


@pytest.mark.django_db
def test_month_end_is_clamped_like_the_calendar(store):
    vehicle = VehicleFactory(customer__store=store)
    visit(vehicle, "2025-11-30", 1000)
    vehicle_figures_refresh(store=store, today=date(2026, 1, 10))
    vehicle.refresh_from_db()
    assert vehicle.next_maintenance_date == date(2026, 2, 28)
    assert vehicle.avg_km_per_day is None


@pytest.mark.django_db
def test_activity_turns_dormant_after_6_and_lost_after_12_months(store):
    # given three cars last seen 2, 7 and 13 months ago, and a new one never serviced
    recent, dormant, lost = (VehicleFactory(customer__store=store) for _ in range(3))
    visit(recent, "2026-09-25", 5000)
    visit(dormant, "2026-04-20", 5000)
    visit(lost, "2025-10-20", 5000)
    new = VehicleFactory(customer__store=store, delivery_date=date(2026, 10, 1))
    # when
    vehicle_figures_refresh(store=store, today=TODAY)
    # then
    states = {v.pk: v.activity for v in type(recent).objects.all()}
    assert states[recent.pk] == ActivityState.ACTIVE
    assert states[dormant.pk] == ActivityState.DORMANT
    assert states[lost.pk] == ActivityState.LOST
    assert states[new.pk] == ActivityState.ACTIVE
    new.refresh_from_db()
    # a new car's first service is 3 months after delivery, at 5,000 km
    assert (new.next_maintenance_date, new.next_maintenance_km) == (date(2027, 1, 1), 5000)


@pytest.mark.django_db
def test_refresh_touches_only_the_store_asked_for(store, other_store):
    mine = VehicleFactory(customer__store=store)
    theirs = VehicleFactory(customer__store=other_store)
    visit(mine, "2026-10-01", 100)
    visit(theirs, "2026-10-01", 100)
    vehicle_figures_refresh(store=store, today=TODAY)
    theirs.refresh_from_db()
    assert theirs.last_visit_at is None


@pytest.mark.django_db
def test_the_predicted_date_is_the_day_the_km_interval_is_reached(store):
    # given a car driven 150 km a day (3,000 km over 20 days), last serviced on 1 October
    vehicle = VehicleFactory(customer__store=store)
    visit(vehicle, "2026-09-11", 7000, ro_type=RepairOrderType.REPAIR)
    visit(vehicle, "2026-10-01", 10000)
    # when
    vehicle_figures_refresh(store=store, today=TODAY)
    vehicle.refresh_from_db()
    # then 5,000 km are reached on day 33.3, i.e. during day 33 = 3 November (issue 14 §2), not 4 November
    assert vehicle.avg_km_per_day == pytest.approx(150.0)
    assert vehicle.next_maintenance_date == date(2026, 11, 3)
