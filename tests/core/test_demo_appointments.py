"""The demo's appointment history: reminder calls that booked visits, cars that came or did not, and the
bookings of the coming days, made through the real services, within the store's capacity."""

from collections import Counter
from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db.models import Count

from huifang.accounts.models import Store
from huifang.appointments.choices import AppointmentSource, AppointmentStatus
from huifang.appointments.models import Appointment, AppointmentPolicy
from huifang.archive.models import RepairOrder
from huifang.core import clock
from huifang.followups.choices import RuleKind, TaskStatus
from huifang.followups.effectiveness import month_starts, reminder_effectiveness

pytestmark = pytest.mark.django_db

# Big enough for a few bookings a day (150 customers give a handful in the whole history).
CUSTOMERS = 300


@pytest.fixture(scope="module")
def store(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", "--customers", str(CUSTOMERS), "--seed", "7", "--store", "SZ01", stdout=StringIO())
        call_command("seed_demo_history", "--store", "SZ01", stdout=StringIO())
        yield Store.objects.get(code="SZ01")
        call_command("flush", "--no-input", verbosity=0)


def test_past_bookings_came_or_did_not_and_the_visits_are_their_repair_orders(store):
    now = clock.now()
    past = Appointment.objects.filter(store=store, ends_at__lt=now - timedelta(days=2))
    by_status = Counter(past.values_list("status", flat=True))
    # then most past bookings arrived, some were no-shows, none is still waiting
    assert by_status[AppointmentStatus.ARRIVED] >= 5
    assert by_status[AppointmentStatus.NO_SHOW] >= 1
    assert by_status[AppointmentStatus.ARRIVED] > 2 * by_status[AppointmentStatus.NO_SHOW]
    assert not past.filter(status__in=[AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED]).exists()
    # and each arrival is the same car's repair order opened on the booked day (docs/appointments.md)
    tz = ZoneInfo(store.time_zone)
    for appointment in past.filter(status=AppointmentStatus.ARRIVED).select_related("repair_order"):
        order = appointment.repair_order
        assert order is not None and order.vehicle_id == appointment.vehicle_id
        assert order.opened_at.astimezone(tz).date() == appointment.starts_at.astimezone(tz).date()
    # and every no-show was called back (a task for whoever booked it)
    assert not past.filter(status=AppointmentStatus.NO_SHOW, no_show_task=None).exists()


def test_the_coming_week_is_booked_over_advisors_and_slots(store):
    now = clock.now()
    upcoming = Appointment.objects.filter(
        store=store, starts_at__gte=now - timedelta(hours=12), starts_at__lt=now + timedelta(days=10)
    ).exclude(status=AppointmentStatus.CANCELLED)
    days = {a.starts_at.astimezone(ZoneInfo(store.time_zone)).date() for a in upcoming}
    # then at least five open days ahead hold bookings, with both advisors and from calls, pages and the DMS
    assert len(days) >= 5
    assert upcoming.exclude(advisor=None).values("advisor").distinct().count() == 2
    sources = set(Appointment.objects.filter(store=store).values_list("source", flat=True))
    assert {AppointmentSource.CALL, AppointmentSource.CUSTOMER_PAGE, AppointmentSource.DMS} <= sources
    # and the advisor who logs in to the demo (王磊) has his own bookings in the coming days
    assert upcoming.filter(advisor__username="advisor").count() >= 3


def test_no_slot_holds_more_cars_than_its_capacity_and_no_advisor_two(store):
    capacity = AppointmentPolicy.objects.get(store=store).slot_capacity
    held = Appointment.objects.filter(store=store).exclude(status=AppointmentStatus.CANCELLED)
    per_slot = held.values("starts_at").annotate(n=Count("pk")).order_by("-n").first()
    per_advisor = held.exclude(advisor=None).values("starts_at", "advisor").annotate(n=Count("pk")).order_by("-n")
    assert per_slot is not None and per_slot["n"] <= capacity
    assert per_advisor.first()["n"] == 1


def test_reminder_effectiveness_shows_bookings_arrivals_and_returns_over_two_months(store):
    today = clock.now().astimezone(ZoneInfo(store.time_zone)).date()
    rows = reminder_effectiveness(stores=[store], months=month_starts(today=today))
    months = Counter()
    for row in rows:
        if row["booked"] and row["arrived"] and row["returned"]:
            months[row["month"]] += 1
    # then at least two months have booked, arrived and returned reminders
    assert len(months) >= 2
    booked = sum(r["booked"] for r in rows)
    reminded = sum(r["reminded"] for r in rows)
    # and about a quarter to a half of the reminded booked (a third of the reached, most are reached)
    assert 0.15 * reminded <= booked <= 0.5 * reminded


def test_reminder_bookings_end_their_call_task_and_visits_are_in_the_archive(store):
    from_calls = Appointment.objects.filter(store=store, source=AppointmentSource.CALL).exclude(task=None)
    assert from_calls.exists()
    # then the reminder call that booked is done, with the booking noted on its attempt
    reminders = from_calls.filter(task__kind__in=[RuleKind.MAINTENANCE_REMINDER, RuleKind.FIRST_SERVICE_REMINDER])
    assert reminders.exists()
    assert not reminders.exclude(task__status=TaskStatus.DONE).exists()
    assert RepairOrder.objects.filter(store=store, is_appointment=True, appointments__isnull=False).exists()
