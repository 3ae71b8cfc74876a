"""Writes of follow-ups: default rules, contact attempts and their outcome, moving tasks between people."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from huifang.accounts.models import Store, User
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_entry, audit_record, audit_record_many, field_changes
from huifang.core.calendar import festivals_in_year
from huifang.messaging import services as messaging_services

from . import defaults, rules
from .choices import FAILED_OUTCOMES, AttemptOutcome, OwnerRule, RuleKind, TaskChannel, TaskStatus
from .defaults import DEFAULT_RULES
from .models import ContactAttempt, FollowUpRule, FollowUpTask
from .selectors import specialists_open_counts


def rules_ensure_defaults(*, store: Store) -> int:
    """Give `store` every rule kind it lacks, with the brief's defaults; returns how many were added."""
    have = set(FollowUpRule.objects.filter(store=store).values_list("kind", flat=True))
    missing = [
        FollowUpRule(store=store, kind=kind, **values) for kind, values in DEFAULT_RULES.items() if kind not in have
    ]
    if missing:
        FollowUpRule.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def on_task_unreachable(task: FollowUpTask, *, now: datetime, actor=None) -> None:
    """A call task closed as unreachable: send the repair follow-up SMS instead (seed 003: SMS is the
    cheapest follow-up). The outbox checks the mobile number, opt-outs and quiet hours itself.
    A post-service call of a store with the survey chain on sends the survey link instead (issue 8 §2)."""
    # Imported here: surveys builds on followups (and the workbench), not the other way round.
    from huifang.surveys import services as survey_services

    link = survey_services.chain_start(task=task, now=now) if survey_services.chain_applies(task=task) else None
    if link is not None:
        message = link.sms_message
    else:
        message = messaging_services.sms_follow_up_for_unreachable(
            task_store=task.store, customer=task.customer, now=now, related=task
        )
    audit_record(
        obj=task,
        action=AuditAction.UPDATE,
        at=now,
        actor=actor,
        source="followups",
        changes={
            "event": "unreachable",
            "sms_follow_up": message.get_status_display()
            if message is not None
            else ("no SMS" if link is not None else "no mobile number"),
            **({"survey_link": link.pk} if link is not None else {}),
        },
    )


@dataclass(frozen=True)
class AttemptMove:
    """What one contact attempt does to its open task: the attempt row to insert, the task's new values
    (empty when it stays as it is), its status after the attempt, and the audit entry's changes."""

    attempt: ContactAttempt
    update: dict
    status: str
    changes: dict


