import csv
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from huifang.archive.choices import ContactRole, CustomerKind, ImportStatus, MileageSource, RepairOrderType
from huifang.archive.importing import writing
from huifang.archive.importing.services import dms_import_file, import_mapping_save
from huifang.archive.models import (
    Contact,
    Customer,
    ImportBatch,
    MileageReading,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
    VehicleOwnership,
)
from huifang.audit.models import AuditEntry

from ..factories import CustomerFactory, VehicleFactory, make_vin

SH = ZoneInfo("Asia/Shanghai")
VIN1, VIN2, VIN3 = make_vin(1), make_vin(2), make_vin(3)
HEADERS_ZH = [
    "客户编号",
    "客户名称",
    "手机",
    "性别",
    "车架号",
    "车牌号",
    "车型",
    "新车交车日期",
    "工单号",
    "维修类型",
    "进厂时间",
    "交车时间",
    "进厂里程",
    "项目类型",
    "维修项目",
    "金额",
]
HEADERS_EN = [
    "Customer code",
    "Customer name",
    "Mobile",
    "Gender",
    "VIN",
    "Plate",
    "Model",
    "Vehicle delivery date",
    "RO number",
    "RO type",
    "Opened at",
    "Delivered at",
    "Mileage",
    "Line kind",
    "Line description",
    "Line amount",
]
ROWS = [
    [
        "C001",
        "张三",
        "138 1234 5678",
        "男",
        VIN1,
        "粤B12345",
        "明锐",
        "2024-03-01",
        "RO001",
        "首保",
        "2024-09-01 09:30",
        "2024-09-01 15:00",
        "5,000",
        "工时",
        "更换机油",
        "￥120.00",
    ],
    [
        "C001",
        "张三",
        "138 1234 5678",
        "男",
        VIN1,
        "粤B12345",
        "明锐",
        "2024-03-01",
        "RO001",
        "首保",
        "2024-09-01 09:30",
        "2024-09-01 15:00",
        "5,000",
        "配件",
        "机油滤清器",
        "￥80.50",
    ],
    [
        "C002",
        "李四",
        "13912345678",
        "女",
        VIN2,
        "粤BD12345",
        "昊锐",
        "2024/5/1",
        "RO002",
        "钣喷",
        "2025年1月2日 10:00",
        "2025年1月3日 18:00",
        "12000",
        "工时",
        "前保险杠喷漆",
        "1,500",
    ],
]


