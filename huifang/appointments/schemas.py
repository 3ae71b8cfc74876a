from datetime import date, datetime

from ninja import Schema


class SlotOut(Schema):
    start: datetime
    booked: int
    capacity: int
    free: int
    bookable: bool


class AppointmentOut(Schema):
    id: int
    store_id: int
    customer_id: int
    vehicle_id: int | None
    plate: str
    service: str
    advisor_id: int | None
    starts_at: datetime
    ends_at: datetime
    status: str
    source: str
    task_id: int | None
    complaint_id: int | None
    repair_order_id: int | None
    note: str
    closed_reason: str


class BookIn(Schema):
    customer_id: int
    vehicle_id: int | None = None
    service: str
    starts_at: datetime
    advisor_id: int | None = None
    note: str = ""
    task_id: int | None = None
    complaint_id: int | None = None


class RescheduleIn(Schema):
    starts_at: datetime
    reason: str


class CancelIn(Schema):
    reason: str


class DayQuery(Schema):
    day: date


class ImportIssueOut(Schema):
    sheet: str
    row: int
    field: str
    value: str
    reason: str
    severity: str  # rejected or warning


class ImportReportOut(Schema):
    """rows = created + updated + unchanged + rejected; `warned` of the imported rows carry a warning."""

    dry_run: bool
    file_name: str
    rows: int
    imported: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    warned: int
    unread_columns: list[str]
    issues: list[ImportIssueOut]
    error: str
