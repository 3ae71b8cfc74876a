"""The one place app code asks for the time: aware, in the project time zone (Asia/Shanghai)."""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    """The current instant, timezone-aware, in the project's current time zone."""
    return timezone.localtime(timezone.now())


def today() -> date:
    """Today's date in the project's current time zone."""
    return now().date()
