"""Appointment writes: book, reschedule, cancel, confirm; the sweeps that match arrivals, mark no-shows and remind.

Every change is an AppointmentEvent (who, when, why) and an audit entry; messages go through the outbox,
so consent, opt-outs, quiet hours and the message log apply as for any other message.
"""

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext as _

from huifang.accounts.choices import Role
from huifang.accounts.models import Store
from huifang.accounts.selectors import has_role
from huifang.archive.models import Customer, RepairOrder, Vehicle
from huifang.audit.services import audit_record
from huifang.followups.choices import RuleKind

from . import rules
from .choices import PENDING_STATUSES, AppointmentSource, AppointmentStatus, EventKind
from .models import Appointment, AppointmentEvent, AppointmentPolicy
from .selectors import opening_hours, slot_load

# Calls whose purpose is to bring the car in: booking the visit ends them (issue 19 §1).
TASK_KINDS_ENDED_BY_BOOKING = frozenset(
    {
        RuleKind.MAINTENANCE_REMINDER,
        RuleKind.FIRST_SERVICE_REMINDER,
        RuleKind.WARRANTY_EXPIRY,
        RuleKind.INSURANCE_RENEWAL,
        RuleKind.INSPECTION_DUE,
        RuleKind.LICENCE_DUE,
        RuleKind.LOST_CUSTOMER,
        RuleKind.APPOINTMENT_NO_SHOW,
    }
)
# Rows per UPDATE batch in the sweeps (a group's stores each have a few hundred appointments a day).
BATCH_SIZE = 2000


def policy_for(*, store: Store) -> AppointmentPolicy:
    policy, _created = AppointmentPolicy.objects.get_or_create(store=store)
    return policy


POLICY_FIELDS = (
    "slot_minutes",
    "slot_capacity",
    "day_start",
    "day_end",
    "open_weekdays",
    "arrival_match_days",
    "no_show_after_hours",
    "reminder_time",
    "booking_horizon_days",
    "reminder_booking_days",
    "confirmation_text",
    "reminder_text",
)


def policy_validate(values: dict) -> None:
    """Refuse settings that would make no slot or a message that cannot be written, naming the field."""
    from huifang.messaging.templating import TemplateError, validate_template

    from .defaults import PLACEHOLDERS

    errors: dict[str, str] = {}
    if values["slot_minutes"] < 5 or values["slot_minutes"] > 240:
        errors["slot_minutes"] = _("A slot lasts 5 to 240 minutes.")
    if values["slot_capacity"] < 1:
        errors["slot_capacity"] = _("At least one car per slot.")
    if not 0 <= values.get("reminder_booking_days", 0) <= 60:
        errors["reminder_booking_days"] = _("0 to 60 days.")
    if values["day_end"] <= values["day_start"]:
        errors["day_end"] = _("Closing time must be after the first slot.")
    if not values["open_weekdays"] or set(values["open_weekdays"]) - set("0123456"):
        errors["open_weekdays"] = _("Digits 0 (Monday) to 6 (Sunday), e.g. 0123456.")
    for field in ("confirmation_text", "reminder_text"):
        try:
            validate_template(values[field], allowed=PLACEHOLDERS)
        except TemplateError as exc:
            errors[field] = str(exc)
    if "{link}" not in values["confirmation_text"]:
        errors["confirmation_text"] = _("The confirmation must carry the customer's {link}.")
    if errors:
        raise ValidationError(errors)


def policy_update(*, store: Store, actor, now: datetime, **values) -> AppointmentPolicy:
    """Change the store's appointment settings; the changed fields are audited, nothing is written on bad input."""
    from huifang.audit.services import field_changes

    policy_validate(values)
    policy = policy_for(store=store)
    with transaction.atomic():
        locked = AppointmentPolicy.objects.select_for_update().get(pk=policy.pk)
        changes = field_changes({f: getattr(locked, f) for f in values}, values)
        if changes:
            AppointmentPolicy.objects.filter(pk=locked.pk).update(**values)
            audit_record(obj=locked, action="update", at=now, actor=actor, source="web", changes=changes)
    policy.refresh_from_db()
    return policy


