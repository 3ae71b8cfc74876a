"""Defaults of a new store's calendar (营业日历). The store edits its copy on the settings screen.

The seeds give no opening days; brief §5 counts business hours "on working days" with store hours such as
08:30–17:30, which is what the complaint clock used before stores had their own calendar. So a new store opens
Monday to Friday 08:30–17:30 and closes on the official holidays, and opens on the official make-up workdays
(调休); a store open on weekends ticks its Saturdays and Sundays (issue 14 §4: 4S after-sales often opens then).
"""

OPENS = "08:30"
CLOSES = "17:30"
# Monday first: [opens, closes] or None (closed).
WEEKLY_HOURS: list[list[str] | None] = [[OPENS, CLOSES]] * 5 + [None, None]
# Official holidays close the store and official make-up workdays open it, unless the store says otherwise.
FOLLOW_OFFICIAL_HOLIDAYS = True


def weekly_hours() -> list[list[str] | None]:
    """A fresh copy of WEEKLY_HOURS for a JSONField default (never share the mutable list)."""
    return [list(h) if h else None for h in WEEKLY_HOURS]


# Reminders (提醒) fall due on days the store is open: one due on a closed day (a weekend, a holiday, a day the
# store closes) moves to the store's next open day, so a care specialist finds it on the day they can call.
# Greetings keep their day (a festival greeting is sent on the festival); calls after a visit keep theirs.
REMINDER_KINDS_ON_OPEN_DAYS = (
    "maintenance_reminder",
    "first_service_reminder",
    "warranty_expiry",
    "insurance_renewal",
    "inspection_due",
    "licence_due",
)
