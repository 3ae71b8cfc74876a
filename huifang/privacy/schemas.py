from datetime import datetime

from ninja import Schema

from huifang.core.api_params import Day, RowId


class EraseIn(Schema):
    reason: str


class EraseOut(Schema):
    customer_id: int
    rows: int
    counts: dict[str, int]


class ExportOut(Schema):
    customer_id: int
    data: dict


class LogEntryOut(Schema):
    id: int
    at: datetime
    store_id: int | None
    actor: str
    action: str
    record: str
    changes: dict


class LogPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[LogEntryOut]


class RetentionOut(Schema):
    id: int
    name: str
    last_activity: datetime


class LogFilter(Schema):
    store_id: RowId | None = None
    actor_id: RowId | None = None
    action: str = ""
    since: Day | None = None
    until: Day | None = None
    page: int = 1
