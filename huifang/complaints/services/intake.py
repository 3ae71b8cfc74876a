"""Filing a complaint from any channel (seed 004 form), and keeping its major-complaint flag up to date."""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.accounts.selectors import has_role
from huifang.archive.models import Customer, RepairOrder, Vehicle
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.core.phones import PhoneError, national_digits, parse_phone
from huifang.core.vehicle_ids import IdentifierError, normalize_plate, normalize_vin
from huifang.robots import alerts as robot_alerts

from .. import defaults, major, rules
from ..choices import ComplaintCategory, ComplaintChannel, ComplaintNature, EventKind
from ..models import Complaint, ComplaintPolicy, ComplaintReason
from ..selectors import (
    COMPLAINT_ROLES,
    care_specialists_by_load,
    level_owner_candidates,
    policy_for,
    store_users_with_roles,
    vehicle_repair_history,
)
from .common import deadline, event_add, level_deadline, notify_about

# Who hears at once about a new major complaint (seed 004: report to the manager, written report when media).
MAJOR_ALERT_ROLES = (Role.SERVICE_MANAGER, Role.CARE_DIRECTOR)


def _clean_decimal(value, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors[field] = _("Enter an amount in RMB.")
        return None
    if amount < 0:
        errors[field] = _("The amount cannot be negative.")
    return amount


def _clean_phone(raw: str, errors: dict) -> str:
    if not (raw or "").strip():
        return ""
    try:
        return parse_phone(raw).e164
    except PhoneError:
        errors["phone"] = _("Not a valid phone number.")
        return ""


def _clean_vin(raw: str, errors: dict) -> str:
    if not (raw or "").strip():
        return ""
    try:
        return normalize_vin(raw)
    except IdentifierError:
        errors["vin"] = _("Not a valid VIN (17 characters with a correct check digit).")
        return ""


def _clean_plate(raw: str, errors: dict) -> str:
    if not (raw or "").strip():
        return ""
    try:
        return normalize_plate(raw)
    except IdentifierError:
        errors["plate"] = _("Not a Chinese licence plate.")
        return ""


def validate_fields(*, store: Store, values: dict, errors: dict) -> dict:
    """Check and normalise form values ({field: value}); bad ones add {field: message} to `errors`."""
    clean = dict(values)
    if "channel" in values and values["channel"] not in ComplaintChannel.values:
        errors["channel"] = _("Choose a channel.")
    if "category" in values and values["category"] not in ComplaintCategory.values:
        errors["category"] = _("Choose a category (S, SA, SQ, SP or OT).")
    if "nature" in values and values["nature"] not in ComplaintNature.values:
        errors["nature"] = _("Choose the nature of the complaint.")
    if "content" in values and not (values["content"] or "").strip():
        errors["content"] = _("Describe the complaint.")
    if "phone" in values:
        clean["phone"] = _clean_phone(values["phone"], errors)
    if "vin" in values:
        clean["vin"] = _clean_vin(values["vin"], errors)
    if "plate" in values:
        clean["plate"] = _clean_plate(values["plate"], errors)
    if "compensation_demand" in values:
        clean["compensation_demand"] = _clean_decimal(values["compensation_demand"], "compensation_demand", errors)
    if values.get("mileage") not in (None, ""):
        try:
            clean["mileage"] = int(values["mileage"])
            if clean["mileage"] < 0:
                raise ValueError
        except (TypeError, ValueError):
            errors["mileage"] = _("Enter the mileage in km.")
    elif "mileage" in values:
        clean["mileage"] = None
    reason = values.get("reason")
    if reason is not None:
        if not isinstance(reason, ComplaintReason):
            reason = ComplaintReason.objects.filter(pk=reason).first()
        category = values.get("category")
        if reason is None or reason.store_id != store.pk or (category and reason.category != category):
            errors["reason"] = _("Choose a sub-reason of the category.")
        clean["reason"] = reason
    for field in ("customer", "vehicle", "repair_order", "owner"):
        obj = values.get(field)
        if obj is not None and field != "owner" and obj.store_id != store.pk:
            errors[field] = _("This record belongs to another store.")
    return clean


def archive_match(
    *,
    store: Store,
    customer: Customer | None,
    vehicle: Vehicle | None,
    repair_order: RepairOrder | None,
    vin: str,
    plate: str,
    phone: str,
) -> tuple[Customer | None, Vehicle | None]:
    """Find the customer and vehicle in the store's archive: from the order, the VIN, the plate, then the phone."""
    if repair_order is not None:
        vehicle = vehicle or repair_order.vehicle
        customer = customer or repair_order.customer
    if vehicle is None and vin:
        vehicle = Vehicle.objects.filter(store=store, vin=vin).select_related("customer").first()
    if vehicle is None and plate:
        vehicle = Vehicle.objects.filter(store=store, plate=plate).select_related("customer").first()
    if customer is None and vehicle is not None:
        customer = vehicle.customer
    if customer is None and phone:
        customer = (
            Customer.objects.filter(store=store, mobile=phone).order_by("pk").first()
            or Customer.objects.filter(store=store, phone_digits__contains=national_digits(phone))
            .order_by("pk")
            .first()
        )
    if vehicle is None and customer is not None:
        vehicles = list(Vehicle.objects.filter(customer=customer)[:2])
        if len(vehicles) == 1:
            vehicle = vehicles[0]
    return customer, vehicle


def next_number(*, store: Store, received_at: datetime) -> str:
    """TS{store code}{yyyymm}{sequence}: the store's next complaint number of the month (store row locked)."""
    Store.objects.select_for_update().filter(pk=store.pk).values_list("pk", flat=True).first()
    month = received_at.astimezone(ZoneInfo(store.time_zone or "Asia/Shanghai")).strftime("%Y%m")
    prefix = f"TS{store.code}{month}"
    last = (
        Complaint.objects.filter(store=store, number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def repeat_repairs(*, complaint: Complaint) -> int:
    """How often the vehicle's repair and claim orders of the last 12 months name the complaint's fault."""
    orders = vehicle_repair_history(vehicle_id=complaint.vehicle_id, until=complaint.received_at)
    text = major.complaint_words(
        content=complaint.content,
        background=complaint.background,
        demand=complaint.demand,
        source_answers=complaint.source_answers or (),
    )
    return major.repeat_repair_count(
        text, major.orders_in_scope(orders, received=complaint.received_at, months=defaults.REPEAT_REPAIR_MONTHS)
    )


def major_check(*, complaint: Complaint, policy: ComplaintPolicy | None = None) -> list[dict]:
    """The seed 004 major-complaint rules that fire for the complaint as it is now (see major.py); `policy`
    is the store's policy when the caller has read it already (intake: the one its deadlines came from)."""
    policy = policy or policy_for(store=complaint.store)
    return major.assess(
        content=complaint.content,
        background=complaint.background,
        demand=complaint.demand,
        source_answers=complaint.source_answers or (),
        orders=vehicle_repair_history(vehicle_id=complaint.vehicle_id, until=complaint.received_at),
        received=complaint.received_at,
        media_legal_words=policy.media_legal_words,
        safety_words=policy.safety_words,
        compensation=complaint.compensation_demand,
        threshold=policy.major_compensation_rmb,
        repeat_threshold=policy.major_repeat_repairs,
        refused_by_manager=complaint.refused_by_manager,
        nature=complaint.nature,
        channel=complaint.channel,
        nature_label=str(ComplaintNature(complaint.nature).label) if complaint.nature in ComplaintNature.values else "",
        channel_label=str(ComplaintChannel(complaint.channel).label)
        if complaint.channel in ComplaintChannel.values
        else "",
    )


def reasons_text(reasons: Iterable[dict]) -> str:
    return "；".join(f"{r['label']}：{r['detail']}" for r in reasons)


def major_apply(
    *, complaint: Complaint, actor: User | None, now: datetime, policy: ComplaintPolicy | None = None
) -> bool:
    """Re-run the major rules and store the outcome; returns True when the complaint newly became major.

    Also starts the written report to the manufacturer when media or legal involvement appears. Call it
    inside the caller's transaction with the complaint locked.
    """
    policy = policy or policy_for(store=complaint.store)
    reasons = major_check(complaint=complaint, policy=policy)
    was_major = complaint.is_major
    update: dict = {}
    if reasons != complaint.major_reasons or bool(reasons) != was_major:
        update.update(is_major=bool(reasons), major_reasons=reasons)
    if rules.needs_media_report(reasons) and complaint.media_report_due is None:
        update["media_report_due"] = deadline(
            policy=policy, store=complaint.store, start=now, hours=policy.media_report_hours
        )
    if not update:
        return False
    Complaint.objects.filter(pk=complaint.pk).update(**update)
    for field, value in update.items():
        setattr(complaint, field, value)
    became = bool(reasons) and not was_major
    if became or (was_major and not reasons) or (reasons and "major_reasons" in update):
        note = reasons_text(reasons) if reasons else _("No major-complaint rule applies any more.")
        event_add(complaint=complaint, kind=EventKind.MAJOR, actor=actor, now=now, note=note)
    if became or "media_report_due" in update:
        title = _("Major complaint %(number)s: %(customer)s") % {
            "number": complaint.number,
            "customer": complaint.customer_name,
        }
        body = reasons_text(reasons)
        if complaint.media_report_due is not None and complaint.media_reported_at is None:
            body += "\n" + _("Written report to the manufacturer due %(due)s.") % {
                "due": complaint.media_report_due.astimezone(ZoneInfo(complaint.store.time_zone)).strftime(
                    "%Y-%m-%d %H:%M"
                )
            }
        users = [*store_users_with_roles(store=complaint.store, roles=MAJOR_ALERT_ROLES), complaint.owner]
        notify_about(complaint=complaint, users=users, now=now, title=title, body=body, key="major")
        robot_alerts.complaint_major(complaint=complaint, now=now, reasons=reasons_text(reasons))
    return became


def _level1_owner(*, store: Store, repair_order: RepairOrder | None) -> User | None:
    advisor = repair_order.advisor if repair_order is not None else None
    if (
        advisor is not None
        and advisor.is_active
        and not advisor.on_leave
        and advisor.memberships.filter(store=store).exists()
    ):
        return advisor
    specialists = care_specialists_by_load(store=store)
    if specialists:
        return specialists[0]
    managers = level_owner_candidates(store=store, level=2)
    return managers[0] if managers else None


def complaint_intake(
    *,
    store: Store,
    actor: User | None,
    now: datetime,
    channel: str,
    category: str,
    content: str,
    customer: Customer | None = None,
    vehicle: Vehicle | None = None,
    repair_order: RepairOrder | None = None,
    customer_name: str = "",
    phone: str = "",
    vin: str = "",
    plate: str = "",
    model: str = "",
    mileage: int | None = None,
    nature: str = ComplaintNature.GENERAL,
    background: str = "",
    demand: str = "",
    compensation_demand: Decimal | None = None,
    reason: ComplaintReason | int | None = None,
    external_case_no: str = "",
    source_answers: Iterable[dict] = (),
    responsible_department: str = "",
    owner: User | None = None,
    refused_by_manager: bool = False,
    received_at: datetime | None = None,
    source: str = "web",
) -> tuple[Complaint, bool]:
    """File a complaint (seed 004 form); returns (complaint, created). Idempotent on the external case number.

    Fills the customer and vehicle from the store's archive, computes the first-contact, level and
    written-report deadlines, flags a major complaint with its reasons, picks and notifies the owner.
    """
    external_case_no = (external_case_no or "").strip()
    if external_case_no:
        existing = Complaint.objects.filter(store=store, external_case_no=external_case_no).first()
        if existing is not None:
            return existing, False
    errors: dict[str, str] = {}
    clean = validate_fields(
        store=store,
        values={
            "channel": channel,
            "category": category,
            "nature": nature or ComplaintNature.GENERAL,
            "content": content,
            "phone": phone,
            "vin": vin,
            "plate": plate,
            "mileage": mileage,
            "compensation_demand": compensation_demand,
            "reason": reason,
            "customer": customer,
            "vehicle": vehicle,
            "repair_order": repair_order,
        },
        errors=errors,
    )
    customer, vehicle = archive_match(
        store=store,
        customer=customer if "customer" not in errors else None,
        vehicle=vehicle if "vehicle" not in errors else None,
        repair_order=repair_order if "repair_order" not in errors else None,
        vin=clean["vin"],
        plate=clean["plate"],
        phone=clean["phone"],
    )
    if owner is not None and not has_role(user=owner, store=store, roles=COMPLAINT_ROLES):
        errors["owner"] = _("Choose someone who handles complaints in this store.")
    name = (customer_name or "").strip() or (customer.name if customer else "")
    if not name:
        errors["customer_name"] = _("Enter the customer's name (no archive record was found).")
    if errors:
        raise ValidationError(errors)
    received = received_at or now
    policy = policy_for(store=store)
    repair_order = repair_order if repair_order is None or repair_order.store_id == store.pk else None
    if owner is None:
        owner = _level1_owner(store=store, repair_order=repair_order)
    with transaction.atomic():
        number = next_number(store=store, received_at=received)
        if external_case_no:
            # The store row is locked now: a concurrent intake of the same case has committed or waits for us.
            existing = Complaint.objects.filter(store=store, external_case_no=external_case_no).first()
            if existing is not None:
                return existing, False
        complaint = Complaint(
            store=store,
            number=number,
            external_case_no=external_case_no,
            channel=channel,
            category=category,
            reason=clean["reason"],
            nature=clean["nature"],
            customer=customer,
            vehicle=vehicle,
            repair_order=repair_order,
            customer_name=name,
            phone=clean["phone"] or (customer.mobile if customer else ""),
            vin=clean["vin"] or (vehicle.vin if vehicle else ""),
            plate=clean["plate"] or (vehicle.plate if vehicle else ""),
            model=(model or "").strip() or (vehicle.model if vehicle else ""),
            mileage=clean["mileage"]
            if clean["mileage"] is not None
            else (repair_order.mileage_in if repair_order else (vehicle.current_km if vehicle else None)),
            content=content.strip(),
            background=background,
            demand=demand,
            compensation_demand=clean["compensation_demand"],
            source_answers=list(source_answers),
            responsible_department=responsible_department,
            owner=owner,
            refused_by_manager=refused_by_manager,
            received_at=received,
            first_contact_due=deadline(policy=policy, store=store, start=received, hours=policy.first_contact_hours),
            level_due_at=level_deadline(policy=policy, store=store, level=1, reached_at=received),
            policy_version=policy.version,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        try:
            with transaction.atomic():
                complaint.save()
        except IntegrityError:
            existing = (
                Complaint.objects.filter(store=store, external_case_no=external_case_no).first()
                if external_case_no
                else None
            )
            if existing is None:
                raise
            return existing, False
        event_add(
            complaint=complaint,
            kind=EventKind.INTAKE,
            actor=actor,
            now=now,
            note=_("Received through %(channel)s; owner %(owner)s.")
            % {"channel": ComplaintChannel(channel).label, "owner": owner or _("nobody yet")},
            to_status=complaint.status,
            level=1,
        )
        audit_record(
            obj=complaint,
            action=AuditAction.CREATE,
            at=now,
            actor=actor,
            source=source,
            changes={"number": number, "channel": channel, "category": category, "owner": owner},
        )
        major_apply(complaint=complaint, actor=actor, now=now, policy=policy)
        if owner is not None and owner != actor:
            tz = ZoneInfo(store.time_zone or "Asia/Shanghai")
            notify_about(
                complaint=complaint,
                users=[owner],
                now=now,
                title=_("New complaint %(number)s for you: %(customer)s")
                % {"number": complaint.number, "customer": complaint.customer_name},
                body=_("Contact the customer by %(due)s.")
                % {"due": complaint.first_contact_due.astimezone(tz).strftime("%Y-%m-%d %H:%M")},
                key=f"owner:{owner.pk}:intake",
            )
    return complaint, True
