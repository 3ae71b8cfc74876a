"""Pure appointment decisions: the slots of a day, arrival windows, when reminders and no-shows fall due.

No ORM and no clock: callers pass the store's settings, its time zone and the instant.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def slot_starts(*, day: date, opens: time, closes: time, slot_minutes: int, tz: ZoneInfo) -> list[datetime]:
    """Every slot start of `day` between opening and closing (a slot must end by closing time)."""
    if slot_minutes <= 0:
        raise ValueError("slot length must be positive")
    step = timedelta(minutes=slot_minutes)
    start = datetime.combine(day, opens, tzinfo=tz)
    end = datetime.combine(day, closes, tzinfo=tz)
    slots = []
    while start + step <= end:
        slots.append(start)
        start += step
    return slots


def is_open_weekday(day: date, open_weekdays: str) -> bool:
    """`open_weekdays` lists the open days as digits, 0 = Monday … 6 = Sunday."""
    return str(day.weekday()) in open_weekdays


def arrival_window(*, starts_at: datetime, match_days: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A repair order opened in [slot's day 00:00, slot's day + match_days + 1 00:00) keeps the appointment."""
    day = starts_at.astimezone(tz).date()
    return (
        datetime.combine(day, time.min, tzinfo=tz),
        datetime.combine(day + timedelta(days=match_days + 1), time.min, tzinfo=tz),
    )


def no_show_at(*, ends_at: datetime, after_hours: int) -> datetime:
    """The instant an appointment that has not arrived becomes a no-show."""
    return ends_at + timedelta(hours=after_hours)


def reminder_at(*, starts_at: datetime, reminder_time: time, tz: ZoneInfo) -> datetime:
    """The day-before reminder's instant: the local day before the slot at `reminder_time`."""
    day_before = starts_at.astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(day_before, reminder_time, tzinfo=tz)


def needs_reminder(*, starts_at: datetime, booked_at: datetime, reminder_time: time, tz: ZoneInfo) -> bool:
    """A booking made after its reminder instant (e.g. the evening before) got its confirmation just now."""
    return booked_at < reminder_at(starts_at=starts_at, reminder_time=reminder_time, tz=tz)


def slot_containing(*, moment: datetime, opens: time, slot_minutes: int, tz: ZoneInfo) -> datetime:
    """The start of the slot `moment` falls in, on the day's grid from `opens` (a DMS booking for 09:10 holds the
    09:00 slot; one before opening holds the first slot's grid place before it)."""
    local = moment.astimezone(tz)
    first = datetime.combine(local.date(), opens, tzinfo=tz)
    step = timedelta(minutes=slot_minutes)
    return first + step * ((local - first) // step)


def imported_status(*, current: str, incoming: str) -> str:
    """The status a re-imported DMS appointment takes. The DMS is the source of its own bookings, except that a
    visit already matched (arrived) is never undone and a customer's confirmation is not lost to a plain
    'booked'."""
    if current == "arrived":
        return current
    if current == "confirmed" and incoming == "booked":
        return current
    return incoming
