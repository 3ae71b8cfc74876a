"""Writes to the archive: edits with audit, derived vehicle figures (set-based), phone reveals."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Floor, Least
from django.db.models.lookups import LessThan, LessThanOrEqual

from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record, field_changes
from huifang.core.phones import PhoneError, display_phone, parse_phone
from huifang.core.sql import AddDays, AddMonths, DayNumber, LocalDate

from .choices import MAINTENANCE_TYPES, ActivityState, CustomerSource
from .defaults import DAY_EPSILON
from .models import ArchivePolicy, Contact, Customer, MileageReading, RepairOrder, Vehicle
from .rules import is_sensitive_occupation
from .search_keys import name_initials, name_pinyin, phone_digits

PHONE_FIELDS = ("mobile", "home_phone", "office_phone")


def policy_for(*, store) -> ArchivePolicy:
    """The store's archive rules, created with the defaults the first time they are asked for."""
    policy, _ = ArchivePolicy.objects.get_or_create(store=store)
    return policy


def customer_search_keys(*, name: str, phones: list[str], occupation: str, sensitive_words: str) -> dict:
    """The derived columns of a customer, recomputed whenever its name, phones or occupation change."""
    return {
        "name_pinyin": name_pinyin(name),
        "name_initials": name_initials(name),
        "phone_digits": phone_digits(*phones),
        "sensitive_occupation": is_sensitive_occupation(occupation, sensitive_words),
    }


def customer_update(*, customer: Customer, actor, now: datetime, via: str = "web", **values) -> Customer:
    """Change a customer's basic data, recompute its search keys and record what changed. The general
    "accepts marketing" flag of an existing customer is a consent statement for every channel, recorded
    through the consent records (issue 8 §4) rather than written over them. `via` is where the change came
    from (web, api, call) for the audit trail; `source` among the values is the customer's own field."""
    consent = values.pop("marketing_consent", None) if customer.pk else None
    if consent is not None and consent != customer.marketing_consent:
        with transaction.atomic():
            _marketing_consent_record(customer=customer, granted=consent, actor=actor, now=now, source=via)
            return customer_update(customer=customer, actor=actor, now=now, via=via, **values)
    before = {k: getattr(customer, k) for k in values}
    for key, value in values.items():
        setattr(customer, key, value)
    contact_phones = list(customer.contacts.values_list("phone", flat=True)) if customer.pk else []
    keys = customer_search_keys(
        name=customer.name,
        phones=[getattr(customer, f) for f in PHONE_FIELDS] + contact_phones,
        occupation=customer.occupation,
        sensitive_words=policy_for(store=customer.store).sensitive_occupation_words,
    )
    for key, value in keys.items():
        setattr(customer, key, value)
    changes = field_changes(before, values)
    if not changes:
        return customer
    with transaction.atomic():
        customer.save()
        audit_record(obj=customer, action=AuditAction.UPDATE, at=now, actor=actor, source=via, changes=changes)
    return customer


def _marketing_consent_record(*, customer: Customer, granted: bool, actor, now: datetime, source: str) -> None:
    from huifang.messaging import consent  # messaging builds on the archive, not the other way round
    from huifang.messaging.choices import ConsentPurpose, ConsentSource, ConsentState

    state = ConsentState.GRANTED if granted else ConsentState.WITHDRAWN
    consent.consent_record_many(
        customer=customer,
        changes=[
            consent.ConsentChange(channel, ConsentPurpose.MARKETING, state) for channel in consent.IMPORT_CHANNELS
        ],
        source=ConsentSource.API if source == "api" else ConsentSource.FRONT_DESK,
        actor=actor,
        now=now,
    )
    customer.refresh_from_db(fields=["marketing_consent"])


def phone_reveal(*, customer: Customer, field: str, actor, now: datetime, source: str = "web") -> str:
    """The full number of one phone field, for a caller; the reveal itself is logged (PIPL)."""
    if field not in PHONE_FIELDS:
        raise ValueError(f"unknown phone field {field!r}")
    number = getattr(customer, field)
    audit_record(
        obj=customer, action=AuditAction.REVEAL_PHONE, at=now, actor=actor, source=source, changes={"field": field}
    )
    return display_phone(number)


def contact_phone_reveal(*, contact: Contact, actor, now: datetime, source: str = "web") -> str:
    """The full number of a company-car contact; logged on the customer's trail like any reveal."""
    audit_record(
        obj=contact.customer,
        action=AuditAction.REVEAL_PHONE,
        at=now,
        actor=actor,
        source=source,
        changes={"contact": f"{contact.name} ({contact.get_role_display()})"},
    )
    return display_phone(contact.phone)


