"""Handling a complaint: contact, edits, status, owner, actions, written report, attachments, closing, reopening."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from huifang.accounts.models import Store, User
from huifang.accounts.selectors import has_role
from huifang.archive.services import customer_from_contact
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record, field_changes
from huifang.followups.choices import RuleKind, TaskChannel, TaskStatus
from huifang.followups.models import FollowUpRule, FollowUpTask
from huifang.followups.selectors import TASK_HOLDER_ROLES, specialists_open_counts
from huifang.followups.services import rules_ensure_defaults

from .. import defaults
from ..choices import ClockKind, ComplaintCategory, ComplaintStatus, EventKind
from ..models import Complaint, ComplaintAttachment, ComplaintEvent, ComplaintFollowUp, ComplaintPolicy, ComplaintReason
from ..selectors import assignable_owners, policy_for
from .clock import hold_pause, hold_resume
from .common import event_add, level_deadline, locked, notify_about
from .intake import archive_match, major_apply, validate_fields


def _require_open(complaint: Complaint) -> None:
    if complaint.status == ComplaintStatus.CLOSED:
        raise ValidationError({"status": _("The complaint is closed; reopen it first.")})


def _stamp(complaint: Complaint, now: datetime, actor: User | None, text: str) -> str:
    local = now.astimezone(ZoneInfo(complaint.store.time_zone or "Asia/Shanghai"))
    return f"{local:%Y-%m-%d %H:%M} {actor or _('system')}：{text}"


def complaint_contact_record(*, complaint: Complaint, actor: User | None, now: datetime, note: str = "") -> Complaint:
    """Record a contact with the customer; the first one stops the 2-hour first-contact clock."""
    with transaction.atomic():
        row = locked(complaint)
        first = row.first_contacted_at is None
        if first:
            Complaint.objects.filter(pk=row.pk).update(first_contacted_at=now)
        late = first and now > row.first_contact_due
        text = note.strip() or _("Customer contacted.")
        if late:
            text += " " + _("(after the first-contact deadline)")
        event_add(complaint=row, kind=EventKind.CONTACT, actor=actor, now=now, note=text)
        audit_record(
            obj=row,
            action=AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes={"first_contacted_at": [None, now]} if first else {"contact": note},
        )
    complaint.refresh_from_db()
    return complaint


# Fields of the seed 004 form that may be edited after intake.
UPDATABLE_FIELDS = (
    "channel",
    "category",
    "reason",
    "nature",
    "customer",
    "vehicle",
    "repair_order",
    "customer_name",
    "phone",
    "vin",
    "plate",
    "model",
    "mileage",
    "external_case_no",
    "content",
    "background",
    "demand",
    "compensation_demand",
    "responsible_department",
    "repair_status",
    "refused_by_manager",
)


def complaint_update(*, complaint: Complaint, actor: User | None, now: datetime, **fields) -> Complaint:
    """Change form fields (audited); the major-complaint rules run again on the new text and figures."""
    unknown = set(fields) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    errors: dict[str, str] = {}
    values = dict(fields)
    if "category" in values and "reason" not in values and complaint.reason_id:
        values["reason"] = complaint.reason if complaint.reason.category == values["category"] else None
    if values.get("reason") is not None and "category" not in values:
        values["category"] = complaint.category
    clean = validate_fields(store=complaint.store, values=values, errors=errors)
    clean.pop("owner", None)
    if "customer_name" in clean and not (clean["customer_name"] or "").strip():
        errors["customer_name"] = _("Enter the customer's name.")
    if "external_case_no" in clean:
        clean["external_case_no"] = (clean["external_case_no"] or "").strip()
        if (
            clean["external_case_no"]
            and Complaint.objects.filter(store=complaint.store, external_case_no=clean["external_case_no"])
            .exclude(pk=complaint.pk)
            .exists()
        ):
            errors["external_case_no"] = _("Another complaint of this store has this case number.")
    if errors:
        raise ValidationError(errors)
    if ("vin" in clean or "plate" in clean) and "vehicle" not in clean and complaint.vehicle_id is None:
        customer, vehicle = archive_match(
            store=complaint.store,
            customer=complaint.customer,
            vehicle=None,
            repair_order=None,
            vin=clean.get("vin", ""),
            plate=clean.get("plate", ""),
            phone="",
        )
        if vehicle is not None:
            clean["vehicle"] = vehicle
            if complaint.customer_id is None:
                clean["customer"] = customer
    with transaction.atomic():
        row = locked(complaint)
        before = {field: getattr(row, field) for field in clean}
        changes = field_changes(before, clean)
        if changes:
            Complaint.objects.filter(pk=row.pk).update(**clean)
            row.refresh_from_db()
            labels = "、".join(str(Complaint._meta.get_field(f).verbose_name) for f in changes)
            event_add(complaint=row, kind=EventKind.ACTION, actor=actor, now=now, note=_("Edited: %s") % labels)
            audit_record(obj=row, action=AuditAction.UPDATE, at=now, actor=actor, changes=changes)
            major_apply(complaint=row, actor=actor, now=now)
    complaint.refresh_from_db()
    return complaint


def complaint_status_change(
    *, complaint: Complaint, actor: User | None, now: datetime, status: str, why: str
) -> Complaint:
    """Move an open complaint between On-going, In process and Hold, saying why (closing has its own service)."""
    if status not in (ComplaintStatus.ONGOING, ComplaintStatus.IN_PROCESS, ComplaintStatus.HOLD):
        raise ValidationError({"status": _("Use close or reopen to change to or from Closed.")})
    if not (why or "").strip():
        raise ValidationError({"why": _("Say why the status changes.")})
    with transaction.atomic():
        row = locked(complaint)
        _require_open(row)
        if row.status != status:
            Complaint.objects.filter(pk=row.pk).update(status=status)
            event_add(
                complaint=row,
                kind=EventKind.STATUS,
                actor=actor,
                now=now,
                note=why.strip(),
                from_status=row.status,
                to_status=status,
            )
            audit_record(
                obj=row,
                action=AuditAction.UPDATE,
                at=now,
                actor=actor,
                changes={"status": [row.status, status], "why": why.strip()},
            )
            # Hold pauses the level clock when the store's policy says so; leaving Hold lets it run again.
            if status == ComplaintStatus.HOLD:
                hold_pause(row=row, actor=actor, now=now)
            elif row.status == ComplaintStatus.HOLD:
                hold_resume(row=row, actor=actor, now=now)
    complaint.refresh_from_db()
    return complaint


def complaint_assign(
    *, complaint: Complaint, actor: User | None, now: datetime, owner: User, why: str = ""
) -> Complaint:
    """Hand the complaint to another person of its store (or the region's OEM office); they are notified."""
    if not assignable_owners(complaint=complaint).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("Choose someone who handles complaints in this store.")})
    with transaction.atomic():
        row = locked(complaint)
        if row.owner_id == owner.pk:
            return row
        Complaint.objects.filter(pk=row.pk).update(owner=owner)
        before = row.owner
        event = event_add(
            complaint=row,
            kind=EventKind.ASSIGN,
            actor=actor,
            now=now,
            note=_("%(old)s → %(new)s") % {"old": before or "—", "new": owner} + (f"：{why.strip()}" if why else ""),
        )
        audit_record(obj=row, action=AuditAction.UPDATE, at=now, actor=actor, changes={"owner": [before, owner]})
        notify_about(
            complaint=row,
            users=[owner],
            now=now,
            title=_("Complaint %(number)s handed to you: %(customer)s")
            % {"number": row.number, "customer": row.customer_name},
            body=why,
            key=f"assign:{event.pk}",
        )
    complaint.refresh_from_db()
    return complaint


