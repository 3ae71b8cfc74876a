"""Pure follow-up decisions: when each kind of task is due, whether it is due now, who gets it. No ORM, no clock.

A task is *due* from `due_at` and must be done by `window_end = due_at + window`. A sweep at `now`
creates the tasks with `due_at <= now < window_end`: running it again, later the same day, or
replaying a past day finds the same occurrences, and a window long enough for the sweep's period
(72 h for calls, a day for greetings) means no occurrence is missed between two runs.
"""

import hashlib
import heapq
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from dateutil.relativedelta import relativedelta

from huifang.archive.defaults import DAY_EPSILON
from huifang.core.calendar import birthday_in_year, festivals_in_year

from . import defaults
from .choices import FAILED_OUTCOMES, AttemptOutcome, TaskStatus


@dataclass(frozen=True)
class Offset:
    """A span after an event: `n` days or months, written "3d" or "1m"."""

    n: int
    unit: str  # "d" or "m"

    @property
    def key(self) -> str:
        return f"{self.n}{self.unit}"

    def after(self, when):
        return when + (timedelta(days=self.n) if self.unit == "d" else relativedelta(months=self.n))

    def before(self, when):
        return when - (timedelta(days=self.n) if self.unit == "d" else relativedelta(months=self.n))

    @property
    def max_days(self) -> int:
        """An upper bound of the span in days (a month is at most 31 days)."""
        return self.n if self.unit == "d" else self.n * 31

    @property
    def min_days(self) -> int:
        return self.n if self.unit == "d" else self.n * 28


def parse_offsets(text: str) -> list[Offset]:
    """ "3d,1m,3m" -> [Offset(3, "d"), Offset(1, "m"), Offset(3, "m")]; a bare number is days."""
    result = []
    for raw in (text or "").split(","):
        item = raw.strip().lower()
        if not item:
            continue
        unit = item[-1] if item[-1] in "dm" else "d"
        number = item[:-1] if item[-1] in "dm" else item
        if not number.isdigit():
            raise ValueError(f"offset {raw!r} is not like 3d or 1m")
        result.append(Offset(int(number), unit))
    return result


def start_of_day(day: date, tz: tzinfo) -> datetime:
    """Midnight at the start of `day` in the store's time zone."""
    return datetime.combine(day, time.min, tzinfo=tz)


def is_due(due_at: datetime, window: timedelta, now: datetime) -> bool:
    """Due now: the task has started and its window has not run out."""
    return due_at <= now < due_at + window


# Event-based kinds: due from the event plus a delay or an offset.


def post_service_due(delivered_at: datetime, delay_hours: int = 0) -> datetime:
    """Post-service call: due from delivery (plus a delay); the 72 h window runs from there."""
    return delivered_at + timedelta(hours=delay_hours)


def post_service_since(now: datetime, delay_hours: int, window: timedelta, catch_up_days: int) -> datetime:
    """Post-service sweep at `now` calls the orders delivered after this instant (and delay hours before now):
    those still in their window, and, with a catch-up limit, those whose window passed while no sweep ran
    (worker down, a weekly DMS import) up to `catch_up_days` after delivery; they are created late, with the
    due time and window end they always had, so they show as overdue and count as not on time."""
    in_window = now - window - timedelta(hours=delay_hours)
    return min(in_window, now - timedelta(days=catch_up_days))


def series_due(event_at: datetime, offset: Offset) -> datetime:
    """First-visit series: due `offset` after the first visit (same time of day)."""
    return offset.after(event_at)


# Date-based kinds: due `lead_days` before a target date, from midnight in the store's zone.


def reminder_due(target: date, lead_days: int, tz: tzinfo) -> datetime:
    """A reminder about `target` (a maintenance, an expiry) is due `lead_days` before it."""
    return start_of_day(target - timedelta(days=lead_days), tz)


def days_to_reach(km: int, km_per_day: float) -> int:
    """Whole days after the start on which `km` is reached: 5,000 km at 150 km/day is reached during
    day 33 (4,950 km at its start, 5,100 at its end), so 33 (issue 14 §2), not 34; at 100 km/day exactly 50."""
    return math.floor(km / km_per_day + DAY_EPSILON)


def km_reached_on(start: date | None, km: int | None, km_per_day: float | None) -> date | None:
    """The day a vehicle driven `km_per_day` since `start` (0 km) reaches `km`; None when unknown."""
    if start is None or not km or not km_per_day or km_per_day <= 0:
        return None
    return start + timedelta(days=days_to_reach(km, km_per_day))


