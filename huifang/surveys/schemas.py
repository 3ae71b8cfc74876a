from datetime import datetime

from ninja import Field, Schema

from huifang.archive.schemas import ErrorOut, ValidationErrorOut

__all__ = ["ErrorOut", "LinkIn", "LinkOut", "PolicyIn", "PolicyOut", "ValidationErrorOut"]


class LinkOut(Schema):
    id: int
    task_id: int
    state: str
    url: str
    created_at: datetime
    expires_at: datetime
    opened_at: datetime | None
    answered_at: datetime | None
    call_id: int | None
    sms_at: datetime | None
    sms_status: str | None
    email_at: datetime | None
    email_status: str | None


class LinkIn(Schema):
    """Make the task's link (or get the one it has) and, optionally, send it now on "sms" or "email"."""

    send: str | None = None
    renew: bool = Field(False, description="Renew an unanswered link: new address, valid from now (the old one stops)")


class PolicyOut(Schema):
    store: str
    chain_enabled: bool
    link_valid_days: int
    sms_enabled: bool
    email_enabled: bool
    email_after_days: int
    resurvey_after_days: int
    dissatisfied_scale_10: int
    dissatisfied_scale_5: int
    dissatisfied_no: bool
    hot_total_below: int


class PolicyIn(Schema):
    chain_enabled: bool | None = None
    link_valid_days: int | None = None
    sms_enabled: bool | None = None
    email_enabled: bool | None = None
    email_after_days: int | None = None
    resurvey_after_days: int | None = None
    dissatisfied_scale_10: int | None = None
    dissatisfied_scale_5: int | None = None
    dissatisfied_no: bool | None = None
    hot_total_below: int | None = None
