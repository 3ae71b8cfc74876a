"""Pure messaging decisions: quiet hours, the marketing cap, retry delays. No ORM, no clock."""

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta, tzinfo

Window = Sequence[str]  # ["21:00", "09:00"]: from 21:00 up to (not including) 09:00, crossing midnight


class QuietHoursError(ValueError):
    """Quiet-hour windows that cannot be read or that leave no time to send at all."""


def parse_hhmm(value: str) -> time:
    try:
        hours, minutes = (int(part) for part in str(value).split(":"))
        return time(hours, minutes)
    except (TypeError, ValueError) as exc:
        raise QuietHoursError(f"不是有效的时间 / not a time of day (HH:MM): {value!r}") from exc


def parse_windows(windows: Sequence[Window]) -> list[tuple[time, time]]:
    """[(start, end)] from the policy's JSON; a window whose start equals its end is empty."""
    parsed = []
    for window in windows or ():
        if not isinstance(window, list | tuple) or len(window) != 2:
            raise QuietHoursError(f"每个时段须为 [开始, 结束] / each window must be [start, end]: {window!r}")
        parsed.append((parse_hhmm(window[0]), parse_hhmm(window[1])))
    return parsed


def _in_window(moment: time, start: time, end: time) -> bool:
    if start < end:
        return start <= moment < end
    if start > end:  # crosses midnight
        return moment >= start or moment < end
    return False


def in_quiet_hours(local_time: time, windows: Sequence[Window]) -> bool:
    """Whether a wall-clock time in the store's zone falls inside any quiet window (start inclusive, end not)."""
    moment = local_time.replace(tzinfo=None)
    return any(_in_window(moment, start, end) for start, end in parse_windows(windows))


def next_allowed_time(now: datetime, windows: Sequence[Window], tz: tzinfo) -> datetime:
    """`now` if it is outside quiet hours, else the first instant after the quiet windows it falls in end."""
    parsed = parse_windows(windows)
    local = now.astimezone(tz)
    # Windows may touch or overlap (20:00–22:00 and 21:00–09:00), so step from end to end until clear.
    for _ in range(len(parsed) + 1):
        moment = local.time().replace(tzinfo=None)
        containing = [(start, end) for start, end in parsed if _in_window(moment, start, end)]
        if not containing:
            return local
        ends = []
        for start, end in containing:
            day = local.date()
            if start > end and moment >= start:
                day += timedelta(days=1)
            ends.append(datetime.combine(day, end, tzinfo=tz))
        local = max(ends)
    raise QuietHoursError("静默时段覆盖全天 / quiet hours cover the whole day; nothing could ever be sent")


def validate_windows(windows: Sequence[Window]) -> None:
    """Raise QuietHoursError unless the windows are readable and leave some time of day to send."""
    day = datetime(2026, 1, 1, tzinfo=UTC).date()
    for start, _end in parse_windows(windows):
        # Stepping from each window's start over touching windows must reach a free instant.
        next_allowed_time(datetime.combine(day, start, tzinfo=UTC), windows, UTC)


def cap_period_start(now: datetime, days: int) -> datetime:
    """Start of the rolling period the marketing cap counts over."""
    return now - timedelta(days=days)


def cap_reached(counted: int, cap: int) -> bool:
    """Whether one more marketing message would exceed the cap (`counted` already sent or queued)."""
    return counted >= cap


def retry_delay(attempts: int, base_minutes: int) -> timedelta:
    """Wait before the next try after `attempts` failed tries: base, 2×base, 4×base…"""
    return timedelta(minutes=base_minutes * 2 ** max(attempts - 1, 0))


def retry_or_fail(attempts: int, max_attempts: int) -> bool:
    """True while another try is allowed after `attempts` tries."""
    return attempts < max_attempts


def consent_given(*, purpose: str, latest_state: str | None, has_marketing_records: bool, legacy_flag: bool) -> bool:
    """Whether a channel may be used for a purpose, from the latest consent record on that channel and purpose.

    Service messages go unless withdrawn. Marketing needs consent: the latest record says so; without a
    record the customer's general marketing flag counts only while no channel has a marketing record yet
    (once any has, silence on a channel is no consent: PIPL wants consent given, not presumed).
    """
    if latest_state is not None:
        return latest_state == "granted"
    if purpose == "service":
        return True
    return legacy_flag and not has_marketing_records
