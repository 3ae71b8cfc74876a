"""The appointment import through its screen, the API and the management command: roles, stores, the report."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from huifang.accounts.choices import Role
from huifang.appointments.choices import AppointmentStatus
from huifang.appointments.models import Appointment
from huifang.core import clock
from tests.factories import CustomerFactory, VehicleFactory, member

SH = ZoneInfo("Asia/Shanghai")
EXPORT = (
    "预约单号,预约时间,车牌号,客户姓名,服务类型,状态\r\n"
    "YY001,2026-12-08 09:00,粤B66666,赵六,保养,已预约\r\n"
    "YY002,2026-12-08 09:30,粤B99999,无名,保养,已预约\r\n"
).encode("utf-8-sig")


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 7, 18, 0, tzinfo=SH))


@pytest.fixture
def car(store):
    return VehicleFactory(customer=CustomerFactory(store=store, name="赵六"), plate="粤B66666")


def upload(content=EXPORT, name="预约.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_the_screen_previews_then_imports_naming_the_rejected_row(client, store, car, specialist):
    client.force_login(specialist)
    assert client.get("/appointments/import/").status_code == 200
    # when: a dry run
    page = client.post("/appointments/import/", {"store": store.pk, "mode": "dry_run", "file": upload()})
    # then: what it would do, nothing written; the rejected row named by row, field and value
    text = page.content.decode()
    assert page.status_code == 200 and not Appointment.objects.exists()
    assert 'id="created">1<' in text and 'id="rows-rejected">1<' in text
    assert "<code>粤B99999</code>" in text and "档案中没有这辆车" in text
    # when: imported
    page = client.post("/appointments/import/", {"store": store.pk, "mode": "import", "file": upload()})
    assert page.status_code == 200
    assert Appointment.objects.get().dms_number == "YY001"


def test_the_screen_refuses_an_unreadable_file_and_a_role_that_may_not_import(client, store, car, specialist):
    client.force_login(specialist)
    page = client.post(
        "/appointments/import/", {"store": store.pk, "mode": "import", "file": upload(b"\x00\x01\x02" * 100, "x.csv")}
    )
    assert page.status_code == 422 and not Appointment.objects.exists()
    assert (
        client.post(
            "/appointments/import/", {"store": store.pk, "mode": "import", "file": upload(name="a.pdf")}
        ).status_code
        == 422
    )
    advisor = member(store, Role.SERVICE_ADVISOR, username="adv")
    client.force_login(advisor)
    assert client.get("/appointments/import/").status_code == 403


def test_another_stores_user_cannot_import_into_the_store(client, store, other_store, car):
    intruder = member(other_store, Role.CARE_SPECIALIST, username="intruder")
    client.force_login(intruder)
    page = client.post("/appointments/import/", {"store": store.pk, "mode": "import", "file": upload()})
    assert page.status_code == 422  # not a store of the form's choices
    assert not Appointment.objects.exists()
    api = client.post(f"/api/appointments/stores/{store.pk}/import", {"file": upload(), "dry_run": "false"})
    assert api.status_code == 404
    assert not Appointment.objects.exists()


def test_the_api_imports_and_reports_every_row(client, store, car, specialist):
    client.force_login(specialist)
    response = client.post(f"/api/appointments/stores/{store.pk}/import", {"file": upload(), "dry_run": "false"})
    assert response.status_code == 200
    body = response.json()
    assert (body["rows"], body["created"], body["rejected"], body["imported"]) == (2, 1, 1, 1)
    assert [(i["row"], i["field"], i["value"], i["severity"]) for i in body["issues"]] == [
        (3, "plate", "粤B99999", "rejected")
    ]
    again = client.post(f"/api/appointments/stores/{store.pk}/import", {"file": upload(), "dry_run": "false"}).json()
    assert (again["created"], again["unchanged"]) == (0, 1)
    broken = client.post(f"/api/appointments/stores/{store.pk}/import", {"file": upload(b"", "e.csv")})
    assert broken.status_code == 422 and broken.json()["error"]


def test_the_command_imports_and_prints_the_rejected_rows(tmp_path, store, car):
    path = tmp_path / "appointments.csv"
    path.write_bytes(EXPORT.replace("已预约\r\nYY002".encode(), "已到店\r\nYY002".encode()))
    out = io.StringIO()
    call_command("import_appointments", str(path), "--store", store.code, "--dry-run", stdout=out)
    assert "dry run, would be: 1 created" in out.getvalue() and "row 3 [rejected]: plate" in out.getvalue()
    assert not Appointment.objects.exists()
    call_command("import_appointments", str(path), "--store", store.code, stdout=io.StringIO())
    assert Appointment.objects.get().status == AppointmentStatus.ARRIVED
    with pytest.raises(CommandError):
        call_command("import_appointments", str(path), "--store", "NOPE", stdout=io.StringIO())


def test_the_report_reads_in_chinese(client, store, car, specialist):
    from tests.browser.test_rough_edges_language import english_words

    client.force_login(specialist)
    content = (
        EXPORT
        + "YY003,2026-12-08 10:00,粤B66666,赵六,洗车,已预约\r\nYY004,2026-12-08,粤B66666,赵六,保养,处理中\r\n".encode()
    )
    page = client.post("/appointments/import/", {"store": store.pk, "mode": "dry_run", "file": upload(content)})
    html = page.content.decode()
    assert "无法识别的服务类型" in html and "缺少预约时段" in html
    assert english_words(html) == set()
