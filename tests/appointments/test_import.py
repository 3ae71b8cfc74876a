"""The DMS appointment import (issue 19 §2) through the service and a real database: created, re-imported,
rejected rows with row/field/value, dry run, capacity and the monthly figures."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from huifang.accounts.choices import Role
from huifang.appointments.choices import AppointmentSource, AppointmentStatus, EventKind, ServiceKind
from huifang.appointments.dms_import.services import appointments_import_file
from huifang.appointments.figures import appointment_analysis
from huifang.appointments.models import Appointment, AppointmentEvent
from huifang.appointments.selectors import day_slots
from huifang.appointments.services import policy_for
from huifang.audit.models import AuditEntry
from tests.factories import CustomerFactory, VehicleFactory, make_vin, member

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 18, 0, tzinfo=SH)
HEADER = "预约单号,预约日期,时段,车牌号,VIN,客户姓名,电话,服务类型,服务顾问,状态,备注"


def write_csv(tmp_path, *lines: str, name="appointments.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_text("\r\n".join(["某某4S店 预约单导出", HEADER, *lines]) + "\r\n", encoding=encoding)
    return path


@pytest.fixture
def cars(store):
    return {
        "zhao": VehicleFactory(customer=CustomerFactory(store=store, name="赵六"), plate="粤B66666"),
        "qian": VehicleFactory(customer=CustomerFactory(store=store, name="钱七"), plate="粤B77777", vin=make_vin(777)),
    }


@pytest.fixture
def advisor(store):
    return member(store, Role.SERVICE_ADVISOR, username="wang", display_name="王顾问")


def run(store, path, *, dry_run=False, actor=None, now=NOW):
    return appointments_import_file(store=store, path=path, actor=actor, now=now, dry_run=dry_run)


def test_an_export_is_imported_matched_by_plate_or_vin_with_every_bad_row_named(tmp_path, store, cars, advisor):
    # given: two sound rows, one with an unknown service, and four broken ones
    vin = cars["qian"].vin
    path = write_csv(
        tmp_path,
        "YY001,2026-12-08,09:00-09:30,粤B66666,,赵六,13800138000,定期保养,王顾问,已预约,带保养手册",
        f"YY002,2026/12/08,9:10,,{vin.lower()},钱七,/,首保,,已到店,",
        "YY003,2026-12-08,10:00,粤B99999,,无名,,保养,,已预约,",
        "YY004,2026-13-01,10:00,粤B66666,,赵六,,保养,,已预约,",
        "YY001,2026-12-09,10:00,粤B66666,,赵六,,保养,,已预约,",
        "YY005,2026-12-09,10:00,粤b 66666,,赵六,,洗车,李四,已取消,",
        "YY006,2026-12-09,11:00,粤B66666,,赵六,,保养,,处理中,",
        ",2026-12-09,11:00,粤B66666,,赵六,,保养,,已预约,",
    )
    # when
    report = run(store, path, actor=advisor)
    # then: rows add up, rejected rows name their Excel row (header is row 2), field and value
    assert (report.rows, report.created, report.updated, report.unchanged, report.rejected) == (8, 3, 0, 0, 5)
    assert report.warned == 1
    rejected = {(i.row, i.field, i.value) for i in report.issues if i.severity == "rejected"}
    assert rejected == {
        (5, "plate", "粤B99999"),
        (6, "day", "2026-13-01"),
        (7, "dms_number", "YY001"),
        (9, "status", "处理中"),
        (10, "dms_number", ""),
    }
    warnings = {(i.row, i.field) for i in report.issues if i.severity == "warning"}
    assert warnings == {(8, "service"), (8, "advisor")}
    rows = {a.dms_number: a for a in Appointment.objects.filter(store=store)}
    assert set(rows) == {"YY001", "YY002", "YY005"}
    first = rows["YY001"]
    assert (first.vehicle, first.customer, first.advisor, first.source) == (
        cars["zhao"],
        cars["zhao"].customer,
        advisor,
        AppointmentSource.DMS,
    )
    assert (first.starts_at, first.ends_at) == (
        datetime(2026, 12, 8, 9, 0, tzinfo=SH),
        datetime(2026, 12, 8, 9, 30, tzinfo=SH),
    )
    assert (first.service, first.status, first.note) == (
        ServiceKind.MAINTENANCE,
        AppointmentStatus.BOOKED,
        "带保养手册",
    )
    # 09:10 holds the 09:00 slot; an arrival reported by the DMS counts as arrived at its slot
    second = rows["YY002"]
    assert (second.vehicle, second.starts_at, second.status, second.service) == (
        cars["qian"],
        datetime(2026, 12, 8, 9, 0, tzinfo=SH),
        AppointmentStatus.ARRIVED,
        ServiceKind.FIRST_SERVICE,
    )
    assert second.arrived_at == second.starts_at
    assert (rows["YY005"].status, rows["YY005"].service, rows["YY005"].advisor) == (
        AppointmentStatus.CANCELLED,
        ServiceKind.MAINTENANCE,
        None,
    )
    # each one booked in its history and audited
    assert AppointmentEvent.objects.filter(kind=EventKind.BOOKED, appointment__store=store).count() == 3
    assert AuditEntry.objects.filter(source="appointment import", action="create", actor=advisor).count() == 3


def test_reimporting_the_same_file_changes_nothing_and_a_later_export_updates_status_and_slot(tmp_path, store, cars):
    # given
    first = write_csv(
        tmp_path,
        "YY001,2026-12-08,09:00,粤B66666,,赵六,,保养,,已预约,",
        "YY002,2026-12-08,10:00,粤B77777,,钱七,,保养,,已预约,",
    )
    run(store, first)
    events = AppointmentEvent.objects.count()
    # when: the same file again
    again = run(store, first)
    # then
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AppointmentEvent.objects.count() == events
    # when: the DMS later says the first came and the second moved to 14:00
    later = write_csv(
        tmp_path,
        "YY001,2026-12-08,09:00,粤B66666,,赵六,,保养,,已到店,",
        "YY002,2026-12-08,14:00,粤B77777,,钱七,,保养,,已预约,",
        name="later.csv",
    )
    report = run(store, later)
    # then
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    one, two = Appointment.objects.order_by("dms_number")
    assert one.status == AppointmentStatus.ARRIVED
    assert two.starts_at == datetime(2026, 12, 8, 14, 0, tzinfo=SH)
    assert set(one.events.values_list("kind", flat=True)) == {EventKind.BOOKED, EventKind.ARRIVED}
    assert set(two.events.values_list("kind", flat=True)) == {EventKind.BOOKED, EventKind.RESCHEDULED}
    assert AuditEntry.objects.filter(source="appointment import", action="update").count() == 2
    # and an arrival is never undone by an older export
    stale = run(store, first)
    assert stale.updated == 1  # only the slot of YY002 moves back
    one.refresh_from_db()
    assert one.status == AppointmentStatus.ARRIVED
    assert any(i.field == "status" and i.severity == "warning" for i in stale.issues)


def test_a_dry_run_reports_the_same_counts_and_writes_nothing(tmp_path, store, cars):
    path = write_csv(
        tmp_path,
        "YY001,2026-12-08,09:00,粤B66666,,赵六,,保养,,已预约,",
        "YY003,2026-12-08,10:00,粤B99999,,无名,,保养,,已预约,",
    )
    preview = run(store, path, dry_run=True)
    assert (preview.rows, preview.created, preview.rejected) == (2, 1, 1)
    assert not Appointment.objects.exists() and not AppointmentEvent.objects.exists()
    assert not AuditEntry.objects.filter(source="appointment import").exists()
    real = run(store, path)
    assert (real.created, real.rejected, real.issues) == (preview.created, preview.rejected, preview.issues)


def test_imported_appointments_take_their_slot_and_count_in_the_month_figures(tmp_path, store, cars):
    # given: capacity 3 per slot; the file puts four cars at 09:00 (one cancelled)
    extra = [VehicleFactory(customer=CustomerFactory(store=store), plate=f"粤B1000{i}") for i in range(3)]
    path = write_csv(
        tmp_path,
        "YY001,2026-12-08,09:00,粤B66666,,,,保养,,已预约,",
        "YY002,2026-12-08,09:00,粤B77777,,,,保养,,已到店,",
        "YY003,2026-12-08,09:00,粤B10000,,,,保养,,已取消,",
        "YY004,2026-12-08,09:00,粤B10001,,,,保养,,未到店,",
        "YY005,2026-12-08,09:00,粤B10002,,,,保养,,已预约,",
    )
    assert extra
    # when
    report = run(store, path)
    # then: imported as the DMS has it, the fourth car holding the slot pointed out
    assert report.created == 5
    assert [(i.row, i.field) for i in report.issues] == [(7, "starts_at")]
    slot = next(
        s
        for s in day_slots(store=store, policy=policy_for(store=store), day=date(2026, 12, 8), now=NOW)
        if s["label"] == "09:00"
    )
    assert (slot["booked"], slot["free"], slot["bookable"]) == (4, 0, False)
    figures = appointment_analysis(stores=[store], month=date(2026, 12, 1))
    assert (figures["slots"], figures["arrived"], figures["no_show"], figures["cancelled"], figures["pending"]) == (
        5,
        1,
        1,
        1,
        2,
    )
    assert figures["show_rate"] == 50.0


def test_an_unreadable_file_is_refused_whole(tmp_path, store, cars):
    path = tmp_path / "notes.csv"
    path.write_text("这不是预约导出\n随便写的\n", encoding="utf-8")
    report = run(store, path)
    assert report.error and report.rows == 0
    assert not Appointment.objects.exists()


def test_a_gb18030_tab_export_with_date_and_time_in_one_column_reads_the_same(tmp_path, store, cars):
    path = tmp_path / "legacy.txt"
    path.write_bytes(
        "预约编号\t预约到店时间\t号牌号码\t预约状态\t预约类型\r\nA-17\t2026/12/8 9:30:00\t粤B66666\t已预约\t钣喷\r\n".encode(
            "gb18030"
        )
    )
    report = run(store, path)
    assert (report.created, report.rejected) == (1, 0)
    appointment = Appointment.objects.get()
    assert (appointment.dms_number, appointment.starts_at, appointment.service) == (
        "A-17",
        datetime(2026, 12, 8, 9, 30, tzinfo=SH),
        ServiceKind.REPAIR,
    )
