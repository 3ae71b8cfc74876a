"""The level clock: Hold pauses (冷处理/僵持), automatic resumes, and policy changes (keep or recompute).

A complaint's level clock is stored as `clock_used` seconds used before `clock_from`, running from there, and
the resulting `level_due_at`. Pausing moves `clock_from` to the latest instant the clock runs again (the pause's
end at the longest hold) and sets the deadline as if the pause lasts that long, so the escalation sweep, which
only compares `level_due_at` with now, never escalates a paused complaint and needs no other rule. Resuming
early brings the deadline forward by the unused pause.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from huifang.accounts.models import Store, User
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_entry, audit_record, audit_record_many
from huifang.calendars.selectors import calendar_for
from huifang.calendars.services import calendar_update
from huifang.core.calendar import StoreCalendar

from .. import rules
from ..choices import OPEN_STATUSES, EventKind, PolicyApply
from ..models import Complaint, ComplaintEvent, ComplaintPolicy, ComplaintPolicyVersion
from ..selectors import policy_for, policy_values
from .common import clock_add, clock_between, deadline, event_add, store_zone

# Settings whose change makes a new policy version (they move deadlines); opening hours count too.
DEADLINE_FIELDS = (
    "clock",
    "first_contact_hours",
    "level1_hours",
    "level2_hours",
    "level3_hours",
    "media_report_hours",
)


def _local(store: Store, instant: datetime | None) -> str:
    return instant.astimezone(store_zone(store)).strftime("%Y-%m-%d %H:%M") if instant else "—"


def _span(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}


def clock_start(row: Complaint) -> datetime:
    """Where the level clock runs from (older rows: from the last escalation, else from intake)."""
    return row.clock_from or row.escalated_at or row.received_at


def is_paused(row: Complaint, now: datetime) -> bool:
    return row.paused_at is not None and row.pause_until is not None and now < row.pause_until


def level_time_left(*, row: Complaint, policy: ComplaintPolicy, now: datetime, cal: StoreCalendar) -> timedelta | None:
    """The level clock time left: frozen while paused, else until the deadline (negative when overdue)."""
    if row.level_due_at is None:
        return None
    if is_paused(row, now):
        return clock_between(policy=policy, store=row.store, start=row.pause_until, end=row.level_due_at, cal=cal)
    return clock_between(policy=policy, store=row.store, start=now, end=row.level_due_at, cal=cal)


def hold_pause(*, row: Complaint, actor: User | None, now: datetime) -> bool:
    """Pause the level clock of a complaint put on Hold, when the store's policy says so (inside its transaction).

    The clock runs again when the complaint leaves Hold, or by itself after the longest pause (per level)."""
    policy = policy_for(store=row.store)
    if not policy.hold_pauses_clock or row.level_due_at is None or row.paused_at is not None:
        return False
    if row.level_due_at <= now:
        # The clock has run out already: escalation is owed, there is nothing left to pause.
        return False
    allowed = timedelta(hours=policy.hold_max_hours) - timedelta(seconds=row.held_seconds)
    if allowed <= timedelta(0):
        event_add(
            complaint=row,
            kind=EventKind.ACTION,
            actor=actor,
            now=now,
            note=_("The longest pause of this level is used up: the level clock keeps running."),
        )
        return False
    cal = calendar_for(store=row.store)
    left = clock_between(policy=policy, store=row.store, start=now, end=row.level_due_at, cal=cal)
    used = row.clock_used + max(
        0, int(clock_between(policy=policy, store=row.store, start=clock_start(row), end=now, cal=cal).total_seconds())
    )
    until = now + allowed
    due = clock_add(policy=policy, store=row.store, start=until, amount=left, cal=cal)
    Complaint.objects.filter(pk=row.pk).update(
        paused_at=now, pause_until=until, clock_from=until, clock_used=used, level_due_at=due
    )
    note = _("Level clock paused with %(left)s left; it runs again when the Hold ends, at the latest %(until)s.") % {
        "left": _span(left),
        "until": _local(row.store, until),
    }
    event_add(complaint=row, kind=EventKind.CLOCK_PAUSED, actor=actor, now=now, note=note)
    audit_record(
        obj=row,
        action=AuditAction.UPDATE,
        at=now,
        actor=actor,
        changes={"paused_at": [None, now], "pause_until": [None, until], "level_due_at": [row.level_due_at, due]},
    )
    return True


def hold_resume(*, row: Complaint, actor: User | None, now: datetime) -> bool:
    """Let a paused level clock run again (the Hold ended, or the longest pause passed); inside a transaction."""
    if row.paused_at is None or row.pause_until is None:
        return False
    policy = policy_for(store=row.store)
    at = min(now, row.pause_until)
    due = row.level_due_at
    if due is not None and at < row.pause_until:
        cal = calendar_for(store=row.store)
        left = clock_between(policy=policy, store=row.store, start=row.pause_until, end=due, cal=cal)
        due = clock_add(policy=policy, store=row.store, start=at, amount=left, cal=cal)
    held = max(0, int((at - row.paused_at).total_seconds()))
    key = f"resume:{int(row.paused_at.timestamp())}"
    if at < row.pause_until:
        note = _("Level clock runs again after %(held)s on Hold; level deadline %(due)s.")
    else:
        note = _("Longest pause reached after %(held)s on Hold: the level clock runs again; level deadline %(due)s.")
    try:
        with transaction.atomic():
            event_add(
                complaint=row,
                kind=EventKind.CLOCK_RESUMED,
                actor=actor,
                now=at,
                note=note % {"held": _span(timedelta(seconds=held)), "due": _local(row.store, due)},
                key=key,
            )
    except IntegrityError:
        return False
    Complaint.objects.filter(pk=row.pk).update(
        paused_at=None, pause_until=None, clock_from=at, held_seconds=row.held_seconds + held, level_due_at=due
    )
    audit_record(
        obj=row,
        action=AuditAction.UPDATE,
        at=now,
        actor=actor,
        source="web" if actor is not None else "sweep",
        changes={"paused_at": [row.paused_at, None], "level_due_at": [row.level_due_at, due]},
    )
    return True


def holds_resume_due(*, now: datetime) -> int:
    """The sweep: every pause whose longest time passed runs again (timeline entry at that instant). Idempotent."""
    due = list(
        Complaint.objects.filter(paused_at__isnull=False, pause_until__lte=now)
        .order_by("pause_until", "pk")
        .values_list("pk", flat=True)
    )
    resumed = 0
    for pk in due:
        with transaction.atomic():
            row = Complaint.objects.select_for_update(of=("self",)).filter(pk=pk, paused_at__isnull=False).first()
            if row is not None and row.pause_until <= now and hold_resume(row=row, actor=None, now=now):
                resumed += 1
    return resumed


def _snapshot(policy: ComplaintPolicy, cal: StoreCalendar) -> dict:
    values = {field: getattr(policy, field) for field in DEADLINE_FIELDS}
    values["weekly_hours"] = [[f"{h[0]:%H:%M}", f"{h[1]:%H:%M}"] if h else None for h in cal.weekly]
    values["follow_official_holidays"] = cal.follow_official
    return values


def policy_save(
    *,
    store: Store,
    actor: User | None,
    now: datetime,
    values: dict,
    weekly=None,
    follow_official_holidays: bool | None = None,
    apply: str = PolicyApply.KEEP,
) -> tuple[ComplaintPolicy, int | None]:
    """Save the policy screen: complaint settings and the store's weekly opening hours, then keep or recompute
    the open complaints' deadlines. Returns (policy, complaints recomputed or None when deadlines did not change).
    """
    from .handling import policy_update  # handling calls hold_pause/hold_resume of this module

    if apply not in PolicyApply.values:
        raise ValueError(f"unknown choice for open complaints: {apply!r}")
    with transaction.atomic():
        before = ComplaintPolicy.objects.select_for_update().get(pk=policy_for(store=store).pk)
        old_cal = calendar_for(store=store)
        policy = policy_update(store=store, actor=actor, now=now, **values)
        _row, hours_changed = calendar_update(
            store=store, actor=actor, now=now, weekly=weekly, follow_official_holidays=follow_official_holidays
        )
        new_cal = calendar_for(store=store)
        old, new = _snapshot(before, old_cal), _snapshot(policy, new_cal)
        if old == new and not hours_changed:
            return policy, None
        number = before.version + 1
        ComplaintPolicy.objects.filter(pk=policy.pk).update(version=number)
        policy.refresh_from_db()
        version = ComplaintPolicyVersion.objects.create(
            store=store, number=number, saved_at=now, saved_by=actor, values=new, applied=apply
        )
        count = 0
        if apply == PolicyApply.RECOMPUTE:
            count = _recompute(
                store=store, before=before, old_cal=old_cal, policy=policy, cal=new_cal, now=now, actor=actor
            )
            ComplaintPolicyVersion.objects.filter(pk=version.pk).update(recomputed=count)
        audit_record(
            obj=policy,
            action=AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes={"version": [before.version, number], "open_complaints": apply, "recomputed": count},
        )
    return policy, count


def _media_report_due(
    *,
    row: Complaint,
    before: ComplaintPolicy,
    old_cal: StoreCalendar,
    policy: ComplaintPolicy,
    cal: StoreCalendar,
    now: datetime,
) -> datetime | None:
    """The written report's new deadline: the time used so far (old settings) is kept, the rest counts under
    the new ones, as for the level clock. A report the new settings make late is due now (the sweep tells
    once); one already late under the old settings keeps its deadline."""
    due = row.media_report_due
    if due is None or row.media_reported_at is not None:
        return due
    left_before = clock_between(policy=before, store=row.store, start=now, end=due, cal=old_cal)
    used = timedelta(hours=before.media_report_hours) - left_before
    left = timedelta(hours=policy.media_report_hours) - used
    if left <= timedelta(0):
        return min(due, now)
    return clock_add(policy=policy, store=row.store, start=now, amount=left, cal=cal)


def _recompute(
    *,
    store: Store,
    before: ComplaintPolicy,
    old_cal: StoreCalendar,
    policy: ComplaintPolicy,
    cal: StoreCalendar,
    now: datetime,
    actor: User | None,
) -> int:
    """New deadlines for every open complaint of the store: the level time and the written report's time
    already used (under the old settings) are kept, the rest counts under the new ones; first contact counts
    again from intake."""
    rows = list(Complaint.objects.select_for_update().filter(store=store, status__in=list(OPEN_STATUSES)))
    hours_by_level = policy_values(policy)
    changed, events, audits = [], [], []
    for row in rows:
        old_level_due, old_contact_due, old_report_due = row.level_due_at, row.first_contact_due, row.media_report_due
        row.media_report_due = _media_report_due(
            row=row, before=before, old_cal=old_cal, policy=policy, cal=cal, now=now
        )
        if row.first_contacted_at is None:
            row.first_contact_due = deadline(
                policy=policy, store=store, start=row.received_at, hours=policy.first_contact_hours, cal=cal
            )
        level_hours = rules.level_hours(hours_by_level, row.level)
        if level_hours is not None and row.level_due_at is not None:
            total = timedelta(hours=level_hours)
            if is_paused(row, now):
                left = total - timedelta(seconds=row.clock_used)
                start = row.pause_until
            else:
                used = row.clock_used + max(
                    0,
                    int(
                        clock_between(
                            policy=before, store=store, start=clock_start(row), end=now, cal=old_cal
                        ).total_seconds()
                    ),
                )
                row.clock_used, row.clock_from = used, now
                left, start = total - timedelta(seconds=used), now
            row.level_due_at = clock_add(policy=policy, store=store, start=start, amount=left, cal=cal)
        row.policy_version = policy.version
        changed.append(row)
        note = _("Deadlines recomputed with policy version %(v)d: level deadline %(a)s → %(b)s.") % {
            "v": policy.version,
            "a": _local(store, old_level_due),
            "b": _local(store, row.level_due_at),
        }
        if row.first_contacted_at is None and old_contact_due != row.first_contact_due:
            note += " " + _("First contact %(a)s → %(b)s.") % {
                "a": _local(store, old_contact_due),
                "b": _local(store, row.first_contact_due),
            }
        if old_report_due != row.media_report_due:
            note += " " + _("Written report %(a)s → %(b)s.") % {
                "a": _local(store, old_report_due),
                "b": _local(store, row.media_report_due),
            }
        events.append(
            ComplaintEvent(complaint=row, at=now, kind=EventKind.DEADLINES, actor=actor, note=note, level=row.level)
        )
        audits.append(
            audit_entry(
                obj=row,
                action=AuditAction.UPDATE,
                at=now,
                actor=actor,
                changes={
                    "level_due_at": [old_level_due, row.level_due_at],
                    "first_contact_due": [old_contact_due, row.first_contact_due],
                    "media_report_due": [old_report_due, row.media_report_due],
                    "policy_version": policy.version,
                },
            )
        )
    Complaint.objects.bulk_update(
        changed, ["first_contact_due", "level_due_at", "media_report_due", "clock_used", "clock_from", "policy_version"]
    )
    ComplaintEvent.objects.bulk_create(events)
    audit_record_many(audits)
    return len(changed)


def deadlines_source(*, complaint: Complaint) -> ComplaintPolicyVersion | None:
    """The saved policy version the complaint's deadlines came from (None: the store's first policy)."""
    if not complaint.policy_version or complaint.policy_version < 2:
        return None
    return ComplaintPolicyVersion.objects.filter(store=complaint.store_id, number=complaint.policy_version).first()
