"""The store calendar (core.calendar.StoreCalendar): weekly hours, official holidays and make-up days on top,
the store's own dates over everything, the rule-based fallback for a year chinese-calendar does not know."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang.complaints import rules
from huifang.core.calendar import (
    FROM_HOLIDAY,
    FROM_MAKEUP,
    FROM_STORE_DAY,
    FROM_WEEK,
    StoreCalendar,
    official_schedule_known,
)

SH = ZoneInfo("Asia/Shanghai")
NINE_TO_SIX = (time(9), time(18))
MON_FRI = (NINE_TO_SIX,) * 5 + (None, None)
MON_SAT = (NINE_TO_SIX,) * 6 + (None,)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def business(cal: StoreCalendar, start: datetime, hours: float) -> datetime:
    return rules.deadline_after(start, hours, clock="business", hours_on=cal.hours_on, tz=SH)


@pytest.mark.parametrize(
    ("day", "weekly", "hours", "source"),
    [
        # an ordinary Saturday: closed Monday–Friday stores, open Monday–Saturday ones
        (date(2026, 11, 28), MON_FRI, None, FROM_WEEK),
        (date(2026, 11, 28), MON_SAT, NINE_TO_SIX, FROM_WEEK),
        # National Day (Thursday 1 October 2026) is a holiday whatever the weekday says
        (date(2026, 10, 1), MON_SAT, None, FROM_HOLIDAY),
        # Saturday 10 October 2026 is an official make-up workday: a Monday–Friday store opens with Friday's hours
        (date(2026, 10, 10), MON_FRI, NINE_TO_SIX, FROM_MAKEUP),
        # 2027 is beyond chinese-calendar: holidays.China gives National Day, Friday 1 October
        (date(2027, 10, 1), MON_FRI, None, FROM_HOLIDAY),
        (date(2027, 10, 6), MON_FRI, NINE_TO_SIX, FROM_WEEK),
    ],
)
def test_a_day_of_the_store(day, weekly, hours, source):
    # given a store calendar
    cal = StoreCalendar(weekly=weekly)
    # when / then
    assert (cal.hours_on(day), cal.day(day).source) == (hours, source)


def test_the_store_own_dates_win_over_holidays_and_weekly_hours():
    # given a store open on National Day 10:00–16:00 and closed on an ordinary Tuesday
    cal = StoreCalendar(weekly=MON_FRI, days={date(2026, 10, 3): (time(10), time(16)), date(2026, 11, 24): None})
    # then
    assert cal.day(date(2026, 10, 3)).source == FROM_STORE_DAY
    assert cal.day(date(2026, 10, 3)).name == "国庆节"
    assert cal.hours_on(date(2026, 10, 3)) == (time(10), time(16))
    assert not cal.is_open(date(2026, 11, 24))


def test_a_store_that_ignores_official_holidays_keeps_its_weekly_hours():
    cal = StoreCalendar(weekly=MON_SAT, follow_official=False)
    assert cal.hours_on(date(2026, 10, 1)) == NINE_TO_SIX
    assert cal.hours_on(date(2026, 10, 4)) is None  # a Sunday stays closed


def test_next_working_day_skips_weekends_and_holidays():
    cal = StoreCalendar(weekly=MON_FRI)
    # the day after Wednesday 30 September 2026 is Thursday 8 October (1–7 October: National Day)
    assert cal.next_open_day(date(2026, 9, 30)) == date(2026, 10, 8)
    # Friday 9 October → Saturday 10 October, the make-up workday
    assert cal.next_open_day(date(2026, 10, 9)) == date(2026, 10, 10)
    # include=True keeps an open day itself
    assert cal.next_open_day(date(2026, 10, 8), include=True) == date(2026, 10, 8)
    # a Monday–Saturday store: Friday 27 November → Saturday 28 November
    assert StoreCalendar(weekly=MON_SAT).next_open_day(date(2026, 11, 27)) == date(2026, 11, 28)


def test_2027_is_rule_based_and_flagged():
    assert official_schedule_known(2026)
    assert not official_schedule_known(2027)
    day = StoreCalendar(weekly=MON_FRI).day(date(2027, 10, 1))
    assert (day.official, day.source) == (False, FROM_HOLIDAY)


# --- business-hour deadlines, computed by hand ------------------------------------------------------


@pytest.mark.parametrize(
    ("weekly", "days", "start", "hours", "expected"),
    [
        # Friday 16:30 in a store open Saturdays 09:00–18:00, 2 business hours: 1.5 h on Friday, 0.5 h Saturday
        (MON_SAT, {}, at(2026, 11, 27, 16, 30), 2, at(2026, 11, 28, 9, 30)),
        # the same in a store closed on Saturdays: Monday 09:30
        (MON_FRI, {}, at(2026, 11, 27, 16, 30), 2, at(2026, 11, 30, 9, 30)),
        # over National Day: Wed 30 Sep 17:00 + 24 h = 1 (30 Sep) + 9 (8 Oct) + 9 (9 Oct) + 5 → Sat 10 Oct 14:00
        (MON_SAT, {}, at(2026, 9, 30, 17), 24, at(2026, 10, 10, 14)),
        # a Monday–Friday store gets there too: 10 October is a make-up workday
        (MON_FRI, {}, at(2026, 9, 30, 17), 24, at(2026, 10, 10, 14)),
        # the store opens 10:00–16:00 on 3 October: 1 + 6 + 9 (8 Oct) + 8 → Fri 9 Oct 17:00
        (MON_FRI, {date(2026, 10, 3): (time(10), time(16))}, at(2026, 9, 30, 17), 24, at(2026, 10, 9, 17)),
        # 2027 (rule-based): Thu 30 Sep 16:00 + 24 h = 2 + 9 (6 Oct) + 9 (7 Oct) + 4 → Fri 8 Oct 13:00;
        # 1–5 October are holidays.China's National Day (4 and 5 observed), 2–3 the weekend
        (MON_FRI, {}, at(2027, 9, 30, 16), 24, at(2027, 10, 8, 13)),
        # before opening counts from opening; a whole day's hours end at closing time
        (MON_FRI, {}, at(2026, 11, 24, 7), 9, at(2026, 11, 24, 18)),
    ],
)
def test_business_hour_deadlines(weekly, days, start, hours, expected):
    # given the store's calendar
    cal = StoreCalendar(weekly=weekly, days=days)
    # when / then
    assert business(cal, start, hours) == expected


def test_clock_between_counts_only_open_hours():
    cal = StoreCalendar(weekly=MON_SAT)
    # Friday 16:30 → Saturday 09:30: 1.5 h + 0.5 h
    got = rules.clock_between(
        at(2026, 11, 27, 16, 30), at(2026, 11, 28, 9, 30), clock="business", hours_on=cal.hours_on, tz=SH
    )
    assert got == timedelta(hours=2)


@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 20)),
    minutes=st.integers(min_value=1, max_value=60 * 100),
    saturday=st.booleans(),
)
def test_clock_between_undoes_clock_add(start, minutes, saturday):
    # whatever the start and length, the open time between start and its deadline is the length asked for
    cal = StoreCalendar(weekly=MON_SAT if saturday else MON_FRI)
    begin = start.replace(tzinfo=SH)
    amount = timedelta(minutes=minutes)
    end = rules.clock_add(begin, amount, clock="business", hours_on=cal.hours_on, tz=SH)
    assert rules.clock_between(begin, end, clock="business", hours_on=cal.hours_on, tz=SH) == amount
    # and a deadline always falls inside the store's opening hours of an open day
    local = end.astimezone(SH)
    hours = cal.hours_on(local.date())
    assert hours is not None and hours[0] < local.time() <= hours[1]
