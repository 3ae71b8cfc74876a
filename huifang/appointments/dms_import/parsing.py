"""One row of a DMS appointment export → the values to import, or the reason it cannot be imported. Pure:
no ORM, no clock. The cell parsers are the archive import's (archive.importing.parsing), so a date, a VIN,
a plate or a phone reads the same here as in the customer and repair-order import.

Every row ends in one of three outcomes: imported, imported with warnings (a value left out or read
leniently, each warning naming the field), or rejected (the first reason naming the field and value).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from huifang.archive.importing.parsing import (
    FieldError,
    Flagged,
    clean_text,
    is_empty_marker,
    parse_date,
    parse_datetime,
    parse_phone_value,
    parse_plate,
    parse_vin,
    report_text,
)

from ..choices import AppointmentStatus, ServiceKind

REJECTED, WARNING = "rejected", "warning"
NOTE_MAX = 500
NUMBER_MAX = 50

# DMS status words (compared after clean_text, lower case). A word not listed rejects the row: the status
# decides whether the booking holds a slot and how it counts in the figures, so it is never guessed.
STATUS_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ("已预约", "预约", "预约中", "待到店", "未到期", "预约成功", "新建", "booked", "open"), AppointmentStatus.BOOKED
    ),
    **dict.fromkeys(("已确认", "客户已确认", "确认", "confirmed"), AppointmentStatus.CONFIRMED),
    **dict.fromkeys(
        ("已到店", "到店", "已进厂", "进厂", "已开单", "已完成", "完成", "arrived", "done"), AppointmentStatus.ARRIVED
    ),
    **dict.fromkeys(
        ("已取消", "取消", "客户取消", "作废", "已作废", "cancelled", "canceled"), AppointmentStatus.CANCELLED
    ),
    **dict.fromkeys(
        ("未到店", "未到", "爽约", "失约", "过期未到", "no-show", "no show", "noshow"), AppointmentStatus.NO_SHOW
    ),
}
# Service words, the first found in the cell decides (首保 before 保养, 保修 before 维修).
SERVICE_WORDS: tuple[tuple[str, str], ...] = (
    ("首保", ServiceKind.FIRST_SERVICE),
    ("首次保养", ServiceKind.FIRST_SERVICE),
    ("索赔", ServiceKind.CLAIM),
    ("保修", ServiceKind.CLAIM),
    ("三包", ServiceKind.CLAIM),
    ("召回", ServiceKind.CLAIM),
    ("claim", ServiceKind.CLAIM),
    ("warranty", ServiceKind.CLAIM),
    ("保险", ServiceKind.INSURANCE),
    ("事故", ServiceKind.INSURANCE),
    ("insurance", ServiceKind.INSURANCE),
    ("保养", ServiceKind.MAINTENANCE),
    ("定保", ServiceKind.MAINTENANCE),
    ("maintenance", ServiceKind.MAINTENANCE),
    ("维修", ServiceKind.REPAIR),
    ("机修", ServiceKind.REPAIR),
    ("钣喷", ServiceKind.REPAIR),
    ("钣金", ServiceKind.REPAIR),
    ("喷漆", ServiceKind.REPAIR),
    ("repair", ServiceKind.REPAIR),
)
# '9:00', '09:00-09:30', '9:00～9:30', '9点', '9点30', '9时30分'; the slot's start is what counts.
_SLOT = re.compile(r"^(\d{1,2})\s*(?:[:：点时]\s*(\d{1,2})?\s*分?)?(?:\s*(?:[-~～至到—]+).*)?$")


@dataclass(frozen=True)
class Issue:
    row: int
    field: str
    value: str
    reason: str
    severity: str  # REJECTED or WARNING
    sheet: str = ""


@dataclass
class ParsedRow:
    row: int
    sheet: str = ""
    dms_number: str = ""
    starts_at: datetime | None = None
    vin: str | None = None
    plate: str | None = None
    customer_name: str = ""
    phone: str | None = None
    service: str = ServiceKind.MAINTENANCE
    advisor: str = ""
    status: str = AppointmentStatus.BOOKED
    note: str = ""
    booked_at: datetime | None = None
    issues: list[Issue] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return any(i.severity == REJECTED for i in self.issues)

    @property
    def warned(self) -> bool:
        return not self.rejected and any(i.severity == WARNING for i in self.issues)

    def reject(self, name: str, value: Any, reason: str) -> None:
        self.issues.append(Issue(self.row, name, report_text(value)[:200], reason, REJECTED))

    def warn(self, name: str, value: Any, reason: str) -> None:
        self.issues.append(Issue(self.row, name, report_text(value)[:200], reason, WARNING))


def parse_slot(value: Any) -> time | None:
    """A slot cell as the time it starts; None when empty. An Excel time cell or day fraction is read too."""
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1:
        minutes = round(value * 24 * 60)
        return time(minutes // 60 % 24, minutes % 60)
    text = clean_text(value)
    if is_empty_marker(text):
        return None
    match = _SLOT.match(text)
    if match is None:
        raise FieldError(f"无法识别的时段 / not a time slot: {text!r}")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise FieldError(f"时段时间不正确 / not a time of day: {text!r}")
    return time(hour, minute)


def parse_status(value: Any) -> str | None:
    text = clean_text(value).lower()
    if is_empty_marker(text):
        return None
    if text not in STATUS_WORDS:
        raise FieldError(
            f"无法识别的预约状态(应为 已预约/已到店/已取消/未到店) / unknown status "
            f"(booked, arrived, cancelled or no-show expected): {text!r}"
        )
    return STATUS_WORDS[text]


def parse_service(value: Any) -> str | Flagged | None:
    text = clean_text(value).lower()
    if is_empty_marker(text):
        return None
    if text in ServiceKind.values:
        return text
    for word, kind in SERVICE_WORDS:
        if word in text:
            return kind.value
    return Flagged(
        ServiceKind.MAINTENANCE.value,
        f"无法识别的服务类型,按“保养”导入 / unknown service, imported as maintenance: {text!r}",
    )


def _cell(cells: list[Any], positions: dict[str, int], name: str) -> Any:
    position = positions.get(name)
    if position is None or position >= len(cells):
        return None
    value = cells[position]
    return None if is_empty_marker(value) else value


def _start(row: ParsedRow, cells, positions, tz: ZoneInfo) -> None:
    """预约时间 (date and time), or 预约日期 + 时段; a 预约时间 holding only a date takes its time from 时段."""
    raw_start, raw_day, raw_slot = (_cell(cells, positions, n) for n in ("starts_at", "day", "slot"))
    moment: datetime | None = None
    day: date | None = None
    try:
        if raw_start is not None:
            moment = parse_datetime(raw_start, tz)
    except FieldError as exc:
        row.reject("starts_at", raw_start, str(exc))
        return
    try:
        if moment is None and raw_day is not None:
            day = parse_date(raw_day)
    except FieldError as exc:
        row.reject("day", raw_day, str(exc))
        return
    try:
        slot = parse_slot(raw_slot) if raw_slot is not None else None
    except FieldError as exc:
        row.reject("slot", raw_slot, str(exc))
        return
    if moment is not None and moment.astimezone(tz).time() == time.min:
        # A date without its time (nobody books a car for midnight): the time must come from 时段.
        day, moment = moment.astimezone(tz).date(), None
    if moment is None and day is not None:
        if slot is None:
            row.reject("slot", raw_slot, "缺少预约时段 / the time slot is missing")
            return
        moment = datetime.combine(day, slot, tzinfo=tz)
    if moment is None:
        row.reject("starts_at", raw_start, "缺少预约时间 / the appointment time is missing")
        return
    row.starts_at = moment


def _vehicle(row: ParsedRow, cells, positions) -> None:
    """VIN or plate, at least one readable: a bad VIN next to a good plate is a warning, not a rejection."""
    errors = []
    for name, parse in (("vin", parse_vin), ("plate", parse_plate)):
        raw = _cell(cells, positions, name)
        try:
            setattr(row, name, parse(raw) if raw is not None else None)
        except FieldError as exc:
            errors.append((name, raw, str(exc)))
    if row.vin is None and row.plate is None:
        if errors:
            row.reject(*errors[0])
        else:
            row.reject("vin", "", "缺少 VIN 和车牌号,无法对应车辆 / neither VIN nor plate: no vehicle to book")
        return
    for name, raw, _reason in errors:
        other = "车牌号" if name == "vin" else "VIN"
        other_en = "plate" if name == "vin" else "VIN"
        row.warn(name, raw, f"无法识别,按{other}对应车辆 / not readable, matched by the {other_en}")


def parse_row(number: int, cells: list[Any], positions: dict[str, int], *, tz: ZoneInfo) -> ParsedRow:
    """Read one data row (Excel row `number`) of an appointment export whose columns sit at `positions`."""
    row = ParsedRow(row=number)
    raw_number = _cell(cells, positions, "dms_number")
    try:
        text = clean_text(raw_number)
    except FieldError as exc:
        row.reject("dms_number", raw_number, str(exc))
        return row
    number_text = re.sub(r"\s+", "", text).upper()
    if not number_text:
        row.reject("dms_number", raw_number, "缺少预约单号 / the appointment number is missing")
        return row
    if len(number_text) > NUMBER_MAX:
        row.reject("dms_number", raw_number, f"预约单号过长(最多 {NUMBER_MAX} 字) / number longer than {NUMBER_MAX}")
        return row
    row.dms_number = number_text
    _start(row, cells, positions, tz)
    if row.rejected:
        return row
    _vehicle(row, cells, positions)
    if row.rejected:
        return row
    raw_status = _cell(cells, positions, "status")
    try:
        row.status = parse_status(raw_status) or AppointmentStatus.BOOKED
    except FieldError as exc:
        row.reject("status", raw_status, str(exc))
        return row
    _optional(row, cells, positions, tz)
    return row


def _optional(row: ParsedRow, cells, positions, tz: ZoneInfo) -> None:
    """Columns whose trouble never loses the row: each is left out (or read leniently) with a warning."""
    raw = _cell(cells, positions, "service")
    try:
        service = parse_service(raw)
    except FieldError as exc:
        service = None
        row.warn("service", raw, str(exc))
    if isinstance(service, Flagged):
        row.warn("service", raw, service.reason)
        service = service.value
    row.service = service or ServiceKind.MAINTENANCE
    raw = _cell(cells, positions, "phone")
    try:
        phone = parse_phone_value(raw) if raw is not None else None
    except FieldError as exc:
        phone = None
        row.warn("phone", raw, str(exc))
    row.phone = phone.value if isinstance(phone, Flagged) else phone
    for name, limit in (("customer_name", 100), ("advisor", 150), ("note", NOTE_MAX)):
        raw = _cell(cells, positions, name)
        try:
            text = clean_text(raw)
        except FieldError as exc:
            row.warn(name, raw, str(exc))
            continue
        if len(text) > limit:
            row.warn(name, raw, f"内容过长,只保留前 {limit} 字 / longer than {limit} characters, cut")
            text = text[:limit]
        setattr(row, name, text)
    raw = _cell(cells, positions, "booked_at")
    try:
        row.booked_at = parse_datetime(raw, tz) if raw is not None else None
    except FieldError as exc:
        row.warn("booked_at", raw, str(exc))
    if row.booked_at is not None and row.starts_at is not None and row.booked_at > row.starts_at + timedelta(days=1):
        row.warn("booked_at", raw, "登记时间晚于预约时间,未采用 / booked after the slot, left out")
        row.booked_at = None
