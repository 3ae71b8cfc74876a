"""Complaints JSON API: intake from other systems (idempotent by case number), the list, the detail and the
handling steps. Every complaint is fetched through the store-scoped selector, so another store's id answers
404; 403 means "you see it but your role may not do that" (the manufacturer's people act from level 4).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from huifang.accounts.choices import ROLES_THAT_CALL, Role
from huifang.accounts.models import User
from huifang.accounts.selectors import may_reveal_phone, stores_where_role
from huifang.archive.models import Customer, RepairOrder, Vehicle
from huifang.core import clock
from huifang.core.api_errors import invalid
from huifang.core.api_params import MAX_OFFSET

from . import importing, selectors, services
from .choices import ComplaintCategory, ComplaintChannel, ComplaintStatus
from .schemas import (
    AssignIn,
    AttachmentOut,
    CloseIn,
    ComplaintDetail,
    ComplaintIn,
    ComplaintPage,
    ErrorOut,
    ImportIn,
    ImportOut,
    NoteIn,
    ReasonOut,
    RequiredNoteIn,
    StatusIn,
    ValidationErrorOut,
    WhyIn,
)

router = Router(tags=["complaints 投诉"])

PAGE_DEFAULT = 20
PAGE_MAX = 100
NOT_FOUND = {404: ErrorOut}
DENIED = {401: ErrorOut, 403: ErrorOut}
INVALID = {422: ValidationErrorOut}
# Who may file through the API: the store's complaint editors, and the manufacturer's regional office
# (its case system forwards complaints to the dealer, seed 004 "厂方转投诉").
INTAKE_ROLES = selectors.COMPLAINT_EDITOR_ROLES | {Role.OEM_REGIONAL}


def _readable(complaint, user: User, now: datetime | None = None):
    complaint.may_reveal_phone = may_reveal_phone(user=user, store=complaint.store)
    complaint.risk_periods = selectors.risk_periods(complaint=complaint, now=now)
    return complaint


def _detail(request, complaint_id: int):
    now = clock.now()
    complaint = selectors.complaint_detail(user=request.auth, pk=complaint_id, now=now)
    return _readable(complaint, request.auth, now)


def _for_change(request, complaint_id: int):
    complaint = get_object_or_404(selectors.complaints_visible_to(user=request.auth), pk=complaint_id)
    if not selectors.may_edit_complaint(user=request.auth, complaint=complaint):
        raise HttpError(403, "此角色不能处理该投诉 / your role may not change this complaint")
    return complaint


def _act(request, complaint_id: int, action):
    complaint = _for_change(request, complaint_id)
    try:
        action(complaint, clock.now())
    except ValidationError as exc:
        return invalid(exc)
    return Status(200, _detail(request, complaint_id))


def _in_store(model, pk, store):
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk, store=store).first()
    if obj is None:
        raise ValidationError({f"{model._meta.model_name}_id": "Not found in this store."})
    return obj


@router.post(
    "/",
    response={200: ComplaintDetail, 201: ComplaintDetail, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="complaint_intake",
    summary="受理投诉 / File a complaint",
    description="From the manufacturer's case system, a web form or any other system. Idempotent by "
    "`external_case_no` within the store: the first call answers 201, a repeat answers 200 with the same "
    "complaint and changes nothing. The archive is searched by VIN, plate and phone to link the customer; "
    "deadlines, the major-complaint flag (with its reasons) and the owner are set at once.",
    url_name="complaint_intake",
)
def complaint_intake(request, payload: ComplaintIn):
    store = stores_where_role(user=request.auth, roles=INTAKE_ROLES).filter(code=payload.store).first()
    if store is None:
        raise HttpError(404, "Not Found")
    now = clock.now()
    received = payload.received_at
    if received is not None and timezone.is_naive(received):
        # A time without an offset ("2026-12-07T10:00") is the store's own wall clock.
        received = received.replace(tzinfo=ZoneInfo(store.time_zone))
    try:
        if received is not None and received > now:
            raise ValidationError({"received_at": "不能晚于现在 / cannot be in the future"})
        reason = None
        if payload.reason_id is not None:
            reason = selectors.reasons_for(store=store, active_only=False).filter(pk=payload.reason_id).first()
            if reason is None:
                raise ValidationError({"reason_id": "Not a sub-reason of this store."})
        complaint, created = services.complaint_intake(
            store=store,
            actor=request.auth,
            now=now,
            channel=payload.channel,
            category=payload.category,
            content=payload.content,
            customer=_in_store(Customer, payload.customer_id, store),
            vehicle=_in_store(Vehicle, payload.vehicle_id, store),
            repair_order=_in_store(RepairOrder, payload.repair_order_id, store),
            customer_name=payload.customer_name,
            phone=payload.phone,
            vin=payload.vin,
            plate=payload.plate,
            model=payload.model,
            mileage=payload.mileage,
            nature=payload.nature,
            background=payload.background,
            demand=payload.demand,
            compensation_demand=payload.compensation_demand,
            reason=reason,
            external_case_no=payload.external_case_no,
            responsible_department=payload.responsible_department,
            refused_by_manager=payload.refused_by_manager,
            received_at=received,
            source="api",
        )
    except ValidationError as exc:
        return invalid(exc)
    # The caller filed it, so it reads it back even where its role would not list it (the OEM before level 4).
    complaint = selectors.complaint_as_filed(pk=complaint.pk, now=now)
    return Status(201 if created else 200, _readable(complaint, request.auth, now))


@router.post(
    "/import",
    response={200: ImportOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="complaint_import",
    summary="导入历史投诉 / Import existing complaints",
    description="Rows of the manufacturer's hotline/CRM export with their status, times, level and closing fields. "
    "Idempotent by `external_case_no`. Closed ones never escalate and notify nobody; an open one whose "
    "deadlines passed is placed once at the level its history reaches, with one notification to its owner. "
    "Every rejected row is listed with its reason (row numbers start at 1); a row imported with a masked phone "
    "(138****5678) is kept without it and listed in `warnings`; `dry_run` writes nothing.",
    url_name="complaint_import",
)
def complaint_import(request, payload: ImportIn):
    store = stores_where_role(user=request.auth, roles=importing.IMPORT_ROLES).filter(code=payload.store).first()
    if store is None:
        raise HttpError(404, "Not Found")
    report = importing.complaints_import_rows(
        store=store,
        rows=list(enumerate(payload.rows, start=1)),
        actor=request.auth,
        now=clock.now(),
        dry_run=payload.dry_run,
    )
    return {
        "dry_run": report.dry_run,
        "created": report.created,
        "closed": report.closed,
        "escalated": report.escalated,
        "unchanged": report.unchanged,
        "rejected": [vars(r) for r in report.rejected],
        "warnings": [vars(r) for r in report.warnings],
        "complaints": report.complaints,
    }


@router.get(
    "/",
    response={200: ComplaintPage, 401: ErrorOut, **NOT_FOUND, **INVALID},
    operation_id="complaint_list",
    summary="投诉列表 / Complaints",
    description="Overdue first, then the nearest deadline. `status=open` gives every open status; "
    "`unowned=true` the complaints nobody owns (未分配); `paused=true` those on Hold with the level clock "
    "stopped (已暂停). "
    "`store` is a store code (unknown or invisible: 404).",
    url_name="complaint_list",
)
def complaint_list(
    request,
    store: str | None = None,
    status: str = Query("", pattern="^(|open|ongoing|in_process|hold|closed)$"),
    level: int | None = Query(None, ge=1, le=4),
    category: ComplaintCategory | None = None,
    channel: ComplaintChannel | None = None,
    major: bool | None = None,
    overdue: bool | None = None,
    unowned: bool | None = None,
    paused: bool | None = None,
    q: str = "",
    limit: int = Query(PAGE_DEFAULT, ge=1, le=PAGE_MAX),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    chosen = None
    if store:
        chosen = selectors.complaint_stores_for(user=request.auth).filter(code=store).first()
        if chosen is None:
            raise HttpError(404, "Not Found")
    now = clock.now()
    rows = selectors.complaint_list(
        user=request.auth,
        now=now,
        store=chosen,
        status=status,
        level=level,
        category=category or "",
        channel=channel or "",
        major=major,
        overdue=overdue,
        unowned=unowned,
        paused=paused,
        q=q,
    )
    revealing = set(stores_where_role(user=request.auth, roles=ROLES_THAT_CALL).values_list("pk", flat=True))
    items = list(rows[offset : offset + limit])
    for item in items:
        item.may_reveal_phone = item.store_id in revealing
    return {"count": rows.count(), "limit": limit, "offset": offset, "items": items}


@router.get(
    "/reasons",
    response={200: list[ReasonOut], **NOT_FOUND},
    operation_id="complaint_reasons",
    summary="投诉子原因 / Sub-reasons",
    description="The active sub-reasons of a store (code), optionally of one category.",
    url_name="complaint_reasons",
)
def complaint_reasons(request, store: str, category: ComplaintCategory | None = None):
    chosen = selectors.complaint_stores_for(user=request.auth).filter(code=store).first()
    if chosen is None:
        raise HttpError(404, "Not Found")
    return list(selectors.reasons_for(store=chosen, category=category or ""))


@router.get(
    "/{complaint_id}",
    response={200: ComplaintDetail, 401: ErrorOut, **NOT_FOUND},
    operation_id="complaint_detail",
    summary="投诉详情 / A complaint",
    description="The seed 004 tracking form with deadlines, major reasons, risk periods, the timeline "
    "(who, when, why), attachments and follow-up calls.",
    url_name="complaint_detail",
)
def complaint_detail(request, complaint_id: int):
    return _detail(request, complaint_id)


@router.post(
    "/{complaint_id}/contact",
    response={200: ComplaintDetail, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="complaint_contact",
    summary="记录联系客户 / Customer contacted",
    description="The first one stops the first-contact clock (2 hours by default).",
    url_name="complaint_contact",
)
def complaint_contact(request, complaint_id: int, payload: NoteIn):
    return _act(
        request,
        complaint_id,
        lambda c, now: services.complaint_contact_record(complaint=c, actor=request.auth, now=now, note=payload.note),
    )


@router.post(
    "/{complaint_id}/status",
    response={200: ComplaintDetail, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="complaint_status",
    summary="变更状态 / Change the status",
    description="On-going, In process or Hold, with why. Closing and reopening have their own calls.",
    url_name="complaint_status",
)
def complaint_status(request, complaint_id: int, payload: StatusIn):
    if payload.status == ComplaintStatus.CLOSED:
        return invalid(ValidationError({"status": "Use /close to close a complaint."}))
    return _act(
        request,
        complaint_id,
        lambda c, now: services.complaint_status_change(
            complaint=c, actor=request.auth, now=now, status=payload.status, why=payload.why
        ),
    )


@router.post(
    "/{complaint_id}/assign",
    response={200: ComplaintDetail, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="complaint_assign",
    summary="转交 / Hand to someone else",
    description="To a person handling complaints in the store (or the region's manufacturer office); notified.",
    url_name="complaint_assign",
)
def complaint_assign(request, complaint_id: int, payload: AssignIn):
    def action(complaint, now):
        owner = User.objects.filter(pk=payload.owner_id, is_active=True).first()
        if owner is None:
            raise ValidationError({"owner_id": "Unknown user."})
        services.complaint_assign(complaint=complaint, actor=request.auth, now=now, owner=owner, why=payload.why)

    return _act(request, complaint_id, action)


@router.post(
    "/{complaint_id}/escalate",
    response={200: ComplaintDetail, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="complaint_escalate",
    summary="升级 / Escalate one level",
    description="Front line → department manager → senior management → manufacturer's regional office; "
    "the new owner is notified and the next deadline counts from now.",
    url_name="complaint_escalate",
)
def complaint_escalate(request, complaint_id: int, payload: WhyIn):
    return _act(
        request,
        complaint_id,
        lambda c, now: services.complaint_escalate(complaint=c, actor=request.auth, now=now, why=payload.why),
    )


@router.post(
    "/{complaint_id}/actions",
    response={200: ComplaintDetail, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="complaint_action",
    summary="处理跟踪 / Add an action",
    description="A line of the form's actions and tracking, stamped with who and when.",
    url_name="complaint_action",
)
def complaint_action(request, complaint_id: int, payload: RequiredNoteIn):
    return _act(
        request,
        complaint_id,
        lambda c, now: services.complaint_action_add(complaint=c, actor=request.auth, now=now, note=payload.note),
    )


@router.post(
    "/{complaint_id}/media-report",
    response={200: ComplaintDetail, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="complaint_media_report",
    summary="书面报告厂家 / Written report sent",
    description="Media or legal involvement: the written report to the manufacturer (due within 4 hours).",
    url_name="complaint_media_report",
)
def complaint_media_report(request, complaint_id: int, payload: RequiredNoteIn):
    return _act(
        request,
        complaint_id,
        lambda c, now: services.complaint_media_report_record(
            complaint=c, actor=request.auth, now=now, note=payload.note
        ),
    )


@router.post(
    "/{complaint_id}/close",
    response={200: ComplaintDetail, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="complaint_close",
    summary="结案 / Close",
    description="Needs the final result, root cause, corrective action and valid/invalid (with the reason when "
    "invalid); 422 names each missing field. Plans the satisfaction call within 3 days.",
    url_name="complaint_close",
)
def complaint_close(request, complaint_id: int, payload: CloseIn):
    return _act(
        request,
        complaint_id,
        lambda c, now: services.complaint_close(complaint=c, actor=request.auth, now=now, **payload.dict()),
    )


@router.post(
    "/{complaint_id}/reopen",
    response={200: ComplaintDetail, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="complaint_reopen",
    summary="重新打开 / Reopen",
    description="A closed complaint opens again at its level with a new deadline from now.",
    url_name="complaint_reopen",
)
def complaint_reopen(request, complaint_id: int, payload: WhyIn):
    return _act(
        request,
        complaint_id,
        lambda c, now: services.complaint_reopen(complaint=c, actor=request.auth, now=now, why=payload.why),
    )


@router.post(
    "/{complaint_id}/attachments",
    response={201: AttachmentOut, **DENIED, **NOT_FOUND, **INVALID},
    operation_id="complaint_attachment_add",
    summary="上传附件 / Attach a file",
    description="A photo, document or recording (multipart field `file`, up to 25 MB).",
    url_name="complaint_attachment_add",
)
def complaint_attachment_add(request, complaint_id: int, file: File[UploadedFile]):
    complaint = _for_change(request, complaint_id)
    try:
        attachment = services.attachment_add(complaint=complaint, actor=request.auth, now=clock.now(), file=file)
    except ValidationError as exc:
        return invalid(exc)
    return Status(201, attachment)
