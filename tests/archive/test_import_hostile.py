"""Hostile and odd DMS files (issue 16 §1, §2) and the errors-vs-warnings split (issue 14 §1)."""

import csv
import io
import os
import signal
import socket
import subprocess
import zipfile
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from huifang.archive.choices import ImportRowOutcome, ImportStatus
from huifang.archive.importing import writing
from huifang.archive.importing.services import dms_import_file, import_batches_reap
from huifang.archive.models import Contact, Customer, ImportBatch, ImportPolicy, RepairOrder, Vehicle
from huifang.core import clock

from ..factories import make_vin
from .test_import_views import login

HEADERS = [
    "客户编号",
    "客户名称",
    "手机",
    "电子邮箱",
    "车架号",
    "工单号",
    "维修类型",
    "进厂时间",
    "交车时间",
    "故障描述",
]


def row(n: int, **cells) -> list[str]:
    """A sound row for customer/vehicle/order number n; keyword arguments replace cells by header."""
    values = {
        "客户编号": f"C{n:03d}",
        "客户名称": f"客户{n}",
        "手机": f"1391234{n:04d}",
        "电子邮箱": "",
        "车架号": make_vin(n),
        "工单号": f"RO{n:03d}",
        "维修类型": "定保",
        "进厂时间": "2025-03-01 09:00",
        "交车时间": "2025-03-01 12:00",
        "故障描述": "",
    }
    values.update(cells)
    return [values[h] for h in HEADERS]


def csv_bytes(rows, headers=HEADERS, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if headers:
        writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="surrogatepass")


def import_bytes(store, tmp_path, data: bytes, name="dms.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return dms_import_file(store=store, path=path)


def report(batch):
    return list(batch.rejections.order_by("row_number", "id").values_list("severity", "row_number", "field", "value"))


def nothing_written(store):
    return not (Customer.objects.filter(store=store).exists() or RepairOrder.objects.filter(store=store).exists())


# -- warnings keep the customer --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mobile_on_a_range_the_phone_library_does_not_know_is_kept_and_flagged(store, tmp_path):
    # given 140/174/194 mobiles (shape of a mainland mobile, ranges unknown to phonenumbers 9.0)
    rows = [row(1, 手机="14012345678"), row(2, 手机="+86 174 1234 5678"), row(3, 手机="19412345678")]
    # when
    batch = import_bytes(store, tmp_path, csv_bytes(rows))
    # then every customer, vehicle and order is kept; the phones are flagged and listed as warnings
    assert (batch.status, batch.rows_total, batch.rows_warned, batch.rows_rejected) == (ImportStatus.DONE, 3, 3, 0)
    assert report(batch) == [
        (ImportRowOutcome.WARNING, 2, "手机", "14012345678"),
        (ImportRowOutcome.WARNING, 3, "手机", "+86 174 1234 5678"),
        (ImportRowOutcome.WARNING, 4, "手机", "19412345678"),
    ]
    customers = Customer.objects.filter(store=store).order_by("dms_code")
    assert list(customers.values_list("mobile", "mobile_unverified")) == [
        ("+8614012345678", True),
        ("+8617412345678", True),
        ("+8619412345678", True),
    ]
    assert RepairOrder.objects.filter(store=store).count() == 3
    assert Vehicle.objects.filter(store=store).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mobile", "reason_part"),
    [("1380013", "not a phone number"), ("1381234567a", "not a phone number"), ("12012345678", "not a phone number")],
)
def test_a_value_that_cannot_be_a_phone_number_rejects_the_row(store, tmp_path, mobile, reason_part):
    # given
    rows = [row(1), row(2, 手机=mobile)]
    # when
    batch = import_bytes(store, tmp_path, csv_bytes(rows))
    # then
    assert (batch.rows_rejected, batch.rows_warned) == (1, 0)
    rejection = batch.rejections.get()
    assert (rejection.row_number, rejection.field, rejection.value) == (3, "手机", mobile)
    assert reason_part in rejection.reason
    assert list(Customer.objects.filter(store=store).values_list("dms_code", flat=True)) == ["C001"]


@pytest.mark.django_db
def test_bad_email_and_unknown_order_type_are_warnings(store, tmp_path):
    # given
    rows = [row(1, 电子邮箱="zhang at 163"), row(2, 维修类型="PDI检查")]
    # when
    batch = import_bytes(store, tmp_path, csv_bytes(rows))
    # then
    assert (batch.rows_warned, batch.rows_rejected) == (2, 0)
    assert report(batch) == [
        (ImportRowOutcome.WARNING, 2, "电子邮箱", "zhang at 163"),
        (ImportRowOutcome.WARNING, 3, "维修类型", "PDI检查"),
    ]
    assert Customer.objects.get(store=store, dms_code="C001").email == "zhang at 163"
    assert RepairOrder.objects.get(store=store, number="RO002").ro_type == "other"


