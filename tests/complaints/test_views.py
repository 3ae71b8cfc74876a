"""The complaint screens: intake, the list's order and filters, the complaint page's actions, print/PDF,
the OEM regional view and the care director's settings. Pages are read in English so the assertions do
not depend on the translations."""

import re
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry
from huifang.complaints import services
from huifang.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintStatus
from huifang.complaints.models import Complaint, ComplaintAttachment, ComplaintFollowUp, ComplaintReason
from huifang.core import clock

from ..factories import PASSWORD, CustomerFactory, UserFactory, VehicleFactory, member

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)  # a Wednesday, a working day
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def file_complaint(store, actor, *, at=NOW, **values) -> Complaint:
    data = {
        "channel": ComplaintChannel.PHONE,
        "category": ComplaintCategory.SERVICE,
        "content": "保养后异响，客户不满意",
        "customer_name": "李四",
    } | values
    complaint, _created = services.complaint_intake(store=store, actor=actor, now=at, **data)
    return complaint


def intake_post(store, **changes) -> dict:
    data = {
        "store": store.pk,
        "channel": ComplaintChannel.IN_STORE,
        "category": ComplaintCategory.SERVICE,
        "nature": "general",
        "customer_name": "王五",
        "phone": "13812345678",
        "plate": "粤B12345",
        "content": "更换机油后发动机异响，要求重新检查",
        "demand": "免费检查",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- intake ----------------------------------------------------------------------------------------


def test_intake_form_files_the_complaint_and_its_page_shows_the_deadlines(client, store, specialist):
    # given
    signed_in(client, specialist)
    photo = SimpleUploadedFile("异响.png", PNG, content_type="image/png")
    # when
    response = client.post(reverse("complaints:create"), intake_post(store, attachments=[photo]), follow=True)
    # then
    complaint = Complaint.objects.get(store=store)
    assert response.redirect_chain[-1][0] == reverse("complaints:detail", args=[complaint.pk])
    page = response.content.decode()
    assert complaint.number in page
    # First contact within 2 hours, level 1 within 24 hours (calendar clock by default).
    assert "2026-11-25 12:00" in page
    assert "2026-11-26 10:00" in page
    assert "2h 0min left" in page
    assert complaint.customer_name == "王五" and complaint.created_by == specialist
    attachment = ComplaintAttachment.objects.get(complaint=complaint)
    assert attachment.name == "异响.png"
    assert reverse("complaints:attachment", args=[complaint.pk, attachment.pk]) in page


def test_intake_without_content_shows_the_error_at_the_field(client, store, specialist):
    signed_in(client, specialist)

    response = client.post(reverse("complaints:create"), intake_post(store, content=""))

    assert response.status_code == 422
    assert 'id="field-content"' in response.content.decode()
    assert "Complaint content: This field is required." in response.content.decode()
    assert not Complaint.objects.exists()


def test_intake_opened_from_the_customer_page_is_prefilled(client, store, specialist):
    # given
    customer = CustomerFactory(store=store, name="赵六", mobile="+8613900001111")
    VehicleFactory(customer=customer, plate="粤B88888", model="明锐")
    signed_in(client, specialist)
    # when
    response = client.get(reverse("complaints:create") + f"?customer={customer.pk}")
    # then
    page = response.content.decode()
    assert 'value="赵六"' in page and 'value="粤B88888"' in page and 'value="明锐"' in page
    assert f'name="customer_id" value="{customer.pk}"' in page


def test_intake_offers_only_the_users_stores(client, store, other_store, specialist):
    signed_in(client, specialist)

    response = client.post(reverse("complaints:create"), intake_post(other_store))

    assert response.status_code == 422
    assert not Complaint.objects.exists()


# --- list ------------------------------------------------------------------------------------------


def test_list_shows_overdue_first_then_the_nearest_deadline(client, store, specialist, django_assert_num_queries):
    # given: A filed 3 h ago (first contact overdue by 1 h), B just now (due 12:00), C contacted (due tomorrow)
    late = file_complaint(store, specialist, at=NOW - timedelta(hours=3), customer_name="甲")
    fresh = file_complaint(store, specialist, customer_name="乙")
    contacted = file_complaint(store, specialist, at=NOW - timedelta(hours=1), customer_name="丙")
    services.complaint_contact_record(complaint=contacted, actor=specialist, now=NOW - timedelta(minutes=30))
    signed_in(client, specialist)
    client.get(reverse("complaints:list"))  # warm the session
    # when: a fixed number, whatever the rows (the import button, the unassigned count, the store calendar)
    with django_assert_num_queries(7):  # the session's user read with the session (core.sessions)
        response = client.get(reverse("complaints:list"))
    # then
    page = response.content.decode()
    positions = [page.index(c.number) for c in (late, fresh, contacted)]
    assert positions == sorted(positions)
    assert "overdue by 1h 0min" in page
    assert "2h 0min left" in page


def test_list_filters_by_overdue_and_search(client, store, specialist):
    late = file_complaint(store, specialist, at=NOW - timedelta(hours=3), customer_name="甲")
    fresh = file_complaint(store, specialist, customer_name="乙", plate="粤B77777")
    signed_in(client, specialist)

    overdue = client.get(reverse("complaints:list"), {"overdue": "1"}).content.decode()
    searched = client.get(reverse("complaints:list"), {"q": "粤B77777"}).content.decode()

    assert late.number in overdue and fresh.number not in overdue
    assert fresh.number in searched and late.number not in searched


def test_major_complaint_badge_explains_the_rule(client, store, specialist):
    complaint = file_complaint(store, specialist, content="客户说要找记者曝光")
    signed_in(client, specialist)

    listing = client.get(reverse("complaints:list")).content.decode()
    detail = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()

    assert complaint.is_major
    assert "记者" in listing  # in the badge's hover text
    assert 'id="major-reasons"' in detail and "记者" in detail and "曝光" in detail


# --- store scoping ---------------------------------------------------------------------------------


def test_outsider_gets_404_on_every_complaint_url(client, store, specialist, outsider):
    complaint = file_complaint(store, specialist)
    upload = SimpleUploadedFile("信.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    attachment = services.attachment_add(complaint=complaint, actor=specialist, now=NOW, file=upload)
    signed_in(client, outsider)

    urls = [
        reverse("complaints:detail", args=[complaint.pk]),
        reverse("complaints:print", args=[complaint.pk]),
        reverse("complaints:pdf", args=[complaint.pk]),
        reverse("complaints:attachment", args=[complaint.pk, attachment.pk]),
    ]

    assert [client.get(url).status_code for url in urls] == [404, 404, 404, 404]
    assert client.post(reverse("complaints:close", args=[complaint.pk]), {}).status_code == 404
    assert client.get(reverse("complaints:list")).content.decode().count(complaint.number) == 0


def test_attachment_is_served_through_the_view_to_the_store(client, store, specialist):
    complaint = file_complaint(store, specialist)
    upload = SimpleUploadedFile("照片.png", PNG, content_type="image/png")
    attachment = services.attachment_add(complaint=complaint, actor=specialist, now=NOW, file=upload)
    signed_in(client, specialist)

    response = client.get(reverse("complaints:attachment", args=[complaint.pk, attachment.pk]) + "?inline=1")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"


# --- actions on the complaint page -----------------------------------------------------------------


def test_close_without_the_required_fields_names_each_field(client, store, specialist):
    complaint = file_complaint(store, specialist)
    signed_in(client, specialist)

    response = client.post(reverse("complaints:close", args=[complaint.pk]), {"invalid_reason": ""})

    page = response.content.decode()
    assert response.status_code == 422
    for label in ("Final result", "Root cause", "Corrective action", "Valid complaint?"):
        assert f"{label}: This field is required." in page
    assert 'act-close_form" open' in page
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ONGOING


def test_invalid_complaint_needs_a_reason(client, store, specialist):
    complaint = file_complaint(store, specialist)
    signed_in(client, specialist)

    response = client.post(
        reverse("complaints:close", args=[complaint.pk]),
        {"result": "已解释", "root_cause": "误解", "corrective_action": "无", "is_valid": "0"},
    )

    assert response.status_code == 422
    assert "Why invalid: Say why the complaint is invalid." in response.content.decode()


def test_closing_plans_the_follow_up_call_and_reopening_reopens(client, store, specialist):
    # given
    customer = CustomerFactory(store=store)
    complaint = file_complaint(store, specialist, customer=customer)
    signed_in(client, specialist)
    # when
    closed = client.post(
        reverse("complaints:close", args=[complaint.pk]),
        {"result": "免费更换部件", "root_cause": "装配不当", "corrective_action": "培训技师", "is_valid": "1"},
        follow=True,
    ).content.decode()
    # then
    complaint.refresh_from_db()
    follow_up = ComplaintFollowUp.objects.get(complaint=complaint)
    assert complaint.status == ComplaintStatus.CLOSED and complaint.is_valid is True
    assert 'class="follow-up-row"' in closed and "Planned" in closed
    assert follow_up.task.window_end.astimezone(SH) == NOW + timedelta(days=3)
    # when reopened
    reopened = client.post(
        reverse("complaints:reopen", args=[complaint.pk]), {"why": "客户回访不满意"}, HTTP_HX_REQUEST="true"
    )
    complaint.refresh_from_db()
    assert reopened.status_code == 200
    assert complaint.status == ComplaintStatus.ONGOING and complaint.reopened_count == 1
    assert "客户回访不满意" in reopened.content.decode()


def test_status_change_needs_why_and_lands_in_the_timeline(client, store, specialist):
    complaint = file_complaint(store, specialist)
    signed_in(client, specialist)

    refused = client.post(reverse("complaints:status", args=[complaint.pk]), {"status": ComplaintStatus.HOLD})
    accepted = client.post(
        reverse("complaints:status", args=[complaint.pk]),
        {"status": ComplaintStatus.HOLD, "why": "客户坚持全额退款"},
        HTTP_HX_REQUEST="true",
    )

    assert refused.status_code == 422 and "Why: This field is required." in refused.content.decode()
    page = accepted.content.decode()
    assert accepted.status_code == 200
    assert "客户坚持全额退款" in page and specialist.display_name in page
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.HOLD


def test_sweep_escalation_shows_level_2_in_the_timeline(client, store, specialist):
    manager = member(store, Role.SERVICE_MANAGER, username="mgr2")
    complaint = file_complaint(store, specialist)
    services.complaint_contact_record(complaint=complaint, actor=specialist, now=NOW + timedelta(hours=1))
    services.complaints_escalate_due(now=NOW + timedelta(hours=25))
    signed_in(client, manager)

    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()

    complaint.refresh_from_db()
    assert complaint.level == 2
    assert 'class="event event-escalate"' in page and "level 2" in page
    assert "Level 2 deadline" in page


def test_a_read_only_role_sees_no_action_forms_and_cannot_post(client, store, specialist):
    complaint = file_complaint(store, specialist, content="客户扬言要起诉")
    group_manager = UserFactory(username="gm")
    Membership.objects.create(user=group_manager, role=Role.GROUP_MANAGER, scope=Scope.GROUP, group=store.group)
    signed_in(client, group_manager)

    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    refused = client.post(reverse("complaints:action", args=[complaint.pk]), {"note": "看看"})

    assert complaint.number in page and 'id="actions"' not in page
    assert refused.status_code == 403


def test_manual_escalation_needs_why_and_goes_up_one_level(client, store, specialist, manager):
    complaint = file_complaint(store, specialist)
    signed_in(client, specialist)
    url = reverse("complaints:escalate", args=[complaint.pk])

    refused = client.post(url, {"why": ""})
    accepted = client.post(url, {"why": "客户要求经理出面"}, follow=True)

    assert refused.status_code == 422
    complaint.refresh_from_db()
    assert complaint.level == 2 and complaint.owner == manager
    page = accepted.content.decode()
    assert "客户要求经理出面" in page and "Level 2 deadline" in page


def test_media_complaint_shows_the_written_report_deadline_and_records_it(client, store, specialist):
    complaint = file_complaint(store, specialist, channel=ComplaintChannel.MEDIA, content="电视台记者来电询问")
    signed_in(client, specialist)

    before = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    client.post(reverse("complaints:media_report", args=[complaint.pk]), {"note": "已邮件报厂家区域经理"})
    after = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()

    assert 'id="media-report"' in before and "2026-11-25 14:00" in before  # within 4 hours
    complaint.refresh_from_db()
    assert complaint.media_reported_at == NOW
    assert 'id="media-report"' not in after and "已邮件报厂家区域经理" in after


def test_edit_form_saves_the_tracking_fields(client, store, specialist):
    complaint = file_complaint(store, specialist)
    signed_in(client, specialist)
    data = {
        "channel": complaint.channel,
        "category": complaint.category,
        "nature": complaint.nature,
        "customer_name": complaint.customer_name,
        "content": complaint.content,
        "responsible_department": "售后服务部",
        "repair_status": "等待配件到货",
    }

    response = client.post(reverse("complaints:edit", args=[complaint.pk]), data)

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.responsible_department == "售后服务部" and complaint.repair_status == "等待配件到货"


# --- print and PDF ---------------------------------------------------------------------------------


def test_print_page_is_the_seed_tracking_form(client, store, specialist):
    complaint = file_complaint(store, specialist, external_case_no="CAC-2026-001")
    signed_in(client, specialist)

    page = client.get(reverse("complaints:print", args=[complaint.pk])).content.decode()

    assert "客户投诉处理跟踪表" in page and complaint.number in page and "CAC-2026-001" in page
    assert "根本原因分析" in page and "纠正措施" in page


def test_pdf_is_a_pdf_and_audited(client, store, specialist):
    complaint = file_complaint(store, specialist)
    signed_in(client, specialist)

    response = client.get(reverse("complaints:pdf", args=[complaint.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert any(b"CJK-SC" in name for name in pdf_font_names(response.content))  # the Chinese is drawn
    assert AuditEntry.objects.filter(object_id=complaint.pk, action=AuditAction.EXPORT, actor=specialist).exists()


def pdf_font_names(pdf: bytes) -> set[bytes]:
    """The embedded fonts' names (WeasyPrint keeps them in compressed object streams)."""
    names = set(re.findall(rb"/FontName\s*/([^\s/]+)", pdf))
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            names |= set(re.findall(rb"/FontName\s*/([^\s/]+)", zlib.decompress(match.group(1))))
        except zlib.error:
            continue
    return names


# --- OEM regional view -----------------------------------------------------------------------------


def test_oem_sees_level_4_and_major_complaints_and_a_specialist_gets_403(client, store, specialist):
    # given
    oem = UserFactory(username="oem")
    Membership.objects.create(user=oem, role=Role.OEM_REGIONAL, scope=Scope.REGION, region=store.region)
    major = file_complaint(store, specialist, content="车辆自燃，客户要求赔偿")
    ordinary = file_complaint(store, specialist, content="洗车不干净")
    # when
    page = signed_in(client, oem).get(reverse("complaints:regional")).content.decode()
    # then
    assert major.number in page and ordinary.number not in page
    assert store.name in page
    client.logout()
    assert signed_in(client, specialist).get(reverse("complaints:regional")).status_code == 403


# --- settings --------------------------------------------------------------------------------------


def test_director_changes_the_policy_and_a_specialist_may_not(client, store, specialist, director):
    data = {
        "clock": "business",
        **{f"open_{n}": "on" for n in range(5)},
        **{f"opens_{n}": "08:30" for n in range(7)},
        **{f"closes_{n}": "17:30" for n in range(7)},
        "follow_official_holidays": "on",
        "apply_to_open": "keep",
        "hold_max_hours": 72,
        "first_contact_hours": 3,
        "level1_hours": 24,
        "level2_hours": 48,
        "level3_hours": 72,
        "media_report_hours": 4,
        "major_compensation_rmb": "20000",
        "major_repeat_repairs": 3,
        "follow_up_days": 3,
        "media_legal_words": "媒体，记者, 记者",
        "safety_words": "自燃",
    }
    url = reverse("complaints:policy", args=[store.pk])
    assert signed_in(client, specialist).post(url, data).status_code == 403
    client.logout()

    response = signed_in(client, director).post(url, data)

    assert response.status_code == 302
    store.complaint_policy.refresh_from_db()
    assert store.complaint_policy.first_contact_hours == 3
    assert store.complaint_policy.media_legal_words == "媒体,记者"


def test_policy_with_business_hours_ending_before_they_start_is_refused(client, store, director):
    url = reverse("complaints:policy", args=[store.pk])
    signed_in(client, director)
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: (v if v is not None else "") for k, v in data.items() if v is not False}
    data |= {"open_0": "on", "opens_0": "18:00", "closes_0": "09:00", "clock": "business", "apply_to_open": "keep"}

    response = client.post(url, data)

    assert response.status_code == 422
    assert "Opening hours must end after they start." in response.content.decode()


def test_director_adds_and_switches_off_a_sub_reason(client, store, director):
    url = reverse("complaints:reasons", args=[store.pk])
    signed_in(client, director)

    client.post(url, {"op": "add", "category": "SA", "name": "等待时间过长"})
    reason = ComplaintReason.objects.get(store=store, name="等待时间过长")
    client.post(url, {"op": "toggle", "reason_id": reason.pk})

    reason.refresh_from_db()
    assert reason.category == "SA" and reason.active is False


# --- customer 360 ----------------------------------------------------------------------------------


def test_customer_page_lists_the_customers_complaints(client, store, specialist):
    customer = CustomerFactory(store=store)
    complaint = file_complaint(store, specialist, customer=customer)
    signed_in(client, specialist)

    page = client.get(reverse("archive:customer_detail", args=[customer.pk])).content.decode()

    assert complaint.number in page
    assert reverse("complaints:detail", args=[complaint.pk]) in page


def test_showing_the_full_number_to_a_caller_is_logged_and_a_masked_view_is_not(client, store, specialist):
    # given a complaint with a phone, seen by its handler (calls) and by an OEM regional manager (masked)
    complaint = file_complaint(store, specialist, phone="13812345678")
    oem = UserFactory()
    Membership.objects.create(user=oem, role=Role.OEM_REGIONAL, scope=Scope.REGION, region=store.region)
    reveals = AuditEntry.objects.filter(action=AuditAction.REVEAL_PHONE)
    # when the handler opens the page
    page = signed_in(client, specialist).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    # then the number is in full and the reveal is in the access log
    assert "138 1234 5678" in page or "13812345678" in page
    assert list(reveals.values_list("actor", flat=True)) == [specialist.pk]
    # and the OEM's masked view adds nothing
    client.logout()
    page = signed_in(client, oem).get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "13812345678" not in page and reveals.count() == 1