def write_csv(path, headers, rows, encoding="utf-8", delimiter=","):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(path, sheets):
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def assert_sample_imported(store):
    assert Customer.objects.filter(store=store).count() == 2
    zhang = Customer.objects.get(store=store, dms_code="C001")
    assert (zhang.name, zhang.mobile, zhang.gender) == ("张三", "+8613812345678", "M")
    assert (zhang.name_pinyin, zhang.name_initials, zhang.phone_digits) == ("zhangsan", "zs", "13812345678")
    first = RepairOrder.objects.get(store=store, number="RO001")
    assert first.ro_type == RepairOrderType.FIRST_FREE_SERVICE
    assert first.opened_at == datetime(2024, 9, 1, 9, 30, tzinfo=SH)
    assert first.mileage_in == 5000
    assert first.total_amount == Decimal("200.50")
    assert list(first.lines.values_list("description", "amount")) == [
        ("更换机油", Decimal("120.00")),
        ("机油滤清器", Decimal("80.50")),
    ]
    second = RepairOrder.objects.get(store=store, number="RO002")
    assert second.ro_type == RepairOrderType.REPAIR
    assert second.vehicle.plate == "粤BD12345"
    assert second.customer.name == "李四"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("encoding", "expected_label"), [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8-BOM"), ("gbk", "GBK")]
)
def test_csv_in_every_encoding_seen_in_practice_is_imported(store, tmp_path, encoding, expected_label):
    # given a flat DMS export with Chinese headers in this encoding
    path = write_csv(tmp_path / "dms.csv", HEADERS_ZH, ROWS, encoding=encoding)
    # when
    batch = dms_import_file(store=store, path=path)
    # then
    assert batch.status == ImportStatus.DONE, batch.error
    assert batch.encoding == expected_label
    assert (batch.rows_total, batch.rows_rejected) == (3, 0)
    assert batch.counts["repair_order"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert batch.counts["line"]["created"] == 3
    assert_sample_imported(store)


@pytest.mark.django_db
def test_tab_separated_csv_with_english_headers_is_imported(store, tmp_path):
    # given
    path = write_csv(tmp_path / "dms.txt", HEADERS_EN, ROWS, delimiter="\t")
    # when
    batch = dms_import_file(store=store, path=path)
    # then
    assert batch.status == ImportStatus.DONE, batch.error
    assert_sample_imported(store)


@pytest.mark.django_db
def test_xlsx_with_date_cells_and_several_sheets_is_imported(store, tmp_path):
    # given a customer sheet (English headers) and an order sheet (Chinese headers, real date cells)
    customers = [["C001", "张三", "13812345678", "M"], ["C002", "李四", "13912345678", "F"]]
    orders = [
        [VIN1, "C001", datetime(2024, 9, 1, 9, 30), "RO001", "定保", 5000, 200.5],
        [VIN2, "C002", 45659.5, "RO002", "保修", 12000, 0],
    ]
    path = write_xlsx(
        tmp_path / "dms.xlsx",
        [
            ("客户", ["Customer code", "Customer name", "Mobile", "Gender"], customers),
            ("工单", ["车架号", "客户编号", "进厂时间", "工单号", "维修类型", "进厂里程", "总金额"], orders),
        ],
    )
    # when
    batch = dms_import_file(store=store, path=path)
    # then
    assert batch.status == ImportStatus.DONE, batch.error
    assert batch.rows_rejected == 0, list(batch.rejections.values_list("row_number", "reason"))
    first = RepairOrder.objects.get(number="RO001")
    assert (first.ro_type, first.total_amount, first.customer.name) == ("maintenance", Decimal("200.50"), "张三")
    assert first.opened_at == datetime(2024, 9, 1, 9, 30, tzinfo=SH)
    # Excel serial 45659.5 is 2025-01-02 12:00
    assert RepairOrder.objects.get(number="RO002").opened_at == datetime(2025, 1, 2, 12, 0, tzinfo=SH)


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(store, tmp_path):
    # given the file imported once
    path = write_csv(tmp_path / "dms.csv", HEADERS_ZH, ROWS)
    dms_import_file(store=store, path=path)
    audits_before = AuditEntry.objects.count()
    readings_before = MileageReading.objects.count()
    # when it is imported again
    batch = dms_import_file(store=store, path=path)
    # then
    for entity in ("customer", "vehicle", "repair_order", "line"):
        assert batch.counts[entity]["created"] == 0
        assert batch.counts[entity]["updated"] == 0
    assert batch.counts["repair_order"]["unchanged"] == 2
    assert AuditEntry.objects.count() == audits_before
    assert MileageReading.objects.count() == readings_before
    assert RepairOrderLine.objects.count() == 3


@pytest.mark.django_db
def test_newer_export_updates_records_and_audits_the_changes(store, tmp_path):
    # given the first export imported
    dms_import_file(store=store, path=write_csv(tmp_path / "a.csv", HEADERS_ZH, ROWS))
    # when a newer export has a new mobile for 张三 and a corrected RO002 mileage
    newer = [list(r) for r in ROWS]
    newer[0][2] = newer[1][2] = "13800001111"
    newer[2][12] = "12500"
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "b.csv", HEADERS_ZH, newer))
    # then
    assert batch.counts["customer"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert batch.counts["repair_order"] == {"created": 0, "updated": 1, "unchanged": 1}
    zhang = Customer.objects.get(dms_code="C001")
    assert zhang.mobile == "+8613800001111"
    assert zhang.phone_digits == "13800001111"
    entry = AuditEntry.objects.get(object_id=zhang.pk, action="update", content_type__model="customer")
    assert entry.changes["mobile"] == ["+8613812345678", "+8613800001111"]
    assert entry.source == f"import #{batch.pk}"
    order = RepairOrder.objects.get(number="RO002")
    assert order.mileage_in == 12500
    assert AuditEntry.objects.get(object_id=order.pk, action="update", content_type__model="repairorder").changes[
        "mileage_in"
    ] == [12000, 12500]


@pytest.mark.django_db
def test_created_records_get_one_audit_entry_each(store, tmp_path):
    # given / when
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "a.csv", HEADERS_ZH, ROWS))
    # then: 2 customers, 2 vehicles, 2 orders
    created = AuditEntry.objects.filter(action="create", source=f"import #{batch.pk}")
    assert created.count() == 6


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_counts_what_would_happen(store, tmp_path):
    # given
    path = write_csv(tmp_path / "dms.csv", HEADERS_ZH, [*ROWS, ["C003", "王五", "123", "", VIN3]])
    # when
    batch = dms_import_file(store=store, path=path, dry_run=True)
    # then
    assert batch.dry_run and batch.status == ImportStatus.DONE
    assert batch.counts["customer"]["created"] == 2
    assert batch.counts["repair_order"]["created"] == 2
    assert batch.rows_rejected == 1
    assert batch.rejections.get().row_number == 5
    assert Customer.objects.count() == Vehicle.objects.count() == RepairOrder.objects.count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_messy_rows_are_each_reported_while_valid_rows_land(store, tmp_path):
    # given a file where rows 3-7 are each wrong in one way
    bad_vin = VIN3[:8] + ("0" if VIN3[8] != "0" else "1") + VIN3[9:]
    headers = ["客户编号", "客户名称", "手机", "车架号", "工单号", "进厂时间", "交车时间", "总金额"]
    rows = [
        ["C001", "张三", "13812345678", VIN1, "RO001", "2025-01-02 09:00", "2025-01-02 12:00", "300"],
        ["C002", "李四", "12345", VIN2, "RO002", "2025-01-02", "", "300"],
        ["C003", "王五", "13900000003", bad_vin, "RO003", "2025-01-02", "", "300"],
        ["C004", "赵六", "13900000004", make_vin(4), "RO004", "2025-13-45", "", "300"],
        ["C005", "钱七", "13900000005", make_vin(5), "RO005", "2025-01-05 10:00", "2025-01-04 10:00", "300"],
        ["C006", "孙八", "13900000006", make_vin(6), "RO006", "2025-01-06", "", "-5"],
        ["C007", "周九", "13900000007", make_vin(7), "", "2025-01-07", "", ""],
        ["C008", "吴十", "13900000008", make_vin(8), "RO008", "20250108", "", "1,000.00"],
    ]
    path = write_csv(tmp_path / "messy.csv", headers, rows)
    # when
    batch = dms_import_file(store=store, path=path)
    # then
    rejected = {r.row_number: (r.field, r.reason) for r in batch.rejections.all()}
    assert set(rejected) == {3, 4, 5, 6, 7, 8}
    assert rejected[3][0] == "手机" and "电话" in rejected[3][1]
    assert rejected[4][0] == "车架号" and "check digit" in rejected[4][1]
    assert rejected[5][0] == "进厂时间" and "date" in rejected[5][1]
    assert rejected[6][0] == "进厂时间 / 交车时间" and "delivered (2025-01-04 10:00) before" in rejected[6][1]
    assert rejected[7][0] == "总金额" and "negative" in rejected[7][1]
    assert rejected[8][0] == "工单号" and "required" in rejected[8][1]
    assert batch.rows_rejected == 6
    assert set(RepairOrder.objects.values_list("number", flat=True)) == {"RO001", "RO008"}
    assert RepairOrder.objects.get(number="RO008").total_amount == Decimal("1000.00")