def _event(appointment: Appointment, kind: str, *, at: datetime, actor=None, by_customer=False, reason="", **detail):
    return AppointmentEvent.objects.create(
        appointment=appointment,
        kind=kind,
        at=at,
        actor=actor,
        by_customer=by_customer,
        reason=reason,
        detail={k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in detail.items()},
    )


def _check_slot(
    *,
    store: Store,
    policy: AppointmentPolicy,
    starts_at: datetime,
    advisor,
    now: datetime,
    exclude_id: int | None = None,
) -> datetime:
    """Validate that `starts_at` is a free slot of an open day; return the slot's end."""
    tz = ZoneInfo(store.time_zone)
    local = starts_at.astimezone(tz)
    hours = opening_hours(store=store, policy=policy, day=local.date())
    if hours is None:
        raise ValidationError({"starts_at": _("The store is closed on %(day)s.") % {"day": local.date().isoformat()}})
    slots = rules.slot_starts(
        day=local.date(), opens=hours[0], closes=hours[1], slot_minutes=policy.slot_minutes, tz=tz
    )
    if local not in slots:
        raise ValidationError({"starts_at": _("%(time)s is not the start of a slot.") % {"time": f"{local:%H:%M}"}})
    if starts_at <= now:
        raise ValidationError({"starts_at": _("This slot has already begun.")})
    if starts_at > now + timedelta(days=policy.booking_horizon_days):
        raise ValidationError(
            {"starts_at": _("Slots can be booked at most %(days)d days ahead.") % {"days": policy.booking_horizon_days}}
        )
    load = slot_load(store=store, starts=[starts_at], exclude_id=exclude_id)
    booked, advisor_ids = load.get(starts_at, (0, set()))
    if booked >= policy.slot_capacity:
        raise ValidationError(
            {
                "starts_at": _("The %(time)s slot is full (%(capacity)d of %(capacity)d booked).")
                % {"time": f"{local:%H:%M}", "capacity": policy.slot_capacity}
            }
        )
    if advisor is not None and advisor.pk in advisor_ids:
        raise ValidationError(
            {
                "advisor": _("%(advisor)s already has a car booked at %(time)s.")
                % {"advisor": advisor.display_name or advisor.username, "time": f"{local:%H:%M}"}
            }
        )
    return starts_at + timedelta(minutes=policy.slot_minutes)


def _lock_store(store: Store) -> AppointmentPolicy:
    """Serialise bookings of one store, so two agents cannot both take the last place in a slot."""
    policy_for(store=store)
    return AppointmentPolicy.objects.select_for_update().get(store=store)


def appointment_book(
    *,
    store: Store,
    customer: Customer,
    vehicle: Vehicle | None,
    service: str,
    starts_at: datetime,
    actor,
    now: datetime,
    source: str,
    advisor=None,
    note: str = "",
    task=None,
    complaint=None,
    send_confirmation: bool = True,
) -> Appointment:
    """Book a slot for the customer's vehicle, record it and send the confirmation with the customer's link."""
    if customer.store_id != store.pk:
        raise ValidationError({"customer": _("The customer belongs to another store.")})
    if vehicle is not None and (vehicle.store_id != store.pk or vehicle.customer_id != customer.pk):
        raise ValidationError({"vehicle": _("The vehicle is not one of this customer's vehicles.")})
    if advisor is not None and not has_role(user=advisor, store=store, roles=[Role.SERVICE_ADVISOR]):
        raise ValidationError({"advisor": _("The chosen person is not a service advisor of this store.")})
    with transaction.atomic():
        policy = _lock_store(store)
        ends_at = _check_slot(store=store, policy=policy, starts_at=starts_at, advisor=advisor, now=now)
        appointment = Appointment.objects.create(
            store=store,
            customer=customer,
            vehicle=vehicle,
            service=service,
            advisor=advisor,
            starts_at=starts_at,
            ends_at=ends_at,
            note=note,
            source=source,
            task=task,
            complaint=complaint,
            link_nonce=secrets.token_hex(8),
            created_by=actor,
            created_at=now,
        )
        _event(
            appointment,
            EventKind.BOOKED,
            at=now,
            actor=actor,
            by_customer=source == AppointmentSource.CUSTOMER_LINK,
            starts_at=starts_at,
            source=source,
        )
        audit_record(
            obj=appointment,
            action="create",
            at=now,
            actor=actor,
            changes={"starts_at": [None, starts_at.isoformat()], "service": [None, service]},
        )
        if send_confirmation:
            _send(appointment, policy=policy, kind="confirmation", now=now)
        if task is not None:
            _end_reminder_task(task, appointment=appointment, actor=actor, now=now)
    return appointment


