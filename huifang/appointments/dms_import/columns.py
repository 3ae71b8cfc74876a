"""The columns of a DMS appointment export (预约单) and the header texts that mean each of them.

Headers are compared as the archive import compares them (archive.importing.fields.normalize_header: case,
spaces, punctuation and units in brackets ignored). The table is the single source of the docs' column list.
"""

from dataclasses import dataclass

from huifang.archive.importing.fields import normalize_header


@dataclass(frozen=True)
class Column:
    name: str
    label_zh: str
    label_en: str
    synonyms: tuple[str, ...] = ()
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column(
        "dms_number",
        "预约单号",
        "Appointment number",
        ("预约编号", "预约号", "预约单编号", "预约ID", "appointment no", "booking no", "booking number"),
        required=True,
    ),
    Column(
        "starts_at",
        "预约时间",
        "Appointment time",
        ("预约到店时间", "预约进厂时间", "预计到店时间", "预约开始时间", "appointment time", "booked for"),
    ),
    Column("day", "预约日期", "Appointment date", ("预约到店日期", "到店日期", "预约进厂日期", "appointment date")),
    Column("slot", "时段", "Time slot", ("预约时段", "时间段", "预约时间段", "到店时段", "slot", "time slot")),
    Column("plate", "车牌号", "Plate", ("车牌", "车牌号码", "号牌号码", "牌照号", "plate", "plate no")),
    Column("vin", "VIN", "VIN", ("车架号", "VIN码", "车辆识别码", "车辆识别代号", "底盘号", "vin no")),
    Column(
        "customer_name", "客户姓名", "Customer name", ("客户名称", "车主姓名", "车主", "姓名", "预约人", "customer")
    ),
    Column("phone", "电话", "Phone", ("联系电话", "手机", "手机号", "手机号码", "预约电话", "phone", "mobile")),
    Column(
        "service", "服务类型", "Service", ("预约类型", "维修类型", "业务类型", "预约项目", "服务项目", "service type")
    ),
    Column("advisor", "服务顾问", "Service advisor", ("接待员", "顾问", "接待顾问", "预约顾问", "advisor")),
    Column("status", "状态", "Status", ("预约状态", "到店状态", "status")),
    Column("note", "备注", "Note", ("预约备注", "客户描述", "故障描述", "note", "remarks")),
    Column(
        "booked_at",
        "登记时间",
        "Booked at",
        ("创建时间", "预约登记时间", "下单时间", "制单时间", "booked at", "created at"),
    ),
)

_INDEX: dict[str, str] = {}
for _column in COLUMNS:
    for _text in (_column.name, _column.label_zh, _column.label_en, *_column.synonyms):
        _INDEX.setdefault(normalize_header(_text), _column.name)


def column_for(header: str) -> str:
    """The column a header names ("" when none)."""
    return _INDEX.get(normalize_header(header), "")


def match_columns(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    """({column: position}, headers left unread); the first header that claims a column keeps it."""
    positions: dict[str, int] = {}
    unread: list[str] = []
    for position, header in enumerate(headers):
        name = column_for(header)
        if name and name not in positions:
            positions[name] = position
        elif str(header).strip():
            unread.append(str(header))
    return positions, unread


def looks_like_header(cells: list[str]) -> bool:
    """A header row names the appointment number and the time (or the day) among its cells."""
    names = {column_for(c) for c in cells if c}
    return "dms_number" in names and bool(names & {"starts_at", "day"})
