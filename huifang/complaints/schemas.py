"""Typed shapes of the complaints API. Phone numbers are masked unless the caller's role calls customers."""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from huifang.archive.schemas import ErrorOut, StoreRef, ValidationErrorOut
from huifang.core.phones import mask_phone

from .choices import ComplaintCategory, ComplaintChannel, ComplaintNature, ComplaintStatus

__all__ = ["ErrorOut", "ValidationErrorOut"]


class ComplaintIn(Schema):
    """A complaint from another system (the manufacturer's case system, a web form) or a person."""

    store: str = Field(description="Store code, e.g. SZ01; must be a store the caller may file complaints for")
    external_case_no: str = Field(
        "", max_length=64, description="The other system's case number (CAC 案例号); a repeat returns the first"
    )
    channel: ComplaintChannel = ComplaintChannel.MANUFACTURER
    category: ComplaintCategory
    reason_id: int | None = Field(None, description="A sub-reason of the category (GET /complaints/reasons)")
    nature: ComplaintNature = ComplaintNature.GENERAL
    content: str = Field(..., min_length=1, description="What the customer complains about")
    customer_name: str = Field("", max_length=100, description="Needed unless the archive knows the customer")
    phone: str = Field("", max_length=30, description="Any written form: 138 1234 5678, +86-10-6552-9988")
    vin: str = Field("", max_length=20)
    plate: str = Field("", max_length=12)
    model: str = Field("", max_length=50)
    mileage: int | None = Field(None, ge=0)
    customer_id: int | None = None
    vehicle_id: int | None = None
    repair_order_id: int | None = None
    background: str = ""
    demand: str = ""
    compensation_demand: Decimal | None = Field(None, ge=0, description="RMB")
    responsible_department: str = Field("", max_length=50)
    refused_by_manager: bool = Field(
        False, description="Already handled by the dealer and the manager without agreement"
    )
    received_at: datetime | None = Field(None, description="When the complaint was received; default now")


class UserRef(Schema):
    id: int
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj)


class MajorReason(Schema):
    rule: str = Field(description="media_legal, nature, channel, compensation, repeat_repair, safety, refused")
    label: str
    detail: str


class ComplaintSummary(Schema):
    id: int
    number: str
    store: StoreRef
    external_case_no: str
    channel: ComplaintChannel
    category: ComplaintCategory
    reason: str | None
    nature: ComplaintNature
    customer_id: int | None
    vehicle_id: int | None
    customer_name: str
    phone: str = Field(description="Masked (138****5678) unless the caller's role calls customers")
    plate: str
    vin: str
    model: str
    status: ComplaintStatus
    level: int = Field(description="1 front line, 2 department manager, 3 senior management, 4 manufacturer")
    owner: UserRef | None
    received_at: datetime
    first_contact_due: datetime
    first_contacted_at: datetime | None
    level_due_at: datetime | None
    media_report_due: datetime | None
    media_reported_at: datetime | None
    deadline: datetime | None = Field(description="The earliest open deadline")
    is_overdue: bool
    paused: bool = Field(description="已暂停: on Hold with the level clock stopped (it runs again when the Hold ends)")
    paused_since: datetime | None = Field(description="When the level clock was paused; null unless paused")
    is_major: bool
    major_reasons: list[MajorReason]
    closed_at: datetime | None
    reopened_count: int

    @staticmethod
    def resolve_reason(obj) -> str | None:
        return obj.reason.name if obj.reason_id else None

    @staticmethod
    def resolve_phone(obj) -> str:
        return obj.phone if getattr(obj, "may_reveal_phone", False) else mask_phone(obj.phone)

    @staticmethod
    def resolve_deadline(obj):
        return getattr(obj, "deadline", None)

    @staticmethod
    def resolve_is_overdue(obj) -> bool:
        return bool(getattr(obj, "is_overdue", False))

    @staticmethod
    def resolve_paused(obj) -> bool:
        return bool(getattr(obj, "is_paused", False))

    @staticmethod
    def resolve_paused_since(obj) -> datetime | None:
        return obj.paused_at if getattr(obj, "is_paused", False) else None


class ComplaintPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ComplaintSummary]


class EventOut(Schema):
    at: datetime
    kind: str
    actor: UserRef | None
    from_status: str
    to_status: str
    level: int | None
    note: str


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: datetime
    uploaded_by: UserRef | None


class FollowUpOut(Schema):
    round: int
    task_id: int
    due_at: datetime
    window_end: datetime
    task_status: str
    satisfied: bool | None
    answered_at: datetime | None
    note: str

    @staticmethod
    def resolve_due_at(obj):
        return obj.task.due_at

    @staticmethod
    def resolve_window_end(obj):
        return obj.task.window_end

    @staticmethod
    def resolve_task_status(obj):
        return obj.task.status


class ComplaintDetail(ComplaintSummary):
    content: str
    background: str
    demand: str
    compensation_demand: Decimal | None
    responsible_department: str
    refused_by_manager: bool
    actions: str
    repair_status: str
    result: str
    root_cause: str
    corrective_action: str
    is_valid: bool | None
    invalid_reason: str
    source_answers: list
    risk_periods: list[str]
    events: list[EventOut]
    attachments: list[AttachmentOut]
    follow_ups: list[FollowUpOut]

    @staticmethod
    def resolve_events(obj):
        return list(obj.events.all())

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())

    @staticmethod
    def resolve_follow_ups(obj):
        return list(obj.follow_ups.all())


class NoteIn(Schema):
    note: str = ""


class RequiredNoteIn(Schema):
    note: str = Field(..., min_length=1)


class StatusIn(Schema):
    status: ComplaintStatus
    why: str = Field(..., min_length=1)


class AssignIn(Schema):
    owner_id: int
    why: str = ""


class WhyIn(Schema):
    why: str = ""


class CloseIn(Schema):
    result: str = ""
    root_cause: str = ""
    corrective_action: str = ""
    is_valid: bool | None = None
    invalid_reason: str = ""


class ReasonOut(Schema):
    id: int
    category: ComplaintCategory
    name: str


class ImportIn(Schema):
    """Existing complaints to import (issue 15 §4): the hotline/CRM export's rows by field name."""

    store: str = Field(description="Store code")
    dry_run: bool = Field(False, description="Check and report only; nothing is written")
    rows: list[dict[str, str | int | float | bool | None]] = Field(
        max_length=5000,
        description="Each row {external_case_no, received_at, content, customer_name, phone, vin, plate, model, "
        "channel, category, nature, demand, compensation_demand, status, level, owner, first_contacted_at, "
        "closed_at, result, root_cause, corrective_action, is_valid}; see docs/complaint-import.md",
    )


class ImportRejectionOut(Schema):
    row: int
    field: str
    value: str
    reason: str


class ImportOut(Schema):
    dry_run: bool
    created: int
    closed: int
    escalated: int = Field(description="Open complaints placed at a higher level because deadlines had passed")
    unchanged: int = Field(description="Rows whose case number was already imported")
    rejected: list[ImportRejectionOut]
    warnings: list[ImportRejectionOut] = Field(
        description="Rows imported with a cell left out, e.g. a masked phone (138****5678) the CRM export hides"
    )
    complaints: list[int] = Field(description="Ids of the complaints created")