def _end_reminder_task(task, *, appointment: Appointment, actor, now: datetime) -> None:
    """A reminder call that books the visit has done its job: the task ends as reached, noting the booking.
    A post-service or complaint call keeps its questionnaire to finish, so it stays open."""
    from django.utils import translation

    from huifang.followups.choices import AttemptOutcome, TaskStatus
    from huifang.followups.services import attempt_record

    if task.kind not in TASK_KINDS_ENDED_BY_BOOKING or task.status != TaskStatus.OPEN:
        return
    local = appointment.starts_at.astimezone(ZoneInfo(appointment.store.time_zone))
    with translation.override("zh-hans"):
        note = _("Booked %(day)s %(time)s") % {"day": f"{local:%Y-%m-%d}", "time": f"{local:%H:%M}"}
    attempt_record(task=task, actor=actor, now=now, outcome=AttemptOutcome.COMPLETED, note=note)


def appointment_reschedule(
    *, appointment: Appointment, starts_at: datetime, actor, now: datetime, reason: str, by_customer: bool = False
) -> Appointment:
    """Move a pending appointment to another free slot; the customer gets a new confirmation."""
    if appointment.status not in PENDING_STATUSES:
        raise ValidationError({"status": _("Only a booked or confirmed appointment can be moved.")})
    if not reason.strip() and not by_customer:
        raise ValidationError({"reason": _("Say why the appointment is moved.")})
    with transaction.atomic():
        policy = _lock_store(appointment.store)
        ends_at = _check_slot(
            store=appointment.store,
            policy=policy,
            starts_at=starts_at,
            advisor=appointment.advisor,
            now=now,
            exclude_id=appointment.pk,
        )
        before = appointment.starts_at
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=starts_at, ends_at=ends_at, status=AppointmentStatus.BOOKED, confirmed_at=None, reminded_at=None
        )
        appointment.refresh_from_db()
        _event(
            appointment,
            EventKind.RESCHEDULED,
            at=now,
            actor=actor,
            by_customer=by_customer,
            reason=reason,
            before=before,
            after=starts_at,
        )
        audit_record(
            obj=appointment,
            action="update",
            at=now,
            actor=actor,
            changes={"starts_at": [before.isoformat(), starts_at.isoformat()]},
        )
        _send(appointment, policy=policy, kind="confirmation", now=now)
    return appointment


def appointment_cancel(
    *, appointment: Appointment, actor, now: datetime, reason: str, by_customer: bool = False
) -> Appointment:
    """Cancel a pending appointment, with who and why; its slot is free again."""
    if appointment.status not in PENDING_STATUSES:
        raise ValidationError({"status": _("Only a booked or confirmed appointment can be cancelled.")})
    if not reason.strip() and not by_customer:
        raise ValidationError({"reason": _("Say why the appointment is cancelled.")})
    with transaction.atomic():
        updated = Appointment.objects.filter(pk=appointment.pk, status__in=PENDING_STATUSES).update(
            status=AppointmentStatus.CANCELLED, closed_reason=reason
        )
        if updated:
            appointment.refresh_from_db()
            _event(appointment, EventKind.CANCELLED, at=now, actor=actor, by_customer=by_customer, reason=reason)
            audit_record(
                obj=appointment,
                action="update",
                at=now,
                actor=actor,
                changes={"status": [AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED]},
            )
    return appointment


