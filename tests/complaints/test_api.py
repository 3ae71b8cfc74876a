"""Complaints API: intake idempotent by case number, scoping (outsider 404, OEM level 4/major), handling steps."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.accounts.choices import Role
from huifang.complaints import services
from huifang.complaints.models import Complaint, ComplaintEvent
from huifang.core import clock

from ..factories import PASSWORD, VehicleFactory, member
from .conftest import NOW, intake

URL = "/api/complaints/"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def body(**kwargs):
    values = {
        "store": "SZ01",
        "external_case_no": "CAC-2026-0001",
        "channel": "manufacturer",
        "category": "SQ",
        "content": "在保修期内，高速行驶踩刹车，方向盘严重抖动。维修站光过盘，问题未解决。",
        "customer_name": "赵六",
        "phone": "13812345678",
        "background": "该投诉客户在媒体工作，表示处理不满意将曝光到媒体。",
    }
    values.update(kwargs)
    return values


def test_intake_is_idempotent_by_case_number(client, store, specialist):
    # given a manufacturer's case sent twice
    login(client, specialist)
    first = client.post(URL, body(), content_type="application/json")
    again = client.post(URL, body(content="重复发送"), content_type="application/json")
    # then created once, the repeat answers 200 with the same complaint
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert again.json()["content"].startswith("在保修期内")
    assert Complaint.objects.count() == 1
    data = first.json()
    assert data["number"] == "TSSZ012026110001"
    assert data["is_major"] is True
    assert data["major_reasons"][0]["rule"] == "media_legal"
    # 12:00 and 14:00 in Shanghai, sent in UTC
    assert data["first_contact_due"] == "2026-11-25T04:00:00Z"
    assert data["media_report_due"] == "2026-11-25T06:00:00Z"
    assert [e["kind"] for e in data["events"]] == ["intake", "major"]


def test_intake_links_the_archive_by_plate(client, store, specialist):
    vehicle = VehicleFactory(customer__store=store)
    login(client, specialist)
    response = client.post(URL, body(customer_name="", plate=vehicle.plate), content_type="application/json")
    assert response.status_code == 201
    assert (response.json()["customer_id"], response.json()["vehicle_id"]) == (vehicle.customer_id, vehicle.pk)


def test_intake_names_the_bad_fields(client, store, specialist):
    login(client, specialist)
    response = client.post(
        URL, body(phone="12", customer_name="", external_case_no=""), content_type="application/json"
    )
    assert response.status_code == 422
    fields = {item["loc"][-1] for item in response.json()["detail"]}
    assert fields == {"phone", "customer_name"}


def test_intake_into_an_invisible_store_is_404(client, store, outsider):
    login(client, outsider)
    response = client.post(URL, body(), content_type="application/json")
    assert response.status_code == 404
    assert not Complaint.objects.exists()


def test_an_outsider_gets_404_on_everything(client, store, specialist, outsider):
    complaint = intake(store, specialist)
    login(client, outsider)
    assert client.get(f"{URL}{complaint.pk}").status_code == 404
    assert client.post(f"{URL}{complaint.pk}/contact", {}, content_type="application/json").status_code == 404
    assert client.get(URL).json()["count"] == 0


def test_the_oem_sees_only_level_4_and_major_complaints(client, store, specialist, oem):
    # given an ordinary, a major and a level-4 complaint
    ordinary = intake(store, specialist)
    major = intake(store, specialist, content="客户说要找记者")
    level4 = intake(store, specialist)
    Complaint.objects.filter(pk=level4.pk).update(level=4, level_due_at=None)
    login(client, oem)
    # then the list holds the major and the level-4 one
    ids = {item["id"] for item in client.get(URL).json()["items"]}
    assert ids == {major.pk, level4.pk}
    assert client.get(f"{URL}{ordinary.pk}").status_code == 404
    # and the OEM acts on level 4 only
    assert client.post(f"{URL}{major.pk}/actions", {"note": "x"}, content_type="application/json").status_code == 403
    response = client.post(f"{URL}{level4.pk}/actions", {"note": "区域已介入"}, content_type="application/json")
    assert response.status_code == 200


def test_the_manufacturers_system_files_and_reads_back_its_complaint(client, store, oem):
    login(client, oem)
    response = client.post(URL, body(background="", content="异响"), content_type="application/json")
    assert response.status_code == 201
    assert response.json()["is_major"] is False
    again = client.post(URL, body(background="", content="异响"), content_type="application/json")
    assert again.status_code == 200


def test_phones_are_masked_for_roles_that_do_not_call(client, store, specialist):
    complaint = intake(store, specialist, phone="13812345678")
    group_reader = member(store, Role.GROUP_MANAGER, username="gm")
    login(client, group_reader)
    assert client.get(f"{URL}{complaint.pk}").json()["phone"] == "138****5678"
    client.logout()
    login(client, specialist)
    assert client.get(f"{URL}{complaint.pk}").json()["phone"] == "+8613812345678"


def test_a_read_only_role_may_not_act(client, store, specialist):
    complaint = intake(store, specialist)
    login(client, member(store, Role.GROUP_MANAGER, username="gm"))
    response = client.post(f"{URL}{complaint.pk}/escalate", {"why": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_list_filters_and_orders_overdue_first(client, store, specialist):
    late = intake(store, specialist, now=NOW - timedelta(hours=3))  # first contact was due 1 h ago
    fresh = intake(store, specialist)
    login(client, specialist)
    items = client.get(URL).json()["items"]
    assert [i["id"] for i in items] == [late.pk, fresh.pk]
    assert [i["is_overdue"] for i in items] == [True, False]
    assert [i["id"] for i in client.get(URL, {"overdue": "false"}).json()["items"]] == [fresh.pk]
    assert client.get(URL, {"store": "GZ02"}).status_code == 404


def test_handling_steps_through_the_api(client, store, specialist, manager):
    complaint = intake(store, specialist, owner=specialist)
    login(client, specialist)
    base = f"{URL}{complaint.pk}"
    assert client.post(f"{base}/contact", {"note": "已致电"}, content_type="application/json").status_code == 200
    status = client.post(f"{base}/status", {"status": "in_process", "why": "方案已定"}, content_type="application/json")
    assert status.json()["status"] == "in_process"
    closed_by_status = client.post(f"{base}/status", {"status": "closed", "why": "x"}, content_type="application/json")
    assert closed_by_status.status_code == 422
    assigned = client.post(f"{base}/assign", {"owner_id": manager.pk}, content_type="application/json")
    assert assigned.json()["owner"]["id"] == manager.pk
    escalated = client.post(f"{base}/escalate", {"why": "需要经理"}, content_type="application/json")
    assert escalated.json()["level"] == 2
    missing = client.post(f"{base}/close", {"result": "已修复"}, content_type="application/json")
    assert missing.status_code == 422
    assert {i["loc"][-1] for i in missing.json()["detail"]} == {"root_cause", "corrective_action", "is_valid"}
    closed = client.post(
        f"{base}/close",
        {"result": "已修复", "root_cause": "制动盘变形", "corrective_action": "更换", "is_valid": True},
        content_type="application/json",
    )
    assert closed.json()["status"] == "closed"
    reopened = client.post(f"{base}/reopen", {"why": "客户再次投诉"}, content_type="application/json")
    assert (reopened.json()["status"], reopened.json()["reopened_count"]) == ("ongoing", 1)
    kinds = [e["kind"] for e in reopened.json()["events"]]
    assert kinds == ["intake", "contact", "status", "assign", "escalate", "close", "follow_up", "reopen"]


def test_attachment_upload(client, store, specialist):
    complaint = intake(store, specialist)
    login(client, specialist)
    upload = SimpleUploadedFile("录音.mp3", b"ID3" + b"0" * 50, content_type="audio/mpeg")
    response = client.post(f"{URL}{complaint.pk}/attachments", {"file": upload})
    assert response.status_code == 201
    assert response.json()["name"] == "录音.mp3"
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="attachment").exists()


def test_written_report_through_the_api(client, store, specialist):
    complaint = intake(store, specialist, nature="consumer_assoc")
    login(client, specialist)
    response = client.post(
        f"{URL}{complaint.pk}/media-report", {"note": "已发区域经理"}, content_type="application/json"
    )
    assert response.json()["media_reported_at"] == "2026-11-25T02:00:00Z"


def test_reasons_of_a_store(client, store, specialist):
    login(client, specialist)
    names = [r["name"] for r in client.get(f"{URL}reasons", {"store": "SZ01", "category": "SP"}).json()]
    assert names == ["配件缺货", "配件质量", "配件价格"]


def test_escalation_sweep_results_are_visible_in_the_api(client, store, specialist, manager):
    complaint = intake(store, specialist, owner=specialist)
    services.complaints_escalate_due(now=NOW + timedelta(hours=25))
    login(client, manager)
    data = client.get(f"{URL}{complaint.pk}").json()
    assert (data["level"], data["owner"]["id"]) == (2, manager.pk)
    assert [e["kind"] for e in data["events"] if e["kind"] == "escalate"] == ["escalate"]


def test_the_list_costs_the_same_queries_for_one_or_many(client, store, specialist, django_assert_num_queries):
    login(client, specialist)
    intake(store, specialist)
    client.get(URL)  # warm the session
    with django_assert_num_queries(4) as one:  # the session's user read with the session (core.sessions)
        assert client.get(URL).json()["count"] == 1
    for _ in range(5):
        intake(store, specialist, content="客户说要找记者")
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(URL).json()["count"] == 6


def test_notification_links_lead_to_the_complaint_page(store, specialist):
    from django.urls import reverse

    from huifang.complaints.services.common import complaint_url

    complaint = intake(store, specialist)
    assert complaint_url(complaint) == reverse("complaints:detail", kwargs={"complaint_id": complaint.pk})


def test_intake_reads_a_time_without_offset_as_the_stores_clock(client, store, specialist):
    # given (found by tests/test_hostile_api.py: a naive received_at was compared with an aware now, a 500)
    login(client, specialist)
    # when a time without an offset is sent, and one in the year 9999
    earlier = client.post(URL, body(received_at="2026-11-25T08:00"), content_type="application/json")
    future = client.post(URL, body(external_case_no="CAC-9", received_at="9999-12-31"), content_type="application/json")
    # then the first is 08:00 in Shanghai, the second a 422 naming the field
    assert earlier.status_code == 201
    assert earlier.json()["received_at"] == "2026-11-25T00:00:00Z"
    assert future.status_code == 422
    assert future.json()["detail"][0]["loc"][-1] == "received_at"