def complaint_action_add(*, complaint: Complaint, actor: User | None, now: datetime, note: str) -> ComplaintEvent:
    """Add a line to "actions and tracking" (seed 004 form) and the timeline."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Write what was done.")})
    with transaction.atomic():
        row = locked(complaint)
        line = _stamp(row, now, actor, note.strip())
        actions = f"{row.actions}\n{line}" if row.actions else line
        Complaint.objects.filter(pk=row.pk).update(actions=actions)
        event = event_add(complaint=row, kind=EventKind.ACTION, actor=actor, now=now, note=note.strip())
        audit_record(obj=row, action=AuditAction.UPDATE, at=now, actor=actor, changes={"action": note.strip()})
    complaint.refresh_from_db()
    return event


def complaint_media_report_record(*, complaint: Complaint, actor: User | None, now: datetime, note: str) -> Complaint:
    """Record that the written report went to the manufacturer (seed 004: within 4 h of media/legal involvement)."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what was reported and to whom.")})
    with transaction.atomic():
        row = locked(complaint)
        if row.media_reported_at is not None:
            raise ValidationError({"note": _("The written report is already recorded.")})
        Complaint.objects.filter(pk=row.pk).update(media_reported_at=now)
        late = row.media_report_due is not None and now > row.media_report_due
        text = note.strip() + ((" " + _("(late)")) if late else "")
        event_add(complaint=row, kind=EventKind.MEDIA_REPORT, actor=actor, now=now, note=text)
        audit_record(
            obj=row, action=AuditAction.UPDATE, at=now, actor=actor, changes={"media_reported_at": [None, now]}
        )
    complaint.refresh_from_db()
    return complaint


