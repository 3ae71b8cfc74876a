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
