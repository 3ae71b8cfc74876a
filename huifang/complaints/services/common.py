"""Shared pieces of the complaint services: deadlines in the store's clock, events, notification links."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from huifang.accounts.models import Store, User
from huifang.calendars.selectors import calendar_for
from huifang.core.calendar import StoreCalendar
from huifang.notifications.services import notify

from .. import rules
from ..choices import ClockKind
from ..models import Complaint, ComplaintEvent, ComplaintPolicy
from ..selectors import policy_values


def deadline(
    *, policy: ComplaintPolicy, store: Store, start: datetime, hours: float, cal: StoreCalendar | None = None
) -> datetime:
    """`hours` after `start` in the store's clock (calendar hours, or the store calendar's opening hours)."""
    return clock_add(policy=policy, store=store, start=start, amount=timedelta(hours=hours), cal=cal)


def store_zone(store: Store) -> ZoneInfo:
    return ZoneInfo(store.time_zone or "Asia/Shanghai")


def clock_add(
    *, policy: ComplaintPolicy, store: Store, start: datetime, amount: timedelta, cal: StoreCalendar | None = None
) -> datetime:
    """`amount` of the store's clock after `start` (the store calendar is read unless given)."""
    if policy.clock != ClockKind.BUSINESS:
        return start + amount
    cal = cal or calendar_for(store=store)
    return rules.clock_add(start, amount, clock=policy.clock, hours_on=cal.hours_on, tz=store_zone(store))


def clock_between(
    *, policy: ComplaintPolicy, store: Store, start: datetime, end: datetime, cal: StoreCalendar | None = None
) -> timedelta:
    """The store's clock time from `start` to `end` (open hours only with the business-hours clock)."""
    if policy.clock != ClockKind.BUSINESS:
        return end - start
    cal = cal or calendar_for(store=store)
    return rules.clock_between(start, end, clock=policy.clock, hours_on=cal.hours_on, tz=store_zone(store))


def level_deadline(
    *, policy: ComplaintPolicy, store: Store, level: int, reached_at: datetime, cal: StoreCalendar | None = None
) -> datetime | None:
    """When `level` must be done, counted from when the complaint reached it; None at level 4."""
    hours = rules.level_hours(policy_values(policy), level)
    if hours is None:
        return None
    return deadline(policy=policy, store=store, start=reached_at, hours=hours, cal=cal)


def event_add(
    *,
    complaint: Complaint,
    kind: str,
    actor: User | None,
    now: datetime,
    note: str = "",
    from_status: str = "",
    to_status: str = "",
    level: int | None = None,
    key: str = "",
) -> ComplaintEvent:
    """One timeline entry: who (None = the system), when, what and why."""
    return ComplaintEvent.objects.create(
        complaint=complaint,
        at=now,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
        from_status=from_status,
        to_status=to_status,
        level=level if level is not None else complaint.level,
        key=key,
    )


# The path of "complaints:detail" (tests check they agree). Written out rather than reversed so that a
# background sweep does not load every app's URLs and views just to put a link in a notification.
COMPLAINT_PATH = "/complaints/{pk}/"


def complaint_url(complaint: Complaint) -> str:
    return COMPLAINT_PATH.format(pk=complaint.pk)


def notify_about(
    *, complaint: Complaint, users, now: datetime, title: str, body: str = "", key: str, email: bool = True
) -> int:
    """Notify staff about a complaint; the key makes it once per user whatever retries happen."""
    return notify(
        users=[u for u in users if u is not None],
        store=complaint.store,
        now=now,
        title=title,
        body=body,
        url=complaint_url(complaint),
        key=f"complaint:{complaint.pk}:{key}"[:100],
        email=email,
    )


def locked(complaint: Complaint) -> Complaint:
    """The complaint row, locked for this transaction (PostgreSQL); a fresh copy everywhere."""
    assert transaction.get_connection().in_atomic_block
    return Complaint.objects.select_for_update(of=("self",)).get(pk=complaint.pk)
