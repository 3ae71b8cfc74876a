"""Issue 15 §4 — complaints that already exist: a hotline/CRM export with closed and overdue complaints, into a
store with no service manager. Deadlines and notifications exactly as computed by hand, nothing lost or sent
twice, also when the escalation sweep runs twice and when the file is imported again."""

import csv
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.complaints import importing, services
from huifang.complaints.models import Complaint, ComplaintEvent
from huifang.notifications.models import Notification

from ..factories import UserFactory, member
from .conftest import NOW, at

pytestmark = pytest.mark.django_db

HEADER = ["案件编号", "受理时间", "渠道", "类别", "投诉内容", "客户姓名", "联系电话", "状态", "级别", "负责人",
          "首次联系时间", "结案时间", "处理结果", "原因分析", "纠正措施", "是否有效"]  # fmt: skip
ROWS = [
    # closed long ago: never escalates, notifies nobody
    ["C1", "2026-11-01 09:00", "厂家", "SA", "保养等待时间过长", "周一", "13800138001", "已结案", "1", "",
     "2026-11-01 10:00", "2026-11-03 17:00", "致歉并赠送保养", "排程不足", "增加工位", "是"],
    # open since Mon 23 Nov 08:00, never contacted: level 1 ran out Tue 24 Nov 08:00 -> level 2 until Thu 26 08:00
    ["C2", "2026/11/23 08:00", "电话", "SQ", "变速箱顿挫", "吴二", "13800138002", "处理中", "", "", "", "", "", "", "", ""],
    # open since 10 Nov 09:00: L1 11 Nov 09:00, L2 13 Nov 09:00, L3 16 Nov 09:00 passed -> level 4
    ["C3", "2026-11-10 09:00", "", "服务", "多次维修未解决", "郑三", "13800138003", "僵持", "1", "", "2026-11-10 10:00",
     "", "", "", "", ""],
    # open since this morning, contacted, owned by the specialist: nothing passed
    ["C4", "2026-11-25 09:30", "到店", "SA", "洗车不干净", "王四", "13800138004", "未有结论", "", "specialist",
     "2026-11-25 09:40", "", "", "", "", ""],
    # rejected rows: no content; unknown status; received in the future; closed without its time
    ["C5", "2026-11-20 09:00", "", "SA", "", "冯五", "", "处理中", "", "", "", "", "", "", "", ""],
    ["C6", "2026-11-20 09:00", "", "SA", "异响", "陈六", "", "搁置了", "", "", "", "", "", "", "", ""],
    ["C7", "2026-11-26 09:00", "", "SA", "异响", "褚七", "", "处理中", "", "", "", "", "", "", "", ""],
    ["C8", "2026-11-20 09:00", "", "SA", "异响", "卫八", "", "结案", "", "", "", "", "", "", "", ""],
]  # fmt: skip


@pytest.fixture
def staff(store, specialist, director):
    """A store with no service manager: a specialist, a care director, and the group's manager."""
    group = UserFactory(username="group")
    Membership.objects.create(user=group, role=Role.GROUP_MANAGER, scope=Scope.GROUP, group=store.group)
    return {"specialist": specialist, "director": director, "group": group}


@pytest.fixture
def export(tmp_path):
    """The rows as a GBK CSV with a title line, as hotline systems write them."""
    path = tmp_path / "投诉导出.csv"
    buffer = StringIO()
    buffer.write("某品牌客户关怀中心 投诉案件导出\n")
    csv.writer(buffer).writerows([HEADER, *ROWS])
    path.write_bytes(buffer.getvalue().encode("gbk"))
    return path


def by_case(store, case) -> Complaint:
    return Complaint.objects.get(store=store, external_case_no=case)


def notes(complaint) -> list[tuple[int, str]]:
    return sorted(
        Notification.objects.filter(key__startswith=f"complaint:{complaint.pk}:").values_list("user_id", "key")
    )


