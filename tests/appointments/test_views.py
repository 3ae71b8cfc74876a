"""Appointment screens through the client: calendar, booking from a call, the customer's link, store scoping."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from huifang.accounts.choices import Role
from huifang.appointments import services
from huifang.appointments.choices import AppointmentSource, AppointmentStatus, EventKind, ServiceKind
from huifang.appointments.models import Appointment
from huifang.appointments.tokens import token_make
from huifang.core import clock
from huifang.followups.choices import AttemptOutcome, RuleKind, TaskStatus
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.services import rules_ensure_defaults
from tests.factories import CustomerFactory, VehicleFactory, member

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def car(store):
    return VehicleFactory(customer=CustomerFactory(store=store, name="赵六"), plate="粤B66666")


@pytest.fixture
def tomorrow_10(store):
    """10:00 on the store's next open day (its calendar: weekdays, holidays)."""
    from huifang.calendars.selectors import calendar_for

    local = calendar_for(store=store).next_open_day(timezone.now().astimezone(SH).date())
    return datetime(local.year, local.month, local.day, 10, 0, tzinfo=SH)


def _book(store, car, actor, starts_at):
    return services.appointment_book(
        store=store,
        customer=car.customer,
        vehicle=car,
        service=ServiceKind.MAINTENANCE,
        starts_at=starts_at,
        actor=actor,
        now=clock.now(),
        source=AppointmentSource.CUSTOMER_PAGE,
    )


def test_the_calendar_shows_each_slot_with_its_capacity_and_bookings(client, store, car, specialist, tomorrow_10):
    # given
    _book(store, car, specialist, tomorrow_10)
    client.force_login(specialist)
    # when
    page = client.get("/appointments/", {"day": tomorrow_10.date().isoformat()})
    # then
    text = page.content.decode()
    assert page.status_code == 200
    assert "赵六" in text and "粤B66666" in text
    assert "1/3" in text and "0/3" in text


def test_an_advisors_day_shows_slots_booked_with_colleagues_as_taken_not_free(
    client, store, car, specialist, tomorrow_10
):
    # given a booking at 10:00 with advisor A
    a = member(store, Role.SERVICE_ADVISOR, username="advisor_a")
    b = member(store, Role.SERVICE_ADVISOR, username="advisor_b")
    services.appointment_book(
        store=store,
        customer=car.customer,
        vehicle=car,
        service=ServiceKind.MAINTENANCE,
        starts_at=tomorrow_10,
        actor=specialist,
        now=clock.now(),
        source=AppointmentSource.CUSTOMER_PAGE,
        advisor=a,
    )
    # when advisor B opens their own list for that day
    client.force_login(b)
    text = client.get("/appointments/", {"day": tomorrow_10.date().isoformat()}).content.decode()
    # then the 10:00 slot counts the colleague's booking (1/3, taken by another advisor), the day says how many of
    # the store's bookings are B's, and B's list does not show the customer
    assert "1/3" in text and "已被其他顾问预约" in text
    assert 'id="advisor-count">其中该顾问 0 个' in text
    assert "赵六" not in text


def test_booking_from_a_maintenance_reminder_call_ends_the_task_and_goes_to_the_next(
    client, store, car, specialist, tomorrow_10
):
    # given: an open maintenance reminder task of the specialist
    rules_ensure_defaults(store=store)
    rule = FollowUpRule.objects.get(store=store, kind=RuleKind.MAINTENANCE_REMINDER)
    now = timezone.now()
    task = FollowUpTask.objects.create(
        store=store,
        rule=rule,
        kind=rule.kind,
        customer=car.customer,
        vehicle=car,
        subject=f"v{car.pk}",
        occurrence_key="m1",
        due_at=now,
        window_end=now + timedelta(days=7),
        channel=rule.channel,
        assigned_to=specialist,
        created_at=now,
    )
    client.force_login(specialist)
    # when
    response = client.post(
        "/appointments/book/",
        {
            "customer": car.customer.pk,
            "task": task.pk,
            "next": "/workbench/next/",
            "day": tomorrow_10.date().isoformat(),
            "slot": "10:00",
            "service": ServiceKind.MAINTENANCE,
            "vehicle": car.pk,
            "advisor": "",
            "note": "顺便洗车",
        },
    )
    # then
    assert response.status_code == 302 and response["Location"] == "/workbench/next/"
    appointment = Appointment.objects.get()
    assert (appointment.task, appointment.source, appointment.starts_at) == (task, AppointmentSource.CALL, tomorrow_10)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.attempts.get().outcome == AttemptOutcome.COMPLETED