def attempt_move(
    *,
    task: FollowUpTask,
    max_failed_attempts: int,
    time_zone: str,
    failed_before: list[datetime],
    actor: User | None,
    now: datetime,
    outcome: str,
    note: str = "",
    relation: str = "",
    best_time: str = "",
    callback_at: datetime | None = None,
    spacing: rules.RetrySpacing | None = None,
) -> AttemptMove:
    """The rules of attempt_record on an open task its caller has locked, writing nothing: `failed_before`
    holds the times of the task's earlier failed attempts (needed only when `outcome` is a failure), so a
    caller that writes more in the same transaction (saving a call) can write it all at once."""
    attempt = ContactAttempt(
        task=task,
        at=now,
        outcome=outcome,
        note=note,
        relation=relation,
        best_time=best_time,
        callback_at=callback_at,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
    status = rules.status_after_attempt(outcome, 0, max_failed_attempts)
    changes: dict = {"attempt": outcome}
    update: dict = {}
    if outcome == AttemptOutcome.CALL_BACK:
        update["next_call_at"] = callback_at
    if outcome in FAILED_OUTCOMES:
        spacing = spacing or rules.RetrySpacing()
        tz = ZoneInfo(time_zone or "Asia/Shanghai")
        tries = rules.counted_tries([*failed_before, now], spacing, tz)
        changes["try"] = len(tries) if tries[-1] == now else None
        if rules.is_unreachable(tries, max_failed_attempts, now, spacing):
            status = TaskStatus.UNREACHABLE
        else:
            status = TaskStatus.OPEN
            update["next_call_at"] = rules.comeback_at(tries, spacing, tz)
            changes["comes_back_at"] = update["next_call_at"]
    if status != TaskStatus.OPEN:
        update.update(status=status, closed_at=now)
        changes["status"] = [TaskStatus.OPEN, status]
    return AttemptMove(attempt=attempt, update=update, status=status, changes=changes)


# The outcomes' values, kept per process (`AttemptOutcome.values` builds its list anew on every use).
_ATTEMPT_OUTCOMES = frozenset(AttemptOutcome.values)


def attempt_validate(*, outcome: str, callback_at: datetime | None) -> None:
    if outcome not in _ATTEMPT_OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    if outcome == AttemptOutcome.CALL_BACK and callback_at is None:
        raise ValueError("a call back needs the time to call back")


def attempt_record(
    *,
    task: FollowUpTask,
    actor: User | None,
    now: datetime,
    outcome: str,
    note: str = "",
    relation: str = "",
    best_time: str = "",
    callback_at: datetime | None = None,
    spacing: rules.RetrySpacing | None = None,
) -> ContactAttempt:
    """Record one contact attempt and move the task on: done, refused, rescheduled or unreachable.

    A failed attempt makes the task wait before it is offered again (`spacing`, the store's retry settings;
    issue 14 §3); an attempt made while it waits is recorded but is not a new try, and the task closes as
    unreachable only after enough tries and not within the first hours of the first one.
    """
    attempt_validate(outcome=outcome, callback_at=callback_at)
    with transaction.atomic():
        # Lock the task so two agents recording at once count the failures right.
        locked = FollowUpTask.objects.select_for_update(of=("self",)).select_related("rule", "store").get(pk=task.pk)
        if locked.status != TaskStatus.OPEN:
            raise ValueError(f"task {task.pk} is {locked.status}, not open")
        failed_before = list(
            ContactAttempt.objects.filter(task=locked, outcome__in=FAILED_OUTCOMES).values_list("at", flat=True)
        )
        move = attempt_move(
            task=locked,
            max_failed_attempts=locked.rule.max_failed_attempts,
            time_zone=locked.store.time_zone,
            failed_before=failed_before,
            actor=actor,
            now=now,
            outcome=outcome,
            note=note,
            relation=relation,
            best_time=best_time,
            callback_at=callback_at,
            spacing=spacing,
        )
        move.attempt.save(force_insert=True)
        if move.update:
            FollowUpTask.objects.filter(pk=locked.pk).update(**move.update)
        audit_record(obj=locked, action=AuditAction.UPDATE, at=now, actor=actor, source="web", changes=move.changes)
        if move.status == TaskStatus.UNREACHABLE:
            locked.status = move.status
            on_task_unreachable(locked, now=now, actor=actor)
    # Only what an attempt changes: a full refresh would drop the caller's joined store, customer and vehicle.
    task.refresh_from_db(fields=["status", "next_call_at", "closed_at"])
    return move.attempt


def tasks_reassign(*, from_user: User, to_user: User | None, store: Store, actor: User | None, now: datetime) -> int:
    """Move `from_user`'s open tasks in `store` to `to_user`, or (None) spread them over the least loaded staff."""
    with transaction.atomic():
        open_tasks = FollowUpTask.objects.select_for_update().filter(
            store=store, assigned_to=from_user, status=TaskStatus.OPEN
        )
        ids = list(open_tasks.order_by("due_at", "id").values_list("pk", flat=True))
        if not ids:
            return 0
        if to_user is not None:
            targets: list[int | None] = [to_user.pk] * len(ids)
        else:
            loads = specialists_open_counts(store=store, exclude_user_ids=[from_user.pk])
            targets = rules.balanced_assignees(loads, len(ids))
        by_user: dict[int | None, list[int]] = defaultdict(list)
        for task_id, user_id in zip(ids, targets, strict=True):
            by_user[user_id].append(task_id)
        # One UPDATE per receiving person (a single one when moving to a named colleague).
        for user_id, task_ids in by_user.items():
            FollowUpTask.objects.filter(pk__in=task_ids).update(assigned_to_id=user_id)
        moved = FollowUpTask.objects.filter(pk__in=ids).only(
            "pk", "store_id", "kind", "subject", "occurrence_key", "assigned_to_id"
        )
        audit_record_many(
            audit_entry(
                obj=task,
                action=AuditAction.UPDATE,
                at=now,
                actor=actor,
                source="followups",
                changes={"assigned_to": [from_user.pk, task.assigned_to_id]},
            )
            for task in moved
        )
    return len(ids)


# Fields of a rule the care director may change (kind and store are fixed: one row per kind and store).
RULE_EDITABLE_FIELDS = (
    "name",
    "return_window_days",
    "enabled",
    "delay_hours",
    "lead_days",
    "offsets",
    "km_threshold",
    "festivals",
    "window_hours",
    "marketing_only",
    "max_failed_attempts",
    "sample_percent",
    "catch_up_days",
    "channel",
    "owner_rule",
    "script",
)
# Kinds whose trigger is a list of offsets after an event: without one they would never create a task.
KINDS_NEEDING_OFFSETS = frozenset({RuleKind.FIRST_VISIT_SERIES, RuleKind.LOST_CUSTOMER})


def rule_validate(*, rule: FollowUpRule, values: dict) -> None:
    """Raise ValidationError {field: message} for values the sweeps could not use."""
    errors: dict[str, str] = {}
    unknown = set(values) - set(RULE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    offsets = values.get("offsets", rule.offsets)
    try:
        parsed = rules.parse_offsets(offsets)
    except ValueError:
        errors["offsets"] = _("Write offsets like 3d,1m,3m (a number of days d or months m).")
    else:
        if any(o.n == 0 for o in parsed):
            errors["offsets"] = _("An offset must be at least 1 day or 1 month.")
        elif rule.kind in KINDS_NEEDING_OFFSETS and not parsed:
            errors["offsets"] = _("This kind of rule needs at least one offset.")
    festivals = [f.strip() for f in values.get("festivals", rule.festivals).split(",") if f.strip()]
    # The festival keys do not depend on the year; any year lists them all.
    known = set(festivals_in_year(2000))
    if any(f not in known for f in festivals):
        errors["festivals"] = _("Unknown festival; use some of: %(keys)s") % {"keys": ", ".join(sorted(known))}
    elif rule.kind == RuleKind.HOLIDAY_GREETING and not festivals:
        errors["festivals"] = _("Holiday greetings need at least one festival.")
    if values.get("window_hours", rule.window_hours) < 1:
        errors["window_hours"] = _("The due window must be at least 1 hour.")
    if values.get("max_failed_attempts", rule.max_failed_attempts) < 1:
        errors["max_failed_attempts"] = _("At least 1 failed attempt.")
    km = values.get("km_threshold", rule.km_threshold)
    if km is not None and km < 1:
        errors["km_threshold"] = _("The km threshold must be positive.")
    if not 1 <= values.get("sample_percent", rule.sample_percent) <= 100:
        errors["sample_percent"] = _("The share must be between 1 and 100 %.")
    if not 0 <= values.get("catch_up_days", rule.catch_up_days) <= defaults.MAX_CATCH_UP_DAYS:
        errors["catch_up_days"] = _("Late calls: between 0 (off) and %(n)s days.") % {"n": defaults.MAX_CATCH_UP_DAYS}
    channel = values.get("channel", rule.channel)
    owner_rule = values.get("owner_rule", rule.owner_rule)
    if channel not in TaskChannel.values:
        errors["channel"] = _("Unknown channel.")
    if owner_rule not in OwnerRule.values:
        errors["owner_rule"] = _("Unknown owner.")
    elif owner_rule == OwnerRule.AUTOMATIC and channel == TaskChannel.CALL:
        errors["owner_rule"] = _("A call needs a person: choose the care team or the advisor.")
    elif owner_rule == OwnerRule.RO_ADVISOR and rule.kind != RuleKind.POST_SERVICE_CALL:
        errors["owner_rule"] = _("Only the post-service call has a repair order, hence an advisor.")
    if errors:
        raise ValidationError(errors)


def rule_update(*, rule: FollowUpRule, actor: User | None, now: datetime, **values) -> FollowUpRule:
    """Change a store's follow-up rule; the changed fields are audited."""
    rule_validate(rule=rule, values=values)
    with transaction.atomic():
        locked = FollowUpRule.objects.select_for_update().get(pk=rule.pk)
        before = {field: getattr(locked, field) for field in values}
        changes = field_changes(before, values)
        if changes:
            FollowUpRule.objects.filter(pk=locked.pk).update(**values)
            audit_record(obj=locked, action=AuditAction.UPDATE, at=now, actor=actor, source="web", changes=changes)
    rule.refresh_from_db()
    return rule