def test_historical_import_with_closed_and_overdue_complaints(store, staff, export):
    # when the export is imported at Wed 25 Nov 10:00
    report = importing.complaints_import_file(store=store, path=export, actor=staff["director"], now=NOW)
    # then four complaints, one of them closed, two placed higher, and four rows rejected with their reasons
    assert (report.created, report.closed, report.escalated, report.unchanged) == (4, 1, 2, 0)
    assert [(r.row, r.field) for r in report.rejected] == [
        (7, "content"),
        (8, "status"),
        (9, "received_at"),
        (10, "closed_at"),
    ]
    # the closed one: its own times, no deadline, no escalation, nobody notified
    c1 = by_case(store, "C1")
    assert (c1.status, c1.level, c1.level_due_at, c1.closed_at) == ("closed", 1, None, at(2026, 11, 3, 17))
    assert (c1.result, c1.root_cause, c1.is_valid, c1.channel) == ("致歉并赠送保养", "排程不足", True, "manufacturer")
    assert notes(c1) == []
    assert not c1.events.filter(kind="escalate").exists()
    # the one received Mon 08:00: first contact due 10:00, level 1 ran out Tue 08:00 -> level 2 due Thu 08:00,
    # owned by the care director because the store has no service manager, told once and why
    c2 = by_case(store, "C2")
    assert (c2.status, c2.level, c2.owner) == ("in_process", 2, staff["director"])
    assert (c2.first_contact_due, c2.escalated_at, c2.level_due_at) == (
        at(2026, 11, 23, 10),
        at(2026, 11, 24, 8),
        at(2026, 11, 26, 8),
    )
    assert notes(c2) == [(staff["director"].pk, f"complaint:{c2.pk}:import")]
    body = Notification.objects.get(user=staff["director"], key=f"complaint:{c2.pk}:import").body
    assert "没有可接收的服务经理" in body and "首次联系" in body
    assert [e.level for e in c2.events.filter(kind="escalate")] == [2]
    # the one received 10 Nov: three deadlines passed -> level 4; no OEM office -> the group manager, told once
    c3 = by_case(store, "C3")
    assert (c3.status, c3.level, c3.level_due_at, c3.escalated_at) == ("hold", 4, None, at(2026, 11, 16, 9))
    assert c3.owner == staff["group"]
    assert notes(c3) == [(staff["group"].pk, f"complaint:{c3.pk}:import")]
    assert c3.events.filter(kind="escalate").count() == 1
    # the fresh one: level 1 due Thu 09:30, its named owner told
    c4 = by_case(store, "C4")
    assert (c4.level, c4.owner, c4.level_due_at) == (1, staff["specialist"], at(2026, 11, 26, 9, 30))
    assert notes(c4) == [(staff["specialist"].pk, f"complaint:{c4.pk}:import")]
    assert Notification.objects.count() == 3
    # when the escalation sweep runs twice, now and an hour later
    first = services.complaints_escalate_due(now=NOW)
    second = services.complaints_escalate_due(now=NOW + timedelta(hours=1))
    # then nothing is escalated or sent again (the first-contact reminder was part of the import's notice)
    assert first == second == {"escalated": 0, "levels": 0, "first_contact_overdue": 0, "media_report_overdue": 0}
    assert Notification.objects.count() == 3
    # when the same file is imported again
    again = importing.complaints_import_file(store=store, path=export, actor=staff["director"], now=NOW)
    # then it changes nothing
    assert (again.created, again.unchanged, len(again.rejected)) == (0, 4, 4)
    assert Complaint.objects.filter(store=store).count() == 4
    assert Notification.objects.count() == 3
    # and the next deadline of C2 is escalated by the sweep once, at Thu 26 Nov 08:00, to level 3
    assert services.complaints_escalate_due(now=at(2026, 11, 26, 8, 5))["escalated"] == 1
    assert services.complaints_escalate_due(now=at(2026, 11, 26, 8, 10))["escalated"] == 0
    c2.refresh_from_db()
    assert (c2.level, c2.level_due_at) == (3, at(2026, 11, 29, 8))


def test_a_dry_run_writes_and_sends_nothing(store, staff, export):
    report = importing.complaints_import_file(store=store, path=export, actor=None, now=NOW, dry_run=True)
    assert (report.created, report.closed, report.escalated, len(report.rejected)) == (4, 1, 2, 4)
    assert not Complaint.objects.exists()
    assert not Notification.objects.exists()
    assert not ComplaintEvent.objects.exists()


