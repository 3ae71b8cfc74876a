"""One batch of a DMS import: parse each row (`parse_row`), reject the bad ones, resolve keys and compare
with the archive (`ImportRun`).

Nothing here writes to the database; `writing.import_write` carries out the plan this builds, and
`streaming.ImportStream` feeds the file through it batch by batch.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from huifang.core import clock

from .. import defaults
from ..choices import ContactRole, CustomerKind, LineKind, RepairOrderType
from ..erased import erased_digests, is_erased
from ..models import (
    ArchivePolicy,
    Contact,
    Customer,
    ImportBatch,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
)
from ..services import PHONE_FIELDS, customer_search_keys
from .fields import FIELDS_BY_NAME, match_headers
from .parsing import report_text
from .validation import CellError, RowParser, field_specs

BATCH_SIZE = 1000
PROGRESS_EVERY = 500
# How often a running import tells the database it is alive (import_batches_reap fails silent ones).
HEARTBEAT_EVERY_SECONDS = 15
# Above this many touched vehicles one store-wide refresh is cheaper than a long IN list.
REFRESH_WHOLE_STORE_ABOVE = 5000
LOOKUP_CHUNK = 2000
MAPPING_NAME = "default"

CUSTOMER_ATTRS = (
    "dms_code",
    "kind",
    "name",
    "gender",
    "birthday",
    "birthday_is_lunar",
    "id_number",
    "occupation",
    "level",
    "category",
    "address",
    "email",
    "mobile",
    "home_phone",
    "office_phone",
    "preferred_channel",
    "best_contact_time",
    "language",
    "marketing_consent",
    "source",
    "club_level",
    "mobile_unverified",
    "home_phone_unverified",
    "office_phone_unverified",
)
SEARCH_KEY_ATTRS = ("name_pinyin", "name_initials", "phone_digits", "sensitive_occupation")
SEARCH_KEY_INPUTS = ("name", "occupation", "mobile", "home_phone", "office_phone")
VEHICLE_ATTRS = (
    "vin",
    "plate",
    "brand",
    "model",
    "trim",
    "purchase_date",
    "delivery_date",
    "warranty_end_date",
    "warranty_end_km",
    "insurance_expiry",
    "inspection_due",
    "licence_due",
)
ORDER_ATTRS = (
    "number",
    "ro_type",
    "opened_at",
    "delivered_at",
    "mileage_in",
    "advisor_name",
    "technician_name",
    "labour_amount",
    "parts_amount",
    "total_amount",
    "fault_description",
    "is_repeat_repair",
    "is_appointment",
)
LINE_ATTRS = ("kind", "code", "description", "quantity", "unit_price", "amount")
CONTACT_COLUMNS = (
    (ContactRole.DRIVER, "driver_name", "driver_phone", None),
    (ContactRole.FLEET_MANAGER, "manager_name", "manager_phone", "manager_extension"),
)
ENTITY_COUNTS = ("customer", "contact", "vehicle", "repair_order", "line")
# A row whose first filled cell is one of these is the export's totals line, not a repair order.
TOTALS_WORDS = frozenset({"合计", "总计", "总合计", "汇总", "小计", "合计金额", "TOTAL", "SUM"})
# Verdicts remembered by the first cell's text (emptied when full, so memory stays bounded).
TOTALS_MEMO_LIMIT = 4096
_TOTALS_SEEN: dict[str, bool | None] = {}
_UNSEEN = object()

Progress = Callable[[str, int, int], None]
_LABOUR, _PART = LineKind.LABOUR.value, LineKind.PART.value


def bilingual(zh: str, en: str) -> str:
    """A message in Chinese and English, as core messages are written."""
    return f"{zh} / {en}"


@dataclass(slots=True)
class Row:
    sheet: str
    number: int
    customer: dict | None
    contact: dict | None
    vehicle: dict | None
    order: dict | None
    line: dict | None
    customer_key: tuple | None = None
    vin: str | None = None
    ro_number: str | None = None
    # The same object on consecutive rows whose customer, contact, vehicle and order parts (and the keys worked
    # out from them) are the same objects: the line rows of one order. None: the row stands alone.
    head: Any = None


@dataclass(slots=True)
class Reject:
    """One line of the per-row report: an error (the row is rejected), a warning (kept) or a skipped row."""

    sheet: str
    row: int
    field: str
    value: str
    reason: str
    severity: str = "error"


@dataclass
class CustomerSlot:
    key: tuple
    values: dict = field(default_factory=dict)
    contacts: dict = field(default_factory=dict)  # (role, name) -> {"phone", "extension"}
    has_name: bool = False
    obj: Customer | None = None
    existing: dict | None = None
    last_applied: dict | None = None  # the row dict merged into `values` last
    last_contact: dict | None = None  # the row dict merged into `contacts` last


@dataclass
class VehicleSlot:
    vin: str
    values: dict = field(default_factory=dict)
    owner: CustomerSlot | None = None
    obj: Vehicle | None = None
    existing: dict | None = None
    last_applied: dict | None = None


@dataclass
class OrderSlot:
    number: str
    rows: list[int] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)  # the first row of each run of rows sharing a head
    values: dict = field(default_factory=dict)
    lines: list[tuple] = field(default_factory=list)
    vehicle: VehicleSlot | None = None
    customer: CustomerSlot | None = None
    existing: dict | None = None
    pk: int | None = None
    vehicle_id: int | None = None
    last_applied: dict | None = None


@dataclass
class Plan:
    """What phase 2 will write, computed entirely in phase 1."""

    counts: dict = field(
        default_factory=lambda: {e: {"created": 0, "updated": 0, "unchanged": 0} for e in ENTITY_COUNTS}
    )
    customers_new: list[Customer] = field(default_factory=list)
    customers_changed: list[tuple[Customer, dict]] = field(default_factory=list)
    contacts_new: list[Contact] = field(default_factory=list)
    contacts_changed: list[tuple[Contact, dict]] = field(default_factory=list)
    vehicle_slots: list[VehicleSlot] = field(default_factory=list)
    order_slots: list[OrderSlot] = field(default_factory=list)
    customer_slots: list[CustomerSlot] = field(default_factory=list)


class ImportRun:
    """One batch of rows of one import into one store: grouped, checked, resolved, compared, then written.

    `importing.streaming` feeds a file through runs of a fixed number of rows (cut between repair orders),
    so memory holds one batch, never the file.
    """

    def __init__(
        self,
        *,
        batch: ImportBatch,
        report: Progress | None = None,
        now=None,
        erased: frozenset | set | None = None,
    ):
        self.batch = batch
        self.store = batch.store
        self.progress_callback = report
        self.tz = ZoneInfo(self.store.time_zone)
        self.rows: list[Row] = []
        self.rejects: list[Reject] = []
        self.rejected: set[int] = set()  # indexes into self.rows
        # Where each run of consecutive rows sharing one head (Row.head) starts: the cross-row steps walk these
        # runs, one per order's head, rather than every line row.
        self.head_starts: list[int] = []
        self._last_head: Any = None
        self.warnings: list[tuple[int, Reject]] = []  # (index into self.rows, warning)
        self.skipped: list[Reject] = []  # totals lines and other rows that are not data
        self.plan = Plan()
        # Customers, contacts and vehicles with what happened to each, for counting once across batches.
        self.outcomes: list[tuple[str, Any, str]] = []
        self.now = now or clock.now()
        self.source = f"import #{batch.pk}"
        self.erased = erased

    def report(self, phase: str, done: int, total: int) -> None:
        if self.progress_callback is not None:
            self.progress_callback(phase, done, total)

    # -- phase 1: rows of this batch ---------------------------------------------------------------

    def add(self, parsed: "ParsedRow") -> None:
        """Take one parsed row (from `parse_row`) into this batch, with its errors and warnings."""
        if parsed.skipped is not None:
            self.skipped.append(parsed.skipped)
            return
        index = len(self.rows)
        row = parsed.row
        self.rows.append(row)
        head = row.head
        if head is None or head is not self._last_head:
            self.head_starts.append(index)
            self._last_head = head
        if parsed.warnings:
            self.warnings.extend((index, warning) for warning in parsed.warnings)
        if parsed.errors:
            self.rejects.extend(parsed.errors)
            self.rejected.add(index)

    def _reject_row(self, index: int, field_name: str, value: str, reason: str) -> None:
        row = self.rows[index]
        self.rejects.append(Reject(row.sheet, row.number, field_name, value, reason))
        self.rejected.add(index)

    def units(self) -> list[tuple[int, int]]:
        """(start, end) of each run of consecutive rows sharing one head, in file order: rows start..end-1 have
        the same customer, contact, vehicle and order parts, VIN, RO number and customer key."""
        if not self.head_starts:
            return []  # a batch of skipped rows only (a totals line alone)
        ends = [*self.head_starts[1:], len(self.rows)]
        return list(zip(self.head_starts, ends, strict=True))

    @property
    def rows_warned(self) -> int:
        """Rows imported with at least one warning."""
        return len({index for index, _ in self.warnings if index not in self.rejected})

    def report_lines(self) -> list[Reject]:
        """The per-row report: every error of a rejected row, every warning of a kept row, skipped rows."""
        kept_warnings = [w for index, w in self.warnings if index not in self.rejected]
        return sorted([*self.rejects, *kept_warnings, *self.skipped], key=lambda r: (r.sheet, r.row))

    @staticmethod
    def _customer_key(customer: dict, vin: str | None) -> tuple | None:
        if customer.get("dms_code"):
            return ("code", customer["dms_code"])
        if customer.get("id_number"):
            return ("id", customer["id_number"])
        if customer.get("mobile") and customer.get("name"):
            return ("mobile_name", customer["mobile"], customer["name"])
        if vin:
            return ("vin", vin)
        return None

    # -- phase 1: group and check across rows -----------------------------------------------------

    def group_orders(self) -> dict[str, OrderSlot]:
        orders: dict[str, OrderSlot] = {}
        rows = self.rows
        for start, end in self.units():
            number = rows[start].ro_number
            if number:
                slot = orders.get(number)
                if slot is None:
                    slot = orders[number] = OrderSlot(number)
                slot.heads.append(start)
                if end == start + 1:
                    slot.rows.append(start)
                else:
                    slot.rows.extend(range(start, end))
        for slot in orders.values():
            self._check_order_consistency(slot)
        self.cascade_orders(orders)
        return orders

    def _check_order_consistency(self, slot: OrderSlot) -> None:
        first = self.rows[slot.rows[0]]
        # The rows sharing a head agree with its first row: the first row that disagrees starts a head.
        for index in slot.heads[1:]:
            row = self.rows[index]
            conflict = None
            if row.vin and first.vin and row.vin != first.vin:
                conflict = ("VIN", first.vin, row.vin)
            elif row.order is not first.order and row.order and first.order:
                for attr, value in row.order.items():
                    other = first.order.get(attr)
                    if other is not None and other != value:
                        conflict = (str(RepairOrder._meta.get_field(attr).verbose_name), other, value)
                        break
            if conflict is None:
                continue
            label, a, b = conflict
            reason = bilingual(
                f"工单 {slot.number} 在第 {first.number} 行与第 {row.number} 行的“{label}”不一致,整张工单未导入",
                f"RO {slot.number}: rows {first.number} and {row.number} disagree on {label}; the RO was not imported",
            )
            for i in slot.rows:
                if i not in self.rejected:
                    self._reject_row(i, label, str(b if i == index else a)[:255], reason)
            return

    def cascade_orders(self, orders: dict[str, OrderSlot]) -> None:
        """A repair order with one rejected row is rejected whole, pointing at the bad row."""
        rejected = self.rejected
        for slot in orders.values():
            if rejected.isdisjoint(slot.rows):
                continue
            bad = next(i for i in slot.rows if i in rejected)
            bad_row = self.rows[bad]
            where = f"{bad_row.sheet} " if bad_row.sheet else ""
            reason = bilingual(
                f"同一工单 {slot.number} 的{where}第 {bad_row.number} 行有错误,整张工单未导入",
                f"RO {slot.number} not imported: {where}row {bad_row.number} of it is invalid",
            )
            for i in slot.rows:
                if i not in self.rejected:
                    self._reject_row(i, FIELDS_BY_NAME["ro_number"].label_zh, slot.number, reason)

    # -- phase 1: resolve against the archive -----------------------------------------------------

    def load_customers(self, keys: set[tuple], owner_ids: set[int]) -> list[dict]:
        """The archived customers this batch's keys can meet (by code, ID number, mobile, or as a VIN's owner)."""
        attrs = ("pk", *CUSTOMER_ATTRS, *SEARCH_KEY_ATTRS)
        wanted = {
            "dms_code__in": sorted({k[1] for k in keys if k[0] == "code"}),
            "id_number__in": sorted({k[1] for k in keys if k[0] == "id"}),
            "mobile__in": sorted({k[1] for k in keys if k[0] == "mobile_name"}),
            "pk__in": sorted(owner_ids),
        }
        found: dict[int, tuple] = {}
        for lookup, values in wanted.items():
            for chunk in self.chunks(values):
                for record in Customer.objects.filter(store=self.store, **{lookup: chunk}).values_list(*attrs):
                    found[record[0]] = record
        # In primary-key order, as a scan of the store would meet them (a later duplicate wins in the maps).
        return [dict(zip(attrs, found[pk], strict=True)) for pk in sorted(found)]

    def chunks(self, items: list) -> Iterable[list]:
        for start in range(0, len(items), LOOKUP_CHUNK):
            yield items[start : start + LOOKUP_CHUNK]

    def load_vehicles(self, vins: list[str]) -> dict[str, dict]:
        attrs = ("pk", "customer_id", *VEHICLE_ATTRS)
        found: dict[str, dict] = {}
        for chunk in self.chunks(vins):
            for values in Vehicle.objects.filter(store=self.store, vin__in=chunk).values_list(*attrs):
                record = dict(zip(attrs, values, strict=True))
                found[record["vin"]] = record
        return found

    def load_orders(self, numbers: list[str]) -> tuple[dict[str, dict], dict[int, list[tuple]]]:
        attrs = ("pk", "vehicle_id", "customer_id", *ORDER_ATTRS)
        found: dict[str, dict] = {}
        for chunk in self.chunks(numbers):
            for values in RepairOrder.objects.filter(store=self.store, number__in=chunk).values_list(*attrs):
                record = dict(zip(attrs, values, strict=True))
                found[record["number"]] = record
        lines: dict[int, list[tuple]] = {}
        order_ids = [r["pk"] for r in found.values()]
        for chunk in self.chunks(order_ids):
            queryset = (
                RepairOrderLine.objects.filter(repair_order_id__in=chunk)
                .order_by("repair_order_id", "position", "id")
                .values_list("repair_order_id", *LINE_ATTRS)
            )
            for order_id, *values in queryset:
                lines.setdefault(order_id, []).append(tuple(values))
        return found, lines

    def resolve(self, orders: dict[str, OrderSlot]) -> None:
        """Match every customer, vehicle and order of the accepted rows with the archive; reject what cannot stand.

        The rows sharing a head (Row.head) carry the same customer, vehicle and order: each step looks at the
        head once, and at its rows one by one only to refuse them or to take their lines.
        """
        units = self.units()
        rows = self.rows
        rejected = self.rejected
        self._reject_erased_customers(units)
        vins = sorted({rows[start].vin for start, _ in units if rows[start].vin})
        existing_vehicles = self.load_vehicles(vins)
        keys = {
            rows[start].customer_key
            for start, end in units
            if rows[start].customer_key and not self._all_rejected(start, end)
        }
        owner_ids = {
            v["customer_id"] for vin, v in existing_vehicles.items() if ("vin", vin) in keys and v["customer_id"]
        }
        existing_customers = self.load_customers(keys, owner_ids)
        by_code = {c["dms_code"]: c for c in existing_customers if c["dms_code"]}
        by_id = {c["id_number"]: c for c in existing_customers if c["id_number"]}
        by_mobile_name = {(c["mobile"], c["name"]): c for c in existing_customers if c["mobile"]}
        by_pk = {c["pk"]: c for c in existing_customers}

        # Customer slots (rows with a customer key) and vehicle slots (rows with a VIN).
        customers: dict[tuple, CustomerSlot] = {}
        vehicles: dict[str, VehicleSlot] = {}
        for start, end in units:
            if self._all_rejected(start, end):
                continue
            row = rows[start]
            if row.customer_key is not None and (row.customer or row.contact):
                slot = customers.get(row.customer_key)
                if slot is None:
                    slot = customers[row.customer_key] = CustomerSlot(row.customer_key)
                    slot.existing = self._match_customer(row.customer_key, by_code, by_id, by_mobile_name)
                    if slot.existing is None and row.customer_key[0] == "vin":
                        vehicle = existing_vehicles.get(row.vin)
                        owner = by_pk.get(vehicle["customer_id"]) if vehicle else None
                        if owner and (not (row.customer or {}).get("name") or owner["name"] == row.customer["name"]):
                            slot.existing = owner
                if row.customer and row.customer.get("name"):
                    slot.has_name = True
            if row.vin and row.vin not in vehicles:
                vehicles[row.vin] = VehicleSlot(row.vin, existing=existing_vehicles.get(row.vin))

        # Two keys of the file may meet the same archived customer: they become one slot.
        by_existing: dict[int, CustomerSlot] = {}
        for key, slot in list(customers.items()):
            if slot.existing is None:
                continue
            first = by_existing.setdefault(slot.existing["pk"], slot)
            if first is not slot:
                customers[key] = first
                first.has_name = first.has_name or slot.has_name

        # One pass: a row whose new customer has no name is refused; each other row with a VIN names its
        # vehicle's owner (the last such row wins). A row's check depends on its own slot only, so refusing it
        # before its owner step is what two passes in turn did.
        no_name = bilingual("新客户缺少客户名称", "customer name is required for a new customer")
        for start, end in units:
            if self._all_rejected(start, end):
                continue
            row = rows[start]
            slot = customers.get(row.customer_key) if row.customer_key is not None else None
            if slot is not None and slot.existing is None and not slot.has_name:
                self._reject_rows(start, end, FIELDS_BY_NAME["customer_name"].label_zh, "", no_name)
                continue
            if row.vin and slot is not None:
                vehicles[row.vin].owner = slot
        no_owner = bilingual("新车辆缺少车主(客户信息)", "a new vehicle needs its owner (customer columns)")
        for start, end in units:
            row = rows[start]
            if not row.vin or self._all_rejected(start, end):
                continue
            slot = vehicles[row.vin]
            if slot.existing is None and slot.owner is None:
                self._reject_rows(start, end, "VIN", row.vin, no_owner)
        self.cascade_orders(orders)

        # Merge the accepted rows, in file order: a later row's value wins over an earlier one.
        # Only slots that an accepted row still refers to are written: a customer or vehicle seen
        # only on rejected rows must not be created half-filled.
        used_customers: set[int] = set()
        used_vehicles: set[int] = set()
        line_tuples: dict[int, tuple[dict, tuple]] = {}
        for start, end in units:
            if self._all_rejected(start, end):
                continue
            row = rows[start]
            cslot = customers.get(row.customer_key) if row.customer_key else None
            if cslot is not None:
                used_customers.add(id(cslot))
                # The rows of one order usually share one parsed dict (the parser's cache): applying the dict
                # just applied again changes nothing.
                if row.customer and row.customer is not cslot.last_applied:
                    cslot.values.update(row.customer)
                    cslot.last_applied = row.customer
                # Merging the contacts dict merged last into this slot again changes nothing (same keys, same values).
                if row.contact and row.contact is not cslot.last_contact:
                    cslot.last_contact = row.contact
                    for role, name_attr, phone_attr, ext_attr in CONTACT_COLUMNS:
                        name = row.contact.get(name_attr)
                        if name:
                            contact = cslot.contacts.setdefault((role.value, name), {})
                            if row.contact.get(phone_attr):
                                contact["phone"] = row.contact[phone_attr]
                                contact["phone_unverified"] = bool(row.contact.get(f"{phone_attr}_unverified"))
                            if ext_attr and row.contact.get(ext_attr):
                                contact["extension"] = row.contact[ext_attr]
            vslot = vehicles.get(row.vin) if row.vin else None
            if vslot is not None:
                used_vehicles.add(id(vslot))
                if vslot.owner is not None:
                    used_customers.add(id(vslot.owner))
            if vslot is not None and row.vehicle and row.vehicle is not vslot.last_applied:
                vslot.values.update(row.vehicle)
                vslot.last_applied = row.vehicle
            if row.ro_number:
                oslot = orders[row.ro_number]
                if row.order and row.order is not oslot.last_applied:
                    if oslot.values:
                        for attr, value in row.order.items():
                            oslot.values.setdefault(attr, value)
                    else:
                        oslot.values.update(row.order)  # the first merge: as setdefault of each
                    oslot.last_applied = row.order
                oslot.vehicle = vslot
                if cslot is not None:
                    oslot.customer = cslot
                lines = oslot.lines
                for index in range(start, end):
                    line = rows[index].line
                    if not line or index in rejected:
                        continue
                    # The parser hands the same dict to every row with the same line cells: its tuple is worked
                    # out once (the dicts stay alive with self.rows, so their ids are not reused meanwhile).
                    known = line_tuples.get(id(line))
                    if known is None or known[0] is not line:
                        known = line_tuples[id(line)] = (line, self._line_tuple(line))
                    lines.append(known[1])

        self.plan.customer_slots = [
            s for s in {id(s): s for s in customers.values()}.values() if id(s) in used_customers
        ]
        self.plan.vehicle_slots = [s for s in vehicles.values() if id(s) in used_vehicles]
        self.plan.order_slots = [s for s in orders.values() if s.rows[0] not in self.rejected]

    def _all_rejected(self, start: int, end: int) -> bool:
        """True when every row start..end-1 is rejected."""
        if end == start + 1:
            return start in self.rejected
        return self.rejected.issuperset(range(start, end))

    def _reject_rows(self, start: int, end: int, field_name: str, value: str, reason: str) -> None:
        """Reject each row start..end-1 not rejected yet, in order, for the same reason."""
        for index in range(start, end):
            if index not in self.rejected:
                self._reject_row(index, field_name, value, reason)

    def _reject_erased_customers(self, units: list[tuple[int, int]]) -> None:
        """Rows of a customer erased on request (PIPL) are refused, whatever else they hold."""
        store_id = self.batch.store_id
        erased = self.erased if self.erased is not None else erased_digests(store_id=store_id)
        if not erased:
            return
        reason = bilingual("该客户已应本人要求删除（个人信息保护），不再导入", "customer was erased on request (PIPL)")
        # An order spans several rows of one customer: each identity is hashed once per import.
        verdicts: dict[tuple, bool] = {}
        for start, end in units:
            row = self.rows[start]
            if not row.customer or self._all_rejected(start, end):
                continue
            identity = tuple(row.customer.get(k) or "" for k in ("dms_code", "id_number", "mobile", "name"))
            if identity not in verdicts:
                verdicts[identity] = is_erased(row.customer, store_id=store_id, erased=erased)
            if verdicts[identity]:
                self._reject_rows(start, end, FIELDS_BY_NAME["customer_code"].label_zh, "", reason)

    @staticmethod
    def _match_customer(key: tuple, by_code: dict, by_id: dict, by_mobile_name: dict) -> dict | None:
        kind = key[0]
        if kind == "code":
            return by_code.get(key[1])
        if kind == "id":
            return by_id.get(key[1])
        if kind == "mobile_name":
            return by_mobile_name.get((key[1], key[2]))
        return None

    @staticmethod
    def _line_tuple(line: dict) -> tuple:
        quantity = line.get("quantity")
        unit_price = line.get("unit_price")
        amount = line.get("amount")
        if quantity is None:
            quantity = Decimal("1.00")
        if amount is None:
            amount = (quantity * (unit_price or 0)).quantize(Decimal("0.01"))
        if unit_price is None:
            unit_price = (amount / quantity).quantize(Decimal("0.01")) if quantity else Decimal("0.00")
        kind = line.get("kind") or LineKind.LABOUR.value
        code = line.get("code") or ""
        description = line.get("description") or code or str(LineKind(kind).label)
        return (kind, code, description[:255], quantity, unit_price, amount)

    # -- phase 1: compare with the archive --------------------------------------------------------

    def compare(self) -> None:
        """Decide, record by record, what is created, what changes (and how) and what stays the same."""
        policy = ArchivePolicy.objects.filter(store=self.store).first()
        words = policy.sensitive_occupation_words if policy else defaults.SENSITIVE_OCCUPATION_WORDS
        self._compare_customers(words)
        self._compare_vehicles()
        self._compare_orders()

    def _count(self, entity: str, outcome: str, n: int = 1) -> None:
        self.plan.counts[entity][outcome] += n

    def _settle(self, entity: str, ref: Any, outcome: str) -> None:
        """Count a customer, contact or vehicle and remember which record it is (its id is known after the write)."""
        self._count(entity, outcome)
        self.outcomes.append((entity, ref, outcome))

    def outcome_ids(self) -> list[tuple[str, int, str]]:
        """(entity, id, outcome) of every customer, contact and vehicle of this batch; call after the write."""
        found = []
        for entity, ref, outcome in self.outcomes:
            if isinstance(ref, int):
                pk = ref
            elif isinstance(ref, (CustomerSlot, VehicleSlot)):
                pk = ref.obj.pk if ref.obj is not None else ref.existing["pk"]
            else:
                pk = ref.pk
            found.append((entity, pk, outcome))
        return found

    def _compare_customers(self, words: str) -> None:
        existing_contacts: dict[tuple, dict] = {}
        existing_ids = [s.existing["pk"] for s in self.plan.customer_slots if s.existing]
        contact_phones: dict[int, list[str]] = {}
        for chunk in self.chunks(existing_ids):
            for pk, customer_id, role, name, phone, extension, unverified in Contact.objects.filter(
                customer_id__in=chunk
            ).values_list("pk", "customer_id", "role", "name", "phone", "extension", "phone_unverified"):
                existing_contacts[(customer_id, role, name)] = {
                    "pk": pk,
                    "phone": phone,
                    "extension": extension,
                    "phone_unverified": unverified,
                }
                if phone:
                    contact_phones.setdefault(customer_id, []).append(phone)
        key_cache: dict[tuple, dict] = {}
        for slot in self.plan.customer_slots:
            base = dict(slot.existing) if slot.existing else {}
            merged = {**base, **slot.values}
            known_phones = contact_phones.get(base.get("pk"), [])
            new_phones = [c["phone"] for c in slot.contacts.values() if c.get("phone")]
            inputs_changed = (
                slot.existing is None
                or any(a in slot.values and slot.values[a] != base.get(a) for a in SEARCH_KEY_INPUTS)
                or any(p not in known_phones for p in new_phones)
            )
            if not inputs_changed:
                # Pinyin and phone parsing are the slowest part of a re-import: keep the stored keys.
                keys = {k: base[k] for k in SEARCH_KEY_ATTRS}
            else:
                phones = [merged.get(f) or "" for f in PHONE_FIELDS] + known_phones + new_phones
                cache_key = (merged.get("name", ""), tuple(phones), merged.get("occupation", ""))
                keys = key_cache.get(cache_key)
                if keys is None:
                    keys = customer_search_keys(
                        name=cache_key[0],
                        phones=list(dict.fromkeys(p for p in phones if p)),
                        occupation=cache_key[2],
                        sensitive_words=words,
                    )
                    key_cache[cache_key] = keys
            if slot.existing is None:
                values = {**slot.values, **keys}
                if values.get("kind") is None and slot.contacts:
                    values["kind"] = CustomerKind.COMPANY.value
                slot.obj = Customer(store=self.store, **values)
                self.plan.customers_new.append(slot.obj)
                self._settle("customer", slot, "created")
            else:
                changes = {
                    attr: [base.get(attr), value]
                    for attr, value in {**slot.values, **keys}.items()
                    if base.get(attr) != value
                }
                if changes:
                    full = {k: v for k, v in merged.items() if k != "pk"}
                    full.update(keys)
                    slot.obj = Customer(store=self.store, **full)
                    slot.obj.pk = base["pk"]
                    self.plan.customers_changed.append((slot.obj, changes))
                    self._settle("customer", slot, "updated")
                else:
                    # Nothing of it is written: the write reads only its id (owner of its vehicles and orders,
                    # customer of new contacts). An instance with every other field deferred costs a fraction
                    # of a full one, and a customer on forty batches is unchanged in thirty-nine of them.
                    slot.obj = Customer.from_db(Customer.objects.db, ["id"], [base["pk"]])
                    self._settle("customer", slot, "unchanged")
            for (role, name), values in slot.contacts.items():
                current = existing_contacts.get((base.get("pk"), role, name)) if slot.existing else None
                if current is None:
                    contact = Contact(customer=slot.obj, role=role, name=name, **values)
                    self.plan.contacts_new.append(contact)
                    self._settle("contact", contact, "created")
                    continue
                changes = {k: [current.get(k), v] for k, v in values.items() if current.get(k) != v}
                if changes:
                    contact = Contact(pk=current["pk"], customer=slot.obj, role=role, name=name)
                    contact.phone = values.get("phone", current["phone"])
                    contact.extension = values.get("extension", current["extension"])
                    contact.phone_unverified = values.get("phone_unverified", current["phone_unverified"])
                    self.plan.contacts_changed.append((contact, changes))
                    self._settle("contact", contact, "updated")
                else:
                    self._settle("contact", current["pk"], "unchanged")

    def _compare_vehicles(self) -> None:
        self.vehicles_new: list[VehicleSlot] = []
        self.vehicles_changed: list[tuple[VehicleSlot, dict]] = []
        self.owner_changes: list[VehicleSlot] = []
        for slot in self.plan.vehicle_slots:
            if slot.existing is None:
                self.vehicles_new.append(slot)
                self._settle("vehicle", slot, "created")
                continue
            base = slot.existing
            changes = {attr: [base.get(attr), value] for attr, value in slot.values.items() if base.get(attr) != value}
            if slot.owner is not None and (
                slot.owner.existing is None or slot.owner.existing["pk"] != base["customer_id"]
            ):
                changes["customer"] = [base["customer_id"], slot.owner.existing["pk"] if slot.owner.existing else None]
                self.owner_changes.append(slot)
            if changes:
                self.vehicles_changed.append((slot, changes))
                self._settle("vehicle", slot, "updated")
            else:
                self._settle("vehicle", slot, "unchanged")

    def _order_values(self, slot: OrderSlot) -> dict:
        values = dict(slot.values)
        if slot.lines:
            # One pass over the lines, each sum taken in line order (Decimal sums are exact, so as three passes).
            labour = parts = total = Decimal("0.00")
            for line in slot.lines:
                kind, amount = line[0], line[5]
                total += amount
                if kind == _LABOUR:
                    labour += amount
                elif kind == _PART:
                    parts += amount
            values.setdefault("labour_amount", labour)
            values.setdefault("parts_amount", parts)
            values.setdefault("total_amount", total)
        elif "total_amount" not in values and ("labour_amount" in values or "parts_amount" in values):
            values["total_amount"] = values.get("labour_amount", Decimal("0.00")) + values.get(
                "parts_amount", Decimal("0.00")
            )
        return values

    def _compare_orders(self) -> None:
        existing, existing_lines = self.load_orders([s.number for s in self.plan.order_slots])
        self.orders_new: list[OrderSlot] = []
        self.orders_changed: list[tuple[OrderSlot, dict, dict]] = []
        self.lines_replaced: list[OrderSlot] = []
        self.readings_for: list[OrderSlot] = []
        for slot in self.plan.order_slots:
            values = self._order_values(slot)
            slot.values = values
            base = existing.get(slot.number)
            if base is None:
                values.setdefault("ro_type", RepairOrderType.OTHER.value)
                self.orders_new.append(slot)
                self.readings_for.append(slot)
                self._count("repair_order", "created")
                self._count("line", "created", len(slot.lines))
                continue
            slot.existing = base
            changes = {attr: [base.get(attr), v] for attr, v in values.items() if base.get(attr) != v}
            vehicle = slot.vehicle
            vehicle_pk = vehicle.existing["pk"] if vehicle and vehicle.existing else None
            if vehicle_pk != base["vehicle_id"]:
                changes["vehicle"] = [base["vehicle_id"], vehicle_pk]
            customer = slot.customer
            if customer is not None:
                customer_pk = customer.existing["pk"] if customer.existing else None
                if customer_pk != base["customer_id"]:
                    changes["customer"] = [base["customer_id"], customer_pk]
            old_lines = existing_lines.get(base["pk"], [])
            lines_changed = bool(slot.lines) and old_lines != slot.lines
            if lines_changed:
                changes["lines"] = [len(old_lines), len(slot.lines)]
                self.lines_replaced.append(slot)
                self._count("line", "updated", len(slot.lines))
            else:
                self._count("line", "unchanged", len(slot.lines))
            if changes:
                self.orders_changed.append((slot, changes, base))
                self._count("repair_order", "updated")
                if "mileage_in" in changes or "opened_at" in changes or "vehicle" in changes:
                    self.readings_for.append(slot)
            else:
                self._count("repair_order", "unchanged")

    # -- phase 2: write ---------------------------------------------------------------------------


def _required_problems(
    parser: RowParser, row: Row, cells: list[Any], errors: list[Reject]
) -> list[tuple[str, str, str]]:
    problems: list[tuple[str, str, str]] = []
    vehicle, order, customer = row.vehicle or {}, row.order or {}, row.customer or {}
    row.vin = vehicle.get("vin")
    row.ro_number = order.get("number")
    if not (row.customer or row.contact or row.vehicle or row.order or row.line):
        if not errors:
            problems.append(("", "", bilingual("这一行没有可导入的数据", "nothing to import in this row")))
        return problems
    is_order_row = bool(row.order or row.line)
    if is_order_row:
        for name, present in (
            ("ro_number", row.ro_number),
            ("vin", row.vin),
            ("opened_at", order.get("opened_at")),
        ):
            if not present and not _field_had_error(errors, parser, name):
                label = FIELDS_BY_NAME[name]
                problems.append(
                    (
                        parser.header_of(name),
                        parser.cell_text(cells, name),
                        bilingual(f"工单缺少{label.label_zh}", f"{label.label_en} is required"),
                    )
                )
        opened, delivered = order.get("opened_at"), order.get("delivered_at")
        if opened and delivered and delivered < opened:
            # A cross-field error shows both values, as written, so the user sees which one is wrong.
            opened_text, delivered_text = (
                parser.cell_text(cells, "opened_at"),
                parser.cell_text(cells, "delivered_at"),
            )
            problems.append(
                (
                    f"{parser.header_of('opened_at')} / {parser.header_of('delivered_at')}",
                    f"{opened_text} / {delivered_text}",
                    bilingual(
                        f"交车时间 {delivered_text} 早于进厂时间 {opened_text}",
                        f"delivered ({delivered_text}) before it was opened ({opened_text})",
                    ),
                )
            )
    elif row.vehicle and not row.vin and not _field_had_error(errors, parser, "vin"):
        problems.append((parser.header_of("vin"), "", bilingual("车辆缺少 VIN", "VIN is required for a vehicle")))
    row.customer_key = ImportRun._customer_key(customer, row.vin)
    # A key cell refused, or a VIN reported missing, already explains the row; the missing key would repeat it.
    key_refused = bool(errors) and any(
        _field_had_error(errors, parser, f) for f in ("customer_code", "id_number", "mobile", "vin")
    )
    key_refused = key_refused or any(header == parser.header_of("vin") for header, _, _ in problems)
    if (row.customer or row.contact) and row.customer_key is None and not key_refused:
        problems.append(
            (
                parser.header_of("customer_name"),
                parser.cell_text(cells, "customer_name"),
                bilingual(
                    "客户需要客户编号、证件号码或手机+姓名之一",
                    "a customer needs a customer code, an ID number, or mobile and name",
                ),
            )
        )
    return problems


def _field_had_error(errors: list[Reject], parser: RowParser, name: str) -> bool:
    if not errors:
        return False
    header = parser.header_of(name)
    return any(reject.field == header for reject in errors)


@dataclass(slots=True)
class ParsedRow:
    """One data row as read and checked on its own, before anything across rows (picklable, for staging)."""

    row: Row | None
    errors: list[Reject]
    warnings: list[Reject]
    skipped: Reject | None = None


def is_totals_row(cells: list[Any]) -> bool:
    """True when the row's first filled cell is a totals word (合计 …)."""
    seen = _TOTALS_SEEN
    for cell in cells:
        if cell is None:
            continue
        if type(cell) is str:
            # The first cell (a customer code, an RO number) repeats on every line row of an order.
            verdict = seen.get(cell, _UNSEEN)
            if verdict is _UNSEEN:
                if len(seen) >= TOTALS_MEMO_LIMIT:
                    seen.clear()
                verdict = seen[cell] = _totals_verdict(cell)
            if verdict is None:
                continue
            return verdict
        if not isinstance(cell, str):
            return False
        return _totals_verdict(cell) is True
    return False


