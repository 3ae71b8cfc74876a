"""The plain rows the demo generator yields: a customer with contacts, vehicles and repair orders.

Money is in fen and quantities in hundredths, so sums are exact; phones are E.164.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from . import catalogue as cat

# The brand's warranty: 3 years or 100,000 km, whichever comes first.
WARRANTY_KM = 100_000


@dataclass(frozen=True)
class StoreProfile:
    """What makes one store's data look local: city plate letters, area code, advisors."""

    city: str = "深圳"
    plate_prefixes: tuple[str, ...] = ("粤B",)
    area_code: str = "755"
    advisors: tuple[str, ...] = cat.ADVISORS
    technicians: tuple[str, ...] = cat.TECHNICIANS
    code_prefix: str = "SZ"


SHENZHEN = StoreProfile()
GUANGZHOU = StoreProfile(
    city="广州",
    plate_prefixes=("粤A",),
    area_code="20",
    advisors=("梁志伟", "何丽华", "罗俊", "谢婷", "冯家豪", "曾晓燕"),
    technicians=("邓国华", "彭伟", "潘永明", "蔡俊杰", "钟建华"),
    code_prefix="GZ",
)


@dataclass(slots=True)
class LineRow:
    kind: str
    code: str
    description: str
    quantity_centi: int  # hundredths: 450 = 4.5
    unit_fen: int
    amount_fen: int


@dataclass(slots=True)
class OrderRow:
    number: str
    ro_type: str
    opened_at: datetime
    delivered_at: datetime | None
    mileage_in: int
    advisor_name: str
    technician_name: str
    fault_description: str
    is_repeat_repair: bool
    is_appointment: bool
    lines: list[LineRow]
    labour_fen: int = 0
    parts_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.labour_fen + self.parts_fen


@dataclass(slots=True)
class ContactRow:
    role: str
    name: str
    phone: str  # E.164
    extension: str = ""
    department: str = ""
    note: str = ""


@dataclass(slots=True)
class VehicleRow:
    vin: str
    plate: str
    model: str
    trim: str
    purchase_date: date
    delivery_date: date
    warranty_end_date: date
    insurance_expiry: date
    inspection_due: date
    licence_due: date | None
    delivery_km: int
    brand: str = cat.BRAND
    warranty_end_km: int = WARRANTY_KM
    driver: ContactRow | None = None
    orders: list[OrderRow] = field(default_factory=list)

    def readings(self) -> list[tuple[date, int]]:
        """Odometer readings: the delivery and every repair order, one per (day, km)."""
        seen = {(self.delivery_date, self.delivery_km)}
        for order in self.orders:
            seen.add((order.opened_at.date(), order.mileage_in))
        return sorted(seen)


@dataclass(slots=True)
class CustomerRow:
    dms_code: str
    kind: str
    name: str
    gender: str
    birthday: date | None
    birthday_is_lunar: bool
    id_number: str
    occupation: str
    level: str
    category: str
    address: str
    email: str
    mobile: str  # E.164
    home_phone: str
    office_phone: str
    preferred_channel: str
    best_contact_time: str
    language: str
    marketing_consent: bool
    source: str
    club_level: str
    first_visit_at: datetime | None = None
    contacts: list[ContactRow] = field(default_factory=list)
    vehicles: list[VehicleRow] = field(default_factory=list)

    @property
    def phones(self) -> list[str]:
        return [self.mobile, self.home_phone, self.office_phone] + [c.phone for c in self.contacts]
