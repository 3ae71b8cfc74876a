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
