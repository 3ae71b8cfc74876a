"""The appointment import reads XLSX through the archive's reader: merged cells fill their range, hidden rows
are left out and named in the report, ISO date-times with an offset are read in the store's zone."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook

from huifang.appointments.dms_import.parsing import REJECTED
from huifang.appointments.dms_import.services import appointments_import_file
from huifang.appointments.models import Appointment

from ..factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 18, 0, tzinfo=SH)


def test_merged_plate_hidden_row_and_iso_time(tmp_path, store):
    # given a car, and an export: the plate merged over two bookings, one row hidden, times in ISO 8601
    VehicleFactory(customer=CustomerFactory(store=store, name="赵六"), plate="粤B66666")
    book = Workbook()
    sheet = book.active
    sheet.append(["预约单号", "预约时间", "车牌号", "客户姓名", "服务类型", "状态"])
    sheet.append(["YY001", "2026-12-08T01:00:00Z", "粤B66666", "赵六", "保养", "已预约"])
    sheet.append(["YY002", "2026-12-09T09:30:00+08:00", None, "赵六", "保养", "已预约"])
    sheet.append(["YY003", "2026-12-10T09:30:00+08:00", "粤B66666", "赵六", "保养", "已预约"])
    sheet.merge_cells("C2:C3")
    sheet.row_dimensions[4].hidden = True
    path = tmp_path / "预约.xlsx"
    book.save(path)
    # when
    report = appointments_import_file(store=store, path=path, actor=None, now=NOW, dry_run=False)
    # then both merged rows are matched to the car, at the instant written; the hidden row is left out, named
    assert report.error == ""
    starts = dict(Appointment.objects.filter(store=store).values_list("dms_number", "starts_at"))
    assert starts == {"YY001": datetime(2026, 12, 8, 9, 0, tzinfo=SH), "YY002": datetime(2026, 12, 9, 9, 30, tzinfo=SH)}
    (issue,) = [i for i in report.issues if i.severity == REJECTED]
    assert issue.row == 4 and "hidden" in issue.reason
