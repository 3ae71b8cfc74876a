"""Reads of the archive, always scoped to the stores the user may see."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from huifang.accounts.choices import ROLES_THAT_CALL, ROLES_THAT_EDIT_ARCHIVE
from huifang.accounts.selectors import roles_in_store, stores_visible_to
from huifang.audit.models import AuditEntry
from huifang.audit.selectors import audit_for_object, audit_for_objects
from huifang.core.change_labels import key_label
from huifang.core.phones import phone_search_digits
from huifang.core.vehicle_ids import plate_search_key

from .models import Customer, MileageReading, RepairOrder, RepairOrderLine, Vehicle
from .search_keys import name_pinyin

SEARCH_LIMIT = 50
TIMELINE_LIMIT = 200
AUDIT_LIMIT = 200
_LATIN = re.compile(r"^[a-z ]+$")
_VINLIKE = re.compile(r"^[A-HJ-NPR-Z0-9]{6,17}$")
# A query written like a phone number: digits with the usual separators and an optional +86.
_PHONELIKE = re.compile(r"^[\d\s()+\-–.（）]+$")
_ALL_CJK = re.compile(r"^[\u4e00-\u9fff·]+$")


def customers_visible_to(*, user) -> QuerySet[Customer]:
    return Customer.objects.filter(store__in=stores_visible_to(user=user))


def vehicles_visible_to(*, user) -> QuerySet[Vehicle]:
    return Vehicle.objects.filter(store__in=stores_visible_to(user=user))


def repair_orders_visible_to(*, user) -> QuerySet[RepairOrder]:
    return RepairOrder.objects.filter(store__in=stores_visible_to(user=user))


def _search_condition(text: str) -> Q:
    """What a query may mean: a name (Chinese, pinyin, initials), a phone, a plate, a VIN or a DMS code."""
    condition = Q(name__icontains=text) | Q(dms_code__iexact=text)
    lowered = text.lower()
    if _LATIN.match(lowered):
        compact = lowered.replace(" ", "")
        condition |= Q(name_initials__startswith=compact) | Q(name_pinyin__startswith=compact)
    elif _ALL_CJK.match(text):
        # Same sound, other characters (章 for 张) are a common typing slip.
        condition |= Q(name_pinyin__startswith=name_pinyin(text))
    if _PHONELIKE.match(text):
        digits = phone_search_digits(text)
        if len(digits) >= 4:
            condition |= Q(phone_digits__contains=digits)
        # Contact phones are stored as E.164 (+86…), without the leading 0 of a landline.
        if len(digits.lstrip("0")) >= 4:
            condition |= Q(contacts__phone__contains=digits.lstrip("0"))
    key = plate_search_key(text)
    if len(key) >= 3 and not _LATIN.match(lowered):
        condition |= Q(vehicles__plate__icontains=key)
    if _VINLIKE.match(key):
        condition |= Q(vehicles__vin__endswith=key) if len(key) < 17 else Q(vehicles__vin=key)
    return condition


def customer_search(*, user, query: str, store=None, limit: int = SEARCH_LIMIT) -> QuerySet[Customer]:
    """Customers matching a name (Chinese, full pinyin or initials: 'zs' finds 张三), phone, plate or VIN.

    Two queries whatever the result size: the customers (with their store) and their vehicles.
    """
    customers = customers_visible_to(user=user).select_related("store")
    if store is not None:
        customers = customers.filter(store=store)
    vehicles = Prefetch(
        "vehicles",
        queryset=Vehicle.objects.only("id", "customer_id", "plate", "vin", "model", "last_visit_at").order_by(
            F("last_visit_at").desc(nulls_last=True), "id"
        ),
    )
    text = (query or "").strip()
    if not text:
        return customers.order_by("-updated_at").prefetch_related(vehicles)[:limit]
    matching = customers.filter(_search_condition(text)).values("pk")
    return customers.filter(pk__in=matching).order_by("name", "pk").prefetch_related(vehicles)[:limit]


# --- Timeline -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEvent:
    """One dated thing that happened to a customer, whatever app it comes from."""

    at: datetime
    kind: str  # "repair_order", "audit", later "call", "complaint", "message"
    title: str
    detail: str = ""
    url: str = ""
    badges: tuple[str, ...] = field(default_factory=tuple)


TimelineSource = Callable[[Customer], Iterable[TimelineEvent]]
_TIMELINE_SOURCES: list[TimelineSource] = []


def timeline_source(func: TimelineSource) -> TimelineSource:
    """Register a function giving a customer's events; later apps (calls, complaints, messages) add theirs."""
    _TIMELINE_SOURCES.append(func)
    return func


