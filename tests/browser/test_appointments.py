"""Appointments in a real browser, keyboard only: a maintenance reminder call books a slot (`b`, arrows,
Ctrl+Enter), a full slot cannot be chosen, the customer moves the booking on a 360 px page, the next day's
repair order keeps it, and the calendar shows it."""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from huifang.accounts.choices import Role
from huifang.appointments import services
from huifang.appointments.choices import AppointmentSource, AppointmentStatus, ServiceKind
from huifang.appointments.models import Appointment
from huifang.core import clock
from huifang.followups.choices import TaskStatus
from huifang.messaging.models import OutboxMessage

from ..factories import PASSWORD, CustomerFactory, RepairOrderFactory, VehicleFactory, member
from ..workbench.factories import NOW, SH, call_task
from .conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    # Wednesday 25 November 2026, 10:00 in Shanghai.
    monkeypatch.setattr(clock, "now", lambda: NOW)


def test_a_reminder_call_books_a_slot_and_the_customer_moves_it(page, shot, store, specialist):
    # given: a maintenance reminder for 李雷's car; the store takes one car per slot and 08:30 is taken
    policy = services.policy_for(store=store)
    policy.slot_capacity = 1
    policy.save()
    customer = CustomerFactory(store=store, name="李雷", mobile="+8613912340000")
    car = VehicleFactory(customer=customer, plate="粤B54321")
    task = call_task(store, assigned_to=specialist, kind="maintenance_reminder", customer=customer, due_at=NOW)
    task.vehicle = car
    task.save()
    other = VehicleFactory(customer=CustomerFactory(store=store))
    thursday = datetime(2026, 11, 26, 8, 30, tzinfo=SH)
    services.appointment_book(
        store=store,
        customer=other.customer,
        vehicle=other,
        service=ServiceKind.REPAIR,
        starts_at=thursday,
        actor=specialist,
        now=NOW,
        source=AppointmentSource.CUSTOMER_PAGE,
    )
    member(store, Role.SERVICE_ADVISOR, username="advisor", display_name="王顾问")
    login(page, specialist.username, PASSWORD)
    # when: on the call screen, b opens the booking for tomorrow with the first free slot focused
    page.goto(page.base_url + f"/workbench/tasks/{task.pk}/")
    page.keyboard.press("b")
    page.wait_for_url(re.compile(r"/appointments/book/\?"))
    expect(page.locator("input[name=slot][value='08:30']")).to_be_disabled()
    expect(page.locator("input[name=slot][value='09:00']")).to_be_focused()
    page.keyboard.press("ArrowRight")  # 09:30
    expect(page.locator("input[name=slot][value='09:30']")).to_be_checked()
    shot(page, "appointment_book")
    page.keyboard.press("Control+Enter")
    # then: the task ends as reached and the workbench moves on
    page.wait_for_url(lambda url: "/appointments/" not in url and "/workbench/" in url)
    appointment = Appointment.objects.get(customer=customer)
    assert appointment.starts_at == datetime(2026, 11, 26, 9, 30, tzinfo=SH)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    sms = OutboxMessage.objects.get(customer=customer)
    link = re.search(r"http\S+/a/\S+/", sms.body).group(0)

    # when: the customer opens the link on a phone and moves the visit to 14:00
    phone = page.context.browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    mobile = phone.new_page()
    mobile.goto(page.base_url + link[link.index("/a/") :])
    expect(mobile.locator(".appt-when")).to_contain_text("09:30")
    mobile.locator("#reschedule input[name=slot][value='14:00']").check()
    mobile.locator("#reschedule button[type=submit]").click()
    expect(mobile.locator(".appt-when")).to_contain_text("14:00")
    shot(mobile, "appointment_customer_page_360")
    phone.close()
    appointment.refresh_from_db()
    assert appointment.starts_at == datetime(2026, 11, 26, 14, 0, tzinfo=SH)

    # when: Thursday's DMS import brings the car's repair order, and the sweep runs
    RepairOrderFactory(vehicle=car, opened_at=datetime(2026, 11, 26, 13, 50, tzinfo=SH))
    services.appointments_sweep(store=store, now=datetime(2026, 11, 26, 20, 0, tzinfo=SH))
    # then: the calendar shows the visit as arrived, and the full 08:30 slot as 1/1
    page.goto(page.base_url + "/appointments/?day=2026-11-26&advisor=")
    expect(page.locator("#day")).to_contain_text("李雷")
    expect(page.locator("#day")).to_contain_text("已到店")
    expect(page.locator("#day")).to_contain_text("1/1")
    shot(page, "appointment_calendar")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.ARRIVED
    assert appointment.starts_at - NOW < timedelta(days=2)


def test_a_dms_appointment_export_is_previewed_then_imported_from_the_keyboard(page, shot, store, specialist, tmp_path):
    # given: 韩梅梅's car in the archive; the export also names a car the archive does not have
    car = VehicleFactory(customer=CustomerFactory(store=store, name="韩梅梅"), plate="粤B24680")
    export = tmp_path / "预约单.csv"
    export.write_text(
        "预约单号,预约日期,时段,车牌号,客户姓名,服务类型,状态\r\n"
        "YY100,2026-11-26,09:00-09:30,粤B24680,韩梅梅,定期保养,已预约\r\n"
        "YY101,2026-11-26,10:00-10:30,粤B99999,无名,保养,已预约\r\n",
        encoding="utf-8-sig",
    )
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + "/appointments/import/")
    # when: the file is chosen (the field has the focus) and the dry run is sent with Enter
    expect(page.locator("input[type=file]")).to_be_focused()
    page.locator("input[type=file]").set_input_files(str(export))
    expect(page.locator("input[name=mode][value=dry_run]")).to_be_checked()
    page.locator("input[name=mode][value=dry_run]").focus()
    page.keyboard.press("Enter")
    # then: the preview names the rejected row, field and value, and nothing is written
    report = page.locator("#import-report")
    expect(report).to_contain_text("试运行")
    expect(page.locator("#created")).to_have_text("1")
    expect(page.locator("#import-issues")).to_contain_text("粤B99999")
    expect(page.locator("#import-issues")).to_contain_text("档案中没有这辆车")
    assert not Appointment.objects.exists()
    shot(page, "appointment_import_preview")
    # when: the same file is imported (arrow keys move the mode to 导入)
    page.locator("input[type=file]").set_input_files(str(export))
    page.locator("input[name=mode][value=dry_run]").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("input[name=mode][value=import]")).to_be_checked()
    page.keyboard.press("Enter")
    expect(page.locator("#created")).to_have_text("1")
    # then: the booking holds its slot in the calendar
    appointment = Appointment.objects.get()
    assert (appointment.vehicle, appointment.source) == (car, AppointmentSource.DMS)
    page.goto(page.base_url + "/appointments/?day=2026-11-26")
    expect(page.locator("#day")).to_contain_text("韩梅梅")
