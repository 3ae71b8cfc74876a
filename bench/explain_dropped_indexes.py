"""The plans of the lookups that used the single-column foreign-key indexes dropped in archive 0005, audit 0003
and messaging 0004: each should still use an index (the composite one that leads with the column).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_h2 .venv/bin/python bench/explain_dropped_indexes.py --store IMP…

Takes one vehicle, customer and order of the store (a store a DMS import filled), runs ANALYZE, and prints
each lookup's plan (EXPLAIN ANALYZE) in one line per node.
"""

import argparse
from datetime import timedelta

from common import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    args = parser.parse_args()
    setup_django(migrate=False)
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.models import Max

    from huifang.accounts.models import Store
    from huifang.archive.models import Contact, Customer, MileageReading, RepairOrder, Vehicle
    from huifang.audit.models import AuditEntry
    from huifang.messaging.models import ConsentRecord

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    store = Store.objects.get(code=args.store)
    vehicle = Vehicle.objects.filter(store=store).order_by("pk")[100]
    company = Contact.objects.filter(customer__store=store).values_list("customer", flat=True).first()
    customer = Customer.objects.filter(store=store).order_by("pk")[100]
    order = RepairOrder.objects.filter(store=store).order_by("pk")[100]
    lookups = {
        "a vehicle's orders, newest first (vehicle page, sweeps)": RepairOrder.objects.filter(vehicle=vehicle).order_by(
            "-opened_at"
        ),
        "a vehicle's last order (vehicle figures)": RepairOrder.objects.filter(vehicle=vehicle).aggregate(
            Max("opened_at")
        ),
        "a vehicle's orders by id (PROTECT check on delete)": RepairOrder.objects.filter(vehicle_id__in=[vehicle.pk]),
        "a store's order by number": RepairOrder.objects.filter(store=store, number=order.number),
        "a store's orders in a month": RepairOrder.objects.filter(
            store=store, opened_at__gte=order.opened_at, opened_at__lt=order.opened_at + timedelta(days=30)
        ),
        "a vehicle's odometer readings": MileageReading.objects.filter(vehicle=vehicle).order_by("read_on"),
        "a store's customers by name": Customer.objects.filter(store=store).order_by("name")[:50],
        "a store's vehicle by VIN": Vehicle.objects.filter(store=store, vin=vehicle.vin),
        "a company's contacts": Contact.objects.filter(customer_id=company),
        "a customer's consent records (consent_states)": ConsentRecord.objects.filter(customer=customer).order_by("pk"),
        "an order's audit trail": AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(RepairOrder), object_id=order.pk
        ).order_by("-at"),
    }
    for name, query in lookups.items():
        if isinstance(query, dict):  # an aggregate: explain the queryset it came from
            query = RepairOrder.objects.filter(vehicle=vehicle).values("vehicle").annotate(m=Max("opened_at"))
        plan = query.explain(analyze=True)
        print(f"{name}:")
        for line in plan.splitlines():
            if "->" in line or not line.startswith(" "):
                print(f"    {line.strip()[:150]}")


if __name__ == "__main__":
    main()
