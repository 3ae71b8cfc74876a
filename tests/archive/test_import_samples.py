"""The three real DMS sample exports (tests/data/dms, copied from the developers' set), imported end to end.

Every expected figure below was determined by reading the files, not by running the import:
- 易车通 CSV (UTF-8 BOM, title lines, 合计 row): 203 data rows + the totals line. Broken: row 123 (VIN
  LSVB0AH37VC326253, check digit: the same car is LSVB0AH32VC326253 elsewhere), row 136 (WX2026000051 delivered
  2025-06-15 before it was opened 2025-06-17), row 201 (no RO number). Each is the only row of its RO.
  Kept: 200 rows, 21 customers (KH00001-KH00021), 23 vehicles, 62 ROs, 200 lines.
- 星云 XLSX (two-row header, 联系人 group): 260 data rows. Broken: row 89 (VIN LVGA26C47SB794579), row 169
  (RO26000052 delivered 07:15 before it was opened 12:15), row 254 (mobile 1380013, 7 digits). Kept: 257 rows,
  31 customers, 34 vehicles, 75 ROs, 257 lines, 3 company contacts under 联系人.
- legacy GB18030 tab CSV (NULL everywhere): 224 records. Broken: row 96 (RO number NULL), row 192 (VIN
  LHGYGY187VE318324), row 219 (opened 2026/2/30, no such day). Kept: 221 rows, 26 customers, 29 vehicles,
  72 ROs, 221 lines, 3 company contacts (领导名称/领导电话).
"""

import shutil
from pathlib import Path

import pytest

from huifang.archive.choices import ContactRole, ImportRowOutcome, ImportStatus
from huifang.archive.importing.services import dms_import_file
from huifang.archive.models import Contact, Customer, RepairOrder, RepairOrderLine, Vehicle

DATA = Path(__file__).resolve().parent.parent / "data" / "dms"


def _import(store, tmp_path, name):
    path = shutil.copy(DATA / name, tmp_path / name)
    return dms_import_file(store=store, path=path)


def _report(batch):
    return list(batch.rejections.order_by("row_number").values_list("severity", "row_number", "field", "value"))


def _created(batch):
    return {entity: counts["created"] for entity, counts in batch.counts.items()}


@pytest.mark.django_db
def test_yichetong_csv_keeps_every_sound_row_and_names_the_three_broken_ones(store, tmp_path):
    # given the 易车通 export
    # when
    batch = _import(store, tmp_path, "yichetong_ro_lines_utf8bom.csv")
    # then
    assert batch.status == ImportStatus.DONE, batch.error
    assert (batch.rows_total, batch.rows_rejected, batch.rows_warned, batch.rows_skipped) == (204, 3, 0, 1)
    assert _report(batch) == [
        (ImportRowOutcome.ERROR, 123, "VIN码", "LSVB0AH37VC326253"),
        (ImportRowOutcome.ERROR, 136, "进厂时间 / 交车时间", "2025年6月17日 10:15 / 2025年6月15日 10:15"),
        (ImportRowOutcome.ERROR, 201, "工单号", ""),
        (ImportRowOutcome.SKIPPED, 208, "", "合计"),
    ]
    assert _created(batch) == {"customer": 21, "contact": 0, "vehicle": 23, "repair_order": 62, "line": 200}
    assert not RepairOrder.objects.filter(number__in=["合计", "NULL", "WX2026000022", "WX2026000051"]).exists()
    # empty markers are empty, not data: 张霞 has only her landline, 龚子洋 too
    zhang = Customer.objects.get(store=store, dms_code="KH00020")
    assert (zhang.mobile, zhang.home_phone) == ("", "+8676957376241")
    assert Customer.objects.get(store=store, dms_code="KH00001").mobile == "+8613987921742"
    assert Customer.objects.get(store=store, dms_code="KH00006").name == "郭琳涛"
    assert Vehicle.objects.get(store=store, vin="LSVCNSB61T2938347").plate == ""


