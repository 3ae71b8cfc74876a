"""Load generated customers into the database, set-based: a few bulk inserts per batch, never a query per row.

PostgreSQL gets `COPY … FROM STDIN` (psycopg 3) with ids taken from the sequences up front, so repair
order lines can point at their orders without reading anything back; SQLite gets one prepared INSERT
per table and batch (executemany) with ids above the table's high-water mark; other databases `bulk_create`.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from itertools import islice

from django.db import connection, transaction
from django.db.models import DateField, DecimalField, Model
from django.utils import timezone

from huifang.archive.choices import MileageSource
from huifang.archive.models import (
    Contact,
    Customer,
    MileageReading,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
    VehicleOwnership,
)
from huifang.archive.services import customer_search_keys, policy_for, vehicle_figures_refresh

from .rows import CustomerRow

BATCH_SIZE = 2000  # customers per transaction (about 12,000 repair orders and 60,000 lines)


def load_into_db(
    *,
    store,
    customers: Iterable[CustomerRow],
    today: date,
    batch_size: int = BATCH_SIZE,
    advisors: dict[str, int] | None = None,
    refresh: bool = True,
    progress: Callable[[Counter], None] | None = None,
) -> Counter:
    """Insert the customers with their contacts, vehicles, readings and orders; then derive vehicle figures."""
    words = policy_for(store=store).sensitive_occupation_words
    counts: Counter = Counter()
    for chunk in _chunks(customers, batch_size):
        with transaction.atomic():
            _load_chunk(store=store, chunk=chunk, words=words, advisors=advisors or {}, counts=counts)
        if progress:
            progress(counts)
    if refresh:
        vehicle_figures_refresh(store=store, today=today)
    return counts


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _money(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def _load_chunk(*, store, chunk: list[CustomerRow], words: str, advisors: dict[str, int], counts: Counter) -> None:
    customer_rows = []
    for c in chunk:
        row = {
            "store_id": store.pk,
            "dms_code": c.dms_code,
            "kind": str(c.kind),
            "name": c.name,
            "gender": str(c.gender),
            "birthday": c.birthday,
            "birthday_is_lunar": c.birthday_is_lunar,
            "id_number": c.id_number,
            "occupation": c.occupation,
            "level": c.level,
            "category": c.category,
            "address": c.address,
            "email": c.email,
            "mobile": c.mobile,
            "home_phone": c.home_phone,
            "office_phone": c.office_phone,
            "preferred_channel": str(c.preferred_channel),
            "best_contact_time": c.best_contact_time,
            "language": c.language,
            "marketing_consent": c.marketing_consent,
            "source": str(c.source),
            "club_level": c.club_level,
            "first_visit_at": c.first_visit_at,
        }
        row.update(customer_search_keys(name=c.name, phones=c.phones, occupation=c.occupation, sensitive_words=words))
        customer_rows.append(row)
    customer_ids = _insert(Customer, customer_rows, returning=True)

    contacts, vehicles, owners = [], [], []
    for customer_id, c in zip(customer_ids, chunk, strict=True):
        contacts.extend(
            {
                "customer_id": customer_id,
                "role": str(k.role),
                "name": k.name,
                "phone": k.phone,
                "extension": k.extension,
                "department": k.department,
                "note": k.note,
            }
            for k in c.contacts
        )
        for v in c.vehicles:
            vehicles.append(
                {
                    "store_id": store.pk,
                    "customer_id": customer_id,
                    "vin": v.vin,
                    "plate": v.plate,
                    "brand": v.brand,
                    "model": v.model,
                    "trim": v.trim,
                    "purchase_date": v.purchase_date,
                    "delivery_date": v.delivery_date,
                    "warranty_end_date": v.warranty_end_date,
                    "warranty_end_km": v.warranty_end_km,
                    "insurance_expiry": v.insurance_expiry,
                    "inspection_due": v.inspection_due,
                    "licence_due": v.licence_due,
                }
            )
            owners.append((customer_id, v))
    _insert(Contact, contacts)
    vehicle_ids = _insert(Vehicle, vehicles, returning=True)

    ownerships, readings, orders, order_rows = [], [], [], []
    for vehicle_id, (customer_id, v) in zip(vehicle_ids, owners, strict=True):
        ownerships.append({"vehicle_id": vehicle_id, "customer_id": customer_id, "since": v.purchase_date})
        # The first reading is the odometer at delivery; every later one comes from a repair order.
        readings.extend(
            {
                "vehicle_id": vehicle_id,
                "read_on": day,
                "km": km,
                "source": MileageSource.DELIVERY if n == 0 else MileageSource.REPAIR_ORDER,
            }
            for n, (day, km) in enumerate(v.readings())
        )
        for o in v.orders:
            orders.append(o)
            order_rows.append(
                {
                    "store_id": store.pk,
                    "number": o.number,
                    "vehicle_id": vehicle_id,
                    "customer_id": customer_id,
                    "ro_type": str(o.ro_type),
                    "opened_at": o.opened_at,
                    "delivered_at": o.delivered_at,
                    "mileage_in": o.mileage_in,
                    "advisor_name": o.advisor_name,
                    "advisor_id": advisors.get(o.advisor_name),
                    "technician_name": o.technician_name,
                    "labour_amount": _money(o.labour_fen),
                    "parts_amount": _money(o.parts_fen),
                    "total_amount": _money(o.total_fen),
                    "fault_description": o.fault_description,
                    "is_repeat_repair": o.is_repeat_repair,
                    "is_appointment": o.is_appointment,
                }
            )
    _insert(VehicleOwnership, ownerships)
    _insert(MileageReading, readings)
    order_ids = _insert(RepairOrder, order_rows, returning=True)
    lines = [
        {
            "repair_order_id": order_id,
            "position": position,
            "kind": line.kind,
            "code": line.code,
            "description": line.description,
            "quantity": _money(line.quantity_centi),
            "unit_price": _money(line.unit_fen),
            "amount": _money(line.amount_fen),
        }
        for order_id, o in zip(order_ids, orders, strict=True)
        for position, line in enumerate(o.lines, start=1)
    ]
    _insert(RepairOrderLine, lines)
    counts.update(
        customers=len(customer_rows),
        contacts=len(contacts),
        vehicles=len(vehicles),
        mileage_readings=len(readings),
        repair_orders=len(order_rows),
        repair_order_lines=len(lines),
    )


def _insert(model: type[Model], rows: list[dict], *, returning: bool = False) -> list[int]:
    """Insert plain rows (attname -> value); return their new ids when asked."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(model, rows, returning=returning)
    if connection.vendor == "sqlite":
        return _executemany(model, rows, returning=returning)
    objects = [model(**row) for row in rows]
    model.objects.bulk_create(objects, batch_size=500)
    return [obj.pk for obj in objects] if returning else []