def appointment_confirm(*, appointment: Appointment, now: datetime) -> Appointment:
    """The customer confirms through their link (idempotent)."""
    with transaction.atomic():
        if Appointment.objects.filter(pk=appointment.pk, status=AppointmentStatus.BOOKED).update(
            status=AppointmentStatus.CONFIRMED, confirmed_at=now
        ):
            appointment.refresh_from_db()
            _event(appointment, EventKind.CONFIRMED, at=now, by_customer=True)
    return appointment


# --- messages ------------------------------------------------------------------------------------------


def link_url(appointment: Appointment) -> str:
    from django.urls import reverse

    from huifang.core.links import absolute_url

    from .tokens import token_make

    return absolute_url(
        reverse(
            "appointments_public:customer_link",
            args=[token_make(appointment_id=appointment.pk, nonce=appointment.link_nonce)],
        )
    )


def _send(appointment: Appointment, *, policy: AppointmentPolicy, kind: str, now: datetime):
    """Queue the confirmation or the day-before reminder as a service SMS (once per slot and kind)."""
    from django.utils import translation

    from huifang.messaging.choices import MessageChannel, MessagePurpose
    from huifang.messaging.services import message_queue

    tz = ZoneInfo(appointment.store.time_zone)
    local = appointment.starts_at.astimezone(tz)
    advisor = appointment.advisor
    with translation.override("zh-hans"):  # the customer reads Chinese, whatever the booker's screen language
        service = str(appointment.get_service_display())
        to_be_assigned = str(_("to be assigned"))
    context = {
        "day": f"{local:%m月%d日}",
        "time": f"{local:%H:%M}",
        "service": service,
        "advisor": (advisor.display_name or advisor.username) if advisor else to_be_assigned,
        "link": link_url(appointment),
        "plate": f"（{appointment.vehicle.plate}）" if appointment.vehicle and appointment.vehicle.plate else "",
    }
    text = policy.confirmation_text if kind == "confirmation" else policy.reminder_text
    message = message_queue(
        store=appointment.store,
        customer=appointment.customer,
        channel=MessageChannel.SMS,
        purpose=MessagePurpose.SERVICE,
        now=now,
        idempotency_key=f"appointment:{appointment.pk}:{kind}:{appointment.starts_at.isoformat()}",
        body=text,
        context=context,
        related=appointment,
    )
    event = EventKind.CONFIRMATION_SENT if kind == "confirmation" else EventKind.REMINDER_SENT
    _event(appointment, event, at=now, message=message.pk, status=message.status)
    return message


# --- sweeps (idempotent, set-based) ---------------------------------------------------------------------