@pytest.mark.django_db
def test_contact_phone_on_an_unknown_range_is_flagged(store, tmp_path):
    # given a company with a fleet manager whose number is on a 149 range
    headers = [*HEADERS, "领导名称", "领导电话"]
    rows = [[*row(1, 客户名称="深圳某某科技有限公司"), "王经理", "14912345678"]]
    # when
    batch = import_bytes(store, tmp_path, csv_bytes(rows, headers))
    # then
    assert batch.rows_warned == 1
    contact = Contact.objects.get(customer__store=store)
    assert (contact.name, contact.phone, contact.phone_unverified) == ("王经理", "+8614912345678", True)


@pytest.mark.django_db
def test_flagged_phone_shows_a_mark_on_the_customer_page(client, store, specialist, tmp_path):
    # given
    import_bytes(store, tmp_path, csv_bytes([row(1, 手机="14012345678"), row(2)]))
    login(client, specialist)
    flagged = Customer.objects.get(store=store, dms_code="C001")
    plain = Customer.objects.get(store=store, dms_code="C002")
    # when
    flagged_page = client.get(reverse("archive:customer_detail", args=[flagged.pk])).content.decode()
    plain_page = client.get(reverse("archive:customer_detail", args=[plain.pk])).content.decode()
    # then the number is shown masked, callable, with the mark
    assert "140****5678" in flagged_page and "号段未收录" in flagged_page
    assert "号段未收录" not in plain_page


# -- cells that must not crash the import ---------------------------------------------------------------------


@pytest.mark.django_db
def test_nul_and_control_characters_are_dropped_from_cells(store, tmp_path):
    # given a CSV with a NUL byte inside a name and a bell character in an RO number (PostgreSQL cannot store NUL)
    data = csv_bytes([row(1, 客户名称="张\x00三"), row(2, 工单号="RO\x07002")])
    # when
    batch = import_bytes(store, tmp_path, data)
    # then
    assert (batch.status, batch.rows_rejected) == (ImportStatus.DONE, 0), batch.error
    assert Customer.objects.get(store=store, dms_code="C001").name == "张三"
    assert RepairOrder.objects.filter(store=store, number="RO002").exists()


@pytest.mark.django_db
def test_lone_surrogate_rejects_its_row_with_the_reason(store, tmp_path):
    # given a UTF-8 file where one name holds an encoded lone surrogate (ED A0 80), invalid in UTF-8 and GB18030
    data = csv_bytes([row(1), row(2, 客户名称="李\ud800四")])
    # when
    batch = import_bytes(store, tmp_path, data)
    # then
    assert (batch.status, batch.rows_rejected) == (ImportStatus.DONE, 1), batch.error
    rejection = batch.rejections.get()
    assert (rejection.row_number, rejection.field) == (3, "客户名称")
    assert "cannot be read" in rejection.reason
    assert list(Customer.objects.filter(store=store).values_list("dms_code", flat=True)) == ["C001"]


@pytest.mark.django_db
def test_a_file_mixing_utf8_and_gb18030_lines_reads_both(store, tmp_path):
    # given a header and first row in UTF-8 and a second row appended by another tool in GB18030
    data = csv_bytes([row(1, 客户名称="张三")]) + csv_bytes(
        [row(2, 客户名称="吉𠮷祥")], headers=None, encoding="gb18030"
    )
    # when
    batch = import_bytes(store, tmp_path, data)
    # then
    assert (batch.status, batch.rows_rejected, batch.encoding) == (ImportStatus.DONE, 0, "UTF-8 + GB18030")
    assert set(Customer.objects.filter(store=store).values_list("name", flat=True)) == {"张三", "吉𠮷祥"}


@pytest.mark.django_db
def test_ten_thousand_character_cells_reject_only_their_row(store, tmp_path):
    # given a 10,000-character name and a 10,000-character fault description (limits: 100 and 5,000)
    rows = [row(1), row(2, 客户名称="长" * 10_000), row(3, 故障描述="异响" * 5_000)]
    # when
    batch = import_bytes(store, tmp_path, csv_bytes(rows))
    # then
    assert (batch.status, batch.rows_rejected) == (ImportStatus.DONE, 2), batch.error
    reasons = {r.row_number: (r.field, r.reason) for r in batch.rejections.all()}
    assert reasons[3] == ("客户名称", "内容过长(最多 100 字) / too long (at most 100 characters)")
    assert reasons[4] == ("故障描述", "内容过长(最多 5000 字) / too long (at most 5000 characters)")
    assert RepairOrder.objects.filter(store=store).count() == 1


@pytest.mark.django_db
def test_formula_payloads_are_stored_as_text_and_downloaded_inert(client, store, specialist, tmp_path):
    # given a name that is a formula and a VIN cell that is one
    payload = '=HYPERLINK("http://evil.example","点我")'
    rows = [row(1, 客户名称=payload), row(2, 车架号="=1+2")]
    batch = import_bytes(store, tmp_path, csv_bytes(rows))
    login(client, specialist)
    # when
    csv_text = client.get(reverse("archive:import_rejections_csv", args=[batch.pk])).content.decode("utf-8-sig")
    xlsx = client.get(reverse("archive:import_rejections_xlsx", args=[batch.pk])).content
    # then the archive keeps what the DMS held, and the report cannot run it
    assert Customer.objects.get(store=store, dms_code="C001").name == payload
    assert "'=1+2" in csv_text
    sheet = load_workbook(io.BytesIO(xlsx)).active
    values = [c.value for c in sheet[2]]
    assert "'=1+2" in values
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