def _defaults(fields) -> dict:
    now = timezone.now()
    return {
        f.attname: now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        for f in fields
    }


def _executemany(model: type[Model], rows: list[dict], *, returning: bool) -> list[int]:
    """SQLite: one prepared INSERT run over all rows; ids are taken above the table's high-water mark.

    The atomic block holds SQLite's write lock from its start (transaction_mode IMMEDIATE), so no other
    writer can take the same ids in between.
    """
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    defaults = _defaults(fields)
    # Only dates, times and decimals need Django's conversion; text, numbers and booleans go as they are.
    converters = [
        (f.attname, f if isinstance(f, DateField | DecimalField) else None)  # DateTimeField is a DateField
        for f in fields
    ]
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in fields]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            cursor.execute(
                f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                f"COALESCE((SELECT MAX({quote(meta.pk.column)}) FROM {quote(meta.db_table)}), 0))",
                [meta.db_table],
            )
            start = cursor.fetchone()[0] + 1
            ids = list(range(start, start + len(rows)))
            columns.insert(0, quote(meta.pk.column))
        values = [
            [
                field.get_db_prep_save(row.get(name, defaults[name]), connection)
                if field is not None
                else row.get(name, defaults[name])
                for name, field in converters
            ]
            for row in rows
        ]
        if returning:
            for pk, row_values in zip(ids, values, strict=True):
                row_values.insert(0, pk)
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({placeholders})"
        cursor.executemany(sql, values)
    return ids


def _copy(model: type[Model], rows: list[dict], *, returning: bool) -> list[int]:
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    defaults = _defaults(fields)
    names = [f.attname for f in fields]
    quote = connection.ops.quote_name
    columns = [quote(f.column) for f in fields]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            ids = [r[0] for r in cursor.fetchall()]
            columns.insert(0, quote(meta.pk.column))
        sql = f"COPY {quote(meta.db_table)} ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(sql) as copy:
            if returning:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row([pk, *(row.get(n, defaults[n]) for n in names)])
            else:
                for row in rows:
                    copy.write_row([row.get(n, defaults[n]) for n in names])
    return ids