def attachment_add(*, complaint: Complaint, actor: User | None, now: datetime, file) -> ComplaintAttachment:
    """Attach a photo, document or recording (size and type checked)."""
    name = getattr(file, "name", "") or "file"
    content_type = getattr(file, "content_type", "") or ""
    size = getattr(file, "size", 0) or 0
    if size > defaults.ATTACHMENT_MAX_MB * 1024 * 1024:
        raise ValidationError({"file": _("The file is larger than %(mb)s MB.") % {"mb": defaults.ATTACHMENT_MAX_MB}})
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in defaults.ATTACHMENT_EXTENSIONS:
        raise ValidationError({"file": _("Attach a photo, a document or a recording.")})
    with transaction.atomic():
        row = locked(complaint)
        attachment = ComplaintAttachment(
            complaint=row,
            name=name[:255],
            content_type=content_type[:100],
            size=size,
            uploaded_at=now,
            uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        )
        attachment.file.save(name, file, save=False)
        attachment.save()
        event_add(complaint=row, kind=EventKind.ATTACHMENT, actor=actor, now=now, note=name)
        audit_record(obj=row, action=AuditAction.UPDATE, at=now, actor=actor, changes={"attachment": name})
    return attachment


def _follow_up_assignee(*, store: Store, owner: User | None) -> User | None:
    if (
        owner is not None
        and owner.is_active
        and not owner.on_leave
        and has_role(user=owner, store=store, roles=TASK_HOLDER_ROLES)
    ):
        return owner
    loads = specialists_open_counts(store=store)
    if not loads:
        return None
    user_id = min(loads, key=lambda pk: (loads[pk], pk))
    return User.objects.get(pk=user_id)


def _follow_up_customer(*, row: Complaint, actor: User | None, now: datetime) -> Complaint | None:
    """The complaint with a customer to call back; a customer not in the archive is matched again (a DMS
    import may have brought them in since intake), else recorded from the name and phone taken on intake
    (issue 15 §5). None when there is no phone to call."""
    if row.customer_id is not None:
        return row
    customer, vehicle = archive_match(
        store=row.store, customer=None, vehicle=None, repair_order=None, vin=row.vin, plate=row.plate, phone=row.phone
    )
    if customer is None and row.phone:
        customer = customer_from_contact(
            store=row.store, name=row.customer_name, phone=row.phone, actor=actor, now=now, source="complaints"
        )
        note = _(
            "Customer not in the archive: recorded from the name and phone taken on intake for the follow-up call."
        )
    elif customer is not None:
        note = _("Customer found in the archive: %(name)s.") % {"name": customer.name}
    else:
        return None
    values = {"customer": customer} | ({"vehicle": vehicle} if vehicle is not None and row.vehicle_id is None else {})
    Complaint.objects.filter(pk=row.pk).update(**values)
    event_add(complaint=row, kind=EventKind.ACTION, actor=actor, now=now, note=note)
    audit_record(
        obj=row,
        action=AuditAction.UPDATE,
        at=now,
        actor=actor,
        changes={"customer": [None, customer.pk], **({"vehicle": [None, vehicle.pk]} if "vehicle" in values else {})},
    )
    row.refresh_from_db()
    return row


