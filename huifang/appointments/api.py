"""Appointment API: a store's slots with their load, booking, moving, cancelling, and a day's appointments.
Another store's record answers 404; a role that may not book answers 403; 422 names the field."""

from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status

from huifang.accounts.selectors import has_role
from huifang.archive.models import Customer
from huifang.core import clock
from huifang.core.api_errors import ErrorOut, ValidationErrorOut, invalid
from huifang.core.api_params import Day, RowId

from . import selectors, services
from .choices import AppointmentSource, ServiceKind
from .schemas import AppointmentOut, BookIn, CancelIn, ImportReportOut, RescheduleIn, SlotOut

router = Router(tags=["appointments 预约"])

NOT_FOUND = {404: ErrorOut}
DENIED = {401: ErrorOut, 403: ErrorOut}
INVALID = {422: ValidationErrorOut}


def _out(a) -> dict:
    return {
        "id": a.pk,
        "store_id": a.store_id,
        "customer_id": a.customer_id,
        "vehicle_id": a.vehicle_id,
        "plate": a.vehicle.plate if a.vehicle else "",
        "service": a.service,
        "advisor_id": a.advisor_id,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "status": a.status,
        "source": a.source,
        "task_id": a.task_id,
        "complaint_id": a.complaint_id,
        "repair_order_id": a.repair_order_id,
        "note": a.note,
        "closed_reason": a.closed_reason,
    }


def _store(request, store_id: int, roles=selectors.VIEWER_ROLES):
    return get_object_or_404(selectors.appointment_stores_for(user=request.auth, roles=roles), pk=store_id)


@router.get(
    "/stores/{store_id}/slots",
    response={200: list[SlotOut], **DENIED, **NOT_FOUND},
    operation_id="appointments_slots",
    summary="某天的预约时段与容量 / A day's slots with their capacity and bookings",
    url_name="appointments_slots",
)
def slots(request, store_id: int, day: Day | None = None):
    store = _store(request, store_id)
    day = day or clock.now().astimezone(ZoneInfo(store.time_zone)).date()
    policy = services.policy_for(store=store)
    return selectors.day_slots(store=store, policy=policy, day=day, now=clock.now())


@router.get(
    "/stores/{store_id}/appointments",
    response={200: list[AppointmentOut], **DENIED, **NOT_FOUND},
    operation_id="appointments_day",
    summary="预约列表 / Appointments of a day (`day`, `days` long) or, without `day`, of the week ahead",
    url_name="appointments_day",
)
def day_list(
    request,
    store_id: int,
    day: Day | None = None,
    days: int = 1,
    advisor_id: RowId | None = None,
):
    store = _store(request, store_id)
    tz = ZoneInfo(store.time_zone)
    if day is None:
        day, days = clock.now().astimezone(tz).date(), 7
    start, end = selectors.day_bounds(day, tz, days=min(max(days, 1), 31))
    return [_out(a) for a in selectors.appointments_between(store=store, start=start, end=end, advisor_id=advisor_id)]


@router.post(
    "/",
    response={201: AppointmentOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="appointments_book",
    summary="预约 / Book a slot (the confirmation goes out through the outbox)",
    url_name="appointments_book",
)
def book(request, payload: BookIn):
    from huifang.followups.models import FollowUpTask

    stores = selectors.appointment_stores_for(user=request.auth, roles=selectors.BOOKING_ROLES)
    customer = get_object_or_404(Customer.objects.filter(store__in=stores), pk=payload.customer_id)
    store = customer.store
    if payload.service not in ServiceKind.values:
        return invalid(ValidationError({"service": f"one of {', '.join(ServiceKind.values)}"}))
    vehicle = customer.vehicles.filter(pk=payload.vehicle_id).first() if payload.vehicle_id else None
    if payload.vehicle_id and vehicle is None:
        return invalid(ValidationError({"vehicle_id": "not a vehicle of this customer"}))
    advisor = selectors.advisors_of(store=store).filter(pk=payload.advisor_id).first() if payload.advisor_id else None
    if payload.advisor_id and advisor is None:
        return invalid(ValidationError({"advisor_id": "not a service advisor of this store"}))
    task = None
    if payload.task_id:
        task = get_object_or_404(FollowUpTask.objects.filter(store=store, customer=customer), pk=payload.task_id)
    try:
        appointment = services.appointment_book(
            store=store,
            customer=customer,
            vehicle=vehicle,
            service=payload.service,
            starts_at=payload.starts_at,
            advisor=advisor,
            note=payload.note,
            actor=request.auth,
            now=clock.now(),
            source=AppointmentSource.CALL if task else AppointmentSource.API,
            task=task,
        )
    except ValidationError as exc:
        return invalid(exc)
    return Status(201, _out(appointment))


def _appointment(request, appointment_id: int):
    appointment = get_object_or_404(selectors.appointments_visible_to(user=request.auth), pk=appointment_id)
    if not has_role(user=request.auth, store=appointment.store, roles=selectors.BOOKING_ROLES):
        raise HttpError(403, "booking roles only")
    return appointment


@router.post(
    "/{appointment_id}/reschedule",
    response={200: AppointmentOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="appointments_reschedule",
    summary="改期 / Move to another slot (with the reason)",
    url_name="appointments_reschedule",
)
def reschedule(request, appointment_id: int, payload: RescheduleIn):
    appointment = _appointment(request, appointment_id)
    try:
        services.appointment_reschedule(
            appointment=appointment,
            starts_at=payload.starts_at,
            actor=request.auth,
            now=clock.now(),
            reason=payload.reason,
        )
    except ValidationError as exc:
        return invalid(exc)
    return _out(appointment)


@router.post(
    "/{appointment_id}/cancel",
    response={200: AppointmentOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="appointments_cancel",
    summary="取消 / Cancel (with the reason)",
    url_name="appointments_cancel",
)
def cancel(request, appointment_id: int, payload: CancelIn):
    appointment = _appointment(request, appointment_id)
    try:
        services.appointment_cancel(appointment=appointment, actor=request.auth, now=clock.now(), reason=payload.reason)
    except ValidationError as exc:
        return invalid(exc)
    return _out(appointment)


@router.post(
    "/stores/{store_id}/import",
    response={200: ImportReportOut, 422: ImportReportOut, **DENIED, **NOT_FOUND},
    operation_id="appointments_import",
    summary="导入 DMS 预约单 / Import a DMS appointment export (CSV or XLSX)",
    description="Matched to the store's vehicles by VIN or plate; idempotent by appointment number (a later export "
    "updates status and slot). With `dry_run` nothing is written. Every rejected or flagged row is listed with its "
    "row number, field and value; a file that cannot be read at all answers 422 with `error`.",
    url_name="appointments_import",
)
def import_file(request, store_id: int, file: File[UploadedFile], dry_run: Form[bool] = False):
    from .dms_import.services import appointments_import_upload
    from .views_import import IMPORT_ROLES

    store = _store(request, store_id, roles=IMPORT_ROLES)
    report = appointments_import_upload(store=store, upload=file, actor=request.auth, now=clock.now(), dry_run=dry_run)
    return Status(422 if report.error else 200, report.as_dict())