def test_the_api_imports_rows(client, store, staff, monkeypatch):
    from django.conf import settings

    from huifang.core import clock

    from ..factories import PASSWORD

    monkeypatch.setattr(clock, "now", lambda: NOW)
    client.login(username=staff["director"].username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    payload = {
        "store": store.code,
        "rows": [
            {"external_case_no": "A1", "received_at": "2026-11-23 08:00", "content": "异响", "customer_name": "吴二",
             "status": "in_process"},
            {"external_case_no": "A2", "received_at": "2026-11-20 08:00", "content": "", "customer_name": "郑三"},
        ],
    }  # fmt: skip
    response = client.post("/api/complaints/import", payload, content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["created"], data["unchanged"]) == (1, 0)
    assert data["rejected"] == [{"row": 2, "field": "content", "value": "", "reason": "Required."}]
    assert by_case(store, "A1").level == 2
    # a specialist of another store cannot import into this one
    outsider = member(
        type(store).objects.create(code="X9", name="别店", group=store.group, region=store.region), Role.CARE_DIRECTOR
    )
    client.login(username=outsider.username, password=PASSWORD)
    assert client.post("/api/complaints/import", payload, content_type="application/json").status_code == 404


def test_the_command_previews_then_applies(store, staff, export):
    out = StringIO()
    call_command("import_complaints", str(export), "--store", store.code, "--now", NOW.isoformat(), stdout=out)
    assert not Complaint.objects.exists()
    assert "row 7 content" in out.getvalue()
    call_command(
        "import_complaints", str(export), "--store", store.code, "--now", NOW.isoformat(), "--apply", stdout=out
    )
    assert Complaint.objects.filter(store=store).count() == 4
    assert "created 4, closed 1, placed higher 2, unchanged 0, rejected rows 4" in out.getvalue()


def test_the_wizard_previews_then_imports_and_lists_rejections(client, store, staff, export, monkeypatch):
    from django.urls import reverse

    from huifang.core import clock

    from ..factories import PASSWORD

    monkeypatch.setattr(clock, "now", lambda: NOW)
    client.login(username=staff["director"].username, password=PASSWORD)
    url = reverse("complaints:import")
    # when the director uploads the export for a preview
    with export.open("rb") as handle:
        page = client.post(url, {"store": store.pk, "mode": "dry_run", "file": handle}).content.decode()
    # then the preview counts and the rejected rows with their reasons show, and nothing is written
    assert 'id="n-created">4<' in page and 'id="n-rejected">4<' in page
    assert "必填。" in page and "结案的投诉需要结案时间。" in page
    assert not Complaint.objects.exists()
    token = page.split('name="token" value="')[1].split('"')[0]
    # when the director confirms
    page = client.post(url, {"store": store.pk, "mode": "apply", "token": token}).content.decode()
    # then the complaints are imported
    assert 'id="n-created">4<' in page
    assert Complaint.objects.filter(store=store).count() == 4
    # and a specialist may not import
    client.login(username=staff["specialist"].username, password=PASSWORD)
    assert client.get(url).status_code == 403


# A hotline export in English with its own spellings (found by the outside check: 'Case No.' and friends
# were not read at all, so the file was refused with "no header row").
ENGLISH_HEADER = ["Case No.", "Received Time", "Channel", "Category", "Description", "Customer Name", "Tel",
                  "Status", "Closed Time", "Result", "Root Cause", "Corrective Action", "Valid?"]  # fmt: skip


def test_english_and_annotated_headers_are_read(store, staff, tmp_path):
    # given the same closed complaint under English headers, and an open one under Chinese headers with notes
    english = tmp_path / "cases.csv"
    buffer = StringIO()
    csv.writer(buffer).writerows(
        [
            ENGLISH_HEADER,
            ["C1", "2026-11-01 09:00", "厂家", "SA", "保养等待时间过长", "周一", "+86 138-0013-8001", "已结案",
             "2026-11-03 17:00", "致歉并赠送保养", "排程不足", "增加工位", "是"],
        ]
    )  # fmt: skip
    english.write_bytes(buffer.getvalue().encode("gbk"))
    annotated = tmp_path / "cases.xlsx.csv"
    annotated.write_text("案件编号（必填）,受理时间(必填),投诉内容 *,客户姓名\nC2,2026/11/24 9:00,异响,吴二\n", "utf-8")
    # when both are imported
    first = importing.complaints_import_file(store=store, path=english, actor=staff["director"], now=NOW)
    second = importing.complaints_import_file(store=store, path=annotated, actor=staff["director"], now=NOW)
    # then every column is read
    assert (first.created, first.closed, first.rejected) == (1, 1, [])
    c1 = by_case(store, "C1")
    assert (c1.customer_name, c1.phone, c1.closed_at, c1.root_cause, c1.is_valid) == (
        "周一",
        "+8613800138001",
        at(2026, 11, 3, 17),
        "排程不足",
        True,
    )
    assert (second.created, second.rejected) == (1, [])
    assert by_case(store, "C2").received_at == at(2026, 11, 24, 9)


def test_a_hidden_xlsx_row_is_left_out_and_named(store, staff, tmp_path):
    # given an XLSX export of two complaints, the second row hidden by a filter
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["案件编号", "受理时间", "投诉内容", "客户姓名"])
    sheet.append(["H1", "2026-11-24 09:00", "异响", "吴二"])
    sheet.append(["H2", "2026-11-24 10:00", "漏油", "郑三"])
    sheet.row_dimensions[3].hidden = True
    path = tmp_path / "投诉.xlsx"
    book.save(path)
    # when it is imported
    report = importing.complaints_import_file(store=store, path=path, actor=staff["director"], now=NOW)
    # then the visible complaint is imported and the hidden one is not, but named with its row and the reason
    assert report.created == 1
    assert list(Complaint.objects.filter(store=store).values_list("external_case_no", flat=True)) == ["H1"]
    (rejection,) = report.rejected
    assert rejection.row == 3 and "hidden" in rejection.reason