def appointments_match_arrivals(*, store: Store, now: datetime) -> int:
    """Mark pending (or already no-show) appointments whose vehicle has a repair order in the arrival window as
    arrived, linked to the earliest such order; a no-show call task made meanwhile is cancelled.

    One read of the window's orders and one UPDATE per batch (CASE per appointment); running it twice changes
    nothing. Returns the appointments matched now."""
    from huifang.followups.choices import TaskStatus
    from huifang.followups.models import FollowUpTask

    policy = policy_for(store=store)
    tz = ZoneInfo(store.time_zone)
    open_statuses = [*PENDING_STATUSES, AppointmentStatus.NO_SHOW]
    # A DMS export can come in days late; look back a month for appointments still waiting for their order.
    rows = list(
        Appointment.objects.filter(
            store=store,
            status__in=open_statuses,
            vehicle__isnull=False,
            starts_at__gte=now - timedelta(days=31 + policy.arrival_match_days),
            starts_at__lte=now + timedelta(days=1),
        ).values_list("pk", "starts_at", "vehicle_id", "vehicle__plate")
    )
    matched = 0
    for start in range(0, len(rows), BATCH_SIZE):
        chunk = rows[start : start + BATCH_SIZE]
        orders = _orders_for(store=store, chunk=chunk, match_days=policy.arrival_match_days, tz=tz)
        if not orders:
            continue
        with transaction.atomic():
            matched += Appointment.objects.filter(pk__in=orders, status__in=open_statuses).update(
                status=AppointmentStatus.ARRIVED,
                repair_order_id=Case(*[When(pk=pk, then=Value(o)) for pk, (o, _at) in orders.items()]),
                arrived_at=Case(*[When(pk=pk, then=Value(at)) for pk, (_o, at) in orders.items()]),
            )
            already = set(
                AppointmentEvent.objects.filter(appointment_id__in=orders, kind=EventKind.ARRIVED).values_list(
                    "appointment_id", flat=True
                )
            )
            AppointmentEvent.objects.bulk_create(
                AppointmentEvent(appointment_id=pk, kind=EventKind.ARRIVED, at=now, detail={"repair_order": order})
                for pk, (order, _at) in orders.items()
                if pk not in already
            )
            FollowUpTask.objects.filter(
                pk__in=Appointment.objects.filter(pk__in=orders).exclude(no_show_task=None).values("no_show_task"),
                status=TaskStatus.OPEN,
            ).update(status=TaskStatus.CANCELLED, closed_at=now)
    return matched


def _orders_for(*, store: Store, chunk, match_days: int, tz: ZoneInfo) -> dict[int, tuple[int, datetime]]:
    """{appointment id: (repair order id, opened at)} of the earliest order of the same vehicle (or the same
    plate, when the DMS created the car anew) opened on the slot's day or up to `match_days` later."""
    windows = {pk: rules.arrival_window(starts_at=at, match_days=match_days, tz=tz) for pk, at, _v, _p in chunk}
    earliest, latest = min(w[0] for w in windows.values()), max(w[1] for w in windows.values())
    vehicles = {pk: vehicle for pk, _at, vehicle, _p in chunk}
    plates = {pk: plate for pk, _at, _v, plate in chunk}
    vehicle_ids = set(vehicles.values())
    plate_set = {p for p in plates.values() if p}
    orders = (
        RepairOrder.objects.filter(store=store, opened_at__gte=earliest, opened_at__lt=latest)
        .filter(Q(vehicle_id__in=vehicle_ids) | Q(vehicle__plate__in=plate_set))
        .order_by("opened_at", "pk")
        .values_list("pk", "vehicle_id", "vehicle__plate", "opened_at")
    )
    by_vehicle: dict = {}
    by_plate: dict = {}
    for order_id, vehicle_id, plate, opened_at in orders:
        by_vehicle.setdefault(vehicle_id, []).append((opened_at, order_id))
        if plate:
            by_plate.setdefault(plate, []).append((opened_at, order_id))
    result = {}
    for pk, (start, end) in windows.items():
        found = [
            (opened, order)
            for opened, order in by_vehicle.get(vehicles[pk], []) + by_plate.get(plates[pk] or "", [])
            if start <= opened < end
        ]
        if found:
            opened, order = min(found)
            result[pk] = (order, opened)
    return result


