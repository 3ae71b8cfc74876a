from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huifang.messaging import defaults
from huifang.messaging.rules import (
    QuietHoursError,
    cap_reached,
    in_quiet_hours,
    next_allowed_time,
    retry_delay,
    validate_windows,
)

SH = ZoneInfo("Asia/Shanghai")
DEFAULT = defaults.QUIET_HOURS


@pytest.mark.parametrize(
    ("clock", "quiet"),
    [
        ("08:59", True),
        ("09:00", False),
        ("11:59", False),
        ("12:00", True),
        ("13:59", True),
        ("14:00", False),
        ("20:59", False),
        ("21:00", True),
        ("23:59", True),
        ("00:00", True),
        ("03:30", True),
    ],
)
def test_default_quiet_hours_cross_midnight_and_cover_lunch(clock, quiet):
    hours, minutes = map(int, clock.split(":"))
    assert in_quiet_hours(time(hours, minutes), DEFAULT) is quiet


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        # 22:15 on 2 June → 09:00 on 3 June (the window crosses midnight).
        (datetime(2026, 6, 2, 22, 15, tzinfo=SH), datetime(2026, 6, 3, 9, 0, tzinfo=SH)),
        # 02:00 after midnight → 09:00 the same day.
        (datetime(2026, 6, 3, 2, 0, tzinfo=SH), datetime(2026, 6, 3, 9, 0, tzinfo=SH)),
        # Lunch rest → 14:00.
        (datetime(2026, 6, 2, 12, 30, tzinfo=SH), datetime(2026, 6, 2, 14, 0, tzinfo=SH)),
        # Outside quiet hours → unchanged.
        (datetime(2026, 6, 2, 10, 30, tzinfo=SH), datetime(2026, 6, 2, 10, 30, tzinfo=SH)),
        # New Year's Eve across the year boundary.
        (datetime(2026, 12, 31, 23, 0, tzinfo=SH), datetime(2027, 1, 1, 9, 0, tzinfo=SH)),
    ],
)
def test_next_allowed_time_by_hand(local, expected):
    assert next_allowed_time(local, DEFAULT, SH) == expected


def test_next_allowed_time_accepts_utc_and_answers_in_store_time():
    # 14:15 UTC is 22:15 in Shanghai.
    allowed = next_allowed_time(datetime(2026, 6, 2, 14, 15, tzinfo=UTC), DEFAULT, SH)
    assert allowed == datetime(2026, 6, 3, 9, 0, tzinfo=SH)


def test_touching_windows_are_stepped_over():
    windows = [["20:30", "22:00"], ["21:30", "08:00"], ["08:00", "09:30"]]
    assert next_allowed_time(datetime(2026, 6, 2, 20, 45, tzinfo=SH), windows, SH) == datetime(
        2026, 6, 3, 9, 30, tzinfo=SH
    )


def test_windows_covering_the_whole_day_are_refused():
    with pytest.raises(QuietHoursError):
        validate_windows([["21:00", "09:00"], ["09:00", "21:00"]])
    with pytest.raises(QuietHoursError):
        validate_windows([["25:00", "09:00"]])
    validate_windows(DEFAULT)


def test_cap_and_backoff():
    assert cap_reached(2, 2) and not cap_reached(1, 2)
    assert [retry_delay(n, 5) for n in (1, 2, 3)] == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=20),
    ]


_hhmm = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
_windows = st.lists(st.lists(_hhmm, min_size=2, max_size=2), min_size=0, max_size=3)
_instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)
_zones = st.sampled_from([SH, ZoneInfo("Asia/Urumqi"), ZoneInfo("Europe/Berlin"), UTC])


@given(now=_instants, windows=_windows, tz=_zones)
def test_no_message_is_ever_released_inside_quiet_hours(now, windows, tz):
    try:
        allowed = next_allowed_time(now, windows, tz)
    except QuietHoursError:
        return  # windows that fill the day are refused when the policy is saved
    assert allowed >= now
    assert not in_quiet_hours(allowed.astimezone(tz).time(), windows)
    # Nothing earlier would have done: the minute before the answer is quiet (unless the answer is `now`).
    if allowed > now:
        assert in_quiet_hours((allowed - timedelta(minutes=1)).astimezone(tz).time(), windows)