@timeline_source
def _repair_order_events(customer: Customer) -> Iterable[TimelineEvent]:
    orders = (
        RepairOrder.objects.filter(customer=customer)
        .select_related("vehicle")
        .only("id", "number", "ro_type", "opened_at", "mileage_in", "total_amount", "vehicle__plate", "vehicle__vin")
        .order_by("-opened_at")[:TIMELINE_LIMIT]
    )
    for ro in orders:
        yield TimelineEvent(
            at=ro.opened_at,
            kind="repair_order",
            title=f"{ro.get_ro_type_display()} · {ro.number}",
            detail=f"{ro.vehicle} · {ro.mileage_in or '—'} km · ¥{ro.total_amount}",
            url=f"#ro-{ro.pk}",
        )


def _field_label(key: str) -> str:
    try:
        return str(Customer._meta.get_field(key).verbose_name)
    except FieldDoesNotExist:
        return key_label(key)  # an access entry's detail ("contact", "export") in the reader's language


@timeline_source
def _audit_events(customer: Customer) -> Iterable[TimelineEvent]:
    for entry in audit_for_object(obj=customer)[:TIMELINE_LIMIT]:
        changed = "、".join(_field_label(key) for key in entry.changes) if isinstance(entry.changes, dict) else ""
        yield TimelineEvent(
            at=entry.at,
            kind="audit",
            title=f"{entry.get_action_display()} · {entry.actor or entry.source or _('system')}",
            detail=changed,
        )


def customer_timeline(customer: Customer, *, limit: int = TIMELINE_LIMIT) -> list[TimelineEvent]:
    """Every registered source's events for the customer, newest first."""
    events = [event for source in _TIMELINE_SOURCES for event in source(customer)]
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


# --- Customer 360 and vehicle pages ---------------------------------------------------------------


def customer_audit_trail(*, customer: Customer, vehicle_ids, repair_order_ids) -> QuerySet[AuditEntry]:
    """Changes of the customer, its vehicles and its repair orders, newest first, in one query."""
    trail = (
        audit_for_object(obj=customer)
        | audit_for_objects(model=Vehicle, ids=vehicle_ids)
        | audit_for_objects(model=RepairOrder, ids=repair_order_ids)
    )
    return trail.select_related("actor", "content_type").order_by("-at", "-id")[:AUDIT_LIMIT]


def _repair_orders_with_lines() -> QuerySet[RepairOrder]:
    return (
        RepairOrder.objects.select_related("vehicle", "advisor")
        .prefetch_related(Prefetch("lines", queryset=RepairOrderLine.objects.order_by("position", "id")))
        .order_by("-opened_at", "-id")
    )


def customer_360(*, user, customer_id: int) -> dict:
    """Everything the customer page shows; raises Customer.DoesNotExist for another store's customer."""
    customer = customers_visible_to(user=user).select_related("store").get(pk=customer_id)
    contacts = list(customer.contacts.order_by("role", "name"))
    vehicles = list(customer.vehicles.order_by(F("last_visit_at").desc(nulls_last=True), "id"))
    repair_orders = list(_repair_orders_with_lines().filter(customer=customer)[:TIMELINE_LIMIT])
    audit = list(
        customer_audit_trail(
            customer=customer, vehicle_ids=[v.pk for v in vehicles], repair_order_ids=[r.pk for r in repair_orders]
        )
    )
    roles = roles_in_store(user=user, store=customer.store)
    return {
        "customer": customer,
        "contacts": contacts,
        "vehicles": vehicles,
        "repair_orders": repair_orders,
        "audit": audit,
        "timeline": customer_timeline(customer),
        "may_reveal": bool(roles & ROLES_THAT_CALL),
        "may_edit": bool(roles & ROLES_THAT_EDIT_ARCHIVE),
    }


def vehicle_page(*, user, vehicle_id: int) -> dict:
    """A vehicle with its repair orders, odometer readings and audit trail; another store's id raises."""
    vehicle = vehicles_visible_to(user=user).select_related("store", "customer").get(pk=vehicle_id)
    repair_orders = list(_repair_orders_with_lines().filter(vehicle=vehicle)[:TIMELINE_LIMIT])
    readings = list(MileageReading.objects.filter(vehicle=vehicle).order_by("-read_on", "-km"))
    trail = audit_for_object(obj=vehicle) | audit_for_objects(model=RepairOrder, ids=[r.pk for r in repair_orders])
    return {
        "vehicle": vehicle,
        "customer": vehicle.customer,
        "repair_orders": repair_orders,
        "readings": readings,
        "audit": list(trail.select_related("actor", "content_type").order_by("-at", "-id")[:AUDIT_LIMIT]),
    }
