"""The store calendar and the complaint policy in the browser (Chinese UI): the care director opens the store on
Saturdays, switches to business hours and recomputes the open complaint; the saved page shows the hours, the
version, and the complaint page says which policy its deadline came from; a store day is set on the holidays
screen."""

from datetime import time

import pytest
from playwright.sync_api import expect

from huifang.audit.models import AuditEntry
from huifang.calendars.models import StoreCalendar, StoreDay
from huifang.complaints.models import Complaint, ComplaintPolicy
from huifang.complaints.services import complaint_intake
from huifang.core import clock

from ..factories import PASSWORD
from .conftest import login

pytestmark = pytest.mark.browser


def test_director_saves_opening_hours_and_the_policy(page, store, director, specialist, shot):
    # given an open complaint on calendar hours
    complaint, _ = complaint_intake(
        store=store,
        actor=specialist,
        now=clock.now(),
        channel="phone",
        category="SA",
        content="保养后车辆有异响",
        customer_name="王五",
    )
    login(page, "director", PASSWORD)
    page.goto(page.base_url + f"/complaints/settings/{store.pk}/policy/")
    # when the director opens Saturdays 09:00–18:00, counts business hours, lets Hold pause, and recomputes
    page.check("#id_open_5")
    page.fill("#id_opens_5", "09:00")
    page.fill("#id_closes_5", "18:00")
    page.check("input[name=clock][value=business]")
    page.check("#id_hold_pauses_clock")
    page.fill("#id_hold_max_hours", "48")
    page.check("input[name=apply_to_open][value=recompute]")
    shot(page, "policy_opening_hours")
    page.click("#policy-form button.primary")
    # then the screen reloads with the message, the hours kept and version 2 listed
    expect(page.locator(".messages")).to_contain_text("已为 1 条未结投诉重新计算时限")
    expect(page.locator("#id_open_5")).to_be_checked()
    expect(page.locator("#id_opens_5")).to_have_value("09:00")
    expect(page.locator("#policy-versions")).to_contain_text("v2")
    shot(page, "policy_saved")
    calendar = StoreCalendar.objects.get(store=store)
    assert calendar.weekly_hours[5] == ["09:00", "18:00"]
    policy = ComplaintPolicy.objects.get(store=store)
    assert (policy.clock, policy.hold_pauses_clock, policy.hold_max_hours, policy.version) == ("business", True, 48, 2)
    assert AuditEntry.objects.filter(changes__has_key="weekly_hours").exists()
    assert Complaint.objects.get(pk=complaint.pk).policy_version == 2
    # and the complaint page says where its deadline came from
    page.goto(page.base_url + f"/complaints/{complaint.pk}/")
    expect(page.locator("#deadline-policy")).to_contain_text("时限依据第 2 版政策")
    # when a bad weekday is saved, the screen says so and nothing changes
    page.goto(page.base_url + f"/complaints/settings/{store.pk}/policy/")
    page.fill("#id_opens_0", "18:00")
    page.fill("#id_closes_0", "09:00")
    page.click("#policy-form button.primary")
    expect(page.locator("#weekday-0 .field-error")).to_contain_text("营业结束时间必须晚于开始时间")
    assert StoreCalendar.objects.get(store=store).weekly_hours[0] == ["08:30", "17:30"]


def test_director_sets_a_store_day(page, store, director, shot):
    login(page, "director", PASSWORD)
    page.goto(page.base_url + f"/calendars/{store.pk}/days/?year=2026")
    expect(page.locator("#day-2026-10-10")).to_contain_text("法定调休上班日")
    # when the store opens on 3 October 10:00–16:00
    page.fill("#id_day", "2026-10-03")
    page.check("input[name=is_open][value='1']")
    page.fill("#id_opens", "10:00")
    page.fill("#id_closes", "16:00")
    page.click("#day-form button.primary")
    # then the year's list shows it as the store's entry
    expect(page.locator("#day-2026-10-03")).to_contain_text("营业 10:00–16:00")
    expect(page.locator("#day-2026-10-03")).to_contain_text("门店设置")
    shot(page, "store_days")
    day = StoreDay.objects.get(store=store)
    assert (day.is_open, day.opens, day.closes) == (True, time(10), time(16))
    # and 2027 shows the warning that the official schedule is not known yet
    page.goto(page.base_url + f"/calendars/{store.pk}/days/?year=2027")
    expect(page.locator("#calendar-warning")).to_be_visible()
