"""Foreign keys whose column leads a composite index have no index of their own, and keep their constraint."""

import pytest
from django.db import connection

# (table, column, the composite index or unique constraint that serves lookups by the column)
SERVED = [
    ("archive_repairorder", "store_id", ["store_id", "number"]),
    ("archive_repairorder", "vehicle_id", ["vehicle_id", "opened_at"]),
    ("archive_customer", "store_id", ["store_id", "name"]),
    ("archive_vehicle", "store_id", ["store_id", "vin"]),
    ("archive_mileagereading", "vehicle_id", ["vehicle_id", "read_on", "km"]),
    ("archive_contact", "customer_id", ["customer_id", "role", "name"]),
    ("audit_auditentry", "content_type_id", ["content_type_id", "object_id", "at"]),
    ("messaging_consentrecord", "customer_id", ["customer_id", "purpose", "channel", "id"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "column", "composite"), SERVED)
def test_foreign_key_served_by_composite_index_only(table, column, composite):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]
    assert [column] not in indexed, f"{table}.{column} has an index of its own"
    assert composite in indexed, f"{table} lost the index on {composite}"
    foreign_keys = [c for c in constraints.values() if c["foreign_key"] and c["columns"] == [column]]
    assert foreign_keys, f"{table}.{column} lost its foreign-key constraint"
