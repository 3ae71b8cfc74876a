"""The import's COPY rows: values sent as text (timestamps) or as plain values come back as they went in."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType

from huifang.archive.importing.bulk import AUDIT_COLUMNS, insert_tuples
from huifang.archive.models import Customer
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry

from ..factories import StoreFactory

pytestmark = pytest.mark.django_db


def test_timestamps_shared_and_distinct_come_back_as_written():
    store = StoreFactory()
    content_type_id = ContentType.objects.get_for_model(Customer).pk
    shared = datetime(2026, 12, 7, 22, 10, 57, 123456, tzinfo=UTC)
    shanghai = ZoneInfo("Asia/Shanghai")
    distinct = [
        datetime(2026, 3, 4, 9, 30, tzinfo=shanghai),
        datetime(2025, 12, 31, 23, 59, 59, 999999, tzinfo=shanghai),
        datetime(2026, 6, 1, 0, 0, 1, tzinfo=UTC),
    ]
    # The shared value on every other row, as the import's own time is; a distinct one between.
    ats = [shared, distinct[0], shared, shared, distinct[1], distinct[2], shared]
    changes = {"note": "一样"}
    rows = [
        (at, store.pk, None, "import #1", AuditAction.CREATE.value, content_type_id, n, f"#{n}", changes)
        for n, at in enumerate(ats)
    ]
    assert insert_tuples(AuditEntry, AUDIT_COLUMNS, rows) == len(rows)
    written = list(AuditEntry.objects.filter(store=store).order_by("object_id").values_list("at", "changes"))
    assert [at for at, _ in written] == ats
    assert all(value == changes for _, value in written)
