"""Chinese calendar facts: official holidays and make-up workdays, lunar dates, festivals.

`chinese-calendar` knows the State Council's schedule (holidays and 调休 make-up workdays) up to the
last year it was released for; for a later year we fall back to the rule-based `holidays.China`
(festivals, no make-up workdays) plus weekends, and say so (`CalendarDay.source`), never crash.
Per-store corrections (a newly published schedule) are passed in as `overrides`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache

import chinese_calendar
from lunar_python import Lunar, LunarYear, Solar

OFFICIAL = "official"  # chinese-calendar's published schedule
RULE_BASED = "rule_based"  # holidays.China + weekends: make-up workdays unknown
OVERRIDE = "override"  # the store's own data


@dataclass(frozen=True)
class CalendarDay:
    day: date
    is_workday: bool
    source: str


@cache
def _rule_based_holidays(year: int) -> frozenset[date]:
    import holidays as holidays_lib  # only for years past the official schedule; its import costs ~0.2 s

    return frozenset(holidays_lib.China(years=year).keys())


def calendar_day(day: date, overrides: Mapping[date, bool] | None = None) -> CalendarDay:
    """Is `day` a working day in mainland China? overrides: {date: is_workday} from the store's data."""
    if overrides and day in overrides:
        return CalendarDay(day, overrides[day], OVERRIDE)
    try:
        return CalendarDay(day, chinese_calendar.is_workday(day), OFFICIAL)
    except NotImplementedError:
        workday = day.weekday() < 5 and day not in _rule_based_holidays(day.year)
        return CalendarDay(day, workday, RULE_BASED)


def is_workday(day: date, overrides: Mapping[date, bool] | None = None) -> bool:
    return calendar_day(day, overrides).is_workday


def official_schedule_known(year: int) -> bool:
    """False when `year` is beyond chinese-calendar's data: deadlines then use the rule-based fallback."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@cache
def lunar_to_solar(year: int, lunar_month: int, lunar_day: int) -> date:
    """The solar date of a lunar month/day in the lunar year that starts in solar `year`.

    A lunar day 30 in a month that has only 29 days this year falls on the month's last day. Cached: building
    a LunarYear costs 15–30 ms, and the greeting rules ask for the same few days on every sweep.
    """
    days_in_month = LunarYear.fromYear(year).getMonth(lunar_month).getDayCount()
    solar = Lunar.fromYmd(year, lunar_month, min(lunar_day, days_in_month)).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=4096)
def solar_to_lunar(day: date) -> tuple[int, int, int]:
    """(lunar year, month, day) of a solar date; a leap month is reported by its month number."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    return lunar.getYear(), abs(lunar.getMonth()), lunar.getDay()


def birthday_in_year(birthday: date, *, is_lunar: bool, year: int) -> date:
    """The day a birthday is celebrated in solar `year`.

    A lunar birthday is stored as the lunar year/month/day written in the date fields; 29 February
    falls on 28 February in common years.
    """
    if is_lunar:
        # The lunar date can fall in the next solar year's January/February (e.g. lunar 12th month).
        for lunar_year in (year, year - 1):
            candidate = lunar_to_solar(lunar_year, birthday.month, birthday.day)
            if candidate.year == year:
                return candidate
        return lunar_to_solar(year, birthday.month, birthday.day)
    try:
        return birthday.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


# Greeting festivals (seed 003): Spring Festival, Lantern, May Day, Mid-Autumn, and the other national ones.
LUNAR_FESTIVALS = {"spring_festival": (1, 1), "lantern": (1, 15), "dragon_boat": (5, 5), "mid_autumn": (8, 15)}
SOLAR_FESTIVALS = {"new_year": (1, 1), "may_day": (5, 1), "national_day": (10, 1)}


def festivals_in_year(year: int) -> dict[str, date]:
    """Every greeting festival falling in solar `year`, by key (a new dict; the lunar days are cached)."""
    return dict(_festivals_in_year(year))


@cache
def _festivals_in_year(year: int) -> tuple[tuple[str, date], ...]:
    result = {key: date(year, m, d) for key, (m, d) in SOLAR_FESTIVALS.items()}
    for key, (m, d) in LUNAR_FESTIVALS.items():
        result[key] = lunar_to_solar(year, m, d)
    return tuple(result.items())