def earliest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def warranty_target(
    end_date: date | None, end_km: int | None, start: date | None, km_per_day: float | None
) -> date | None:
    """Warranty ends on its end date or when the predicted mileage reaches its km limit, whichever first."""
    return earliest(end_date, km_reached_on(start, end_km, km_per_day))


def first_service_target(
    delivery: date | None, offset: Offset | None, km: int | None, km_per_day: float | None
) -> date | None:
    """First free service: delivery (else purchase, issue 14 §2) + the interval in months or km, whichever first."""
    if delivery is None:
        return None
    by_time = offset.after(delivery) if offset else None
    return earliest(by_time, km_reached_on(delivery, km, km_per_day))


def first_service_lost_on(start: date, months: int) -> date:
    """The day a new car delivered (else bought) on `start` with no maintenance visit is first-service lost."""
    return start + relativedelta(months=months)


def sample_rank(store_id: int, customer_id: int) -> str:
    """A customer's fixed place in its store's sample order: the same on every run and every machine."""
    return hashlib.sha256(f"huifang-sample:{store_id}:{customer_id}".encode()).hexdigest()


def sample_size(cohort: int, percent: int) -> int:
    """How many of a cohort of `cohort` customers are called to reach at least `percent` % (rounded up)."""
    return math.ceil(cohort * percent / 100)


def sampled(store_id: int, customer_ids: Iterable[int], percent: int) -> set[int]:
    """The customers of one cohort (the new customers of one day) who are called: the first
    ceil(percent % of the cohort) in the store's fixed sample order (issue 14 §2, seed 003 "10%以上")."""
    ids = sorted(set(customer_ids), key=lambda customer_id: sample_rank(store_id, customer_id))
    return set(ids[: sample_size(len(ids), percent)])


def lost_due(last_seen: date, offset: Offset, tz: tzinfo) -> datetime:
    """Lost customer: due the day the vehicle has gone `offset` (6 months, 12 months) without a visit."""
    return start_of_day(offset.after(last_seen), tz)


def birthday_dates_around(birthday: date, *, is_lunar: bool, today: date) -> list[date]:
    """The days the birthday is celebrated in the solar years around `today` (last, this and next)."""
    return birthday_dates_in(birthday, is_lunar=is_lunar, years=(today.year - 1, today.year, today.year + 1))


def birthday_years_for(days: Iterable[date]) -> list[int]:
    """The solar years whose celebration can fall on one of `days`: their own, and the year before (a lunar
    date missing from its year is celebrated early in the next one); never the year after."""
    return sorted({day.year for day in days} | {day.year - 1 for day in days})


def birthday_dates_in(birthday: date, *, is_lunar: bool, years: Iterable[int]) -> list[date]:
    """The days the birthday is celebrated in each of the solar `years` (lunar conversion is slow: cached)."""
    return [_celebrated_on(birthday.month, birthday.day, is_lunar, year) for year in years]


@lru_cache(maxsize=8192)
def _celebrated_on(month: int, day: int, is_lunar: bool, year: int) -> date:
    # Only the month and day matter (2000 is a leap year, so 29 February is kept); lunar conversion is slow.
    return birthday_in_year(date(2000, month, day), is_lunar=is_lunar, year=year)


def festival_dates_around(keys: Iterable[str], today: date) -> list[tuple[str, date]]:
    """(festival key, day) for the chosen festivals in the solar years around `today`."""
    wanted = {k.strip() for k in keys if k.strip()}
    result = []
    for year in (today.year - 1, today.year, today.year + 1):
        result.extend((key, day) for key, day in festivals_in_year(year).items() if key in wanted)
    return sorted(result, key=lambda item: item[1])


# Assignment.


def balanced_assignees(open_counts: Mapping[int, int], n: int) -> list[int | None]:
    """`n` assignees, each the user with the least open work so far (ties: lowest id); None without staff."""
    balancer = Balancer(open_counts)
    return [balancer.take() for _ in range(n)]


# Attempts.