def appointments_mark_no_shows(*, store: Store, now: datetime) -> int:
    """Appointments still pending `no_show_after_hours` after their slot become no-shows, each with a follow-up
    call task (预约未到店回访) for whoever booked it (else the advisor). Twice = once. Returns no-shows marked."""
    from huifang.followups.choices import TaskStatus
    from huifang.followups.models import FollowUpRule, FollowUpTask
    from huifang.followups.services import rules_ensure_defaults

    policy = policy_for(store=store)
    due = Appointment.objects.filter(
        store=store,
        status__in=PENDING_STATUSES,
        ends_at__lte=now - timedelta(hours=policy.no_show_after_hours),
    )
    rows = list(due.values_list("pk", "customer_id", "vehicle_id", "created_by_id", "advisor_id"))
    if not rows:
        return 0
    rules_ensure_defaults(store=store)
    rule = FollowUpRule.objects.get(store=store, kind=RuleKind.APPOINTMENT_NO_SHOW)
    marked = 0
    for start in range(0, len(rows), BATCH_SIZE):
        chunk = rows[start : start + BATCH_SIZE]
        ids = [row[0] for row in chunk]
        with transaction.atomic():
            marked += Appointment.objects.filter(pk__in=ids, status__in=PENDING_STATUSES).update(
                status=AppointmentStatus.NO_SHOW, closed_reason=""
            )
            if rule.enabled:
                FollowUpTask.objects.bulk_create(
                    [
                        FollowUpTask(
                            store=store,
                            rule=rule,
                            kind=rule.kind,
                            customer_id=customer_id,
                            vehicle_id=vehicle_id,
                            subject=f"v{vehicle_id}" if vehicle_id else f"c{customer_id}",
                            occurrence_key=f"appointment:{pk}",
                            due_at=now,
                            window_end=now + timedelta(hours=rule.window_hours),
                            status=TaskStatus.OPEN,
                            channel=rule.channel,
                            assigned_to_id=booked_by or advisor_id,
                            created_at=now,
                        )
                        for pk, customer_id, vehicle_id, booked_by, advisor_id in chunk
                    ],
                    ignore_conflicts=True,
                )
                tasks = dict(
                    FollowUpTask.objects.filter(
                        rule=rule, occurrence_key__in=[f"appointment:{pk}" for pk in ids]
                    ).values_list("occurrence_key", "pk")
                )
                Appointment.objects.filter(pk__in=ids, no_show_task__isnull=True).update(
                    no_show_task_id=Case(
                        *[
                            When(pk=pk, then=Value(tasks[f"appointment:{pk}"]))
                            for pk in ids
                            if f"appointment:{pk}" in tasks
                        ]
                    )
                )
            already = set(
                AppointmentEvent.objects.filter(appointment_id__in=ids, kind=EventKind.NO_SHOW).values_list(
                    "appointment_id", flat=True
                )
            )
            AppointmentEvent.objects.bulk_create(
                AppointmentEvent(appointment_id=pk, kind=EventKind.NO_SHOW, at=now) for pk in ids if pk not in already
            )
    return marked


def appointment_reminders_send(*, store: Store, now: datetime) -> int:
    """The day-before reminder of every pending appointment whose reminder instant has come (once each).
    A booking made after its reminder instant got its confirmation only moments before: no second message."""
    policy = policy_for(store=store)
    tz = ZoneInfo(store.time_zone)
    pending = list(
        Appointment.objects.filter(
            store=store,
            status__in=PENDING_STATUSES,
            reminded_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(days=2),
        ).select_related("store", "customer", "vehicle", "advisor")
    )
    sent = 0
    for appointment in pending:
        if rules.reminder_at(starts_at=appointment.starts_at, reminder_time=policy.reminder_time, tz=tz) > now:
            continue
        with transaction.atomic():
            # Claimed by a guarded update: two workers never remind the same appointment twice.
            if not Appointment.objects.filter(pk=appointment.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            booked_at = _last_booked_at(appointment)
            if rules.needs_reminder(
                starts_at=appointment.starts_at, booked_at=booked_at, reminder_time=policy.reminder_time, tz=tz
            ):
                _send(appointment, policy=policy, kind="reminder", now=now)
                sent += 1
    return sent


def _last_booked_at(appointment: Appointment) -> datetime:
    """When the current slot was chosen: the booking, or the latest reschedule."""
    moved = appointment.events.filter(kind=EventKind.RESCHEDULED).order_by("-at").values_list("at", flat=True).first()
    return moved or appointment.created_at


def appointments_sweep(*, store: Store, now: datetime) -> dict[str, int]:
    """Everything time moves forward for one store: arrivals, no-shows, day-before reminders."""
    return {
        "arrived": appointments_match_arrivals(store=store, now=now),
        "no_show": appointments_mark_no_shows(store=store, now=now),
        "reminded": appointment_reminders_send(store=store, now=now),
    }