def _totals_verdict(cell: str) -> bool | None:
    """None for a blank text cell, else whether it is a totals word."""
    if type(cell) is str and not cell.strip():
        return None
    return cell.replace(" ", "").replace("\u3000", "").rstrip(":：").upper() in TOTALS_WORDS


def parse_row(parser: RowParser, sheet: str, number: int, cells: list[Any]) -> ParsedRow:
    """Parse one row and check what can be checked on the row alone (required fields, dates in order)."""
    if is_totals_row(cells):
        text = report_text(next(c for c in cells if c is not None and str(c).strip()))[:255]
        reason = bilingual("合计行,不是工单,已跳过", "totals line, not a repair order; skipped")
        return ParsedRow(None, [], [], Reject(sheet, number, "", text, reason, "skipped"))
    if len(cells) < parser.width:
        cells = parser.padded(cells)
    head = parser.parse_head(cells)
    line, line_errors = parser.parse_line(cells)
    if not line_errors:
        # Without a line error, the checks depend only on the order's cells (the same Head on every line row
        # of the order) and on whether the row has a line: worked out once, kept with the Head. The derived
        # tuple doubles as the rows' shared head (Row.head): the same object on every such row.
        derived = head.derived.get(line is not None)
        if derived is not None:
            vin, ro_number, customer_key, problems, (customer, contact, vehicle, order) = derived
            row = Row(sheet, number, customer, contact, vehicle, order, line, customer_key, vin, ro_number, derived)
            if not problems and not head.errors:
                return ParsedRow(row, [], [])
            errors, warnings = _cell_rejects(sheet, number, head.errors)
            errors += [Reject(sheet, number, header, value, reason) for header, value, reason in problems]
            return ParsedRow(row, errors, warnings)
    parts = head.parts
    row = Row(sheet, number, parts["customer"], parts["contact"], parts["vehicle"], parts["repair_order"], line)
    errors, warnings = _cell_rejects(sheet, number, (*head.errors, *line_errors) if line_errors else head.errors)
    problems = _required_problems(parser, row, cells, errors)
    if not line_errors:
        row.head = head.derived[line is not None] = (
            row.vin,
            row.ro_number,
            row.customer_key,
            problems,
            (row.customer, row.contact, row.vehicle, row.order),
        )
    for header, value, reason in problems:
        errors.append(Reject(sheet, number, header, value, reason))
    return ParsedRow(row, errors, warnings)


def _cell_rejects(sheet: str, number: int, cell_errors: Iterable[CellError]) -> tuple[list[Reject], list[Reject]]:
    """The report lines of a row's cell errors (the row is rejected) and warnings (it is kept)."""
    errors: list[Reject] = []
    warnings: list[Reject] = []
    for error in cell_errors:
        if error.warning:
            warnings.append(Reject(sheet, number, error.header, error.value, error.reason, "warning"))
        else:
            errors.append(Reject(sheet, number, error.header, error.value, error.reason))
    return errors, warnings


def sheet_parsers(workbook, saved_mapping: dict | None, tz: ZoneInfo) -> Iterable[tuple[RowParser, Any]]:
    """(parser, sheet) for every sheet of an opened workbook, in order; unmatched headers on `ignored`."""
    specs = field_specs(tz)
    for sheet in workbook.sheets:
        mapping, unmatched = match_headers(sheet.headers, saved_mapping)
        yield RowParser(mapping=mapping, headers=sheet.headers, specs=specs), sheet, unmatched
