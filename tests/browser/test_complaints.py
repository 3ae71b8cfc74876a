"""Complaints in the browser: file one through the form, see its deadlines, replay the clock past the level-1
deadline and see level 2, the escalation and the manager's notification; close with the required fields
(the follow-up call is planned) and reopen."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from huifang.accounts.choices import Role
from huifang.complaints.models import Complaint, ComplaintFollowUp
from huifang.complaints.services import complaints_escalate_due
from huifang.notifications.models import Notification

from ..factories import PASSWORD, CustomerFactory, VehicleFactory, member
from .conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def customer(store):
    zhang = CustomerFactory(store=store, name="张三", mobile="+8613812345678")
    VehicleFactory(customer=zhang, plate="粤B12345", model="明锐", current_km=23456)
    return zhang


def test_file_escalate_close_and_reopen_a_complaint(page, store, specialist, customer, shot):
    manager = member(store, Role.SERVICE_MANAGER, username="manager", display_name="王经理")
    # given: the specialist opens the intake form from the customer's record
    login(page, "specialist", PASSWORD)
    page.goto(page.base_url + f"/complaints/new/?customer={customer.pk}")
    expect(page.locator("#id_customer_name")).to_have_value("张三")
    expect(page.locator("#id_plate")).to_have_value("粤B12345")
    # when: submitted without content, the field says so
    page.select_option("#id_channel", "in_store")
    page.select_option("#id_category", "SA")
    page.click("#complaint-form button[type=submit]")
    expect(page.locator("#field-content .field-error")).to_be_visible()
    shot(page, "complaint_intake_error")
    # when: filled in and filed
    page.fill("#id_content", "保养后发动机异响，第三次来店仍未修好，客户要求更换发动机")
    page.fill("#id_demand", "更换发动机或退车")
    page.fill("#id_compensation_demand", "20000")
    page.click("#complaint-form button[type=submit]")
    # then: the complaint page with its deadlines (2 h first contact, 24 h level 1)
    expect(page.locator("#deadline-contact time.countdown")).to_be_visible()
    complaint = Complaint.objects.get(store=store)
    expect(page.locator("h1")).to_contain_text(complaint.number)
    local = timezone.localtime(complaint.received_at)
    expect(page.locator("#deadline-contact")).to_contain_text(
        timezone.localtime(complaint.first_contact_due).strftime("%Y-%m-%d %H:%M")
    )
    assert complaint.first_contact_due - complaint.received_at == timedelta(hours=2)
    assert complaint.level_due_at - complaint.received_at == timedelta(hours=24)
    expect(page.locator("#deadline-level")).to_contain_text((local + timedelta(hours=24)).strftime("%Y-%m-%d %H:%M"))
    expect(page.locator("#major-reasons")).to_be_visible()  # compensation above 10,000 RMB
    shot(page, "complaint_detail_new")
    # the list shows it with its countdown
    page.goto(page.base_url + "/complaints/")
    expect(page.locator("#complaints tbody tr.complaint-row")).to_have_count(1)
    expect(page.locator("#complaints time.countdown")).to_be_visible()
    shot(page, "complaint_list")

    # when: the first contact is recorded through htmx, then the clock passes the level-1 deadline
    page.goto(page.base_url + f"/complaints/{complaint.pk}/")
    page.locator("#act-contact_form summary").click()
    page.fill("#act-contact_form textarea", "已致电客户，约定明天到店检查")
    page.locator("#act-contact_form button[type=submit]").click()
    expect(page.locator("#deadline-contact")).to_contain_text("✓")
    complaints_escalate_due(now=complaint.received_at + timedelta(hours=25))

    # then: the manager sees the notification and the complaint at level 2 with the escalation in the timeline
    page.context.clear_cookies()
    login(page, "manager", PASSWORD)
    unread = Notification.objects.filter(user=manager, read_at=None)
    escalation = unread.get(key__contains="escalat")
    page.goto(page.base_url + "/notifications/bell/")
    expect(page.locator("#notification-bell .bell-count")).to_have_text(str(unread.count()))
    page.goto(page.base_url + "/notifications/")
    expect(page.locator("#notifications tr.notification-row.unread")).to_have_count(unread.count())
    row = page.locator(f"#notification-{escalation.pk}")
    expect(row).to_contain_text(complaint.number)
    shot(page, "notifications")
    row.locator("button.link").first.click()
    expect(page.locator("#complaint-level")).to_contain_text("2")
    expect(page.locator("#timeline li.event-escalate")).to_have_count(1)
    shot(page, "complaint_detail_level2")

    # when: closing without the required fields, each one is named
    page.locator("#act-close_form summary").click()
    page.locator("#act-close_form button[type=submit]").click()
    for field in ("result", "root_cause", "corrective_action", "is_valid"):
        expect(page.locator(f"#act-close_form #field-{field} .field-error")).to_be_visible()
    shot(page, "complaint_close_errors")
    # when: closed properly
    page.fill("#act-close_form textarea[name=result]", "免费更换液压挺柱，客户接受")
    page.fill("#act-close_form textarea[name=root_cause]", "液压挺柱磨损，前两次维修未找到根因")
    page.fill("#act-close_form textarea[name=corrective_action]", "异响类故障须由技术经理复检后交车")
    page.locator("#act-close_form input[name=is_valid][value='1']").check()
    page.locator("#act-close_form button[type=submit]").click()
    # then: closed, and the follow-up call is planned
    expect(page.locator("#complaint-status")).to_contain_text("结案")
    expect(page.locator("#follow-ups tr.follow-up-row")).to_have_count(1)
    assert ComplaintFollowUp.objects.filter(complaint=complaint, satisfied=None).count() == 1
    shot(page, "complaint_closed")

    # when: reopened with a reason
    page.locator("#act-reopen_form summary").click()
    page.fill("#act-reopen_form textarea", "客户来电表示异响再次出现")
    page.locator("#act-reopen_form button[type=submit]").click()
    # then
    expect(page.locator("#complaint-status")).to_contain_text("未有结论")
    expect(page.locator("#timeline li.event-reopen")).to_contain_text("客户来电表示异响再次出现")
    # the planned call of the undone closing is no longer offered
    expect(page.locator("#follow-ups tr.follow-up-row .badge.warn")).to_have_count(0)
    assert not Complaint.objects.get(pk=complaint.pk).closed_at
    shot(page, "complaint_reopened")