@pytest.mark.django_db
def test_xingyun_xlsx_reads_the_contacts_under_the_merged_header(store, tmp_path):
    # given the 星云 export with its two-row header
    # when
    batch = _import(store, tmp_path, "xingyun_ro_detail.xlsx")
    # then
    assert batch.status == ImportStatus.DONE, batch.error
    assert (batch.rows_total, batch.rows_rejected, batch.rows_warned, batch.rows_skipped) == (260, 3, 0, 0)
    assert _report(batch) == [
        (ImportRowOutcome.ERROR, 89, "车架号", "LVGA26C47SB794579"),
        (ImportRowOutcome.ERROR, 169, "进厂时间 / 交车时间", "2025-06-06 12:15:00 / 2025-06-06 07:15:00"),
        (ImportRowOutcome.ERROR, 254, "手机", "1380013"),
    ]
    assert _created(batch) == {"customer": 31, "contact": 3, "vehicle": 34, "repair_order": 75, "line": 257}
    contacts = set(
        Contact.objects.filter(customer__store=store).values_list("customer__dms_code", "role", "name", "phone")
    )
    assert contacts == {
        ("C00005", ContactRole.FLEET_MANAGER, "尹涛", "+8618217221847"),
        ("C00014", ContactRole.FLEET_MANAGER, "于晨红", "+8613500462810"),
        ("C00023", ContactRole.FLEET_MANAGER, "董飞嘉", "+8615881964661"),
    }
    # the customers keep their own names and numbers (the contact's 姓名/电话 did not overwrite them)
    company = Customer.objects.get(store=store, dms_code="C00005")
    assert (company.name, company.mobile) == ("广州市恒通科技有限公司", "+8618621584002")
    # full-width digits and letters are read as what they are
    assert Customer.objects.get(store=store, dms_code="C00029").mobile == "+8618793648163"
    assert Vehicle.objects.filter(store=store, vin="LVGLJWEZ7S2787845").exists()


@pytest.mark.django_db
def test_legacy_gb18030_export_treats_null_as_empty(store, tmp_path):
    # given the old client/server export where every empty cell is NULL
    # when
    batch = _import(store, tmp_path, "legacy_ro_export_gb18030_tab.csv")
    # then
    assert batch.status == ImportStatus.DONE, batch.error
    assert batch.encoding == "GB18030"
    assert (batch.rows_total, batch.rows_rejected, batch.rows_warned, batch.rows_skipped) == (224, 3, 0, 0)
    assert _report(batch) == [
        (ImportRowOutcome.ERROR, 96, "结算单号", "NULL"),
        (ImportRowOutcome.ERROR, 192, "车辆识别码", "LHGYGY187VE318324"),
        (ImportRowOutcome.ERROR, 219, "接车时间", "2026/2/30 10:00:00"),
    ]
    assert _created(batch) == {"customer": 26, "contact": 3, "vehicle": 29, "repair_order": 72, "line": 221}
    assert not Contact.objects.filter(name="NULL").exists()
    assert not RepairOrder.objects.filter(number="NULL").exists()
    assert set(Contact.objects.filter(customer__store=store).values_list("name", "phone")) == {
        ("钟勇嘉", "+8618910993258"),
        ("杜超雨", "+8618746307475"),
        ("熊玉梅", "+8615903067520"),
    }
    # characters outside GBK and rare GBK ones survive
    assert Customer.objects.get(store=store, dms_code="VIP00004").name == "吉𠮷祥"
    assert Customer.objects.get(store=store, dms_code="VIP00011").name == "王堃"
    wang = Customer.objects.get(store=store, dms_code="VIP00007")
    assert (wang.mobile, wang.home_phone) == ("", "+862061487277")
    # a line break inside a quoted cell stays inside the fault description
    assert RepairOrderLine.objects.filter(repair_order__store=store).count() == 221
    assert (
        "\n"
        in RepairOrder.objects.filter(store=store, fault_description__contains="客户自述").first().fault_description
    )