@pytest.mark.django_db
def test_an_order_with_one_bad_line_is_rejected_whole(store, tmp_path):
    # given RO001's second line has an unreadable amount
    rows = [list(r) for r in ROWS]
    rows[1][15] = "八十元"
    # when
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "dms.csv", HEADERS_ZH, rows))
    # then
    rejected = {r.row_number: r for r in batch.rejections.all()}
    assert set(rejected) == {2, 3}
    assert rejected[3].field == "金额"
    assert "第 3 行" in rejected[2].reason and "row 3" in rejected[2].reason
    assert not RepairOrder.objects.filter(number="RO001").exists()
    assert RepairOrder.objects.filter(number="RO002").exists()


@pytest.mark.django_db
def test_an_order_whose_rows_disagree_is_rejected(store, tmp_path):
    # given RO001 opened at two different times on its two rows
    rows = [list(r) for r in ROWS]
    rows[1][10] = "2024-09-02 09:30"
    # when
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "dms.csv", HEADERS_ZH, rows))
    # then
    assert {r.row_number for r in batch.rejections.all()} == {2, 3}
    assert "disagree" in batch.rejections.first().reason
    assert not RepairOrder.objects.filter(number="RO001").exists()


@pytest.mark.django_db
def test_a_failure_while_writing_leaves_nothing_written(store, tmp_path, monkeypatch):
    # given the last step of writing (the derived figures) blows up, after every row was inserted
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writing, "vehicle_figures_refresh", explode)
    # when
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "dms.csv", HEADERS_ZH, ROWS))
    # then
    assert batch.status == ImportStatus.FAILED
    assert "disk full" in batch.error
    assert Customer.objects.count() == Vehicle.objects.count() == RepairOrder.objects.count() == 0
    assert RepairOrderLine.objects.count() == MileageReading.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.FAILED


