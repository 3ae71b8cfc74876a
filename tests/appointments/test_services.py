"""Booking, capacity, moving and cancelling, arrivals, no-shows and reminders, with hand-computed instants."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from huifang.accounts.choices import Role
from huifang.appointments import services
from huifang.appointments.choices import AppointmentSource, AppointmentStatus, EventKind, ServiceKind
from huifang.appointments.models import Appointment
from huifang.followups.choices import RuleKind, TaskStatus
from huifang.followups.models import FollowUpTask
from huifang.messaging.models import OutboxMessage
from tests.factories import CustomerFactory, RepairOrderFactory, VehicleFactory, member

SH = ZoneInfo("Asia/Shanghai")
# Monday 7 December 2026, 09:00 in Shenzhen.
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=SH)
TUESDAY_10 = datetime(2026, 12, 8, 10, 0, tzinfo=SH)


@pytest.fixture
def policy(store):
    policy = services.policy_for(store=store)
    policy.slot_capacity = 2
    policy.open_weekdays = "012345"  # closed on Sundays
    policy.save()
    return policy


@pytest.fixture
def car(store):
    customer = CustomerFactory(store=store, name="李四", mobile="+8613912345678")
    return VehicleFactory(customer=customer, plate="粤B12345")


def book(store, car, specialist, starts_at=TUESDAY_10, advisor=None, now=NOW, **kwargs):
    return services.appointment_book(
        store=store,
        customer=car.customer,
        vehicle=car,
        service=ServiceKind.MAINTENANCE,
        starts_at=starts_at,
        advisor=advisor,
        actor=specialist,
        now=now,
        source=AppointmentSource.CALL,
        **kwargs,
    )


def test_a_booking_takes_a_slot_records_who_and_sends_the_confirmation_with_the_link(store, policy, car, specialist):
    # when
    appointment = book(store, car, specialist)
    # then
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.ends_at == datetime(2026, 12, 8, 10, 30, tzinfo=SH)
    assert list(appointment.events.values_list("kind", "actor")) == [
        (EventKind.BOOKED, specialist.pk),
        (EventKind.CONFIRMATION_SENT, None),
    ]
    sms = OutboxMessage.objects.get(customer=car.customer)
    assert "您已预约12月08日 10:00到店保养（粤B12345）" in sms.body
    assert services.link_url(appointment) in sms.body


def test_a_full_slot_refuses_the_next_booking_and_names_the_slot(store, policy, car, specialist):
    # given: capacity 2
    book(store, car, specialist)
    book(store, VehicleFactory(customer=CustomerFactory(store=store)), specialist)
    # when / then
    with pytest.raises(ValidationError) as error:
        book(store, VehicleFactory(customer=CustomerFactory(store=store)), specialist)
    assert "10:00" in str(error.value) and "2" in str(error.value)
    assert Appointment.objects.filter(starts_at=TUESDAY_10).count() == 2


def test_a_cancelled_booking_frees_its_place(store, policy, car, specialist):
    # given
    first = book(store, car, specialist)
    book(store, VehicleFactory(customer=CustomerFactory(store=store)), specialist)
    # when
    services.appointment_cancel(appointment=first, actor=specialist, now=NOW, reason="客户出差")
    # then: the third car now fits
    third = book(store, VehicleFactory(customer=CustomerFactory(store=store)), specialist)
    assert third.status == AppointmentStatus.BOOKED
    first.refresh_from_db()
    assert first.closed_reason == "客户出差"
    assert first.events.filter(kind=EventKind.CANCELLED, actor=specialist, reason="客户出差").exists()


def test_an_advisor_takes_one_car_per_slot(store, policy, car, specialist):
    # given
    advisor = member(store, Role.SERVICE_ADVISOR, display_name="王磊")
    book(store, car, specialist, advisor=advisor)
    # when / then
    with pytest.raises(ValidationError) as error:
        book(store, VehicleFactory(customer=CustomerFactory(store=store)), specialist, advisor=advisor)
    assert "advisor" in error.value.message_dict


@pytest.mark.parametrize(
    ("starts_at", "field"),
    [
        (datetime(2026, 12, 13, 10, 0, tzinfo=SH), "starts_at"),  # a Sunday: closed
        (datetime(2026, 12, 8, 10, 15, tzinfo=SH), "starts_at"),  # not the start of a 30-minute slot
        (datetime(2026, 12, 8, 17, 30, tzinfo=SH), "starts_at"),  # closing time: the slot would end after it
        (datetime(2026, 12, 7, 8, 30, tzinfo=SH), "starts_at"),  # already begun
        (datetime(2027, 3, 1, 10, 0, tzinfo=SH), "starts_at"),  # beyond the 60-day horizon
    ],
)
def test_only_future_slots_of_open_days_can_be_booked(store, policy, car, specialist, starts_at, field):
    with pytest.raises(ValidationError) as error:
        book(store, car, specialist, starts_at=starts_at)
    assert field in error.value.message_dict


def test_a_vehicle_of_another_customer_or_store_is_refused(store, other_store, policy, car, specialist):
    stranger = VehicleFactory(customer=CustomerFactory(store=other_store))
    with pytest.raises(ValidationError):
        services.appointment_book(
            store=store,
            customer=car.customer,
            vehicle=stranger,
            service=ServiceKind.REPAIR,
            starts_at=TUESDAY_10,
            actor=specialist,
            now=NOW,
            source=AppointmentSource.CALL,
        )


def test_moving_an_appointment_keeps_capacity_and_sends_a_new_confirmation(store, policy, car, specialist):
    # given
    appointment = book(store, car, specialist)
    later = datetime(2026, 12, 9, 14, 0, tzinfo=SH)
    # when
    services.appointment_reschedule(appointment=appointment, starts_at=later, actor=specialist, now=NOW, reason="改期")
    # then
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.ends_at) == (later, later + timedelta(minutes=30))
    event = appointment.events.get(kind=EventKind.RESCHEDULED)
    assert (event.actor, event.reason) == (specialist, "改期")
    assert OutboxMessage.objects.filter(customer=car.customer).count() == 2


def test_the_next_repair_order_of_the_car_keeps_the_appointment(store, policy, car, specialist):
    # given: booked Tuesday 10:00; the car comes Wednesday (the day after: inside the default 1-day window)
    appointment = book(store, car, specialist)
    order = RepairOrderFactory(vehicle=car, opened_at=datetime(2026, 12, 9, 8, 40, tzinfo=SH))
    # when
    matched = services.appointments_match_arrivals(store=store, now=datetime(2026, 12, 9, 20, 0, tzinfo=SH))
    again = services.appointments_match_arrivals(store=store, now=datetime(2026, 12, 9, 20, 15, tzinfo=SH))
    # then
    appointment.refresh_from_db()
    assert (matched, again) == (1, 0)
    assert appointment.status == AppointmentStatus.ARRIVED
    assert appointment.repair_order == order
    assert appointment.events.filter(kind=EventKind.ARRIVED).count() == 1


def test_an_order_two_days_late_or_before_the_slot_does_not_count(store, policy, car, specialist):
    # given
    appointment = book(store, car, specialist)
    RepairOrderFactory(vehicle=car, opened_at=datetime(2026, 12, 10, 9, 0, tzinfo=SH))  # Thursday: too late
    RepairOrderFactory(vehicle=car, opened_at=datetime(2026, 12, 7, 8, 0, tzinfo=SH))  # the day before
    # when
    services.appointments_match_arrivals(store=store, now=datetime(2026, 12, 10, 20, 0, tzinfo=SH))
    # then
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_an_order_under_the_same_plate_counts_when_the_dms_made_a_new_vehicle(store, policy, car, specialist):
    # given: the DMS import created the car again (another VIN record) with the same plate
    appointment = book(store, car, specialist)
    twin = VehicleFactory(customer=car.customer, plate="粤B12345")
    RepairOrderFactory(vehicle=twin, opened_at=datetime(2026, 12, 8, 9, 50, tzinfo=SH))
    # when
    services.appointments_match_arrivals(store=store, now=datetime(2026, 12, 8, 20, 0, tzinfo=SH))
    # then
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.ARRIVED


def test_a_missed_slot_becomes_a_no_show_with_one_follow_up_call(store, policy, car, specialist):
    # given: Tuesday 10:00–10:30; the no-show falls 18 h after the slot's end = Wednesday 04:30
    appointment = book(store, car, specialist)
    # when
    before = services.appointments_mark_no_shows(store=store, now=datetime(2026, 12, 9, 4, 29, tzinfo=SH))
    marked = services.appointments_mark_no_shows(store=store, now=datetime(2026, 12, 9, 4, 30, tzinfo=SH))
    twice = services.appointments_mark_no_shows(store=store, now=datetime(2026, 12, 9, 5, 0, tzinfo=SH))
    # then
    appointment.refresh_from_db()
    assert (before, marked, twice) == (0, 1, 0)
    assert appointment.status == AppointmentStatus.NO_SHOW
    task = FollowUpTask.objects.get(kind=RuleKind.APPOINTMENT_NO_SHOW)
    assert appointment.no_show_task == task
    assert (task.customer, task.assigned_to, task.status) == (car.customer, specialist, TaskStatus.OPEN)


def test_a_late_dms_import_turns_a_no_show_into_an_arrival_and_drops_its_call(store, policy, car, specialist):
    # given
    appointment = book(store, car, specialist)
    services.appointments_mark_no_shows(store=store, now=datetime(2026, 12, 9, 6, 0, tzinfo=SH))
    RepairOrderFactory(vehicle=car, opened_at=datetime(2026, 12, 8, 10, 5, tzinfo=SH))
    # when
    services.appointments_match_arrivals(store=store, now=datetime(2026, 12, 9, 21, 0, tzinfo=SH))
    # then
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.ARRIVED
    assert FollowUpTask.objects.get(kind=RuleKind.APPOINTMENT_NO_SHOW).status == TaskStatus.CANCELLED


def test_the_day_before_reminder_goes_once_at_the_reminder_time(store, policy, car, specialist):
    # given: booked Monday 09:00 for Tuesday 10:00; reminder at Monday 10:00
    appointment = book(store, car, specialist)
    # when
    early = services.appointment_reminders_send(store=store, now=datetime(2026, 12, 7, 9, 59, tzinfo=SH))
    due = services.appointment_reminders_send(store=store, now=datetime(2026, 12, 7, 10, 0, tzinfo=SH))
    again = services.appointment_reminders_send(store=store, now=datetime(2026, 12, 7, 10, 15, tzinfo=SH))
    # then
    assert (early, due, again) == (0, 1, 0)
    assert appointment.events.filter(kind=EventKind.REMINDER_SENT).count() == 1
    assert OutboxMessage.objects.filter(customer=car.customer).count() == 2


def test_a_booking_made_after_the_reminder_time_gets_no_second_message(store, policy, car, specialist):
    # given: booked Monday 15:00 for Tuesday 10:00 — the confirmation has just gone
    book(store, car, specialist, now=datetime(2026, 12, 7, 15, 0, tzinfo=SH))
    # when
    sent = services.appointment_reminders_send(store=store, now=datetime(2026, 12, 7, 15, 15, tzinfo=SH))
    # then
    assert sent == 0
    assert OutboxMessage.objects.filter(customer=car.customer).count() == 1


def test_the_store_settings_change_the_slots(store, policy, car, specialist):
    # given: hour-long slots from 09:00
    policy.slot_minutes, policy.day_start = 60, time(9, 0)
    policy.save()
    # when / then
    assert book(store, car, specialist, starts_at=datetime(2026, 12, 8, 11, 0, tzinfo=SH)).ends_at == datetime(
        2026, 12, 8, 12, 0, tzinfo=SH
    )
    with pytest.raises(ValidationError):
        book(store, car, specialist, starts_at=datetime(2026, 12, 8, 11, 30, tzinfo=SH))


def test_bookings_follow_the_store_calendar_saturdays_and_official_holidays(store, policy, car, specialist):
    # given: the store opens on Saturdays 09:00-16:00 (its calendar), and follows the official holidays
    from huifang.calendars.selectors import calendar_row_for

    row = calendar_row_for(store=store)
    weekly = list(row.weekly_hours)
    weekly[5] = ["09:00", "16:00"]
    row.weekly_hours = weekly
    row.save()
    saturday = datetime(2026, 12, 12, 9, 0, tzinfo=SH)
    # when / then: Saturday 09:00 books (not 08:30: the store opens at 09:00; not 16:00: it closes then)
    assert book(store, car, specialist, starts_at=saturday).ends_at == saturday + timedelta(minutes=30)
    for closed in (datetime(2026, 12, 12, 8, 30, tzinfo=SH), datetime(2026, 12, 12, 16, 0, tzinfo=SH)):
        with pytest.raises(ValidationError):
            book(store, car, specialist, starts_at=closed)
    # New Year's Day 2027 is an official holiday (a Friday): no slot
    with pytest.raises(ValidationError) as error:
        book(
            store,
            car,
            specialist,
            starts_at=datetime(2027, 1, 1, 10, 0, tzinfo=SH),
            now=datetime(2026, 12, 20, 9, 0, tzinfo=SH),
        )
    assert "2027-01-01" in str(error.value)
