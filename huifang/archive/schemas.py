"""Typed shapes of the archive API. Every phone number a read returns is masked (138****5678)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema
from pydantic import field_validator

from huifang.core.api_errors import ErrorOut, ValidationErrorItem, ValidationErrorOut  # noqa: F401
from huifang.core.masking import mask_id_number
from huifang.core.phones import PhoneError, mask_phone, parse_phone

from .choices import Channel, ContactRole, CustomerKind, CustomerSource, Gender

PhoneField = Literal["mobile", "home_phone", "office_phone"]
# Keys of audit changes that hold phone numbers and are masked before they leave the server.
_PHONE_CHANGE_KEYS = frozenset({"mobile", "home_phone", "office_phone", "phone"})


class StoreRef(Schema):
    id: int
    code: str
    name: str


class VehicleBrief(Schema):
    id: int
    plate: str
    vin: str
    model: str


class CustomerSummary(Schema):
    """A search hit: enough to pick the right customer."""

    id: int
    store: StoreRef
    kind: CustomerKind
    name: str
    dms_code: str
    mobile: str = Field(description="Masked, e.g. 138****5678")
    vehicles: list[VehicleBrief]

    @staticmethod
    def resolve_mobile(obj) -> str:
        return mask_phone(obj.mobile)

    @staticmethod
    def resolve_vehicles(obj) -> list:
        return list(obj.vehicles.all())


class CustomerPage(Schema):
    count: int = Field(description="Matches in total (search results are capped)")
    limit: int
    offset: int
    items: list[CustomerSummary]


class ContactOut(Schema):
    id: int
    role: ContactRole
    name: str
    phone: str = Field(description="Masked")
    extension: str
    department: str
    note: str

    @staticmethod
    def resolve_phone(obj) -> str:
        return mask_phone(obj.phone)


class VehicleOut(Schema):
    """A vehicle with the figures derived from its repair orders and mileage readings."""

    id: int
    store: StoreRef
    customer_id: int
    vin: str
    plate: str
    brand: str
    model: str
    trim: str
    purchase_date: date | None
    delivery_date: date | None
    warranty_end_date: date | None
    warranty_end_km: int | None
    insurance_expiry: date | None
    inspection_due: date | None
    licence_due: date | None
    last_visit_at: datetime | None
    last_maintenance_at: datetime | None
    last_maintenance_km: int | None
    current_km: int | None
    avg_km_per_day: float | None
    avg_days_between_maintenance: float | None
    next_maintenance_date: date | None
    next_maintenance_km: int | None
    visits_12m: int
    activity: str
    is_lost: bool


class VehiclePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[VehicleOut]


class MileageOut(Schema):
    read_on: date
    km: int
    source: str


class VehicleDetail(VehicleOut):
    customer_name: str
    mileage_readings: list[MileageOut]

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_mileage_readings(obj) -> list:
        return list(obj.mileage_readings.all())


class CustomerDetail(Schema):
    """Basic data, company-car contacts and vehicles of one customer; phones masked."""

    id: int
    store: StoreRef
    dms_code: str
    kind: CustomerKind
    name: str
    gender: str
    birthday: date | None
    birthday_is_lunar: bool
    occupation: str
    sensitive_occupation: bool
    level: str
    category: str
    address: str
    email: str
    mobile: str = Field(description="Masked")
    home_phone: str = Field(description="Masked")
    office_phone: str = Field(description="Masked")
    preferred_channel: str
    best_contact_time: str
    language: str
    marketing_consent: bool
    source: str
    club_level: str
    first_visit_at: datetime | None
    created_at: datetime
    updated_at: datetime
    may_reveal_phone: bool = Field(description="Whether the caller may reveal full numbers of this customer")
    may_edit: bool = Field(description="Whether the caller may correct this customer's basic data")
    contacts: list[ContactOut]
    vehicles: list[VehicleOut]

    @staticmethod
    def resolve_mobile(obj) -> str:
        return mask_phone(obj.mobile)

    @staticmethod
    def resolve_home_phone(obj) -> str:
        return mask_phone(obj.home_phone)

    @staticmethod
    def resolve_office_phone(obj) -> str:
        return mask_phone(obj.office_phone)

    @staticmethod
    def resolve_contacts(obj) -> list:
        return list(obj.contacts.all())

    @staticmethod
    def resolve_vehicles(obj) -> list:
        return list(obj.vehicles.all())


class RevealIn(Schema):
    field: PhoneField


class RevealOut(Schema):
    field: PhoneField
    number: str = Field(description="The full number, as people in China write it; this reveal was logged")


class ContactRevealOut(Schema):
    contact_id: int
    number: str = Field(description="The contact's full number; this reveal was logged on the customer's trail")


class CustomerPatch(Schema):
    """Basic-data corrections; send only the fields that change. Phones in any written form."""

    name: str | None = Field(None, min_length=1, max_length=100)
    kind: CustomerKind | None = None
    gender: Gender | None = None
    birthday: date | None = None
    birthday_is_lunar: bool | None = None
    occupation: str | None = Field(None, max_length=100)
    level: str | None = Field(None, max_length=30)
    category: str | None = Field(None, max_length=30)
    address: str | None = Field(None, max_length=255)
    email: str | None = Field(None, max_length=254)
    mobile: str | None = None
    home_phone: str | None = None
    office_phone: str | None = None
    preferred_channel: Channel | Literal[""] | None = None
    best_contact_time: str | None = Field(None, max_length=100)
    language: str | None = Field(None, max_length=30)
    marketing_consent: bool | None = None
    source: CustomerSource | Literal[""] | None = None
    club_level: str | None = Field(None, max_length=30)

    @field_validator("mobile", "home_phone", "office_phone")
    @classmethod
    def _normalise_phone(cls, value: str | None) -> str | None:
        # An empty string clears the number; anything else must parse as a phone number.
        if value is None or not value.strip():
            return "" if value is not None else None
        try:
            return parse_phone(value).e164
        except PhoneError as exc:
            raise ValueError(str(exc)) from exc

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        if value:
            try:
                validate_email(value)
            except ValidationError as exc:
                raise ValueError("不是有效的电子邮件 / not an e-mail address") from exc
        return value


class RepairOrderLineOut(Schema):
    position: int
    kind: str
    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class RepairOrderOut(Schema):
    id: int
    store_id: int
    number: str
    vehicle_id: int
    plate: str
    customer_id: int
    ro_type: str
    opened_at: datetime
    delivered_at: datetime | None
    mileage_in: int | None
    advisor_name: str
    technician_name: str
    labour_amount: Decimal
    parts_amount: Decimal
    total_amount: Decimal
    fault_description: str
    is_repeat_repair: bool
    is_appointment: bool
    lines: list[RepairOrderLineOut]

    @staticmethod
    def resolve_plate(obj) -> str:
        return obj.vehicle.plate

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class RepairOrderPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RepairOrderOut]


class AuditEntryOut(Schema):
    id: int
    at: datetime
    action: str
    source: str
    actor: str | None
    object_type: str
    object_id: int | None
    object_repr: str
    changes: dict = Field(description="{field: [old, new]}; phone numbers masked")

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return str(obj.actor) if obj.actor_id else None

    @staticmethod
    def resolve_object_type(obj) -> str:
        return obj.content_type.model if obj.content_type_id else ""

    @staticmethod
    def resolve_changes(obj) -> dict:
        return mask_audit_changes(obj.changes or {})


class AuditPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AuditEntryOut]


def mask_audit_changes(changes: dict) -> dict:
    """Audit changes with every phone and ID number masked, so the trail never shows them in full."""

    def mask(value):
        if isinstance(value, list | tuple):
            return [mask(v) for v in value]
        return mask_phone(value) if isinstance(value, str) and value else value

    def mask_id(value):
        if isinstance(value, list | tuple):
            return [mask_id(v) for v in value]
        return mask_id_number(value) if isinstance(value, str) and value else value

    return {
        key: mask(value) if key in _PHONE_CHANGE_KEYS else mask_id(value) if key == "id_number" else value
        for key, value in changes.items()
    }


class ImportProgress(Schema):
    phase: str
    done: int
    total: int


class ImportBatchOut(Schema):
    id: int
    store: StoreRef
    filename: str
    dry_run: bool
    status: str
    encoding: str
    rows_total: int
    rows_rejected: int
    rows_warned: int = Field(0, description="rows imported with a warning (kept, flagged)")
    rows_skipped: int = Field(0, description="rows that are not data, such as the export's totals line")
    counts: dict
    ignored_columns: list
    error: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: ImportProgress = Field(description="{phase, done, total} as the import last reported it")
    status_url: str
    rejections_url: str


class ImportCreated(Schema):
    id: int
    status: str
    status_url: str


class ImportRejectionOut(Schema):
    severity: str = Field("error", description="error (row rejected), warning (row kept, flagged) or skipped")
    sheet: str
    row_number: int
    field: str
    value: str
    reason: str


class ImportRejectionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ImportRejectionOut]