def workdays_between(start: date, end: date, overrides: Mapping[date, bool] | None = None) -> int:
    """Working days in [start, end)."""
    count, day = 0, start
    while day < end:
        count += is_workday(day, overrides)
        day += timedelta(days=1)
    return count


# --- The store calendar (one per store) --------------------------------------------------------------

# Where a day's opening comes from, in the order they are consulted.
FROM_STORE_DAY = "store_day"  # the store's own entry for that date (holiday, extra opening, special hours)
FROM_HOLIDAY = "holiday"  # an official holiday (chinese-calendar, or holidays.China for a later year)
FROM_MAKEUP = "makeup"  # an official make-up workday (调休上班)
FROM_WEEK = "week"  # the store's hours of that weekday

Hours = tuple[time, time]


@dataclass(frozen=True)
class DayHours:
    """A day of a store: its opening hours (None = closed), why, and the holiday's name if any."""

    day: date
    hours: Hours | None
    source: str
    name: str = ""
    # False when the year is beyond chinese-calendar's data: holidays then come from holidays.China, and the
    # official make-up workdays are unknown until the store enters them.
    official: bool = True


_CHINESE_HOLIDAY_NAMES = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}


@cache
def _official_detail(day: date) -> tuple[bool, str, bool]:
    """(is a day off, holiday name or "", official schedule known) for one date."""
    try:
        off, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        import holidays as holidays_lib

        names = holidays_lib.China(years=day.year, language="zh_CN")
        name = names.get(day) or ""
        return bool(name), str(name), False
    # The holiday's Chinese name (国庆节), as staff read it; chinese-calendar reports the English one.
    return bool(off), _CHINESE_HOLIDAY_NAMES.get(name, str(name or "")), True


@dataclass(frozen=True)
class StoreCalendar:
    """A store's opening days and hours: its weekly hours, the official holidays and make-up workdays on top
    (unless it ignores them), and its own dated entries over everything. Pure data, no ORM."""

    # Monday first; None = closed that weekday.
    weekly: tuple[Hours | None, ...]
    # The store's own dates: {date: hours or None (closed)}.
    days: Mapping[date, Hours | None] = field(default_factory=dict)
    follow_official: bool = True

    def _workday_hours(self, day: date) -> Hours | None:
        # A make-up workday opens with that weekday's own hours if the store opens then, else with the
        # hours of its first open day Monday to Friday.
        own = self.weekly[day.weekday()]
        if own is not None:
            return own
        return next((h for h in self.weekly[:5] if h is not None), None)

    def day(self, day: date) -> DayHours:
        """Opening hours of `day` and where they come from."""
        off, name, official = _official_detail(day)
        if day in self.days:
            return DayHours(day, self.days[day], FROM_STORE_DAY, name, official)
        if self.follow_official and name:
            if off:
                return DayHours(day, None, FROM_HOLIDAY, name, official)
            return DayHours(day, self._workday_hours(day), FROM_MAKEUP, name, official)
        return DayHours(day, self.weekly[day.weekday()], FROM_WEEK, "", official)

    def hours_on(self, day: date) -> Hours | None:
        return self.day(day).hours

    def is_open(self, day: date) -> bool:
        return self.day(day).hours is not None

    def next_open_day(self, day: date, *, include: bool = False) -> date:
        """The first day the store opens after `day` (or on it, with include=True): reminders' "next working day"."""
        candidate = day if include else day + timedelta(days=1)
        for _ in range(MAX_CLOSED_DAYS):
            if self.is_open(candidate):
                return candidate
            candidate += timedelta(days=1)
        raise ValueError("the store is closed for more than a year")

    def is_open_at(self, instant: datetime, tz: tzinfo) -> bool:
        """Is the store open at `instant` (its opening hours that day, in its time zone)?"""
        local = instant.astimezone(tz)
        hours = self.hours_on(local.date())
        return hours is not None and hours[0] <= local.time() < hours[1]

    def official_days(self, year: int) -> list[DayHours]:
        """The year's holidays and make-up workdays as this store sees them (its own entries included)."""
        result = []
        day = date(year, 1, 1)
        while day.year == year:
            if day in self.days or _official_detail(day)[1]:
                result.append(self.day(day))
            day += timedelta(days=1)
        return result


# A store closed this many days in a row is a configuration error: we stop instead of looping for ever.
MAX_CLOSED_DAYS = 366