@pytest.mark.django_db
def test_the_saved_store_mapping_wins_over_synonyms(store, tmp_path):
    # given the DMS calls the mobile column "电话" but uses "联系电话" for a useless landline column
    import_mapping_save(store=store, columns={"备用号": "mobile", "联系电话": "", "用户": "customer_name"})
    headers = ["客户编号", "用户", "备用号", "联系电话"]
    path = write_csv(tmp_path / "dms.csv", headers, [["C001", "张三", "13812345678", "不详"]])
    # when
    batch = dms_import_file(store=store, path=path)
    # then
    assert batch.rows_rejected == 0, list(batch.rejections.values_list("reason", flat=True))
    customer = Customer.objects.get(dms_code="C001")
    assert (customer.name, customer.mobile) == ("张三", "+8613812345678")
    assert batch.ignored_columns == ["联系电话"]


@pytest.mark.django_db
def test_vehicle_with_a_new_owner_moves_and_the_ownership_is_recorded(store, tmp_path):
    # given VIN1 belongs to 张三 in the archive
    old_owner = CustomerFactory(store=store, name="张三", dms_code="C001")
    vehicle = VehicleFactory(customer=old_owner, vin=VIN1)
    # when the DMS now lists it under 李四
    path = write_csv(
        tmp_path / "dms.csv", ["客户编号", "客户名称", "手机", "VIN"], [["C009", "李四", "13912345678", VIN1]]
    )
    batch = dms_import_file(store=store, path=path)
    # then
    vehicle.refresh_from_db()
    assert vehicle.customer.name == "李四"
    assert batch.counts["vehicle"]["updated"] == 1
    assert VehicleOwnership.objects.filter(vehicle=vehicle, customer=vehicle.customer).exists()
    change = AuditEntry.objects.get(object_id=vehicle.pk, content_type__model="vehicle", action="update")
    assert change.changes["customer"] == [old_owner.pk, vehicle.customer_id]


@pytest.mark.django_db
def test_company_contacts_mileage_and_derived_figures_follow_the_import(store, tmp_path):
    # given a company car with its driver and fleet manager, serviced twice
    headers = [
        "客户编号",
        "客户名称",
        "客户类型",
        "司机名称",
        "司机电话",
        "领导名称",
        "领导电话",
        "分机",
        "VIN",
        "新车交车日期",
        "工单号",
        "维修类型",
        "进厂时间",
        "进厂里程",
    ]
    company = [
        "K001",
        "深圳某某科技有限公司",
        "公司",
        "小王",
        "13700000001",
        "陈经理",
        "0755-86001234",
        "8001",
        VIN1,
        "2025-01-01",
    ]
    rows = [
        [*company, "RO1", "首保", "2025-04-01", "5000"],
        [*company, "RO2", "保养", "2025-07-10", "10000"],
    ]
    # when
    dms_import_file(store=store, path=write_csv(tmp_path / "dms.csv", headers, rows))
    # then
    customer = Customer.objects.get(dms_code="K001")
    assert customer.kind == CustomerKind.COMPANY
    contacts = {c.role: (c.name, c.phone, c.extension) for c in Contact.objects.filter(customer=customer)}
    assert contacts == {
        ContactRole.DRIVER: ("小王", "+8613700000001", ""),
        ContactRole.FLEET_MANAGER: ("陈经理", "+8675586001234", "8001"),
    }
    assert "13700000001" in customer.phone_digits
    vehicle = Vehicle.objects.get(vin=VIN1)
    readings = list(vehicle.mileage_readings.values_list("read_on", "km", "source"))
    assert readings == [
        (date(2025, 1, 1), 0, MileageSource.DELIVERY),
        (date(2025, 4, 1), 5000, MileageSource.REPAIR_ORDER),
        (date(2025, 7, 10), 10000, MileageSource.REPAIR_ORDER),
    ]
    assert vehicle.current_km == 10000
    assert vehicle.last_maintenance_km == 10000
    assert vehicle.avg_days_between_maintenance == pytest.approx(100.0)


