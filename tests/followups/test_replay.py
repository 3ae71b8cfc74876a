"""Replay of a store's months (issue 14 §2): cars with hand-written histories, the archive growing day by day as
the DMS exports it, the derived figures refreshed and the daily sweep run every morning at 06:00 (the schedule's
time) with that day's fixed clock. The exact set of (car, kind, due day) tasks is computed by hand below; each
appears once, on its day, and nothing else appears."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from huifang.archive.choices import ActivityState, MileageSource, RepairOrderType
from huifang.archive.models import MileageReading, Vehicle
from huifang.archive.services import vehicle_figures_refresh
from huifang.archive.statistics import archive_statistics
from huifang.followups.choices import RuleKind
from huifang.followups.models import FollowUpTask
from huifang.followups.sweeps import DAILY_KINDS, sweep_run

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2027, 2, 28)
# The replay covers the kinds about a car's services: birthdays, festivals and the other dated kinds have no
# data here, and the whole daily job would only make the replay slower.
KINDS = (
    RuleKind.FIRST_SERVICE_REMINDER,
    RuleKind.MAINTENANCE_REMINDER,
    RuleKind.FIRST_SERVICE_LOST,
    RuleKind.LOST_CUSTOMER,
)
FIRST, MAINT, FIRST_LOST, LOST = KINDS


def d(text: str) -> date:
    return date.fromisoformat(text)


def visit(vehicle: Vehicle, day: str, km: int, ro_type: str = RepairOrderType.MAINTENANCE) -> None:
    """A repair order opened at 09:00 on `day` and its odometer reading, as the DMS import writes them."""
    opened = datetime.combine(d(day), time(9), tzinfo=SH)
    RepairOrderFactory(vehicle=vehicle, opened_at=opened, delivered_at=opened + timedelta(hours=6), ro_type=ro_type)
    MileageReading.objects.create(vehicle=vehicle, read_on=d(day), km=km, source=MileageSource.REPAIR_ORDER)


def reading(vehicle: Vehicle, day: str, km: int) -> None:
    MileageReading.objects.create(vehicle=vehicle, read_on=d(day), km=km, source=MileageSource.CALL)


@pytest.fixture
def cars(store):
    customer = CustomerFactory(store=store)
    return {
        # A: delivered 10 Jan 2026, no mileage known. First service by 3 months = 10 Apr, called 7 days before
        # (3 Apr); serviced 8 Apr -> next 8 Jul, called 1 Jul; serviced 5 Jul -> next 5 Oct, called 28 Sep, never
        # came: 6 months without a visit on 5 Jan 2027 (久未回厂). No 定保 call on 3 Apr beside the 首保 one.
        "A": VehicleFactory(customer=customer, delivery_date=d("2026-01-10")),
        # B: the export has no delivery date, only the purchase date (购车日期) 20 Feb 2026; a call on 2 Mar reads
        # 1,500 km (150 km/day): 5,000 km on day 33.3 -> day 33 = 25 Mar, before 3 months; called 18 Mar. Never
        # seen in the workshop: first service lost 12 months after purchase, 20 Feb 2027; no 久未回厂 call.
        "B": VehicleFactory(customer=customer, delivery_date=None, purchase_date=d("2026-02-20")),
        # C: delivered 5 Jan 2026; a repair (not a service) on 1 Mar at 2,000 km, one reading so no km per day:
        # 3 months (5 Apr), called 29 Mar. Never serviced: first service lost on 5 Jan 2027. Last visit 1 Mar:
        # 久未回厂 on 1 Sep 2026.
        "C": VehicleFactory(customer=customer, delivery_date=d("2026-01-05")),
        # D: an older car, serviced 20 Dec 2025 at 30,000 km after 27,000 km on 30 Nov: 150 km/day, so 5,000 km
        # on day 33.3 -> 22 Jan (not 23 Jan), called 15 Jan; serviced 20 Jan at 34,650 km (still 150 km/day) ->
        # 22 Feb, called 15 Feb; never back: 6 months on 20 Jul 2026, 12 months (流失) on 20 Jan 2027.
        "D": VehicleFactory(customer=customer, delivery_date=d("2024-06-01")),
    }


def history(cars) -> dict[date, list]:
    """What the DMS adds on each day of the replay (before that morning's sweep)."""
    a, b, c, dd = (cars[k] for k in "ABCD")
    return {
        d("2026-01-20"): [lambda: visit(dd, "2026-01-20", 34650)],
        d("2026-03-01"): [lambda: visit(c, "2026-03-01", 2000, RepairOrderType.REPAIR)],
        d("2026-03-02"): [lambda: reading(b, "2026-02-20", 0), lambda: reading(b, "2026-03-02", 1500)],
        d("2026-04-08"): [lambda: visit(a, "2026-04-08", 4000, RepairOrderType.FIRST_FREE_SERVICE)],
        d("2026-07-05"): [lambda: visit(a, "2026-07-05", 8000)],
    }


# (car, kind, day the task falls due), computed by hand in the comments of `cars`.
EXPECTED = {
    ("A", FIRST, d("2026-04-03")),
    ("A", MAINT, d("2026-07-01")),
    ("A", MAINT, d("2026-09-28")),
    ("A", LOST, d("2027-01-05")),
    ("B", FIRST, d("2026-03-18")),
    ("B", FIRST_LOST, d("2027-02-20")),
    ("C", FIRST, d("2026-03-29")),
    ("C", LOST, d("2026-09-01")),
    ("C", FIRST_LOST, d("2027-01-05")),
    ("D", MAINT, d("2026-01-15")),
    ("D", MAINT, d("2026-02-15")),
    ("D", LOST, d("2026-07-20")),
    ("D", LOST, d("2027-01-20")),
}


def replay(store, cars, *, until: date = LAST_DAY) -> dict[tuple, date]:
    """Run the store's days; returns {(car, kind, due day): the day the sweep created the task}."""
    # The car D's history before the replay starts.
    reading(cars["D"], "2025-11-30", 27000)
    visit(cars["D"], "2025-12-20", 30000)
    names = {v.pk: name for name, v in cars.items()}
    additions = history(cars)
    created: dict[tuple, date] = {}
    day, last_pk = FIRST_DAY, 0
    while day <= until:
        for add in additions.get(day, []):
            add()
        vehicle_figures_refresh(store=store, today=day)
        sweep_run(store=store, now=datetime.combine(day, time(6), tzinfo=SH), kinds=KINDS)
        for task in FollowUpTask.objects.filter(pk__gt=last_pk).order_by("pk"):
            created[(names[task.vehicle_id], task.kind, task.due_at.astimezone(SH).date())] = day
            last_pk = task.pk
        day += timedelta(days=1)
    return created


def test_one_task_per_car_per_service_on_the_hand_computed_day(store, cars):
    # given the cars and their histories; when the store's 14 months are replayed day by day
    created = replay(store, cars)
    # then exactly the hand-computed tasks exist, each once, each created on the day it fell due
    names = {v.pk: name for name, v in cars.items()}
    tasks = [(names[t.vehicle_id], t.kind, t.due_at.astimezone(SH).date()) for t in FollowUpTask.objects.all()]
    assert sorted(tasks) == sorted(EXPECTED)
    assert {key: created[key] for key in EXPECTED} == {key: key[2] for key in EXPECTED}
    # and each is due from midnight of its day
    assert {t.due_at.astimezone(SH).time() for t in FollowUpTask.objects.all()} == {time(0)}

    # then B and C are first-service lost (not lost customers), D is lost, A has not come for 7 months
    states = dict(Vehicle.objects.values_list("pk", "activity"))
    assert {name: states[v.pk] for name, v in cars.items()} == {
        "A": ActivityState.DORMANT,
        "B": ActivityState.FIRST_SERVICE_LOST,
        "C": ActivityState.FIRST_SERVICE_LOST,
        "D": ActivityState.LOST,
    }
    # and the statistics count C (Jan) and B (Feb) as first services lost, apart from D, the lost customer (Jan)
    monthly = {row["month"]: row for row in archive_statistics(stores=[store], today=LAST_DAY)["monthly"]}
    assert [(m, r["first_service_lost"]) for m, r in monthly.items() if r["first_service_lost"]] == [
        ("2027-01", 1),
        ("2027-02", 1),
    ]
    assert [(m, r["lost"]) for m, r in monthly.items() if r["lost"]] == [("2027-01", 1)]

    # when the last day runs again, later that day, and the morning B's first service was lost is replayed
    before = set(FollowUpTask.objects.values_list("rule_id", "subject", "occurrence_key", "due_at"))
    again = [
        sweep_run(store=store, now=datetime.combine(LAST_DAY, time(hour), tzinfo=SH), kinds=KINDS) for hour in (6, 18)
    ]
    again.append(sweep_run(store=store, now=datetime(2027, 2, 20, 6, tzinfo=SH), kinds=KINDS))
    # then nothing new: twice = once
    assert [sum(counts.values()) for counts in again] == [0, 0, 0]
    assert set(FollowUpTask.objects.values_list("rule_id", "subject", "occurrence_key", "due_at")) == before


def test_the_daily_job_sweeps_the_replayed_kinds():
    # the replay runs kinds of the scheduled daily job, not some other set
    assert set(KINDS) <= set(DAILY_KINDS)
