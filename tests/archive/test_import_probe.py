"""A fourth vendor's export (tests/data/probe, written by hand for the outside check): English abbreviated
headers, a 400 hotline in the mobile column, an XLSX with merged order cells and a hidden row.

Expected figures read off the files (tests/data/probe/README.md), not from a run of the import:
- dealerpro_gbk.csv: header on row 3, data rows 4-12 (9 rows, 8 orders). Broken: row 8 mobile 400-820-8820,
  row 9 138****1234, row 10 VIN LVSHCAMB1PE1OOOO6, row 11 check-in 2026/2/29, row 12 total ￥-50.00.
  Kept: rows 4-7 = DP26-0001 (2 lines), 0002, 0003 -> 3 customers, 3 vehicles, 3 ROs, 4 lines.
- dealerpro_multisheet.xlsx, sheet 工单明细: XL-0001 over rows 2-3 (order cells merged, lines 300 + 200 = 500),
  XL-0002 row 4, XL-0003 row 5 hidden.
"""

import csv
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from huifang.archive.choices import ImportRowOutcome, ImportStatus
from huifang.archive.importing.services import dms_import_file
from huifang.archive.models import Customer, RepairOrder, RepairOrderLine

DATA = Path(__file__).resolve().parent.parent / "data" / "probe"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _import(store, tmp_path, name, **kwargs):
    path = shutil.copy(DATA / name, tmp_path / name)
    return dms_import_file(store=store, path=path, **kwargs)


def _report(batch):
    return list(batch.rejections.order_by("row_number").values_list("severity", "row_number", "field", "value"))


@pytest.mark.django_db
def test_english_abbreviated_headers_are_all_read(store, tmp_path):
    # given the DealerPro export with Cust. Name, Purch. Date, Check-in Time, Item Desc, Line Amt …
    # when
    batch = _import(store, tmp_path, "dealerpro_gbk.csv")
    # then no column is ignored, and only the five broken rows are rejected, each once, for its own cell
    assert batch.status == ImportStatus.DONE, batch.error
    assert batch.ignored_columns == []
    assert (batch.rows_total, batch.rows_rejected) == (9, 5)
    assert _report(batch) == [
        (ImportRowOutcome.ERROR, 8, "Mobile No.", "400-820-8820"),
        (ImportRowOutcome.ERROR, 9, "Mobile No.", "138****1234"),
        (ImportRowOutcome.ERROR, 10, "VIN No", "LVSHCAMB1PE1OOOO6"),
        (ImportRowOutcome.ERROR, 11, "Check-in Time", "2026/2/29 9:00"),
        (ImportRowOutcome.ERROR, 12, "Total Amt", "￥-50.00"),
    ]
    assert set(RepairOrder.objects.filter(store=store).values_list("number", flat=True)) == {
        "DP26-0001",
        "DP26-0002",
        "DP26-0003",
    }
    first = RepairOrder.objects.get(store=store, number="DP26-0001")
    assert first.opened_at == datetime(2026, 3, 5, 9, 30, tzinfo=SHANGHAI)
    assert first.delivered_at == datetime(2026, 3, 5, 17, 0, tzinfo=SHANGHAI)
    lines = RepairOrderLine.objects.filter(repair_order=first).order_by("position", "id")
    assert [(line.description, str(line.amount)) for line in lines] == [
        ("更换机油机滤", "120.00"),
        ("机油滤清器", "68.00"),
    ]
    li = Customer.objects.get(store=store, name="李雷")
    assert (li.kind, li.mobile) == ("individual", "+8613800138000")


@pytest.mark.django_db
def test_a_400_hotline_is_never_stored_as_a_mobile(store, tmp_path):
    # given the export whose DP26-0004 has Mobile No. = 400-820-8820
    # when
    batch = _import(store, tmp_path, "dealerpro_gbk.csv")
    # then the row is refused naming the hotline, and no customer holds it
    reason = batch.rejections.get(row_number=8).reason
    assert "400" in reason and "hotline" in reason
    assert not Customer.objects.filter(mobile="+864008208820").exists()
    assert not RepairOrder.objects.filter(number="DP26-0004").exists()


