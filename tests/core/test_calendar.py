from datetime import date

import pytest

from huifang.core.calendar import (
    OFFICIAL,
    OVERRIDE,
    RULE_BASED,
    birthday_in_year,
    calendar_day,
    festivals_in_year,
    lunar_to_solar,
    official_schedule_known,
    solar_to_lunar,
)


@pytest.mark.parametrize(
    "day, workday",
    [
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 2, 17), False),  # Spring Festival 2026
        (date(2026, 11, 25), True),  # an ordinary Wednesday
        (date(2026, 11, 28), False),  # an ordinary Saturday
    ],
)
def test_official_schedule_for_a_known_year(day, workday):
    result = calendar_day(day)
    assert (result.is_workday, result.source) == (workday, OFFICIAL)


def test_a_year_beyond_the_library_falls_back_to_rules_without_crashing():
    # given 2027, which chinese-calendar 1.11 does not know
    assert not official_schedule_known(2027)
    # then Spring Festival 2027 (6 Feb) is off, an ordinary Tuesday is on, and the source says "rule based"
    assert calendar_day(date(2027, 2, 8)).is_workday is False
    tuesday = calendar_day(date(2027, 3, 9))
    assert (tuesday.is_workday, tuesday.source) == (True, RULE_BASED)


def test_store_overrides_win():
    make_up_workday = date(2027, 2, 13)  # a Saturday a store marks as a make-up workday
    result = calendar_day(make_up_workday, overrides={make_up_workday: True})
    assert (result.is_workday, result.source) == (True, OVERRIDE)


def test_lunar_festivals_across_years():
    assert festivals_in_year(2026)["spring_festival"] == date(2026, 2, 17)
    assert festivals_in_year(2026)["mid_autumn"] == date(2026, 9, 25)
    assert festivals_in_year(2027)["spring_festival"] == date(2027, 2, 6)
    assert festivals_in_year(2027)["lantern"] == date(2027, 2, 20)
    assert festivals_in_year(2027)["may_day"] == date(2027, 5, 1)


def test_festival_days_are_cached_but_each_caller_gets_its_own_dict():
    # given a caller that changes the dict it was given
    first = festivals_in_year(2028)
    first["spring_festival"] = date(2028, 1, 1)
    # when the year is asked for again (served from the cache)
    again = festivals_in_year(2028)
    # then the festival days are unchanged
    assert again["spring_festival"] == date(2028, 1, 26)
    assert again is not first


def test_lunar_birthday_moves_each_year_and_day_30_is_clamped():
    # lunar 8/15 birthday is Mid-Autumn day
    assert birthday_in_year(date(1980, 8, 15), is_lunar=True, year=2026) == date(2026, 9, 25)
    # lunar 12/30 in 2026's lunar year (12th month has 29 days) is its last day, in February 2027
    assert lunar_to_solar(2026, 12, 30) == lunar_to_solar(2026, 12, 29)
    assert birthday_in_year(date(1975, 12, 30), is_lunar=True, year=2027) == date(2027, 2, 5)
    assert solar_to_lunar(date(2026, 2, 17)) == (2026, 1, 1)


def test_solar_birthday_on_29_february():
    assert birthday_in_year(date(2000, 2, 29), is_lunar=False, year=2027) == date(2027, 2, 28)
    assert birthday_in_year(date(2000, 2, 29), is_lunar=False, year=2028) == date(2028, 2, 29)