def _follow_up_plan(*, row: Complaint, actor: User | None, now: datetime, round_no: int) -> FollowUpTask | None:
    """The satisfaction call within follow_up_days of closing (seed 002/004); None without a phone to call."""
    if _follow_up_customer(row=row, actor=actor, now=now) is None:
        event_add(
            complaint=row,
            kind=EventKind.FOLLOW_UP,
            actor=None,
            now=now,
            note=_("No follow-up call could be planned: the customer is not in the archive and no phone was taken."),
            key=f"follow_up_unplanned:{round_no}",
        )
        return None
    rules_ensure_defaults(store=row.store)
    rule = FollowUpRule.objects.get(store=row.store, kind=RuleKind.COMPLAINT_FOLLOW_UP)
    policy = policy_for(store=row.store)
    task, _created = FollowUpTask.objects.get_or_create(
        rule=rule,
        subject=f"c{row.customer_id}",
        occurrence_key=f"complaint:{row.pk}:{round_no}",
        defaults={
            "store": row.store,
            "kind": RuleKind.COMPLAINT_FOLLOW_UP,
            "customer_id": row.customer_id,
            "vehicle_id": row.vehicle_id,
            "repair_order_id": row.repair_order_id,
            "due_at": now,
            "window_end": now + timedelta(days=policy.follow_up_days),
            "status": TaskStatus.OPEN,
            "assigned_to": _follow_up_assignee(store=row.store, owner=row.owner),
            "channel": TaskChannel.CALL,
            "created_at": now,
        },
    )
    ComplaintFollowUp.objects.get_or_create(complaint=row, round=round_no, defaults={"task": task})
    audit_record(obj=task, action=AuditAction.CREATE, at=now, actor=actor, source="complaints")
    return task


