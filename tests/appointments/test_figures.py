"""The appointment analysis computed by hand on a small month."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from huifang.appointments.choices import AppointmentSource, AppointmentStatus, ServiceKind
from huifang.appointments.figures import appointment_analysis
from huifang.appointments.models import Appointment
from tests.factories import CustomerFactory, RepairOrderFactory, VehicleFactory

SH = ZoneInfo("Asia/Shanghai")


def _appointment(store, status, day, booked_days_before, reason="", order=None, month=11):
    vehicle = VehicleFactory(customer=CustomerFactory(store=store))
    starts = datetime(2026, month, day, 10, 0, tzinfo=SH)
    return Appointment.objects.create(
        store=store,
        customer=vehicle.customer,
        vehicle=vehicle,
        service=ServiceKind.MAINTENANCE,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        status=status,
        source=AppointmentSource.CALL,
        link_nonce="n",
        created_at=starts - timedelta(days=booked_days_before),
        closed_reason=reason,
        repair_order=order,
    )


def test_rates_and_lead_time_as_computed_by_hand(store):
    # given: November 2026 — 4 arrived, 1 no-show, 2 cancelled (the same reason twice), 1 pending;
    # 10 repair orders opened in the month: 3 matched to our bookings, 2 more flagged 预约 by the DMS
    orders = [
        RepairOrderFactory(
            vehicle=VehicleFactory(customer=CustomerFactory(store=store)),
            opened_at=datetime(2026, 11, 10 + i, 9, 0, tzinfo=SH),
        )
        for i in range(10)
    ]
    for order in orders[3:5]:
        order.is_appointment = True
        order.save()
    for i, lead in enumerate((1, 2, 3)):
        _appointment(store, AppointmentStatus.ARRIVED, 10 + i, lead, order=orders[i])
    _appointment(store, AppointmentStatus.ARRIVED, 20, 6)  # arrived; its order opened in December
    _appointment(store, AppointmentStatus.NO_SHOW, 21, 3)
    _appointment(store, AppointmentStatus.CANCELLED, 22, 1, reason="出差")
    _appointment(store, AppointmentStatus.CANCELLED, 23, 1, reason="出差")
    _appointment(store, AppointmentStatus.BOOKED, 30, 5)
    _appointment(store, AppointmentStatus.ARRIVED, 1, 1, month=12)  # next month's slot: not counted
    # when
    figures = appointment_analysis(stores=[store], month=datetime(2026, 11, 1).date())
    # then
    assert figures["orders"] == 10
    assert (figures["orders_by_product_booking"], figures["orders_dms_flag"], figures["orders_by_appointment"]) == (
        3,
        2,
        5,
    )
    assert figures["appointment_rate"] == Decimal("50.0")
    assert (figures["arrived"], figures["no_show"], figures["cancelled"], figures["pending"]) == (4, 1, 2, 1)
    assert figures["show_rate"] == Decimal("80.0")  # 4 / (4 + 1)
    assert figures["lead_days"] == 3.3  # (1 + 2 + 3 + 6 + 3 + 5) / 6
    assert figures["cancel_reasons"] == [("出差", 2)]
