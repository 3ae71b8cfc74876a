"""Write generated customers as a flat DMS export: one row per repair-order line, everything else repeated.

Headers are the Chinese (`label_zh`) or English (`label_en`) labels of `importing.fields.FIELDS`;
values are written the way dealer DMS exports write them (男/女, 是/否, 首保/定保, 0755-…).
"""

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from huifang.archive.choices import Channel, CustomerKind, CustomerSource, Gender, RepairOrderType
from huifang.archive.importing.fields import FIELDS
from huifang.core.phones import national_digits

from .rows import CustomerRow, VehicleRow

_ZH = {
    CustomerKind.INDIVIDUAL: "个人",
    CustomerKind.COMPANY: "单位",
    Gender.MALE: "男",
    Gender.FEMALE: "女",
    Gender.UNKNOWN: "",
    Channel.PHONE: "电话",
    Channel.SMS: "短信",
    Channel.EMAIL: "邮件",
    Channel.LETTER: "信件",
    Channel.WECHAT: "微信",
    CustomerSource.SALE: "本店销售",
    CustomerSource.WALK_IN: "自然进店",
    CustomerSource.REFERRAL: "转介绍",
    CustomerSource.OTHER: "其他",
    RepairOrderType.FIRST_FREE_SERVICE: "首保",
    RepairOrderType.MAINTENANCE: "定保",
    RepairOrderType.REPAIR: "一般维修",
    RepairOrderType.WARRANTY: "索赔",
    RepairOrderType.INSURANCE: "事故车",
    RepairOrderType.RECALL: "召回",
    RepairOrderType.OTHER: "其他",
    "labour": "工时",
    "part": "配件",
    True: "是",
    False: "否",
    "lunar": "农历",
    "solar": "公历",
}
_EN = {True: "Y", False: "N", CustomerSource.WALK_IN: "walk-in"}


def _phone(e164: str) -> str:
    digits = national_digits(e164)
    if digits.startswith("0"):  # landline: area code, dash, number (0755-88881234, 020-…)
        area = 3 if digits[1] in "12" else 4
        return f"{digits[:area]}-{digits[area:]}"
    return digits


def _rows(customers: Iterable[CustomerRow], *, zh: bool, native: bool, ro_count: int | None) -> Iterator[list]:
    """Cells in FIELDS order; `native` keeps dates and numbers as Python values (for XLSX)."""
    words = _ZH if zh else _EN

    def word(value):
        return words.get(value, str(value))

    def day(value: date | None):
        if value is None:
            return ""
        return value if native else value.isoformat()

    def moment(value: datetime | None):
        if value is None:
            return ""
        return value.replace(tzinfo=None) if native else value.strftime("%Y-%m-%d %H:%M:%S")

    def number(fen: int):
        return fen / 100 if native else f"{fen / 100:.2f}"

    written = 0
    for c in customers:
        manager = next((k for k in c.contacts if k.role == "fleet_manager"), None)
        customer_cells = {
            "customer_code": c.dms_code,
            "customer_name": c.name,
            "customer_type": word(c.kind),
            "gender": word(c.gender),
            "birthday": day(c.birthday),
            "birthday_calendar": (word("lunar") if c.birthday_is_lunar else word("solar")) if c.birthday else "",
            "id_number": c.id_number,
            "occupation": c.occupation,
            "customer_level": c.level,
            "customer_category": c.category,
            "address": c.address,
            "email": c.email,
            "mobile": _phone(c.mobile),
            "home_phone": _phone(c.home_phone),
            "office_phone": _phone(c.office_phone),
            "preferred_channel": word(c.preferred_channel),
            "best_contact_time": c.best_contact_time,
            "language": c.language,
            "marketing_consent": word(c.marketing_consent),
            "customer_source": word(c.source),
            "club_level": c.club_level,
            "manager_name": manager.name if manager else "",
            "manager_phone": _phone(manager.phone) if manager else "",
            "manager_extension": manager.extension if manager else "",
        }
        for v in c.vehicles:
            vehicle_cells = _vehicle_cells(v, day)
            for o in v.orders:
                order_cells = {
                    "ro_number": o.number,
                    "ro_type": word(o.ro_type),
                    "opened_at": moment(o.opened_at),
                    "delivered_at": moment(o.delivered_at),
                    "mileage": o.mileage_in,
                    "advisor": o.advisor_name,
                    "technician": o.technician_name,
                    "labour_amount": number(o.labour_fen),
                    "parts_amount": number(o.parts_fen),
                    "total_amount": number(o.total_fen),
                    "fault_description": o.fault_description,
                    "is_repeat_repair": word(o.is_repeat_repair),
                    "is_appointment": word(o.is_appointment),
                }
                for line in o.lines:
                    cells = {
                        **customer_cells,
                        **vehicle_cells,
                        **order_cells,
                        "line_kind": word(line.kind),
                        "line_code": line.code,
                        "line_description": line.description,
                        "line_quantity": number(line.quantity_centi),
                        "line_unit_price": number(line.unit_fen),
                        "line_amount": number(line.amount_fen),
                    }
                    yield [cells.get(f.name, "") for f in FIELDS]
                written += 1
                if ro_count is not None and written >= ro_count:
                    return


def _vehicle_cells(v: VehicleRow, day) -> dict:
    return {
        "driver_name": v.driver.name if v.driver else "",
        "driver_phone": _phone(v.driver.phone) if v.driver else "",
        "vin": v.vin,
        "plate": v.plate,
        "brand": v.brand,
        "model": v.model,
        "trim": v.trim,
        "purchase_date": day(v.purchase_date),
        "delivery_date": day(v.delivery_date),
        "warranty_end_date": day(v.warranty_end_date),
        "warranty_end_km": v.warranty_end_km,
        "insurance_expiry": day(v.insurance_expiry),
        "inspection_due": day(v.inspection_due),
        "licence_due": day(v.licence_due),
    }


def write_dms_file(
    path: str | Path,
    customers: Iterable[CustomerRow],
    *,
    fmt: str = "csv",
    encoding: str = "utf-8-sig",
    headers: str = "zh",
    ro_count: int | None = None,
) -> Counter:
    """Write a DMS export of the customers' repair orders (at most `ro_count` of them); return row counts."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown format {fmt!r}: use csv or xlsx")
    if headers not in ("zh", "en"):
        raise ValueError(f"unknown header language {headers!r}: use zh or en")
    header = [f.label_zh if headers == "zh" else f.label_en for f in FIELDS]
    rows = _rows(customers, zh=headers == "zh", native=fmt == "xlsx", ro_count=ro_count)
    counts: Counter = Counter()
    ro_index = FIELDS.index(next(f for f in FIELDS if f.name == "ro_number"))
    seen_last = None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow(row)
                counts["rows"] += 1
                if row[ro_index] != seen_last:
                    seen_last = row[ro_index]
                    counts["repair_orders"] += 1
        return counts

    from openpyxl import Workbook  # imported here: only XLSX exports need it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("工单明细" if headers == "zh" else "Repair orders")
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        counts["rows"] += 1
        if row[ro_index] != seen_last:
            seen_last = row[ro_index]
            counts["repair_orders"] += 1
    workbook.save(path)
    return counts