def complaint_close(
    *,
    complaint: Complaint,
    actor: User | None,
    now: datetime,
    result: str,
    root_cause: str,
    corrective_action: str,
    is_valid: bool | None,
    invalid_reason: str = "",
) -> Complaint:
    """Close with the result, root cause, corrective action and validity; plans the 3-day satisfaction call."""
    errors: dict[str, str] = {}
    if not (result or "").strip():
        errors["result"] = _("Write the final result.")
    if not (root_cause or "").strip():
        errors["root_cause"] = _("Write the root cause.")
    if not (corrective_action or "").strip():
        errors["corrective_action"] = _("Write the corrective action.")
    if is_valid is None:
        errors["is_valid"] = _("Say whether the complaint is valid.")
    elif not is_valid and not (invalid_reason or "").strip():
        errors["invalid_reason"] = _("Say why the complaint is invalid.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = locked(complaint)
        _require_open(row)
        round_no = ComplaintFollowUp.objects.filter(complaint=row).count() + 1
        values = {
            "status": ComplaintStatus.CLOSED,
            "closed_at": now,
            "level_due_at": None,
            "paused_at": None,
            "pause_until": None,
            "result": result.strip(),
            "root_cause": root_cause.strip(),
            "corrective_action": corrective_action.strip(),
            "is_valid": is_valid,
            "invalid_reason": "" if is_valid else invalid_reason.strip(),
        }
        changes = field_changes({f: getattr(row, f) for f in values}, values)
        Complaint.objects.filter(pk=row.pk).update(**values)
        event_add(
            complaint=row,
            kind=EventKind.CLOSE,
            actor=actor,
            now=now,
            note=result.strip(),
            from_status=row.status,
            to_status=ComplaintStatus.CLOSED,
        )
        audit_record(obj=row, action=AuditAction.UPDATE, at=now, actor=actor, changes=changes)
        row.refresh_from_db()
        _follow_up_plan(row=row, actor=actor, now=now, round_no=round_no)
    complaint.refresh_from_db()
    return complaint


def _reopen(*, row: Complaint, actor: User | None, now: datetime, why: str) -> None:
    policy = policy_for(store=row.store)
    due = level_deadline(policy=policy, store=row.store, level=row.level, reached_at=now)
    Complaint.objects.filter(pk=row.pk).update(
        status=ComplaintStatus.ONGOING,
        closed_at=None,
        level_due_at=due,
        reopened_count=row.reopened_count + 1,
        # The level clock starts again, whole, from the reopening.
        clock_from=now,
        clock_used=0,
        held_seconds=0,
        policy_version=policy.version,
    )
    # A follow-up call still open for the closing being undone has nothing left to ask.
    FollowUpTask.objects.filter(complaint_follow_up__complaint=row, status=TaskStatus.OPEN).update(
        status=TaskStatus.CANCELLED, closed_at=now
    )
    event_add(
        complaint=row,
        kind=EventKind.REOPEN,
        actor=actor,
        now=now,
        note=why,
        from_status=ComplaintStatus.CLOSED,
        to_status=ComplaintStatus.ONGOING,
    )
    audit_record(
        obj=row,
        action=AuditAction.UPDATE,
        at=now,
        actor=actor,
        changes={"status": [ComplaintStatus.CLOSED, ComplaintStatus.ONGOING], "why": why},
    )
    notify_about(
        complaint=row,
        users=[row.owner],
        now=now,
        title=_("Complaint %(number)s reopened: %(customer)s") % {"number": row.number, "customer": row.customer_name},
        body=why,
        key=f"reopen:{row.reopened_count + 1}",
    )


def complaint_reopen(*, complaint: Complaint, actor: User | None, now: datetime, why: str) -> Complaint:
    """Reopen a closed complaint at its level, with a new level deadline from now."""
    if not (why or "").strip():
        raise ValidationError({"why": _("Say why the complaint is reopened.")})
    with transaction.atomic():
        row = locked(complaint)
        if row.status != ComplaintStatus.CLOSED:
            raise ValidationError({"status": _("Only a closed complaint can be reopened.")})
        _reopen(row=row, actor=actor, now=now, why=why.strip())
    complaint.refresh_from_db()
    return complaint


def complaint_follow_up_record(
    *, task: FollowUpTask, actor: User | None, now: datetime, satisfied: bool, note: str = ""
) -> ComplaintFollowUp:
    """The satisfaction call's answer; an unsatisfied customer reopens the complaint. Recording twice is a no-op."""
    with transaction.atomic():
        follow_up = ComplaintFollowUp.objects.select_for_update().filter(task=task).first()
        if follow_up is None:
            raise ValueError(f"task {task.pk} is not a complaint follow-up")
        if follow_up.answered_at is not None:
            return follow_up
        ComplaintFollowUp.objects.filter(pk=follow_up.pk).update(satisfied=satisfied, answered_at=now, note=note)
        follow_up.refresh_from_db()
        row = locked(follow_up.complaint)
        verdict = _("Customer satisfied.") if satisfied else _("Customer not satisfied.")
        event_add(
            complaint=row,
            kind=EventKind.FOLLOW_UP,
            actor=actor,
            now=now,
            note=f"{verdict} {note}".strip(),
            key=f"follow_up:{follow_up.round}",
        )
        audit_record(
            obj=row,
            action=AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes={"follow_up": follow_up.round, "satisfied": satisfied},
        )
        if not satisfied and row.status == ComplaintStatus.CLOSED:
            why = _("Not satisfied at the follow-up call.") + (f" {note}" if note else "")
            _reopen(row=row, actor=actor, now=now, why=why)
    return follow_up


# --- Store settings ---------------------------------------------------------------------------------

POLICY_FIELDS = (
    "clock",
    "first_contact_hours",
    "level1_hours",
    "level2_hours",
    "level3_hours",
    "media_report_hours",
    "major_compensation_rmb",
    "major_repeat_repairs",
    "media_legal_words",
    "safety_words",
    "follow_up_days",
    "hold_pauses_clock",
    "hold_max_hours",
)


def policy_update(*, store: Store, actor: User | None, now: datetime, **values) -> ComplaintPolicy:
    """Change the store's complaint settings (audited). Deadlines already set keep their time."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    policy = policy_for(store=store)
    errors: dict[str, str] = {}
    if "clock" in values and values["clock"] not in ClockKind.values:
        errors["clock"] = _("Choose calendar or business hours.")
    for field in ("first_contact_hours", "level1_hours", "level2_hours", "level3_hours", "media_report_hours"):
        if field in values and (values[field] is None or int(values[field]) < 1):
            errors[field] = _("At least 1 hour.")
    if "follow_up_days" in values and (values["follow_up_days"] is None or int(values["follow_up_days"]) < 1):
        errors["follow_up_days"] = _("At least 1 day.")
    if "major_repeat_repairs" in values and (
        values["major_repeat_repairs"] is None or int(values["major_repeat_repairs"]) < 1
    ):
        errors["major_repeat_repairs"] = _("At least 1 repair.")
    if "major_compensation_rmb" in values and (
        values["major_compensation_rmb"] is None or values["major_compensation_rmb"] < 0
    ):
        errors["major_compensation_rmb"] = _("The amount cannot be negative.")
    if "hold_max_hours" in values and (values["hold_max_hours"] is None or int(values["hold_max_hours"]) < 1):
        errors["hold_max_hours"] = _("At least 1 hour.")
    for field in ("media_legal_words", "safety_words"):
        if field in values and not (values[field] or "").strip():
            errors[field] = _("List at least one word.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row = ComplaintPolicy.objects.select_for_update().get(pk=policy.pk)
        changes = field_changes({f: getattr(row, f) for f in values}, values)
        if changes:
            ComplaintPolicy.objects.filter(pk=row.pk).update(**values)
            audit_record(obj=row, action=AuditAction.UPDATE, at=now, actor=actor, changes=changes)
    policy.refresh_from_db()
    return policy


def reason_save(
    *,
    store: Store,
    actor: User | None,
    now: datetime,
    category: str,
    name: str,
    active: bool = True,
    position: int = 0,
    reason: ComplaintReason | None = None,
) -> ComplaintReason:
    """Create or change a sub-reason of a category (audited); a used reason is deactivated, never deleted."""
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if category not in ComplaintCategory.values:
        errors["category"] = _("Choose a category (S, SA, SQ, SP or OT).")
    if not name:
        errors["name"] = _("Enter the reason.")
    if reason is not None and reason.store_id != store.pk:
        raise ValueError("reason of another store")
    duplicate = ComplaintReason.objects.filter(store=store, category=category, name=name)
    if reason is not None:
        duplicate = duplicate.exclude(pk=reason.pk)
    if name and duplicate.exists():
        errors["name"] = _("This category already has this reason.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if reason is None:
            try:
                with transaction.atomic():
                    reason = ComplaintReason.objects.create(
                        store=store, category=category, name=name, active=active, position=position
                    )
            except IntegrityError as exc:
                raise ValidationError({"name": _("This category already has this reason.")}) from exc
            audit_record(obj=reason, action=AuditAction.CREATE, at=now, actor=actor, changes={"name": name})
        else:
            values = {"category": category, "name": name, "active": active, "position": position}
            changes = field_changes({f: getattr(reason, f) for f in values}, values)
            if changes:
                ComplaintReason.objects.filter(pk=reason.pk).update(**values)
                audit_record(obj=reason, action=AuditAction.UPDATE, at=now, actor=actor, changes=changes)
            reason.refresh_from_db()
    return reason