@pytest.mark.django_db
def test_a_file_without_a_required_column_is_refused_once_naming_it(store, tmp_path):
    # given the export with its Check-in Time column renamed to something no synonym knows
    rows = list(csv.reader((DATA / "dealerpro_gbk.csv").read_text(encoding="gbk").splitlines()))
    rows[2][10] = "Arrival Stamp"
    path = tmp_path / "no_opened_at.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        csv.writer(handle).writerows(rows)
    # when
    batch = dms_import_file(store=store, path=path)
    # then one message, naming the column and the mapping screen; no row errors, nothing written
    assert batch.status == ImportStatus.FAILED
    assert "进厂时间" in batch.error and "Opened at" in batch.error
    assert "核对列" in batch.error and "column mapping screen" in batch.error
    assert "Arrival Stamp" in batch.error
    assert batch.rejections.count() == 0
    assert not RepairOrder.objects.filter(store=store).exists()


@pytest.mark.django_db
def test_a_saved_mapping_supplies_the_missing_column(store, tmp_path):
    # given the same file, and the column mapped by hand on the mapping screen
    rows = list(csv.reader((DATA / "dealerpro_gbk.csv").read_text(encoding="gbk").splitlines()))
    rows[2][10] = "Arrival Stamp"
    path = tmp_path / "no_opened_at.csv"
    with path.open("w", encoding="gbk", newline="") as handle:
        csv.writer(handle).writerows(rows)
    # when
    batch = dms_import_file(store=store, path=path, mapping={"Arrival Stamp": "opened_at"})
    # then it imports as the original does
    assert batch.status == ImportStatus.DONE, batch.error
    assert (batch.rows_total, batch.rows_rejected) == (9, 5)


@pytest.mark.django_db
def test_a_customer_only_file_needs_no_order_columns(store, tmp_path):
    # given a customer list: code, name, mobile, nothing about orders or vehicles
    path = tmp_path / "customers.csv"
    path.write_text("客户编号,客户名称,手机\nK1,张三,13800138000\n", encoding="utf-8")
    # when
    batch = dms_import_file(store=store, path=path)
    # then it is imported
    assert batch.status == ImportStatus.DONE, batch.error
    assert Customer.objects.get(store=store, dms_code="K1").mobile == "+8613800138000"


@pytest.mark.django_db
def test_a_missing_key_is_not_reported_again_when_its_cell_was_refused(store, tmp_path):
    # given rows without a name column: the VIN is the customer's key; row 3's VIN is broken, row 4's is absent
    path = tmp_path / "nokey.csv"
    path.write_text(
        "工单号,VIN,进厂时间,手机\n"
        "R1,LVSHCAMB1PE1OOOO6,2026-03-01 09:00,13800138000\n"
        "R2,,2026-03-01 09:00,13800138000\n",
        encoding="utf-8",
    )
    # when
    batch = dms_import_file(store=store, path=path)
    # then each row is rejected for its VIN only, never also for "a customer needs a code …"
    reasons = list(batch.rejections.order_by("row_number").values_list("row_number", "reason"))
    assert [row for row, _ in reasons] == [2, 3]
    assert not any("customer code" in reason for _, reason in reasons)


@pytest.mark.django_db
def test_merged_order_cells_apply_to_every_line_row_and_a_hidden_row_is_skipped(store, tmp_path):
    # given the XLSX: notes sheet, then XL-0001 merged over rows 2-3, XL-0003 hidden on row 5
    # when
    batch = _import(store, tmp_path, "dealerpro_multisheet.xlsx")
    # then XL-0001 has both lines and its total matches them; XL-0003 is skipped and says why
    assert batch.status == ImportStatus.DONE, batch.error
    assert (batch.rows_total, batch.rows_rejected, batch.rows_skipped) == (4, 0, 1)
    order = RepairOrder.objects.get(store=store, number="XL-0001")
    lines = RepairOrderLine.objects.filter(repair_order=order).order_by("position", "id")
    assert [(line.description, str(line.amount)) for line in lines] == [("保养", "300.00"), ("机油", "200.00")]
    assert str(order.total_amount) == "500.00"
    assert order.opened_at == datetime(2026, 3, 12, 9, 0, tzinfo=SHANGHAI)
    assert not RepairOrder.objects.filter(number="XL-0003").exists()
    assert _report(batch) == [(ImportRowOutcome.SKIPPED, 5, "", "XL-0003")]
    assert "hidden" in batch.rejections.get().reason
