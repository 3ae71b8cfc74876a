"""Writing one batch of a DMS import: the plan, set-based, with one audit entry per record."""

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry
from huifang.audit.services import audit_entry
from huifang.messaging.consent import IMPORT_CHANNELS, consent_import

from ..choices import MileageSource
from ..models import Contact, Customer, MileageReading, RepairOrder, RepairOrderLine, Vehicle, VehicleOwnership
from ..services import vehicle_figures_refresh
from .bulk import AUDIT_COLUMNS, insert_objects, insert_rows, insert_tuples, reserve_ids
from .run import BATCH_SIZE, LINE_ATTRS, REFRESH_WHOLE_STORE_ABOVE, ImportRun, VehicleSlot


def _created_audit_rows(run: ImportRun, model, records: Iterable[tuple[int, str]]) -> list[tuple]:
    """Audit rows for freshly created records, the columns audit_entry() fills, without an instance each."""
    content_type_id = ContentType.objects.get_for_model(model).pk
    head = (run.now, run.store.pk, run.batch.created_by_id, run.source, AuditAction.CREATE.value, content_type_id)
    changes: dict = {}  # one object for every row: its JSON text is made once (bulk._json_text)
    return [(*head, pk, text[:200], changes) for pk, text in records]


def _updated_audit_rows(run: ImportRun, changed: Iterable[tuple[Any, dict]]) -> list[tuple]:
    actor = run.batch.created_by
    entries = (
        audit_entry(obj=obj, action=AuditAction.UPDATE, at=run.now, actor=actor, source=run.source, changes=changes)
        for obj, changes in changed
    )
    return [tuple(getattr(entry, column) for column in AUDIT_COLUMNS) for entry in entries]


