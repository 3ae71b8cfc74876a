"""Shared pieces of the complaint services: deadlines in the store's clock, events, notification links."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.db import transaction

from huifang.accounts.models import Store, User
from huifang.core import calendar
from huifang.notifications.services import notify

from .. import rules
from ..models import Complaint, ComplaintEvent, ComplaintPolicy
from ..selectors import policy_values


def _as_time(value) -> time:
    # A policy row created in this request still holds the string default ("08:30").
    return value if isinstance(value, time) else time.fromisoformat(str(value))


def deadline(*, policy: ComplaintPolicy, store: Store, start: datetime, hours: float) -> datetime:
    """`hours` after `start` in the store's clock (calendar, or business hours on Chinese working days)."""
    return rules.deadline_after(
        start,
        hours,
        clock=policy.clock,
        business_start=_as_time(policy.business_start),
        business_end=_as_time(policy.business_end),
        is_workday=calendar.is_workday,
        tz=ZoneInfo(store.time_zone or "Asia/Shanghai"),
    )


def level_deadline(*, policy: ComplaintPolicy, store: Store, level: int, reached_at: datetime) -> datetime | None:
    """When `level` must be done, counted from when the complaint reached it; None at level 4."""
    hours = rules.level_hours(policy_values(policy), level)
    if hours is None:
        return None
    return deadline(policy=policy, store=store, start=reached_at, hours=hours)


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
