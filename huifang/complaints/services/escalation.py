"""Escalation: one level up per passed deadline (manual or by the sweep), and the overdue reminders.

Idempotency: each escalation by the sweep is an event keyed by the deadline it answers (unique per
complaint) and the level change is a guarded UPDATE on (level, level_due_at); the complaint row is
locked (skip-locked on PostgreSQL) so two sweeps at once escalate each deadline exactly once.
Notifications are keyed too, so re-running a sweep notifies nobody twice.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from huifang.accounts.models import User
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.robots import alerts as robot_alerts

from .. import defaults, rules
from ..choices import OPEN_STATUSES, ComplaintLevel, ComplaintStatus, EventKind
from ..models import Complaint, ComplaintEvent
from ..selectors import chain_recipients, level_owner_candidates, level_recipients, policy_for
from .clock import holds_resume_due
from .common import event_add, level_deadline, locked, notify_about

FIRST_CONTACT_OVERDUE_KEY = "first_contact_overdue"
MEDIA_REPORT_OVERDUE_KEY = "media_report_overdue"


def _local(complaint: Complaint, instant: datetime | None) -> str:
    if instant is None:
        return "—"
    return instant.astimezone(ZoneInfo(complaint.store.time_zone or "Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def _level_label(level: int) -> str:
    return str(ComplaintLevel(level).label)


def _escalation_notice(*, row: Complaint, owners: list[User], level: int, now: datetime, why: str, key: str) -> None:
    title = _("Complaint %(number)s escalated to you (%(level)s): %(customer)s") % {
        "number": row.number,
        "level": _level_label(level),
        "customer": row.customer_name,
    }
    body = why
    if row.is_major:
        body += "\n" + _("Major complaint.")
    notify_about(complaint=row, users=owners, now=now, title=title, body=body, key=key)
    robot_alerts.complaint_escalated(complaint=row, now=now, why=why, key=key)


def _new_level_clock(start: datetime, policy) -> dict:
    """The level clock of a level just reached: whole, running from `start`, no pause (a Hold's pause ends)."""
    return {
        "clock_from": start,
        "clock_used": 0,
        "held_seconds": 0,
        "paused_at": None,
        "pause_until": None,
        "policy_version": policy.version,
    }


def complaint_escalate(*, complaint: Complaint, actor: User | None, now: datetime, why: str = "") -> Complaint:
    """Raise the complaint one level by hand (e.g. the front line asks for the manager); the new owner is notified."""
    with transaction.atomic():
        row = locked(complaint)
        if row.status == ComplaintStatus.CLOSED:
            raise ValidationError({"level": _("The complaint is closed; reopen it first.")})
        up = rules.next_level(row.level)
        if up is None:
            raise ValidationError({"level": _("The complaint is already with the manufacturer's regional office.")})
        policy = policy_for(store=row.store)
        due = level_deadline(policy=policy, store=row.store, level=up, reached_at=now)
        recipients = level_recipients(store=row.store, level=up)
        owners = recipients.users
        owner = owners[0] if owners else row.owner
        routed = recipients.why(row.store)
        changed = Complaint.objects.filter(pk=row.pk, level=row.level).update(
            level=up, level_due_at=due, escalated_at=now, owner=owner, **_new_level_clock(now, policy)
        )
        if not changed:
            return row
        note = _("%(from)s → %(to)s, owner %(owner)s.") % {
            "from": _level_label(row.level),
            "to": _level_label(up),
            "owner": owner or "—",
        }
        if why.strip():
            note += " " + why.strip()
        if routed:
            note += " " + routed
        event = event_add(complaint=row, kind=EventKind.ESCALATE, actor=actor, now=now, note=note, level=up)
        audit_record(
            obj=row,
            action=AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes={"level": [row.level, up], "owner": [row.owner, owner], "why": why.strip()},
        )
        row.refresh_from_db()
        notified = owners if up == ComplaintLevel.MANUFACTURER else [owner]
        _escalation_notice(row=row, owners=notified, level=up, now=now, why=note, key=f"escalate:manual:{event.pk}")
    complaint.refresh_from_db()
    return complaint


def _lock_due(pk: int, now: datetime) -> Complaint | None:
    rows = Complaint.objects.filter(
        pk=pk, status__in=list(OPEN_STATUSES), level__lt=ComplaintLevel.MANUFACTURER, level_due_at__lte=now
    )
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    else:
        rows = rows.select_for_update()
    return rows.first()


def _escalate_one(pk: int, now: datetime) -> int:
    """Escalate one complaint for every deadline that passed by `now`; returns the number of levels climbed."""
    with transaction.atomic():
        row = _lock_due(pk, now)
        if row is None:
            # Closed, escalated or being escalated by another sweep right now.
            return 0
        store = row.store
        policy = policy_for(store=store)
        steps = rules.escalation_steps(
            row.level,
            row.level_due_at,
            now,
            due_for=lambda level, reached: level_deadline(policy=policy, store=store, level=level, reached_at=reached),
        )
        if not steps:
            return 0
        final = steps[-1]
        recipients = level_recipients(store=store, level=final.to_level)
        owners = recipients.users
        owner = owners[0] if owners else row.owner
        routed = recipients.why(store)
        changed = Complaint.objects.filter(pk=row.pk, level=row.level, level_due_at=row.level_due_at).update(
            level=final.to_level,
            level_due_at=final.new_due,
            escalated_at=final.deadline,
            owner=owner,
            **_new_level_clock(final.deadline, policy),
        )
        if not changed:
            return 0
        try:
            with transaction.atomic():
                for step in steps:
                    step_owners = owners if step is final else level_owner_candidates(store=store, level=step.to_level)
                    note = _("Deadline of %(level)s passed at %(deadline)s: %(from)s → %(to)s, owner %(owner)s.") % {
                        "level": _level_label(step.from_level),
                        "deadline": _local(row, step.deadline),
                        "from": _level_label(step.from_level),
                        "to": _level_label(step.to_level),
                        "owner": (step_owners[0] if step_owners else row.owner) or "—",
                    }
                    if step.new_due is not None:
                        note += " " + _("Next deadline %(due)s.") % {"due": _local(row, step.new_due)}
                    if step is final and routed:
                        note += " " + routed
                    event_add(
                        complaint=row,
                        kind=EventKind.ESCALATE,
                        actor=None,
                        now=now,
                        note=note,
                        level=step.to_level,
                        key=step.key,
                    )
        except IntegrityError:
            # Another sweep answered these deadlines already: undo our level change.
            transaction.set_rollback(True)
            return 0
        audit_record(
            obj=row,
            action=AuditAction.UPDATE,
            at=now,
            actor=None,
            source="sweep",
            changes={
                "level": [row.level, final.to_level],
                "owner": [row.owner, owner],
                "deadlines": [s.deadline for s in steps],
            },
        )
        row.refresh_from_db()
        notified = owners if final.to_level == ComplaintLevel.MANUFACTURER else [owner]
        why = _("The deadline of %(level)s passed at %(deadline)s without a result.") % {
            "level": _level_label(final.from_level),
            "deadline": _local(row, final.deadline),
        }
        if routed:
            why += "\n" + routed
        _escalation_notice(row=row, owners=notified, level=final.to_level, now=now, why=why, key=final.key)
    return len(steps)


def _overdue_once(*, rows, key: str, now: datetime, title: str, note: str, recipients) -> int:
    """Record and notify an overdue fact once per complaint (event keyed `key`); returns how many were new.

    `recipients(complaint)` gives (users, why the notice went up the chain or "").
    """
    count = 0
    pending = rows.exclude(Exists(ComplaintEvent.objects.filter(complaint=OuterRef("pk"), key=key)))
    for complaint in pending.select_related("store", "owner").order_by("pk")[: defaults.ESCALATION_BATCH_SIZE * 5]:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    event_add(complaint=complaint, kind=EventKind.ACTION, actor=None, now=now, note=note, key=key)
            except IntegrityError:
                continue
            users, routed = recipients(complaint)
            notify_about(
                complaint=complaint,
                users=users,
                now=now,
                title=title % {"number": complaint.number, "customer": complaint.customer_name},
                body=f"{note}\n{routed}" if routed else note,
                key=key,
            )
            count += 1
    return count


def _owner_and_chain(complaint: Complaint, roles) -> tuple[list[User], str]:
    """The owner and the first role of `roles` with someone available in the store, and why it went up."""
    found = chain_recipients(store=complaint.store, roles=roles)
    return [complaint.owner, *found.users], found.why(complaint.store)


def complaints_escalate_due(*, now: datetime) -> dict[str, int]:
    """The sweep: escalate every open complaint whose level deadline passed (one level per passed deadline),
    and remind about overdue first contacts and written reports. Idempotent; returns counts."""
    # Pauses whose longest time passed end first (their own timeline entries), so the deadlines compared
    # below are the running ones. Counted by holds_resume_due's own callers; the sweep's counts stay as they were.
    holds_resume_due(now=now)
    candidates = list(
        Complaint.objects.filter(
            status__in=list(OPEN_STATUSES), level__lt=ComplaintLevel.MANUFACTURER, level_due_at__lte=now
        )
        .order_by("level_due_at", "pk")
        .values_list("pk", flat=True)
    )
    escalated = steps = 0
    for start in range(0, len(candidates), defaults.ESCALATION_BATCH_SIZE):
        for pk in candidates[start : start + defaults.ESCALATION_BATCH_SIZE]:
            climbed = _escalate_one(pk, now)
            if climbed:
                escalated += 1
                steps += climbed
    first_contact = _overdue_once(
        rows=Complaint.objects.filter(
            status__in=list(OPEN_STATUSES), first_contacted_at__isnull=True, first_contact_due__lte=now
        ),
        key=FIRST_CONTACT_OVERDUE_KEY,
        now=now,
        title=_("First contact overdue: complaint %(number)s (%(customer)s)"),
        note=_("The customer was not contacted within the first-contact deadline."),
        recipients=lambda c: _owner_and_chain(c, defaults.ESCALATION_CHAIN),
    )
    media = _overdue_once(
        rows=Complaint.objects.filter(
            status__in=list(OPEN_STATUSES), media_reported_at__isnull=True, media_report_due__lte=now
        ),
        key=MEDIA_REPORT_OVERDUE_KEY,
        now=now,
        title=_("Written report to the manufacturer overdue: complaint %(number)s (%(customer)s)"),
        note=_("Media or legal involvement: the written report to the manufacturer is overdue."),
        recipients=lambda c: _owner_and_chain(c, defaults.ESCALATION_CHAIN[1:]),
    )
    return {
        "escalated": escalated,
        "levels": steps,
        "first_contact_overdue": first_contact,
        "media_report_overdue": media,
    }
