"""Typed shapes of the operations API."""

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema


class LoungeDayOut(Schema):
    day: date
    state: str = Field(description="signed, unsigned, missing, pending (today or later) or closed")
    checklist_id: int | None


class LoungeItemComplianceOut(Schema):
    item_id: int
    position: int
    title: str
    checked: int = Field(description="Signed days on which the item was scored")
    compliant: int = Field(description="Of those, days scored at or above the store's pass score")
    percent: float | None


class LoungeMonthOut(Schema):
    store_id: int
    month: str
    pass_score: int
    days: list[LoungeDayOut]
    missing: list[date]
    items: list[LoungeItemComplianceOut]


class ClubEventOut(Schema):
    id: int
    kind: str
    title: str
    starts_at: datetime
    place: str
    capacity: int
    confirmed: int
    waitlisted: int
    invited: int


class SignupOut(Schema):
    id: int
    event_id: int
    member_id: int
    customer_name: str
    status: str = Field(description="confirmed, waitlisted or cancelled")
    source: str
    signed_up_at: datetime
    attended: bool | None


class ClubEventDetailOut(ClubEventOut):
    signups: list[SignupOut]


class SignupIn(Schema):
    member_id: int
    source: Literal["front_desk", "customer_page", "api"] = "api"


class AttendanceIn(Schema):
    attended: bool


class StaffingTeamOut(Schema):
    directors: int
    specialists: int
    callers: int
    total: int
    formula: str


class StaffingOut(Schema):
    store_id: int
    month: str
    showroom_sales: int
    showroom_sales_source: str
    workshop_throughput: int
    workshop_throughput_source: str
    suggested: StaffingTeamOut
    clamped: bool
    actual_directors: int
    actual_specialists: int
    actual_total: int


class StatisticsRowOut(Schema):
    model: str
    values: list[int]
    total: int


class StatisticsBlockOut(Schema):
    key: str
    label: str
    totals: list[int]
    total: int
    models: list[StatisticsRowOut]


class CustomerStatisticsOut(Schema):
    store_id: int
    year: int
    blocks: list[StatisticsBlockOut]
