"""Everything held about a customer, as readable sheets (XLSX, one per kind of record) and as JSON, zipped.

The rows are the same ones erasure finds (erasure.owned_ids), so what is exported is what would be erased,
including models added later; the audit entries about those rows come last."""

import io
import json
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.encoding import force_str

from huifang.archive.models import Customer
from huifang.audit.models import AuditEntry
from huifang.core.spreadsheet import xlsx_bytes

from .erasure import CHUNK, _chunks, owned_ids
from .erasure_fields import model_key

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value


def _columns(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def _rows(model: type[models.Model], ids: set) -> list[dict]:
    fields = _columns(model)
    rows: list[dict] = []
    for chunk in _chunks(ids, CHUNK):
        for values in model._default_manager.filter(pk__in=chunk).order_by("pk").values(*[f.attname for f in fields]):
            row = {}
            for f in fields:
                value = values[f.attname]
                if f.choices and value not in (None, ""):
                    value = {"value": value, "label": force_str(dict(f.flatchoices).get(value, value))}
                row[f.attname] = _plain(value)
            rows.append(row)
    return rows


def _audit_rows(owned: dict) -> list[dict]:
    rows: list[dict] = []
    for model, ids in owned.items():
        content_type = ContentType.objects.get_for_model(model)
        for chunk in _chunks(ids, CHUNK):
            entries = AuditEntry.objects.filter(content_type=content_type, object_id__in=chunk).select_related("actor")
            rows.extend(
                {
                    "at": e.at.isoformat(),
                    "record": model_key(model),
                    "object_id": e.object_id,
                    "description": e.object_repr,
                    "action": e.action,
                    "by": str(e.actor) if e.actor else "",
                    "changes": e.changes,
                }
                for e in entries
            )
    return sorted(rows, key=lambda r: r["at"])


def customer_data(*, customer: Customer) -> dict[str, dict]:
    """{model key: {"title": verbose name, "columns": [(attname, label)], "rows": [...]}} for one customer."""
    owned = owned_ids([customer.pk])
    order = sorted(owned, key=lambda m: (m is not Customer, model_key(m)))
    data: dict[str, dict] = {}
    for model in order:
        data[model_key(model)] = {
            "title": force_str(model._meta.verbose_name_plural),
            "columns": [(f.attname, force_str(f.verbose_name)) for f in _columns(model)],
            "numeric": [f.attname for f in _columns(model) if isinstance(f, models.DecimalField)],
            "rows": _rows(model, owned[model]),
        }
    data["audit.AuditEntry"] = {
        "title": force_str(AuditEntry._meta.verbose_name_plural),
        "columns": [(k, k) for k in ("at", "record", "object_id", "description", "action", "by", "changes")],
        "rows": _audit_rows(owned),
    }
    return data


def readable(value: Any) -> Any:
    """A value of an exported row as people read it: choice labels, JSON as text."""
    if isinstance(value, dict) and set(value) == {"value", "label"}:
        return value["label"]
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def data_xlsx(data: dict[str, dict]) -> bytes:
    """One sheet per kind of record, headed by the field names people read."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for key, block in data.items():
        title = _SHEET_BAD.sub("", block["title"])[:28] or key[:28]
        while title in used:
            title = title[:26] + f"{len(used):02d}"
        used.add(title)
        sheet = book.create_sheet(title)
        sheet.append([label for _attname, label in block["columns"]])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        numeric = set(block.get("numeric", ()))
        for row in block["rows"]:
            sheet.append([_xlsx_value(row.get(attname), attname in numeric) for attname, _label in block["columns"]])
    return xlsx_bytes(book)


def _xlsx_value(value: Any, numeric: bool) -> Any:
    # Amounts travel as text in the JSON (exact decimals); in the sheet they are numbers again, so sums work.
    if numeric and isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return readable(value)


def data_json(data: dict[str, dict]) -> bytes:
    payload = {key: block["rows"] for key, block in data.items()}
    return json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8")


def data_pdf(*, customer: Customer, data: dict[str, dict], now) -> bytes:
    """The same data as a printable PDF (WeasyPrint; the CJK font families are installed on the server)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string("privacy/export_print.html", {"customer": customer, "data": data, "now": now})
    return HTML(string=html).write_pdf()


def data_zip(*, customer: Customer, data: dict[str, dict], now) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"customer-{customer.pk}.xlsx", data_xlsx(data))
        archive.writestr(f"customer-{customer.pk}.json", data_json(data))
        archive.writestr(f"customer-{customer.pk}.pdf", data_pdf(customer=customer, data=data, now=now))
    return buffer.getvalue()