# -- limits: refused whole, nothing written ---------------------------------------------------------------------


def _xlsx_with_sheet_xml(path, sheet_xml_chunks):
    """A real XLSX whose first sheet's XML is replaced by the given chunks (streamed into the zip)."""
    book = Workbook()
    book.active.append(HEADERS)
    buffer = io.BytesIO()
    book.save(buffer)
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename == "xl/worksheets/sheet1.xml":
                with target.open(item.filename, "w") as out:
                    for chunk in sheet_xml_chunks:
                        out.write(chunk)
            else:
                target.writestr(item, source.read(item.filename))
    return path


@pytest.mark.django_db
def test_zip_bomb_is_refused_from_its_directory_before_anything_is_unpacked(store, tmp_path):
    # given a ~60 MB sheet of one repeated row that packs to well under 1 MB (ratio far above 200:1)
    head = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    rows = (b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAA</t></is></c></row>' * 10_000 for _ in range(100))
    path = _xlsx_with_sheet_xml(tmp_path / "bomb.xlsx", [head, *rows, b"</sheetData></worksheet>"])
    assert path.stat().st_size < 1_000_000
    # when
    batch = dms_import_file(store=store, path=path)
    # then
    assert batch.status == ImportStatus.FAILED
    assert "xl/worksheets/sheet1.xml" in batch.error and "max compression ratio" in batch.error
    assert nothing_written(store) and not batch.rejections.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("policy", "rows", "limit_text"),
    [
        ({"max_rows": 3}, [row(n) for n in range(1, 5)], "max rows"),
        ({"max_columns": 5}, [row(1)], "max columns"),
        ({"max_cell_chars": 50}, [row(1), row(2, 故障描述="x" * 51)], "max cell length"),
        ({"max_unpacked_mb": 0}, [row(1)], "max unpacked size"),
    ],
)
def test_a_file_over_a_store_limit_fails_naming_the_limit_and_writes_nothing(store, tmp_path, policy, rows, limit_text):
    # given the store's own limits
    ImportPolicy.objects.create(store=store, **policy)
    # when
    batch = import_bytes(store, tmp_path, csv_bytes(rows))
    # then
    assert batch.status == ImportStatus.FAILED
    assert limit_text in batch.error
    assert nothing_written(store) and not batch.rejections.exists()


@pytest.mark.django_db
def test_xlsx_over_the_unpacked_size_limit_is_refused(store, tmp_path):
    # given a 2 MB sheet in a store that allows 1 MB unpacked
    ImportPolicy.objects.create(store=store, max_unpacked_mb=1)
    head = (
        b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    rows = (b"<row></row>" * 20_000 for _ in range(10))
    path = _xlsx_with_sheet_xml(tmp_path / "big.xlsx", [head, *rows, b"</sheetData></worksheet>"])
    # when
    batch = dms_import_file(store=store, path=path)
    # then
    assert batch.status == ImportStatus.FAILED and "over the limit of 1 MB" in batch.error
    assert nothing_written(store)


# -- one unit: lands with its report or leaves nothing; the batch always ends -----------------------------------


@pytest.mark.django_db
def test_failure_while_writing_leaves_no_record_and_no_report(store, tmp_path, monkeypatch):
    # given a file with one bad row (its report line would be written with the import) and a write that fails
    def explode(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writing, "vehicle_figures_refresh", explode)
    data = csv_bytes([row(1), row(2, 车架号="LSV123")])
    # when
    batch = import_bytes(store, tmp_path, data)
    # then
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "disk full" in batch.error
    assert nothing_written(store) and not batch.rejections.exists()


@pytest.mark.django_db
def test_running_batch_of_a_killed_process_is_failed_by_the_reaper(store):
    # given a batch claimed by a worker process that was then killed with SIGKILL
    worker = subprocess.Popen(["sleep", "60"])
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    now = clock.now()
    dead = ImportBatch.objects.create(
        store=store,
        filename="a.csv",
        status=ImportStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker_host=socket.gethostname(),
        worker_pid=worker.pid,
    )
    alive = ImportBatch.objects.create(
        store=store,
        filename="b.csv",
        status=ImportStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker_host=socket.gethostname(),
        worker_pid=os.getpid(),
    )
    silent = ImportBatch.objects.create(
        store=store,
        filename="c.csv",
        status=ImportStatus.RUNNING,
        started_at=now - timedelta(hours=1),
        heartbeat_at=now - timedelta(minutes=11),
        worker_host="another-host",
        worker_pid=1,
    )
    # when
    reaped = import_batches_reap(now=now)
    # then
    assert reaped == 2
    for batch in (dead, alive, silent):
        batch.refresh_from_db()
    assert (dead.status, silent.status, alive.status) == (
        ImportStatus.FAILED,
        ImportStatus.FAILED,
        ImportStatus.RUNNING,
    )
    assert "process stopped" in dead.error
