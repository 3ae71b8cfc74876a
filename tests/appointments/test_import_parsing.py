"""Hypothesis over the appointment export parser (issue 19 §2): any row ends imported, imported with warnings,
or rejected with a reason naming the field, and the import's counts add up."""

import csv
import itertools
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.appointments.choices import AppointmentStatus, ServiceKind
from huifang.appointments.dms_import.columns import COLUMNS, match_columns
from huifang.appointments.dms_import.parsing import REJECTED, WARNING, parse_row, parse_slot
from huifang.archive.importing.parsing import FieldError
from tests.factories import make_vin

SH = ZoneInfo("Asia/Shanghai")
HEADERS = [
    "预约单号",
    "预约时间",
    "预约日期",
    "时段",
    "车牌号",
    "VIN",
    "客户姓名",
    "电话",
    "服务类型",
    "服务顾问",
    "状态",
    "备注",
    "登记时间",
]
POSITIONS, _UNREAD = match_columns(HEADERS)
NAMES = {c.name for c in COLUMNS}

# Cells as DMS exports hold them: sound values, placeholders, junk, numbers, spreadsheet dates and times.
sound = st.sampled_from(
    [
        "YY001",
        "2026-12-08 09:30",
        "2026/12/8",
        "09:00-09:30",
        "9点",
        "粤B66666",
        make_vin(3),
        "赵六",
        "13800138000",
        "首保",
        "王顾问",
        "已预约",
        "已到店",
        "已取消",
        "未到店",
        "带手册",
    ]
)
junk = st.sampled_from(["", "/", "NULL", "无", "——", "25:99", "2026-13-40", "粤", "123", "\ufffd", "处理中", "x" * 600])
cell = st.one_of(
    st.none(),
    sound,
    junk,
    st.text(max_size=30),
    st.integers(-10, 100_000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=datetime(1899, 1, 1), max_value=datetime(2100, 1, 1)),
    st.dates(min_value=date(1899, 1, 1), max_value=date(2100, 1, 1)),
    st.times(),
)
rows = st.lists(cell, min_size=0, max_size=len(HEADERS) + 2)


@settings(max_examples=400, deadline=None)
@given(rows)
def test_any_row_is_imported_warned_or_rejected_with_a_reason(cells):
    row = parse_row(3, cells, POSITIONS, tz=SH)
    outcomes = [row.rejected, row.warned, not row.rejected and not row.warned]
    assert outcomes.count(True) == 1
    for issue in row.issues:
        assert issue.row == 3 and issue.field in NAMES and issue.reason.strip()
        assert issue.severity in (REJECTED, WARNING)
    if row.rejected:
        return
    # an imported row has everything a booking needs
    assert row.dms_number and row.dms_number == row.dms_number.strip()
    assert row.starts_at is not None and row.starts_at.tzinfo is not None
    assert row.vin or row.plate
    assert row.status in AppointmentStatus.values and row.service in ServiceKind.values
    assert len(row.note) <= 500


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=20), st.times(), st.floats(0, 0.9999), st.none()))
def test_a_slot_cell_is_a_time_of_day_or_refused(value):
    try:
        parsed = parse_slot(value)
    except FieldError as exc:
        assert str(exc)
    else:
        assert parsed is None or isinstance(parsed, time)


_numbers = itertools.count()


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(rows, min_size=1, max_size=8))
def test_the_import_counts_add_up_for_any_file(tmp_path, store, data):
    from huifang.appointments.dms_import.services import appointments_import_file
    from tests.factories import CustomerFactory, VehicleFactory

    if not store.vehicles.exists():
        VehicleFactory(customer=CustomerFactory(store=store), plate="粤B66666", vin=make_vin(3))
    path = tmp_path / f"f{next(_numbers)}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerows([("" if c is None else str(c)) for c in cells][: len(HEADERS)] for cells in data)
    report = appointments_import_file(
        store=store, path=path, actor=None, now=datetime(2026, 12, 7, tzinfo=SH), dry_run=True
    )
    if report.error:
        return
    assert report.rows == report.created + report.updated + report.unchanged + report.rejected
    assert report.warned <= report.imported
    assert sum(1 for i in report.issues if i.severity == REJECTED) == report.rejected
