"""Reminders fall due on open days: a reminder task due on a day the store is closed moves to its next open day.

Run right after each follow-up sweep (followups.tasks, the run_followups command). Set-based: one query finds
the local dates the store's open reminders fall due on, then one UPDATE per closed date moves its tasks by
whole days (the time of day and the window's length kept). Idempotent: a moved task lands on an open day.
Moving `due_at` is safe for the sweep's idempotency: a task's unique key is (rule, subject, occurrence_key).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F

from huifang.accounts.models import Store
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.core.sql import LocalDate

from . import defaults
from .selectors import calendar_for


def _midnight(day, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz)


def reminders_move_to_open_days(
    *, store: Store, now: datetime, kinds: tuple[str, ...] = defaults.REMINDER_KINDS_ON_OPEN_DAYS
) -> int:
    """Move the store's open reminder tasks due today or later on a closed day to the next open day; returns
    how many moved. Each moved day is one audit entry on the store (from, to, how many)."""
    from huifang.followups.choices import TaskStatus
    from huifang.followups.models import FollowUpTask

    tz = ZoneInfo(store.time_zone or "Asia/Shanghai")
    today = now.astimezone(tz).date()
    reminders = FollowUpTask.objects.filter(
        store=store, kind__in=kinds, status=TaskStatus.OPEN, due_at__gte=_midnight(today, tz)
    )
    days = set(
        reminders.annotate(day=LocalDate("due_at", tzinfo=tz)).order_by().values_list("day", flat=True).distinct()
    )
    cal = calendar_for(store=store)
    moved = 0
    for day in sorted(d for d in days if not cal.is_open(d)):
        open_day = cal.next_open_day(day)
        shift = timedelta(days=(open_day - day).days)
        with transaction.atomic():
            count = reminders.filter(
                due_at__gte=_midnight(day, tz), due_at__lt=_midnight(day + timedelta(days=1), tz)
            ).update(due_at=F("due_at") + shift, window_end=F("window_end") + shift)
            if count:
                audit_record(
                    obj=store,
                    action=AuditAction.UPDATE,
                    at=now,
                    source="sweep",
                    changes={"reminders_due": [day.isoformat(), open_day.isoformat()], "tasks": count},
                )
        moved += count
    return moved
