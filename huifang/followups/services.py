"""Writes of follow-ups: default rules, contact attempts and their outcome, moving tasks between people."""

from collections import defaultdict
from datetime import datetime

from django.db import transaction

from huifang.accounts.models import Store, User
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_entry, audit_record, audit_record_many
from huifang.messaging import services as messaging_services

from . import rules
from .choices import FAILED_OUTCOMES, AttemptOutcome, TaskStatus
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
    cheapest follow-up). The outbox checks the mobile number, opt-outs and quiet hours itself."""
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
            "sms_follow_up": message.get_status_display() if message is not None else "no mobile number",
        },
    )


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
) -> ContactAttempt:
    """Record one contact attempt and move the task on: done, refused, rescheduled or unreachable."""
    if outcome not in AttemptOutcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    if outcome == AttemptOutcome.CALL_BACK and callback_at is None:
        raise ValueError("a call back needs the time to call back")
    with transaction.atomic():
        # Lock the task so two agents recording at once count the failures right.
        locked = FollowUpTask.objects.select_for_update().select_related("rule").get(pk=task.pk)
        if locked.status != TaskStatus.OPEN:
            raise ValueError(f"task {task.pk} is {locked.status}, not open")
        failed_before = ContactAttempt.objects.filter(task=locked, outcome__in=FAILED_OUTCOMES).count()
        attempt = ContactAttempt.objects.create(
            task=locked,
            at=now,
            outcome=outcome,
            note=note,
            relation=relation,
            best_time=best_time,
            callback_at=callback_at,
            actor=actor if actor is not None and actor.is_authenticated else None,
        )
        status = rules.status_after_attempt(outcome, failed_before, locked.rule.max_failed_attempts)
        changes: dict = {"attempt": outcome}
        update: dict = {}
        if outcome == AttemptOutcome.CALL_BACK:
            update["next_call_at"] = callback_at
        if status != TaskStatus.OPEN:
            update.update(status=status, closed_at=now)
            changes["status"] = [TaskStatus.OPEN, status]
        if update:
            FollowUpTask.objects.filter(pk=locked.pk).update(**update)
        audit_record(obj=locked, action=AuditAction.UPDATE, at=now, actor=actor, source="web", changes=changes)
        if status == TaskStatus.UNREACHABLE:
            locked.status = status
            on_task_unreachable(locked, now=now, actor=actor)
    task.refresh_from_db()
    return attempt


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
