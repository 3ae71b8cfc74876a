"""Pure complaint decisions: deadlines (calendar or business hours), levels, major-complaint reasons, risk periods.

No ORM and no clock: callers pass the instant, the store's settings and the calendar function.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from .choices import ClockKind, ComplaintLevel

# The major-complaint rules live in major.py; their names stay importable from here for existing callers.
from .major import MAJOR_RULE_LABELS as MAJOR_RULE_LABELS
from .major import MEDIA_REPORT_RULES as MEDIA_REPORT_RULES
from .major import RISKY_CHANNELS as RISKY_CHANNELS
from .major import RISKY_NATURES as RISKY_NATURES
from .major import major_reasons as major_reasons
from .major import matched_words as matched_words
from .major import needs_media_report as needs_media_report
from .major import repeat_repair_count as repeat_repair_count
from .major import split_words as split_words
from .major import tokens as tokens

# A deadline further than this many days of searching for business hours is a configuration error
# (e.g. business_end before business_start); we stop instead of looping for ever.
MAX_SEARCH_DAYS = 3660

LAST_LEVEL = int(ComplaintLevel.MANUFACTURER)


# --- Deadlines ---------------------------------------------------------------------------------------


def deadline_after(
    start: datetime,
    hours: float,
    *,
    clock: str,
    business_start: time | None = None,
    business_end: time | None = None,
    is_workday: Callable[[date], bool] | None = None,
    hours_on: Callable[[date], tuple[time, time] | None] | None = None,
    tz: tzinfo | None = None,
) -> datetime:
    """The instant `hours` after `start`, counting calendar hours, or only business hours on the store's open days.

    Business hours are the store calendar's opening hours of each day (`hours_on(day)`: (opens, closes) or None
    when closed) in the store's time zone `tz` (default: start's); without a calendar, [business_start,
    business_end) of each day `is_workday` accepts. Time before opening, after closing and on closed days
    (weekends the store does not open, public holidays) does not count; a make-up workday (调休) counts like any
    open day. A deadline that uses up a day's hours exactly ends at closing time.
    """
    return clock_add(
        start,
        timedelta(hours=hours),
        clock=clock,
        hours_on=_hours_fn(hours_on, business_start, business_end, is_workday),
        tz=tz,
    )


def _hours_fn(
    hours_on: Callable[[date], tuple[time, time] | None] | None,
    business_start: time | None,
    business_end: time | None,
    is_workday: Callable[[date], bool] | None,
) -> Callable[[date], tuple[time, time] | None]:
    if hours_on is not None:
        return hours_on
    if business_start is None or business_end is None or is_workday is None:
        raise ValueError("give the store's opening hours (hours_on) or business_start, business_end and is_workday")
    if business_end <= business_start:
        raise ValueError("business hours must end after they start")
    fixed = (business_start, business_end)
    return lambda day: fixed if is_workday(day) else None


def _open_spans(start: datetime, zone: tzinfo, hours_on: Callable[[date], tuple[time, time] | None]):
    """The store's open intervals from `start` on, clipped to start, day by day (at most ten years)."""
    local = start.astimezone(zone)
    day = local.date()
    for _ in range(MAX_SEARCH_DAYS):
        hours = hours_on(day)
        if hours is not None:
            opens = datetime.combine(day, hours[0], tzinfo=zone)
            closes = datetime.combine(day, hours[1], tzinfo=zone)
            begin = max(local, opens)
            if begin < closes:
                yield begin, closes
        day += timedelta(days=1)


def clock_add(
    start: datetime,
    amount: timedelta,
    *,
    clock: str,
    hours_on: Callable[[date], tuple[time, time] | None],
    tz: tzinfo | None = None,
) -> datetime:
    """The instant `amount` of clock time after `start` (calendar time, or the store's open hours only)."""
    if clock != ClockKind.BUSINESS or amount <= timedelta(0):
        return start + amount
    remaining = amount
    for begin, closes in _open_spans(start, tz or start.tzinfo, hours_on):
        available = closes - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise ValueError("no business hours found within ten years")


def clock_between(
    start: datetime,
    end: datetime,
    *,
    clock: str,
    hours_on: Callable[[date], tuple[time, time] | None],
    tz: tzinfo | None = None,
) -> timedelta:
    """Clock time from `start` to `end` (negative when end is earlier): calendar time, or open hours only."""
    if clock != ClockKind.BUSINESS:
        return end - start
    if end < start:
        return -clock_between(end, start, clock=clock, hours_on=hours_on, tz=tz)
    total = timedelta(0)
    for begin, closes in _open_spans(start, tz or start.tzinfo, hours_on):
        if begin >= end:
            break
        total += min(closes, end) - begin
    return total


def level_hours(policy_values: Mapping[str, int], level: int) -> int | None:
    """Hours a level may hold the complaint ({"level1_hours": 24, ...}); None at level 4 (the manufacturer's)."""
    if level >= LAST_LEVEL:
        return None
    return int(policy_values[f"level{level}_hours"])


def next_level(level: int) -> int | None:
    """The level above, or None at the manufacturer's level."""
    return level + 1 if level < LAST_LEVEL else None


@dataclass(frozen=True)
class EscalationStep:
    """One passed deadline: the complaint leaves `from_level` for `to_level`; the new level is due `new_due`."""

    from_level: int
    to_level: int
    deadline: datetime
    new_due: datetime | None

    @property
    def key(self) -> str:
        """The event key: a deadline is answered by exactly one escalation (unique per complaint)."""
        return f"escalate:{self.from_level}:{int(self.deadline.timestamp())}"


def escalation_steps(
    level: int, level_due_at: datetime | None, now: datetime, *, due_for: Callable[[int, datetime], datetime | None]
) -> list[EscalationStep]:
    """Every escalation owed at `now`: one per passed deadline, each next deadline counted from the previous.

    `due_for(level, reached_at)` gives the deadline of `level` reached at `reached_at` (None at level 4).
    If the sweep did not run for days, a complaint climbs several levels, each exactly when it should have.
    """
    steps: list[EscalationStep] = []
    while level_due_at is not None and level_due_at <= now:
        up = next_level(level)
        if up is None:
            break
        new_due = due_for(up, level_due_at)
        steps.append(EscalationStep(level, up, level_due_at, new_due))
        level, level_due_at = up, new_due
    return steps


# --- Risk periods -----------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def risk_periods(
    received: date, *, purchase_date: date | None, model_first_sold: date | None, model: str = ""
) -> list[str]:
    """The seed 004 periods in which major complaints are more likely that the complaint falls into, explained.

    - 3·15: from 1 February (one and a half months before 15 March) to 25 March (10 days after);
    - 3 to 6 months after the vehicle was bought;
    - the first year of a new model: the model's first sale in the archive is less than 12 months ago.
    """
    periods = []
    start, end = date(received.year, 2, 1), date(received.year, 3, 25)
    if start <= received <= end:
        periods.append(f"3·15 消费者权益日前后（{start:%m-%d} 至 {end:%m-%d}）：重大投诉高发期")
    if purchase_date:
        from_day, to_day = _add_months(purchase_date, 3), _add_months(purchase_date, 6)
        if from_day <= received <= to_day:
            periods.append(f"购车后 3–6 个月内（购车 {purchase_date:%Y-%m-%d}）：新车故障易引发重大投诉")
    if model_first_sold and model_first_sold <= received < _add_months(model_first_sold, 12):
        periods.append(f"新车型上市一年内（{model or '该车型'} 首次销售 {model_first_sold:%Y-%m-%d}）")
    return periods
