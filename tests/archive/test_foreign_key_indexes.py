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
    ("followups_followuptask", "store_id", ["store_id", "status", "due_at"]),
    ("followups_followuptask", "rule_id", ["rule_id", "subject", "occurrence_key"]),
    ("followups_followuptask", "assigned_to_id", ["assigned_to_id", "status", "window_end", "due_at", "id"]),
    ("workbench_callrecord", "store_id", ["store_id", "ended_at"]),
    ("workbench_callrecord", "caller_id", ["caller_id", "ended_at"]),
    ("workbench_callrecord", "advisor_id", ["advisor_id", "ended_at"]),
    ("workbench_answer", "call_id", ["call_id", "question_id"]),
    ("followups_contactattempt", "task_id", ["task_id", "at", "id"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "column", "composite"), SERVED)
def test_foreign_key_served_by_composite_index_only(table, column, composite):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]
    assert [column] not in indexed, f"{table}.{column} has an index of its own"
    # PostgreSQL lists an index's INCLUDE columns after its key columns.
    assert any(columns[: len(composite)] == composite for columns in indexed), f"{table} lost the index on {composite}"
    foreign_keys = [c for c in constraints.values() if c["foreign_key"] and c["columns"] == [column]]
    assert foreign_keys, f"{table}.{column} lost its foreign-key constraint"


@pytest.mark.django_db
def test_task_claim_columns_unindexed_so_claims_update_in_place():
    """The claim of "next" and its release write claimed_by_id and claimed_until only: with neither in an index,
    PostgreSQL can update the row in place (HOT), and a fill factor below 100 leaves the page room for it."""
    table = "followups_followuptask"
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        indexed = {column for c in constraints.values() if c["index"] or c["unique"] for column in c["columns"]}
        assert not indexed & {"claimed_by_id", "claimed_until", "next_call_at"}
        assert any(c["foreign_key"] and c["columns"] == ["claimed_by_id"] for c in constraints.values())
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [table])
            assert "fillfactor=90" in (cursor.fetchone()[0] or [])
