import re
from datetime import time

from ninja import Field, Schema
from pydantic import field_validator

from huifang.archive.schemas import ErrorOut, ValidationErrorOut

__all__ = ["ErrorOut", "RobotIn", "RobotOut", "RobotTestOut", "ValidationErrorOut"]


class RobotOut(Schema):
    store: str
    enabled: bool
    platform: str = Field(description="dingtalk | wecom")
    webhook: str = Field(description="The stored webhook with its token masked; empty when none")
    secret_set: bool = Field(description="Whether a DingTalk signing secret (加签) is stored; never returned")
    post_brief: bool
    brief_time: time
    post_escalations: bool
    post_major: bool
    post_hot: bool


class RobotIn(Schema):
    """Send the fields that change; webhook and secret are write-only (empty or absent keeps the stored one)."""

    enabled: bool | None = None
    platform: str | None = None
    webhook: str | None = None
    secret: str | None = None
    clear_secret: bool | None = None
    post_brief: bool | None = None
    brief_time: time | None = None
    post_escalations: bool | None = None
    post_major: bool | None = None
    post_hot: bool | None = None

    @field_validator("brief_time", mode="before")
    @classmethod
    def _time_of_day(cls, value):
        """Only "HH:MM" (store time): pydantic would read 12 as 00:00:12 UTC, an aware time the brief cannot use."""
        if value is not None and not (isinstance(value, str) and re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", value)):
            raise ValueError("a time of day in store time, like 08:30")
        return value


class RobotTestOut(Schema):
    status: str = Field(description="sent | queued (retried later) | failed")
    reason: str
