"""Pure operations rules: staffing buckets, lounge days, sign-up capacity. No ORM, no clock."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .choices import DayState, SignupStatus

FORMULA = re.compile(r"^\s*(\d{1,2})\s*\+\s*(\d{1,2})\s*\+\s*(\d{1,2})\s*$")


def parse_formula(text: str) -> tuple[int, int, int]:
    """'1+1+2' → (1, 1, 2); raises ValueError for anything else."""
    match = FORMULA.match(text or "")
    if not match:
        raise ValueError(text)
    return int(match[1]), int(match[2]), int(match[3])


def in_bucket(value: int, low: int | None, high: int | None) -> bool:
    """Inclusive bucket edges as the seed writes them; None is open-ended."""
    return (low is None or value >= low) and (high is None or value <= high)


def bucket_index(value: int, buckets: Sequence[tuple[int | None, int | None]]) -> tuple[int, bool]:
    """The index of the bucket holding `value`, and whether it was clamped to the nearest end bucket."""
    for index, (low, high) in enumerate(buckets):
        if in_bucket(value, low, high):
            return index, False
    first_low = buckets[0][0]
    if first_low is not None and value < first_low:
        return 0, True
    return len(buckets) - 1, True


@dataclass(frozen=True)
class StaffingPick:
    row: int
    column: int
    clamped: bool


def staffing_pick(
    *,
    sales: int,
    throughput: int,
    throughput_buckets: Sequence[tuple[int | None, int | None]],
    sales_buckets: Sequence[tuple[int | None, int | None]],
) -> StaffingPick:
    """Row from the workshop throughput, column from the showroom sales (see defaults.py for the reading)."""
    row, row_clamped = bucket_index(throughput, throughput_buckets)
    column, column_clamped = bucket_index(sales, sales_buckets)
    return StaffingPick(row=row, column=column, clamped=row_clamped or column_clamped)


def closed_weekdays(text: str) -> frozenset[int]:
    """'5,6' → {5, 6}; anything not a weekday number is ignored."""
    return frozenset(int(part) for part in (text or "").replace(" ", "").split(",") if part in set("0123456"))


def day_state(*, day: date, today: date, signed: bool, started: bool, closed: frozenset[int]) -> str:
    """What the month view shows for one day of the lounge checklist."""
    if signed:
        return DayState.SIGNED
    if day.weekday() in closed:
        return DayState.CLOSED
    if day >= today:
        return DayState.PENDING
    return DayState.UNSIGNED if started else DayState.MISSING


def days_between(start: date, end: date) -> list[date]:
    """Every day from start to end, both included."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def compliance_percent(compliant: int, checked: int) -> float | None:
    """Share of signed checklists on which the item scored compliant, in percent (None when none checked)."""
    if not checked:
        return None
    return round(100 * compliant / checked, 1)


def signup_status(*, confirmed: int, capacity: int) -> str:
    """A new sign-up is confirmed while seats remain, otherwise waitlisted."""
    return SignupStatus.CONFIRMED if confirmed < capacity else SignupStatus.WAITLISTED


@dataclass(frozen=True)
class Bucket:
    label: str
    low: int | None  # None: open below (the first bucket only)
    high: int | None  # None: open above (the last bucket only)


def bucket_errors(buckets: Sequence[Bucket]) -> dict[int, str]:
    """Why a list of staffing buckets is not a clean partition, per bucket index ({} when it is).

    Edges are whole numbers, inclusive as the seed writes them: each bucket starts one above where the one
    before ends (no gap, no overlap); only the first may be open below and only the last open above."""
    errors: dict[int, str] = {}
    if not buckets:
        return {0: "empty"}
    labels = [b.label.strip() for b in buckets]
    last = len(buckets) - 1
    for index, bucket in enumerate(buckets):
        if not labels[index]:
            errors[index] = "label"
        elif labels.index(labels[index]) != index:
            errors[index] = "duplicate"
        elif bucket.low is None and index != 0:
            errors[index] = "open_low"
        elif bucket.high is None and index != last:
            errors[index] = "open_high"
        elif bucket.low is not None and bucket.high is not None and bucket.low > bucket.high:
            errors[index] = "order"
        elif index > 0 and buckets[index - 1].high is not None and bucket.low is not None:
            expected = buckets[index - 1].high + 1
            if bucket.low > expected:
                errors[index] = "gap"
            elif bucket.low < expected:
                errors[index] = "overlap"
    return errors


def bucket_origins(origins: Sequence[int | None]) -> list[int]:
    """Which old bucket's cells each new bucket takes its team from: its own origin, else (a bucket just
    added) the nearest bucket before it that has one, else the nearest after, else the first."""
    result: list[int] = []
    for index, origin in enumerate(origins):
        if origin is not None:
            result.append(origin)
            continue
        before = next((o for o in reversed(origins[:index]) if o is not None), None)
        after = next((o for o in origins[index + 1 :] if o is not None), None)
        result.append(before if before is not None else after if after is not None else 0)
    return result