def test_a_full_slot_is_refused_on_the_form_with_the_reason(client, store, car, specialist, tomorrow_10):
    # given
    policy = services.policy_for(store=store)
    policy.slot_capacity = 1
    policy.save()
    _book(store, VehicleFactory(customer=CustomerFactory(store=store)), specialist, tomorrow_10)
    client.force_login(specialist)
    # when
    response = client.post(
        "/appointments/book/",
        {
            "customer": car.customer.pk,
            "day": tomorrow_10.date().isoformat(),
            "slot": "10:00",
            "service": ServiceKind.REPAIR,
            "vehicle": car.pk,
        },
    )
    # then
    assert response.status_code == 422
    assert "10:00" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_the_customer_confirms_moves_and_cancels_on_the_signed_page(client, store, car, specialist, tomorrow_10):
    # given
    appointment = _book(store, car, specialist, tomorrow_10)
    url = f"/a/{token_make(appointment_id=appointment.pk, nonce=appointment.link_nonce)}/"
    # when / then: confirm
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "confirm"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED
    # move to 14:00 the same day
    client.post(url, {"action": "reschedule", "day": tomorrow_10.date().isoformat(), "slot": "14:00"})
    appointment.refresh_from_db()
    assert appointment.starts_at == tomorrow_10.replace(hour=14)
    assert appointment.events.get(kind=EventKind.RESCHEDULED).by_customer
    # cancel; the link then says it can no longer be changed
    client.post(url, {"action": "cancel", "reason": "临时出差"})
    appointment.refresh_from_db()
    assert (appointment.status, appointment.closed_reason) == (AppointmentStatus.CANCELLED, "临时出差")
    assert client.get(url).status_code == 410


def test_an_altered_link_is_refused(client, store, car, specialist, tomorrow_10):
    appointment = _book(store, car, specialist, tomorrow_10)
    token = token_make(appointment_id=appointment.pk, nonce=appointment.link_nonce)
    assert client.get(f"/a/{token[:-1]}x/").status_code == 400
    assert client.get(f"/a/{token_make(appointment_id=appointment.pk, nonce='guess')}/").status_code == 400


def test_another_store_sees_nothing_and_the_oem_has_no_calendar(client, store, car, specialist, outsider, tomorrow_10):
    # given
    appointment = _book(store, car, specialist, tomorrow_10)
    oem = member(store, Role.OEM_REGIONAL)
    # when / then
    client.force_login(outsider)
    assert client.get(f"/appointments/{appointment.pk}/").status_code == 404
    assert client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert "赵六" not in client.get("/appointments/").content.decode()
    assert client.get("/appointments/book/", {"customer": car.customer.pk}).status_code == 404
    client.force_login(oem)
    assert client.get("/appointments/").status_code == 403


def test_the_customer_page_lists_upcoming_appointments_with_a_booking_button(
    client, store, car, specialist, tomorrow_10
):
    _book(store, car, specialist, tomorrow_10)
    client.force_login(specialist)
    text = client.get(f"/archive/customers/{car.customer.pk}/").content.decode()
    assert 'id="book-appointment"' in text
    assert tomorrow_10.strftime("%Y-%m-%d") in text


def test_the_api_books_refuses_a_full_slot_by_field_and_hides_other_stores(
    client, store, car, specialist, outsider, tomorrow_10
):
    # given
    policy = services.policy_for(store=store)
    policy.slot_capacity = 1
    policy.save()
    client.force_login(specialist)
    body = {
        "customer_id": car.customer.pk,
        "vehicle_id": car.pk,
        "service": "maintenance",
        "starts_at": tomorrow_10.isoformat(),
    }
    # when
    first = client.post("/api/appointments/", body, content_type="application/json")
    second = client.post("/api/appointments/", body, content_type="application/json")
    slots = client.get(f"/api/appointments/stores/{store.pk}/slots", {"day": tomorrow_10.date().isoformat()})
    # then
    assert first.status_code == 201 and first.json()["status"] == "booked"
    assert second.status_code == 422
    assert "starts_at" in second.content.decode()
    ten = next(s for s in slots.json() if s["start"].startswith(tomorrow_10.strftime("%Y-%m-%dT10:00")))
    assert (ten["booked"], ten["free"], ten["bookable"]) == (1, 0, False)
    client.force_login(outsider)
    assert client.post("/api/appointments/", body, content_type="application/json").status_code == 404
    assert client.get(f"/api/appointments/stores/{store.pk}/slots", {"day": "2026-12-08"}).status_code == 404