@pytest.mark.django_db
def test_unreadable_file_fails_with_a_clear_message(store, tmp_path):
    # given
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    # when
    batch = dms_import_file(store=store, path=path)
    # then
    assert batch.status == ImportStatus.FAILED
    assert "CSV" in batch.error


@pytest.mark.django_db
def test_command_lists_every_rejected_row_and_the_counts(store, tmp_path):
    # given
    from io import StringIO

    from django.core.management import call_command

    rows = [*ROWS, ["C003", "王五", "123", "", VIN3]]
    path = write_csv(tmp_path / "dms.csv", HEADERS_ZH, rows)
    out_csv = tmp_path / "rejected.csv"
    stdout, stderr = StringIO(), StringIO()
    # when
    call_command(
        "import_dms", str(path), store=store.code, dry_run=True, rejections=str(out_csv), stdout=stdout, stderr=stderr
    )
    # then
    text = stdout.getvalue()
    assert "row 5 [error]: 手机:" in text
    assert "repair_order: 2 created, 0 updated, 0 unchanged (dry run, would be)" in text
    assert "3 rows" not in text and "4 rows, 1 rejected" in text
    assert out_csv.read_bytes().startswith(b"\xef\xbb\xbf")
    assert RepairOrder.objects.count() == 0


@pytest.mark.django_db
def test_command_refuses_an_unknown_store(store, tmp_path):
    # given
    from django.core.management import CommandError, call_command

    path = write_csv(tmp_path / "dms.csv", HEADERS_ZH, ROWS)
    # when / then
    with pytest.raises(CommandError, match="unknown store"):
        call_command("import_dms", str(path), store="NOPE")


@pytest.mark.django_db
def test_records_seen_only_on_rejected_rows_are_not_created(store, tmp_path):
    # given separate sheets: a nameless new customer, and an order for a VIN nobody owns
    book = Workbook()
    customers = book.active
    customers.title = "Customers"
    customers.append(["Customer ID", "Name", "Mobile"])
    customers.append(["C1", "李雷", "13800001111"])
    customers.append(["C2", "", "13800002222"])
    vehicles = book.create_sheet("Vehicles")
    vehicles.append(["Customer ID", "VIN", "Plate"])
    vehicles.append(["C1", VIN1, "粤B12345"])
    orders = book.create_sheet("Repair Orders")
    orders.append(["RO No", "VIN", "Open Date", "Delivery Time", "Repair Type", "Total"])
    orders.append(["R1", VIN1, "2026-11-01 09:00", "2026-11-01 17:00", "定保", "500"])
    orders.append(["R2", VIN2, "2026-11-02 09:00", "2026-11-02 17:00", "维修", "300"])
    path = tmp_path / "sheets.xlsx"
    book.save(path)
    # when
    batch = dms_import_file(store=store, path=path)
    # then the valid rows land, the two bad ones are reported, and nothing half-filled is created
    assert batch.status == ImportStatus.DONE
    reasons = {(r.sheet, r.row_number): r.reason for r in batch.rejections.all()}
    assert "customer name is required" in reasons[("Customers", 3)]
    assert "needs its owner" in reasons[("Repair Orders", 3)]
    assert list(Customer.objects.filter(store=store).values_list("name", flat=True)) == ["李雷"]
    assert list(Vehicle.objects.filter(store=store).values_list("vin", flat=True)) == [VIN1]
    assert list(RepairOrder.objects.filter(store=store).values_list("number", flat=True)) == ["R1"]
