"""Turning one row of cells into parsed entity parts (customer, contact, vehicle, repair order, line).

Each canonical field (importing.fields) has a parser and the model attribute it fills. Rows of a flat
export repeat the same customer, vehicle and order cells on every line row, so each entity's cells are
parsed once and the result is reused for identical cells (no re-parsing of 200,000 repeated headers).
"""

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from ..models import Customer, RepairOrder, RepairOrderLine, Vehicle
from . import parsing
from .fields import FIELDS_BY_NAME

ENTITIES = ("customer", "contact", "vehicle", "repair_order", "line")
# The entities repeated on every line row of an order (all but the line itself).
HEAD_ENTITIES = ENTITIES[:-1]
# Distinct parsed parts remembered per entity before the cache is emptied. The rows of one order, and the orders
# of one customer, follow each other in an export, so a small cache catches the repeats; a large one would
# grow with the file (100,000 entries per entity held ~300 MB at 500,000 rows).
CACHE_LIMIT = 4096
# Outcomes remembered per column, by the cell's text (see RowParser._parse_entity); emptied when full, so memory
# stays bounded whatever the file.
CELL_MEMO_LIMIT = 512
# Distinct order heads remembered (the rows of one order follow each other, so a few suffice; a head holds
# every non-line cell of its rows).
HEAD_CACHE_LIMIT = 64
# What one cell turned out to be.
_EMPTY, _VALUE, _ERROR, _FLAGGED = object(), object(), object(), object()
_EMPTY_OUTCOME = (_EMPTY, None, "", "")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    entity: str
    attr: str
    parse: Callable[[Any], Any]
    # Phone columns: the attribute that records "kept, but on a range the phone library does not know".
    flag_attr: str = ""
    # Yes/no columns, where '无' means "no" rather than "empty".
    yes_no: bool = False


@dataclass(frozen=True)
class CellError:
    field: str  # canonical field name
    header: str  # the header text as it appears in the file
    value: str
    reason: str
    warning: bool = False  # a warning keeps the row (the value is imported as the report says)


def _max(model, attr: str) -> int:
    return model._meta.get_field(attr).max_length


def field_specs(tz: ZoneInfo) -> dict[str, FieldSpec]:
    """Parser and target attribute of every canonical field; date-times are read in the store's zone."""

    def datetime_in_zone(value: Any):
        return parsing.parse_datetime(value, tz)

    def text(model, attr: str):
        return parsing.text_parser(_max(model, attr))

    def lunar(value: Any):
        flag = parsing.parse_lunar(value)
        return None if flag is None else bool(flag)

    table: dict[str, tuple[str, Callable[[Any], Any]]] = {
        # customer
        "customer_code": ("dms_code", parsing.code_parser(_max(Customer, "dms_code"))),
        "customer_name": ("name", text(Customer, "name")),
        "customer_type": ("kind", parsing.parse_customer_kind),
        "gender": ("gender", parsing.parse_gender),
        "birthday": ("birthday", parsing.parse_date),
        "birthday_calendar": ("birthday_is_lunar", lunar),
        "id_number": ("id_number", parsing.code_parser(_max(Customer, "id_number"))),
        "occupation": ("occupation", text(Customer, "occupation")),
        "customer_level": ("level", text(Customer, "level")),
        "customer_category": ("category", text(Customer, "category")),
        "address": ("address", text(Customer, "address")),
        "email": ("email", parsing.parse_email),
        "mobile": ("mobile", parsing.parse_phone_value),
        "home_phone": ("home_phone", parsing.parse_phone_value),
        "office_phone": ("office_phone", parsing.parse_phone_value),
        "preferred_channel": ("preferred_channel", parsing.parse_channel),
        "best_contact_time": ("best_contact_time", text(Customer, "best_contact_time")),
        "language": ("language", text(Customer, "language")),
        "marketing_consent": ("marketing_consent", parsing.parse_bool),
        "customer_source": ("source", parsing.parse_source),
        "club_level": ("club_level", text(Customer, "club_level")),
        # company-car contacts
        "driver_name": ("driver_name", parsing.text_parser(100)),
        "driver_phone": ("driver_phone", parsing.parse_phone_value),
        "manager_name": ("manager_name", parsing.text_parser(100)),
        "manager_phone": ("manager_phone", parsing.parse_phone_value),
        "manager_extension": ("manager_extension", parsing.text_parser(10)),
        # vehicle
        "vin": ("vin", parsing.parse_vin),
        "plate": ("plate", parsing.parse_plate),
        "brand": ("brand", text(Vehicle, "brand")),
        "model": ("model", text(Vehicle, "model")),
        "trim": ("trim", text(Vehicle, "trim")),
        "purchase_date": ("purchase_date", parsing.parse_date),
        "delivery_date": ("delivery_date", parsing.parse_date),
        "warranty_end_date": ("warranty_end_date", parsing.parse_date),
        "warranty_end_km": ("warranty_end_km", parsing.parse_km),
        "insurance_expiry": ("insurance_expiry", parsing.parse_date),
        "inspection_due": ("inspection_due", parsing.parse_date),
        "licence_due": ("licence_due", parsing.parse_date),
        # repair order
        "ro_number": ("number", parsing.code_parser(_max(RepairOrder, "number"))),
        "ro_type": ("ro_type", parsing.parse_ro_type),
        "opened_at": ("opened_at", datetime_in_zone),
        "delivered_at": ("delivered_at", datetime_in_zone),
        "mileage": ("mileage_in", parsing.parse_km),
        "advisor": ("advisor_name", text(RepairOrder, "advisor_name")),
        "technician": ("technician_name", text(RepairOrder, "technician_name")),
        "labour_amount": ("labour_amount", parsing.parse_amount),
        "parts_amount": ("parts_amount", parsing.parse_amount),
        "total_amount": ("total_amount", parsing.parse_amount),
        "fault_description": ("fault_description", parsing.text_parser(5000)),
        "is_repeat_repair": ("is_repeat_repair", parsing.parse_bool),
        "is_appointment": ("is_appointment", parsing.parse_bool),
        # line
        "line_kind": ("kind", parsing.parse_line_kind),
        "line_code": ("code", text(RepairOrderLine, "code")),
        "line_description": ("description", text(RepairOrderLine, "description")),
        "line_quantity": ("quantity", parsing.quantity_parser),
        "line_unit_price": ("unit_price", parsing.parse_amount),
        "line_amount": ("amount", parsing.parse_amount),
    }
    phones = {"mobile", "home_phone", "office_phone", "driver_phone", "manager_phone"}
    yes_no = {"marketing_consent", "is_repeat_repair", "is_appointment", "birthday_calendar"}
    return {
        name: FieldSpec(
            name,
            FIELDS_BY_NAME[name].entity,
            attr,
            parse,
            flag_attr=f"{attr}_unverified" if name in phones else "",
            yes_no=name in yes_no,
        )
        for name, (attr, parse) in table.items()
    }


