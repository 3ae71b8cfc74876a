"""Hand-computed: complaint deadlines through the API with the store's *default* calendar.

Hand-computed (the arithmetic is in the comments, not taken from the product): a store with the defaults of
docs/complaint-clock.md — Monday–Friday 08:30–17:30 (9 h a day), weekends closed, official holidays applied —
whose care director switched the clock to business hours (营业时间小时). Seeds 001/004: first contact 2 h,
level 1 24 h, level 2 48 h. Times are Shanghai (UTC+8); the API answers in UTC.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from huifang.complaints import services
from huifang.complaints.choices import ClockKind
from huifang.complaints.models import ComplaintPolicy
from huifang.complaints.selectors import policy_for

from ..factories import PASSWORD

SH = ZoneInfo("Asia/Shanghai")
URL = "/api/complaints/"


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def utc(*args) -> str:
    """The API's text for a Shanghai wall-clock time."""
    return sh(*args).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def now():
    return sh(2026, 11, 21, 23, 40)


@pytest.fixture
def business_hours(store):
    ComplaintPolicy.objects.filter(pk=policy_for(store=store).pk).update(clock=ClockKind.BUSINESS)
    return store


def file(client, user, case_no: str):
    assert client.login(username=user.username, password=PASSWORD)
    body = {
        "store": "SZ01",
        "external_case_no": case_no,
        "channel": "phone",
        "category": "SA",
        "content": "保养后车辆有异响，服务顾问态度差。",
        "customer_name": "王五",
        "phone": "13812345678",
    }
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_hand_computed_saturday_night_complaint_waits_for_monday(client, business_hours, specialist, frozen_clock):
    # given a complaint telephoned on Saturday 21 November 2026 at 23:40 (the store is closed all weekend)
    data = file(client, specialist, "HC-NIGHT-1")
    # then first contact 2 h: Monday 23 Nov opens 08:30, + 2 h = 10:30
    assert data["first_contact_due"] == utc(2026, 11, 23, 10, 30)
    # level 1, 24 business hours: Mon 08:30–17:30 = 9 h, Tue 9 h (18 h), Wed 08:30 + 6 h = 14:30 on 25 Nov
    assert data["level_due_at"] == utc(2026, 11, 25, 14, 30)
    assert data["level"] == 1
    # when the sweep runs one minute before the level-1 deadline, nothing happens
    assert services.complaints_escalate_due(now=sh(2026, 11, 25, 14, 29))["escalated"] == 0
    # and at the deadline the complaint goes to level 2, once
    assert services.complaints_escalate_due(now=sh(2026, 11, 25, 14, 30))["escalated"] == 1
    assert services.complaints_escalate_due(now=sh(2026, 11, 25, 14, 31))["escalated"] == 0
    frozen_clock.set(sh(2026, 11, 25, 14, 31))
    detail = client.get(f"{URL}{data['id']}").json()
    # level 2, 48 business hours from Wed 14:30: Wed 3 h (to 17:30), Thu 26 9 h (12), Fri 27 9 h (21),
    # [Sat, Sun closed], Mon 30 9 h (30), Tue 1 Dec 9 h (39), Wed 2 Dec 9 h (48): the day's hours are used up,
    # so the deadline is Wednesday 2 December at closing time, 17:30.
    assert (detail["level"], detail["level_due_at"]) == (2, utc(2026, 12, 2, 17, 30))


@pytest.fixture
def national_day(frozen_clock):
    frozen_clock.set(sh(2026, 9, 30, 17, 0))
    return frozen_clock


def test_hand_computed_complaint_before_national_day(client, business_hours, specialist, national_day):
    # given a complaint on Wednesday 30 September 2026 at 17:00, half an hour before closing; 1–7 October are
    # the National Day holiday (closed), Saturday 10 October is an official make-up workday (调休上班)
    data = file(client, specialist, "HC-OCT-1")
    # first contact 2 h: 0.5 h on 30 Sep, then Thursday 8 Oct 08:30 + 1.5 h = 10:00
    assert data["first_contact_due"] == utc(2026, 10, 8, 10, 0)
    # level 1, 24 h: 0.5 (30 Sep) + 9 (Thu 8 Oct) + 9 (Fri 9 Oct) = 18.5; the make-up Saturday 10 Oct opens
    # with the Monday–Friday hours, 08:30 + 5.5 h = 14:00
    assert data["level_due_at"] == utc(2026, 10, 10, 14, 0)


def test_hand_computed_calendar_clock_ignores_the_night(client, store, specialist, frozen_clock):
    # given the default clock (calendar hours, 自然小时) and the same Saturday 23:40 complaint
    data = file(client, specialist, "HC-NIGHT-2")
    # then first contact 23:40 + 2 h = Sunday 01:40, level 1 = Sunday 23:40
    assert data["first_contact_due"] == utc(2026, 11, 22, 1, 40)
    assert data["level_due_at"] == utc(2026, 11, 22, 23, 40)
    assert data["received_at"] == utc(2026, 11, 21, 23, 40)