def _settings_post(store, **changes):
    data = {
        "store": store.pk,
        "slot_minutes": 30,
        "slot_capacity": 3,
        "day_start": "08:30",
        "day_end": "17:30",
        "open_weekdays": "0123456",
        "arrival_match_days": 1,
        "no_show_after_hours": 18,
        "reminder_time": "10:00",
        "booking_horizon_days": 60,
        "reminder_booking_days": 7,
        "confirmation_text": "【{store_name}】{customer_name}，您已预约{day} {time}。{link}",
        "reminder_text": "【{store_name}】明天{time}见",
    }
    return data | changes


def test_the_director_changes_the_slot_capacity_and_it_is_audited(client, store, director):
    from huifang.audit.models import AuditEntry

    client.force_login(director)
    response = client.post("/appointments/settings/", _settings_post(store, slot_capacity=5))
    assert response.status_code == 302
    assert services.policy_for(store=store).slot_capacity == 5
    entry = AuditEntry.objects.filter(actor=director).latest("at")
    assert entry.changes["slot_capacity"] == [3, 5]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"day_end": "08:00"}, "day_end"),
        ({"open_weekdays": "78"}, "open_weekdays"),
        ({"confirmation_text": "您已预约{day}"}, "confirmation_text"),  # no link for the customer
        ({"reminder_text": "明天{unknown}见"}, "reminder_text"),
    ],
)
def test_bad_settings_are_refused_by_field_and_nothing_changes(client, store, director, changes, field):
    client.force_login(director)
    response = client.post("/appointments/settings/", _settings_post(store, slot_capacity=5, **changes))
    assert response.status_code == 422
    assert f'has-error"><label for="id_{field}"' in response.content.decode()
    assert services.policy_for(store=store).slot_capacity == 3


def test_a_specialist_cannot_open_the_settings(client, store, specialist):
    client.force_login(specialist)
    assert client.get("/appointments/settings/").status_code == 403


def _queries(client, params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get("/appointments/", params).status_code == 200
    return len(captured)


def test_the_week_view_costs_the_same_queries_as_one_day(client, store, car, specialist, tomorrow_10):
    # given: bookings on two different days of the week
    _book(store, car, specialist, tomorrow_10)
    other = VehicleFactory(customer=CustomerFactory(store=store), plate="粤B77777")
    _book(store, other, specialist, tomorrow_10 + timedelta(hours=1))
    client.force_login(specialist)
    day = tomorrow_10.date().isoformat()
    _queries(client, {"day": day})  # the first request creates the session and the appointment settings
    # when
    one_day = _queries(client, {"day": day})
    week = _queries(client, {"day": day, "view": "week"})
    # then: the store calendar and the slots' bookings are read once per request, not once per day shown
    assert week == one_day
    assert week == 10  # the session's user read with the session (core.sessions)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-02-30", "abc"])
@pytest.mark.parametrize("view", ["", "week"])
def test_a_day_the_calendar_cannot_show_opens_today(client, store, specialist, day, view):
    # given (found by tests/test_hostile_input.py: 9999-12-31 overflowed the day's end, a 500)
    client.force_login(specialist)
    # when
    response = client.get("/appointments/", {"day": day, "view": view})
    # then the calendar opens on today
    assert response.status_code == 200
    assert timezone.now().astimezone(SH).date() in [c["day"] for c in response.context["columns"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"day": "9999-12-31"}, "day"),
        ({"day": "0001-01-01"}, "day"),
        ({"advisor_id": str(2**63)}, "advisor_id"),
        ({"advisor_id": "-1"}, "advisor_id"),
    ],
)
def test_the_api_refuses_a_day_or_advisor_outside_the_calendar_naming_it(client, store, specialist, query, field):
    # given (found by tests/test_hostile_api.py: each was a 500, an overflow in date arithmetic or in SQLite)
    client.force_login(specialist)
    # when
    day_list = client.get(f"/api/appointments/stores/{store.pk}/appointments", query)
    slots = client.get(f"/api/appointments/stores/{store.pk}/slots", query if field == "day" else {})
    # then
    assert day_list.status_code == 422
    assert field in day_list.json()["detail"][0]["loc"]
    assert slots.status_code == (422 if field == "day" else 200)