class RowParser:
    """Parses the cells of one sheet, given its header positions -> canonical fields."""

    def __init__(self, *, mapping: dict[int, str], headers: list[str], specs: dict[str, FieldSpec]):
        self.headers = headers
        self.columns: dict[str, list[tuple[int, FieldSpec]]] = {entity: [] for entity in ENTITIES}
        for position, name in sorted(mapping.items()):
            spec = specs[name]
            self.columns[spec.entity].append((position, spec))
        self.present = set(mapping.values())
        # The first column of each field, in entity then column order (the order the report has always named).
        self.positions: dict[str, int] = {}
        for columns in self.columns.values():
            for position, spec in columns:
                self.positions.setdefault(spec.name, position)
        # itemgetter picks an entity's cells in C; rows shorter than the header are padded once.
        self.width = max(mapping, default=-1) + 1
        self.pickers = {
            entity: itemgetter(*[p for p, _ in columns]) if len(columns) > 1 else self._single(columns)
            for entity, columns in self.columns.items()
            if columns
        }
        self._cache: dict[str, dict[tuple, tuple[dict | None, tuple[CellError, ...]]]] = {e: {} for e in ENTITIES}
        head_positions = [position for entity in HEAD_ENTITIES for position, _ in self.columns[entity]]
        self._head_picker: Callable[[list[Any]], Any] = (
            itemgetter(*head_positions)
            if len(head_positions) > 1
            else (lambda cells: tuple(cells[p] for p in head_positions))
        )
        self._heads: dict[Any, Head] = {}
        self._cell_memos: dict[str, list[dict[str, tuple]]] = {
            entity: [{} for _ in columns] for entity, columns in self.columns.items()
        }

    def header_of(self, field: str) -> str:
        position = self.positions.get(field)
        if position is not None:
            return self.headers[position]
        label = FIELDS_BY_NAME[field]
        return f"{label.label_zh} / {label.label_en}"

    def cell_text(self, cells: list[Any], field: str) -> str:
        """The cell of a canonical field as written in the file (for the report), '' when the sheet lacks it."""
        position = self.positions.get(field)
        if position is None:
            return ""
        return parsing.report_text(cells[position] if position < len(cells) else None)[:255]

    def _parse_entity(self, entity: str, cells: list[Any]) -> tuple[dict | None, tuple[CellError, ...]]:
        columns = self.columns[entity]
        if not columns:
            return None, ()
        raw = self.pickers[entity](cells)
        cache = self._cache[entity]
        hit = cache.get(raw)
        if hit is not None:
            return hit
        values: dict[str, Any] = {}
        errors: list[CellError] = []
        for (position, spec), cell, memo in zip(columns, raw, self._cell_memos[entity], strict=True):
            # A text cell's outcome is looked up by its text: an export repeats the same dates, amounts,
            # phones, part codes and names on thousands of rows, and a dict lookup costs far less than a parse.
            if type(cell) is str:
                outcome = memo.get(cell)
                if outcome is None:
                    if len(memo) >= CELL_MEMO_LIMIT:
                        memo.clear()
                    outcome = memo[cell] = self._cell_outcome(spec, cell)
            else:
                outcome = self._cell_outcome(spec, cell)
            kind, value, text, reason = outcome
            if kind is _EMPTY:
                continue
            if kind is _ERROR:
                errors.append(CellError(spec.name, self.headers[position], text, reason))
                continue
            if kind is _FLAGGED:
                errors.append(CellError(spec.name, self.headers[position], text, reason, warning=True))
                if spec.flag_attr:
                    values[spec.flag_attr] = True
            elif spec.flag_attr and value is not None:
                values[spec.flag_attr] = False
            if value is not None:
                values[spec.attr] = value
        result = (values or None, tuple(errors))
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[raw] = result
        return result

    @staticmethod
    def _cell_outcome(spec: FieldSpec, cell: Any) -> tuple[object, Any, str, str]:
        """(kind, value, cell as the report shows it, reason) of one cell; the same cell always gives the same."""
        if parsing.is_empty_marker(cell, yes_no=spec.yes_no):
            return _EMPTY_OUTCOME
        try:
            value = spec.parse(cell)
        except parsing.FieldError as exc:
            return (_ERROR, None, parsing.report_text(cell)[:255], str(exc))
        if isinstance(value, parsing.Flagged):
            return (_FLAGGED, value.value, parsing.report_text(cell)[:255], value.reason)
        return (_VALUE, value, "", "")

    @staticmethod
    def _single(columns: list[tuple[int, FieldSpec]]) -> Callable[[list[Any]], tuple]:
        position = columns[0][0]
        return lambda cells: (cells[position],)

    def parse(self, cells: list[Any]) -> tuple[dict[str, dict | None], list[CellError]]:
        """Parsed parts per entity (None when the row has nothing for it) and every cell error or warning."""
        if len(cells) < self.width:
            cells = [*cells, *([None] * (self.width - len(cells)))]
        head = self.parse_head(cells)
        line, line_errors = self._parse_entity("line", cells)
        parts = dict(head.parts)
        parts["line"] = line
        return parts, [*head.errors, *line_errors]

    def parse_head(self, cells: list[Any]) -> "Head":
        """The customer, contact, vehicle and order parts of a row (cells padded to the sheet's width).

        Every line row of an order repeats these cells: one lookup of all of them together replaces four, and
        the same `Head` comes back for each row of the order (`Head.derived` lets the caller keep what it
        works out from them once).
        """
        raw = self._head_picker(cells)
        head = self._heads.get(raw)
        if head is None:
            parts: dict[str, dict | None] = {}
            errors: list[CellError] = []
            for entity in HEAD_ENTITIES:
                values, entity_errors = self._parse_entity(entity, cells)
                parts[entity] = values
                errors.extend(entity_errors)
            head = Head(parts, tuple(errors), {})
            if len(self._heads) >= HEAD_CACHE_LIMIT:
                self._heads.clear()
            self._heads[raw] = head
        return head

    def parse_line(self, cells: list[Any]) -> tuple[dict | None, tuple[CellError, ...]]:
        """The line part of a row (cells padded to the sheet's width) and its cell errors or warnings."""
        return self._parse_entity("line", cells)

    def padded(self, cells: list[Any]) -> list[Any]:
        """The row's cells, at least as many as the sheet's mapped columns."""
        if len(cells) < self.width:
            return [*cells, *([None] * (self.width - len(cells)))]
        return cells


@dataclass(slots=True)
class Head:
    """The parsed customer, contact, vehicle and order parts of one distinct set of cells."""

    parts: dict[str, dict | None]
    errors: tuple[CellError, ...]
    derived: dict  # what the caller works out from the parts alone, kept with them