def vehicle_figures_refresh(*, store, today: date, vehicle_ids=None) -> int:
    """Recompute every derived figure of the store's vehicles (or of `vehicle_ids`) in two UPDATEs."""
    policy = policy_for(store=store)
    tz = ZoneInfo(store.time_zone)
    vehicles = Vehicle.objects.filter(store=store)
    if vehicle_ids is not None:
        vehicles = vehicles.filter(pk__in=list(vehicle_ids))

    orders = RepairOrder.objects.filter(vehicle=OuterRef("pk")).order_by().values("vehicle")
    maintenance = orders.filter(ro_type__in=MAINTENANCE_TYPES)
    readings = MileageReading.objects.filter(vehicle=OuterRef("pk")).order_by().values("vehicle")
    year_ago = datetime.combine(today - relativedelta(months=12), time.min, tzinfo=tz)

    def one(qs, expression, output):
        return Subquery(qs.annotate(v=expression).values("v")[:1], output_field=output)

    # Pass 1: aggregates of the vehicle's orders and odometer readings.
    count = vehicles.update(
        last_visit_at=one(orders, Max("opened_at"), DateTimeField()),
        last_maintenance_at=one(maintenance, Max("opened_at"), DateTimeField()),
        last_maintenance_km=Subquery(
            RepairOrder.objects.filter(vehicle=OuterRef("pk"), ro_type__in=MAINTENANCE_TYPES, mileage_in__isnull=False)
            .order_by("-opened_at")
            .values("mileage_in")[:1]
        ),
        current_km=one(readings, Max("km"), IntegerField()),
        visits_12m=Coalesce(one(orders.filter(opened_at__gte=year_ago), Count("pk"), IntegerField()), 0),
        avg_days_between_maintenance=Subquery(
            maintenance.annotate(n=Count("pk"), span=DayNumber(Max("opened_at")) - DayNumber(Min("opened_at")))
            .annotate(v=Case(When(n__gte=2, then=F("span") / (F("n") - 1.0)), default=None, output_field=FloatField()))
            .values("v")[:1],
            output_field=FloatField(),
        ),
        avg_km_per_day=Subquery(
            readings.annotate(
                span_km=Max("km") - Min("km"), span_days=DayNumber(Max("read_on")) - DayNumber(Min("read_on"))
            )
            .annotate(
                v=Case(
                    When(span_days__gt=0, then=F("span_km") * 1.0 / F("span_days")),
                    default=None,
                    output_field=FloatField(),
                )
            )
            .values("v")[:1],
            output_field=FloatField(),
        ),
    )
    # Pass 2: predictions and activity from the figures pass 1 wrote. Whichever of the month
    # interval and the km interval (at the vehicle's own km per day) comes first (seed 000).
    base_date = Coalesce(LocalDate("last_maintenance_at", tzinfo=tz), F("delivery_date"), F("purchase_date"))
    by_months = AddMonths(base_date, Value(policy.maintenance_interval_months))
    km_to_go = policy.maintenance_interval_km * 1.0
    # The day the interval is reached, not the next one: 5,000 km at 150 km/day is day 33.3 -> day 33 (issue 14 §2,
    # the same whole-day rule as followups.rules.days_to_reach).
    by_km = AddDays(
        base_date,
        Floor(ExpressionWrapper(Value(km_to_go) / F("avg_km_per_day") + Value(DAY_EPSILON), output_field=FloatField())),
    )
    last_seen = Coalesce(LocalDate("last_visit_at", tzinfo=tz), F("delivery_date"), F("purchase_date"))
    lost_before = today - relativedelta(months=policy.lost_after_months)
    dormant_before = today - relativedelta(months=policy.dormant_after_months)
    # First service lost (首保流失, issue 14 §2): never maintained, and delivered (else bought) at least the store's
    # period ago. It comes first: such a car is a lost first service, not a lost customer.
    first_service_start = Coalesce(F("delivery_date"), F("purchase_date"))
    first_service_lost_from = today - relativedelta(months=policy.first_service_lost_months)
    vehicles.update(
        next_maintenance_km=Case(
            When(last_maintenance_km__isnull=False, then=F("last_maintenance_km") + policy.maintenance_interval_km),
            default=Value(policy.maintenance_interval_km),
            output_field=IntegerField(),
        ),
        next_maintenance_date=Case(
            When(avg_km_per_day__gt=0, then=Least(by_months, by_km)), default=by_months, output_field=DateField()
        ),
        activity=Case(
            When(
                LessThanOrEqual(first_service_start, first_service_lost_from),
                last_maintenance_at__isnull=True,
                then=Value(ActivityState.FIRST_SERVICE_LOST),
            ),
            When(LessThan(last_seen, lost_before), then=Value(ActivityState.LOST)),
            When(LessThan(last_seen, dormant_before), then=Value(ActivityState.DORMANT)),
            default=Value(ActivityState.ACTIVE),
            output_field=CharField(),
        ),
    )
    return count


def customer_from_contact(*, store, name: str, phone: str, actor, now: datetime, source: str) -> Customer:
    """A customer known only by the name and phone someone gave (a complaint without an archive match), so
    that a call task can be made for them; the DMS import or a merge completes the record later. Audited."""
    try:
        is_mobile = parse_phone(phone).is_mobile
    except PhoneError:
        is_mobile = False
    customer = Customer(store=store, name=name.strip()[:100], source=CustomerSource.OTHER)
    if is_mobile:
        customer.mobile = phone
    else:
        customer.home_phone = phone
    keys = customer_search_keys(
        name=customer.name,
        phones=[phone],
        occupation="",
        sensitive_words=policy_for(store=store).sensitive_occupation_words,
    )
    for key, value in keys.items():
        setattr(customer, key, value)
    with transaction.atomic():
        customer.save()
        audit_record(
            obj=customer,
            action=AuditAction.CREATE,
            at=now,
            actor=actor,
            source=source,
            changes={"name": customer.name, "phone": "from " + source},
        )
    return customer