def import_write(run: ImportRun) -> set[int]:
    """One batch, set-based, in one transaction (a savepoint inside the import's): an exception anywhere leaves
    the archive as it was. Returns the ids of the vehicles whose figures need a refresh (the caller refreshes
    them once, after the last batch)."""
    now = run.now
    stamps = {"created_at": now, "updated_at": now}
    audits: list[tuple] = []
    steps = 8
    plan = run.plan
    with transaction.atomic():
        run.report("write", 0, steps)
        # Customers.
        # Ids are taken from the sequence first, so new customers go through COPY like orders (ORM bulk_create
        # compiled every value of every object: the slowest write of a big import).
        insert_objects(Customer, plan.customers_new, stamps=stamps)
        audits += _created_audit_rows(run, Customer, ((c.pk, str(c)) for c in plan.customers_new))
        if plan.customers_changed:
            fields = sorted({k for _, changes in plan.customers_changed for k in changes} | {"updated_at"})
            for customer, _ in plan.customers_changed:
                customer.updated_at = now
            Customer.objects.bulk_update([c for c, _ in plan.customers_changed], fields, batch_size=BATCH_SIZE)
            audits += _updated_audit_rows(run, plan.customers_changed)
        _record_consent(run)
        run.report("write", 1, steps)
        # Contacts of company cars.
        for contact in plan.contacts_new:
            contact.customer_id = contact.customer.pk
        insert_objects(Contact, plan.contacts_new, stamps={})
        if plan.contacts_changed:
            Contact.objects.bulk_update(
                [c for c, _ in plan.contacts_changed],
                ["phone", "extension", "phone_unverified"],
                batch_size=BATCH_SIZE,
            )
        audits += _created_audit_rows(run, Contact, ((c.pk, str(c)) for c in plan.contacts_new))
        audits += _updated_audit_rows(run, plan.contacts_changed)
        run.report("write", 2, steps)
        # Vehicles, with the owner history.
        new_vehicles = []
        for slot in run.vehicles_new:
            slot.obj = Vehicle(store=run.store, customer_id=slot.owner.obj.pk, **stamps, **slot.values)
            new_vehicles.append(slot.obj)
        insert_objects(Vehicle, new_vehicles, stamps=stamps)
        audits += _created_audit_rows(run, Vehicle, ((v.pk, str(v)) for v in new_vehicles))
        changed_vehicles = []
        for slot, changes in run.vehicles_changed:
            base = slot.existing
            owner_pk = slot.owner.obj.pk if slot.owner is not None else base["customer_id"]
            if "customer" in changes:
                changes["customer"][1] = owner_pk
            values = {k: v for k, v in base.items() if k not in ("pk", "customer_id")}
            values.update(slot.values)
            slot.obj = Vehicle(pk=base["pk"], store=run.store, customer_id=owner_pk, updated_at=now, **values)
            changed_vehicles.append((slot.obj, changes))
        if changed_vehicles:
            fields = sorted({k for _, changes in changed_vehicles for k in changes} | {"updated_at"})
            Vehicle.objects.bulk_update([v for v, _ in changed_vehicles], fields, batch_size=BATCH_SIZE)
            audits += _updated_audit_rows(run, changed_vehicles)
        today = timezone.localtime(now, run.tz).date()
        for chunk in run.chunks([slot.obj.pk for slot in run.owner_changes]):
            VehicleOwnership.objects.filter(vehicle_id__in=chunk, until__isnull=True).update(until=today)
        ownerships = [
            {
                "vehicle_id": slot.obj.pk,
                "customer_id": slot.obj.customer_id,
                "since": slot.values.get("delivery_date") or slot.values.get("purchase_date"),
            }
            for slot in run.vehicles_new
        ]
        ownerships += [
            {"vehicle_id": slot.obj.pk, "customer_id": slot.obj.customer_id, "since": today}
            for slot in run.owner_changes
        ]
        insert_rows(VehicleOwnership, ownerships, defaults={})
        run.report("write", 3, steps)
        # Repair orders: new ones through COPY, with ids taken from the sequence first (not read back by number).
        new_rows = []
        for slot, pk in zip(run.orders_new, reserve_ids(RepairOrder, len(run.orders_new)), strict=True):
            slot.pk = pk
            vehicle_pk = _vehicle_pk(slot.vehicle)
            if slot.customer is not None:
                customer_pk = slot.customer.obj.pk
            elif slot.vehicle.obj is not None:
                customer_pk = slot.vehicle.obj.customer_id
            else:
                customer_pk = slot.vehicle.existing["customer_id"]
            slot.vehicle_id = vehicle_pk
            new_rows.append(
                {
                    **slot.values,
                    "id": pk,
                    "store_id": run.store.pk,
                    "vehicle_id": vehicle_pk,
                    "customer_id": customer_pk,
                }
            )
        insert_rows(RepairOrder, new_rows, defaults=stamps, with_pk=True)
        audits += _created_audit_rows(run, RepairOrder, ((slot.pk, slot.number) for slot in run.orders_new))
        changed_orders = []
        for slot, changes, base in run.orders_changed:
            vehicle_pk = _vehicle_pk(slot.vehicle)
            customer_pk = slot.customer.obj.pk if slot.customer is not None else base["customer_id"]
            if "vehicle" in changes:
                changes["vehicle"][1] = vehicle_pk
            if "customer" in changes:
                changes["customer"][1] = customer_pk
            values = {k: v for k, v in base.items() if k not in ("pk", "vehicle_id", "customer_id")}
            values.update(slot.values)
            order = RepairOrder(
                pk=base["pk"],
                store=run.store,
                vehicle_id=vehicle_pk,
                customer_id=customer_pk,
                updated_at=now,
                **values,
            )
            changed_orders.append((order, changes))
        for slot in run.lines_replaced:
            slot.pk, slot.vehicle_id = slot.existing["pk"], _vehicle_pk(slot.vehicle)
        for slot in (slot for slot, _, _ in run.orders_changed):
            slot.pk, slot.vehicle_id = slot.existing["pk"], _vehicle_pk(slot.vehicle)
        if changed_orders:
            fields = sorted({k for _, changes in changed_orders for k in changes if k != "lines"} | {"updated_at"})
            RepairOrder.objects.bulk_update([o for o, _ in changed_orders], fields, batch_size=BATCH_SIZE)
            audits += _updated_audit_rows(run, changed_orders)
        run.report("write", 4, steps)
        for chunk in run.chunks([slot.pk for slot in run.lines_replaced]):
            RepairOrderLine.objects.filter(repair_order_id__in=chunk).delete()
        lines = (
            (slot.pk, position, *line)
            for slot in (*run.orders_new, *run.lines_replaced)
            for position, line in enumerate(slot.lines, start=1)
        )
        insert_tuples(RepairOrderLine, ("repair_order_id", "position", *LINE_ATTRS), lines)
        run.report("write", 5, steps)
        # Odometer readings: one per order, one at delivery; the unique constraint drops repeats.
        readings = [
            {
                "vehicle_id": slot.vehicle_id,
                "read_on": timezone.localtime(slot.values["opened_at"], run.tz).date(),
                "km": slot.values["mileage_in"],
                "source": MileageSource.REPAIR_ORDER.value,
            }
            for slot in run.readings_for
            if slot.values.get("mileage_in") is not None and slot.values.get("opened_at") is not None
        ]
        readings += [
            {
                "vehicle_id": slot.obj.pk,
                "read_on": slot.values["delivery_date"],
                "km": 0,
                "source": MileageSource.DELIVERY.value,
            }
            for slot in (*run.vehicles_new, *(s for s, ch in run.vehicles_changed if "delivery_date" in ch))
            if slot.values.get("delivery_date")
        ]
        insert_rows(MileageReading, readings, defaults={}, ignore_conflicts=True)
        run.report("write", 6, steps)
        insert_tuples(AuditEntry, AUDIT_COLUMNS, audits)
        run.report("write", 7, steps)
        touched = {v.pk for v in new_vehicles} | {v.pk for v, _ in changed_vehicles}
        touched |= {slot.vehicle_id for slot in run.orders_new}
        touched |= {o.vehicle_id for o, _ in changed_orders}
        run.report("write", steps, steps)
    return touched


def vehicle_figures_after_import(*, store, now, touched: set[int] | None) -> None:
    """Refresh the figures of the touched vehicles (None: too many to list, the whole store) in one pass."""
    today = timezone.localtime(now, ZoneInfo(store.time_zone)).date()
    if touched is None or len(touched) > REFRESH_WHOLE_STORE_ABOVE:
        vehicle_figures_refresh(store=store, today=today, vehicle_ids=None)
    elif touched:
        vehicle_figures_refresh(store=store, today=today, vehicle_ids=touched)


def _record_consent(run: ImportRun) -> None:
    """The DMS "accepts marketing" column as consent records on every channel (only where the DMS changed it)."""
    values = {
        slot.obj.pk: dict.fromkeys(IMPORT_CHANNELS, slot.values["marketing_consent"])
        for slot in run.plan.customer_slots
        if slot.obj is not None and "marketing_consent" in slot.values
    }
    if values:
        consent_import(store_id=run.store.pk, values=values, actor=run.batch.created_by, now=run.now, source=run.source)


def _vehicle_pk(slot: VehicleSlot) -> int:
    return slot.obj.pk if slot.obj is not None else slot.existing["pk"]
