"""Reads the archive API needs beyond archive.selectors; every one is scoped to the user's stores."""

from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from huifang.accounts.models import Store
from huifang.accounts.selectors import stores_visible_to
from huifang.audit.models import AuditEntry
from huifang.core.vehicle_ids import plate_search_key

from .models import Contact, Customer, ImportBatch, ImportRejection, RepairOrder, Vehicle
from .selectors import customer_search, customers_visible_to, repair_orders_visible_to, vehicles_visible_to

# A search never pages further than this many hits; narrow the query instead.
SEARCH_RESULT_CAP = 1000


def store_for_user(*, user, code: str) -> Store | None:
    """The visible store with this code, or None (another store's code looks the same as a wrong one)."""
    return stores_visible_to(user=user).filter(code=code).first()


def customer_search_page(*, user, query: str, store: Store | None, limit: int, offset: int):
    """(total, hits) of a customer search; the selector already brings each hit's store and vehicles."""
    results = customer_search(user=user, query=query, store=store, limit=SEARCH_RESULT_CAP)
    total = results.count()
    page = results[offset : offset + limit]
    return total, list(page)


def customer_detail_for(*, user) -> QuerySet[Customer]:
    """Visible customers with what the 360 read shows: store, contacts, vehicles."""
    return (
        customers_visible_to(user=user)
        .select_related("store", "store__group", "store__region")
        .prefetch_related(
            Prefetch("contacts", queryset=Contact.objects.order_by("role", "name", "id")),
            Prefetch("vehicles", queryset=Vehicle.objects.select_related("store").order_by("id")),
        )
    )


def vehicle_detail_for(*, user) -> QuerySet[Vehicle]:
    return vehicles_visible_to(user=user).select_related("store", "customer").prefetch_related("mileage_readings")


def vehicles_matching(*, user, plate: str = "", vin: str = "") -> QuerySet[Vehicle]:
    """Visible vehicles by plate (any spelling, part of it) and/or VIN (whole or its last digits)."""
    vehicles = vehicles_visible_to(user=user).select_related("store")
    if plate:
        vehicles = vehicles.filter(plate__icontains=plate_search_key(plate))
    if vin:
        key = plate_search_key(vin)
        vehicles = vehicles.filter(vin=key) if len(key) == 17 else vehicles.filter(vin__endswith=key)
    return vehicles.order_by("plate", "id")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def repair_orders_matching(
    *,
    user,
    vehicle_id: int | None = None,
    customer_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[RepairOrder]:
    """Visible repair orders with their lines, newest first; `until` is inclusive."""
    orders = repair_orders_visible_to(user=user).select_related("vehicle").prefetch_related("lines")
    if vehicle_id is not None:
        orders = orders.filter(vehicle_id=vehicle_id)
    if customer_id is not None:
        orders = orders.filter(customer_id=customer_id)
    if since is not None:
        orders = orders.filter(opened_at__gte=_day_start(since))
    if until is not None:
        orders = orders.filter(opened_at__lt=_day_start(until) + timedelta(days=1))
    return orders.order_by("-opened_at", "-id")


def customer_audit_trail(*, customer: Customer) -> QuerySet[AuditEntry]:
    """Entries of the customer, its contacts, vehicles and repair orders, newest first."""
    types = ContentType.objects.get_for_models(Customer, Contact, Vehicle, RepairOrder)
    condition = (
        Q(content_type=types[Customer], object_id=customer.pk)
        | Q(content_type=types[Contact], object_id__in=Contact.objects.filter(customer=customer).values("pk"))
        | Q(content_type=types[Vehicle], object_id__in=Vehicle.objects.filter(customer=customer).values("pk"))
        | Q(
            content_type=types[RepairOrder],
            object_id__in=RepairOrder.objects.filter(customer=customer).values("pk"),
        )
    )
    return AuditEntry.objects.filter(condition).select_related("actor", "content_type").order_by("-at", "-id")


def import_batches_visible_to(*, user) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(store__in=stores_visible_to(user=user)).select_related("store")


def import_rejections(*, batch: ImportBatch) -> QuerySet[ImportRejection]:
    return ImportRejection.objects.filter(batch=batch).order_by("sheet", "row_number", "id")