def test_a_masked_phone_keeps_the_complaint_without_the_number(store, staff, tmp_path):
    # given a CRM export whose phones are masked for privacy, one of them on a car in the archive, and one
    # phone that is simply wrong
    from ..factories import CustomerFactory, VehicleFactory

    car = VehicleFactory(customer=CustomerFactory(store=store, name="吴二"), plate="粤B12345")
    path = tmp_path / "crm.csv"
    path.write_text(
        "案件编号,受理时间,投诉内容,客户姓名,联系电话,车牌号\n"
        "M1,2026-11-24 09:00,异响,吴二,138****5678,粤B12345\n"
        "M2,2026-11-24 10:00,漏油,郑三,138xxxx1234,\n"
        "M3,2026-11-24 11:00,空调不冷,王五,1234567,\n",
        "utf-8",
    )
    # when it is imported
    report = importing.complaints_import_file(store=store, path=path, actor=staff["director"], now=NOW)
    # then the masked ones are imported without the file's phone and named as warnings (the one on an archived car
    # takes the archive's number); the wrong number still rejects its row
    assert report.created == 2
    assert [(w.row, w.field, w.value) for w in report.warnings] == [
        (2, "phone", "138****5678"),
        (3, "phone", "138xxxx1234"),
    ]
    assert [(r.row, r.field) for r in report.rejected] == [(4, "phone")]
    m1 = by_case(store, "M1")
    assert (m1.phone, m1.vehicle_id, m1.customer_name) == (car.customer.mobile, car.pk, "吴二")
    assert by_case(store, "M2").phone == ""


def test_masked_phone_shapes():
    assert importing.masked_phone("138****5678")
    assert importing.masked_phone("+86 138 **** 5678")
    assert importing.masked_phone("138XXXX5678")
    assert not importing.masked_phone("13812345678")
    assert not importing.masked_phone("****")
    assert not importing.masked_phone("")
    assert not importing.masked_phone("n/a")


def test_the_wizard_refuses_a_posted_clear_box_without_a_file(client, store, staff):
    # given (found by tests/test_hostile_input.py: "file-clear" made the upload False, and .name a 500)
    client.force_login(staff["director"])
    # when
    response = client.post("/complaints/import/", {"store": store.pk, "mode": "dry_run", "file-clear": "1"})
    # then the form asks for a file
    assert response.status_code == 422
    assert response.context["form"].errors["file"]
