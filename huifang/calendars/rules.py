"""Pure store-calendar decisions: reading and checking the weekly hours. No ORM, no clock."""

from collections.abc import Sequence
from datetime import time

from huifang.core.calendar import Hours


def parse_weekly(raw: Sequence) -> tuple[Hours | None, ...]:
    """The stored weekly hours (seven [opens, closes] or null, Monday first) as times; bad entries are closed."""
    result: list[Hours | None] = []
    for entry in list(raw or [])[:7]:
        try:
            opens, closes = (value if isinstance(value, time) else time.fromisoformat(str(value)) for value in entry)
        except (TypeError, ValueError):
            result.append(None)
            continue
        result.append((opens, closes) if closes > opens else None)
    result.extend([None] * (7 - len(result)))
    return tuple(result)


def weekly_errors(weekly: Sequence[Hours | None]) -> dict[int, str]:
    """{weekday: problem} for hours that cannot be used; an empty dict when the week is fine."""
    errors = {}
    if len(weekly) != 7:
        return {0: "seven days"}
    for weekday, hours in enumerate(weekly):
        if hours is not None and hours[1] <= hours[0]:
            errors[weekday] = "closes before it opens"
    if all(hours is None for hours in weekly):
        errors[0] = "never open"
    return errors


def weekly_json(weekly: Sequence[Hours | None]) -> list[list[str] | None]:
    """Weekly hours as stored: ["08:30", "17:30"] or None per day."""
    return [[f"{h[0]:%H:%M}", f"{h[1]:%H:%M}"] if h else None for h in weekly]