def status_after_attempt(outcome: str, failed_before: int, max_failed: int) -> str:
    """The task's status once an attempt with `outcome` is recorded."""
    if outcome == AttemptOutcome.COMPLETED:
        return TaskStatus.DONE
    if outcome == AttemptOutcome.REFUSED:
        return TaskStatus.REFUSED
    if outcome in FAILED_OUTCOMES and failed_before + 1 >= max_failed:
        return TaskStatus.UNREACHABLE
    return TaskStatus.OPEN


class Balancer:
    """Hands out work to the person with the least open tasks so far (ties: the lowest id)."""

    def __init__(self, open_counts: Mapping[int, int]):
        self._heap = [(count, user_id) for user_id, count in open_counts.items()]
        heapq.heapify(self._heap)

    def take(self) -> int | None:
        if not self._heap:
            return None
        count, user_id = heapq.heappop(self._heap)
        heapq.heappush(self._heap, (count + 1, user_id))
        return user_id


# Retry spacing (issue 14 §3): three attempts mean three tries spread over time.


@dataclass(frozen=True)
class RetrySpacing:
    """A store's spacing of failed call attempts (defaults in followups/defaults.py)."""

    first_hours: float = defaults.RETRY_FIRST_HOURS
    later_days: int = defaults.RETRY_LATER_DAYS
    times: tuple[time, ...] = tuple(time.fromisoformat(t) for t in defaults.RETRY_TIMES.split(","))
    other_time_hours: float = defaults.RETRY_OTHER_TIME_HOURS
    unreachable_min_hours: float = defaults.UNREACHABLE_MIN_HOURS


def parse_retry_times(text: str) -> tuple[time, ...]:
    """ "09:30, 14:30,18:30" -> (09:30, 14:30, 18:30), sorted, without duplicates; ValueError on a bad time."""
    items = [t.strip() for t in re.split(r"[,，、;；\s]+", text or "") if t.strip()]
    result = set()
    for item in items:
        hour, _sep, minute = item.replace("：", ":").partition(":")
        if not hour.isdigit() or not (minute or "0").isdigit():
            raise ValueError(f"not a time of day: {item!r}")
        if len(hour) > 2 or len(minute) > 2:  # past a C int, time() raises OverflowError, not ValueError
            raise ValueError(f"not a time of day: {item!r}")
        result.add(time(int(hour), int(minute or 0)))
    return tuple(sorted(result))


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _distance(a: time, b: time) -> int:
    """Minutes between two times of day, within the day (10:00 and 18:30 are 510 minutes apart)."""
    return abs(_minutes(a) - _minutes(b))


def comeback_at(tries: list[datetime], spacing: RetrySpacing, tz: tzinfo) -> datetime:
    """When a task whose counted failed tries are `tries` (oldest first) is offered again.

    After the first try: `first_hours` later. After the second and later ones: `later_days` after the last
    try, at the first of `times` at least `other_time_hours` from the time of day of every earlier try (or,
    when none is that far, the one furthest from them); without `times`, at the last try's time of day.
    """
    last = tries[-1].astimezone(tz)
    if len(tries) == 1:
        return last + timedelta(hours=spacing.first_hours)
    day = last.date() + timedelta(days=spacing.later_days)
    if not spacing.times:
        return datetime.combine(day, last.time(), tzinfo=tz)
    earlier = [t.astimezone(tz).time() for t in tries]
    wanted = spacing.other_time_hours * 60
    for slot in spacing.times:
        if all(_distance(slot, t) >= wanted for t in earlier):
            return datetime.combine(day, slot, tzinfo=tz)
    furthest = max(spacing.times, key=lambda slot: (min(_distance(slot, t) for t in earlier), -_minutes(slot)))
    return datetime.combine(day, furthest, tzinfo=tz)


def counted_tries(failed_at: list[datetime], spacing: RetrySpacing, tz: tzinfo) -> list[datetime]:
    """The failed attempts (oldest first) that count as tries: each made once the task came back after the
    previous try. Attempts made while the task was waiting are recorded but are not a new try."""
    tries: list[datetime] = []
    comeback: datetime | None = None
    for moment in sorted(failed_at):
        if comeback is None or moment >= comeback:
            tries.append(moment)
            comeback = comeback_at(tries, spacing, tz)
    return tries


def is_unreachable(tries: list[datetime], max_failed: int, now: datetime, spacing: RetrySpacing) -> bool:
    """Enough tries, and not within the first `unreachable_min_hours` of the first one."""
    return len(tries) >= max_failed and bool(tries) and now - tries[0] >= timedelta(hours=spacing.unreachable_min_hours)
