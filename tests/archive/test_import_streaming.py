"""The import streamed in fixed batches (issue 16 §1): a file cut into many small batches lands exactly as it
does in one batch, orders split over batch boundaries or scattered through the file included; a limit hit
after batches were written still leaves nothing; re-importing in batches changes nothing."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction

from huifang.accounts.models import Store
from huifang.archive.choices import ImportStatus
from huifang.archive.importing import streaming
from huifang.archive.importing.services import dms_import_file, import_batches_reap
from huifang.archive.models import (
    Contact,
    Customer,
    ImportBatch,
    ImportPolicy,
    MileageReading,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
    VehicleOwnership,
)
from huifang.audit.models import AuditEntry
from huifang.core import clock

from ..factories import StoreFactory
from .test_import_hostile import HEADERS, csv_bytes, nothing_written, row

DATA = Path(__file__).resolve().parent.parent / "data" / "dms"
SAMPLES = ["yichetong_ro_lines_utf8bom.csv", "xingyun_ro_detail.xlsx", "legacy_ro_export_gb18030_tab.csv"]
SKIP = {"id", "store", "store_id", "created_at", "updated_at"}


def _fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname not in SKIP]


def archive(store: Store) -> dict:
    """Everything the import wrote for a store, without ids or timestamps (foreign keys as natural keys); the
    vehicles with their figures (last visit, mileage, activity …)."""
    customers = {c.pk: c for c in Customer.objects.filter(store=store)}
    key = {pk: (c.dms_code, c.name, c.mobile) for pk, c in customers.items()}
    vehicles = {v.pk: v for v in Vehicle.objects.filter(store=store)}
    orders = {o.pk: o for o in RepairOrder.objects.filter(store=store)}

    def plain(obj, model, **replace):
        values = {f: getattr(obj, f) for f in _fields(model)}
        values.update(replace)
        return tuple(sorted((k, str(v)) for k, v in values.items()))

    return {
        "customers": sorted(plain(c, Customer) for c in customers.values()),
        "contacts": sorted(
            plain(c, Contact, customer_id=key[c.customer_id]) for c in Contact.objects.filter(customer__store=store)
        ),
        "vehicles": sorted(plain(v, Vehicle, customer_id=key[v.customer_id]) for v in vehicles.values()),
        "orders": sorted(
            plain(o, RepairOrder, customer_id=key[o.customer_id], vehicle_id=vehicles[o.vehicle_id].vin)
            for o in orders.values()
        ),
        "lines": sorted(
            plain(line, RepairOrderLine, repair_order_id=orders[line.repair_order_id].number)
            for line in RepairOrderLine.objects.filter(repair_order__store=store)
        ),
        "readings": sorted(
            (vehicles[r.vehicle_id].vin, str(r.read_on), r.km, r.source)
            for r in MileageReading.objects.filter(vehicle__store=store)
        ),
        "owners": sorted(
            (vehicles[o.vehicle_id].vin, key[o.customer_id], str(o.since), str(o.until))
            for o in VehicleOwnership.objects.filter(vehicle__store=store)
        ),
    }


def outcome(batch) -> tuple:
    batch.refresh_from_db()
    report = list(
        batch.rejections.order_by("id").values_list("severity", "sheet", "row_number", "field", "value", "reason")
    )
    return (
        batch.status,
        batch.error,
        (batch.rows_total, batch.rows_rejected, batch.rows_warned, batch.rows_skipped),
        batch.counts,
        report,
    )


def import_file(store, tmp_path, name, batch_rows, **kwargs):
    path = shutil.copy(DATA / name, tmp_path / name)
    return dms_import_file(store=store, path=path, batch_rows=batch_rows, **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("name", SAMPLES)
def test_a_sample_cut_into_batches_of_seven_rows_lands_as_in_one_batch(tmp_path, name):
    # given two empty stores
    whole, cut = StoreFactory(code="W01"), StoreFactory(code="C01")
    # when the sample is imported in one batch into one, in batches of 7 rows into the other
    one = import_file(whole, tmp_path, name, batch_rows=100_000)
    many = import_file(cut, tmp_path, name, batch_rows=7)
    # then the archives, the counts and the per-row reports are the same
    assert one.status == ImportStatus.DONE, one.error
    assert outcome(many) == outcome(one)
    assert archive(cut) == archive(whole)
    assert archive(cut)["orders"]  # the comparison is not between two empty archives


@pytest.mark.django_db
@pytest.mark.parametrize("name", SAMPLES)
def test_reimporting_in_batches_changes_nothing_and_counts_each_record_once(tmp_path, name):
    # given a store that imported the sample
    store = StoreFactory(code="R01")
    first = import_file(store, tmp_path, name, batch_rows=100_000)
    audits = AuditEntry.objects.count()
    # when the same file comes again, in batches of 5 rows
    again = import_file(store, tmp_path, name, batch_rows=5)
    # then every record is "unchanged" once, as many as were created, and nothing was written
    for entity, counts in again.counts.items():
        assert counts == {"created": 0, "updated": 0, "unchanged": first.counts[entity]["created"]}, entity
    assert AuditEntry.objects.count() == audits


@pytest.mark.django_db
def test_an_order_split_across_a_batch_boundary_keeps_all_its_lines(store, tmp_path):
    # given order RO001 with 5 lines (one row each), then RO002 with one; batches of 2 rows
    headers = [*HEADERS, "维修项目", "金额"]
    rows = [[*row(1), f"项目{i}", "100"] for i in range(5)] + [[*row(2), "项目9", "50"]]
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes(rows, headers=headers))
    # when
    batch = dms_import_file(store=store, path=path, batch_rows=2)
    # then the batch was not cut inside RO001: its five rows are one order with five lines
    assert batch.status == ImportStatus.DONE, batch.error
    assert batch.counts["repair_order"]["created"] == 2 and batch.counts["line"]["created"] == 6
    assert RepairOrderLine.objects.filter(repair_order__number="RO001").count() == 5
    assert str(RepairOrder.objects.get(store=store, number="RO001").total_amount) == "500.00"


@pytest.mark.django_db
def test_an_order_scattered_through_the_file_is_read_order_by_order(store, other_store, tmp_path):
    # given RO001's rows at the top and at the bottom of the file, a bad row of it in the middle, other orders
    # between: the bad row must reject every row of RO001, also those in batches written before it was read
    rows = [row(1), row(2), row(3), row(1, 进厂时间="2025-02-30 09:00"), row(4), row(5), row(1), row(6)]
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes(rows))
    # when imported in batches of 2 rows, and into another store in one batch
    cut = dms_import_file(store=store, path=path, batch_rows=2)
    whole = dms_import_file(store=other_store, path=path, batch_rows=1000)
    # then
    assert cut.status == ImportStatus.DONE, cut.error
    assert not RepairOrder.objects.filter(store=store, number="RO001").exists()
    assert sorted(cut.rejections.values_list("row_number", flat=True)) == [2, 5, 8]
    assert outcome(cut) == outcome(whole)
    assert archive(store) == archive(other_store)


@pytest.mark.django_db
def test_a_customer_on_many_batches_is_one_customer_counted_once(store, tmp_path):
    # given one customer with six orders, a row each, in batches of 2 rows
    rows = [row(1, 工单号=f"RO{n:03d}") for n in range(1, 7)]
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes(rows))
    # when
    batch = dms_import_file(store=store, path=path, batch_rows=2)
    # then
    assert batch.counts["customer"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert batch.counts["vehicle"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert batch.counts["repair_order"]["created"] == 6
    assert Customer.objects.filter(store=store).count() == 1
    assert AuditEntry.objects.filter(source=f"import #{batch.pk}", action="create").count() == 1 + 1 + 6


@pytest.mark.django_db
def test_a_limit_hit_after_batches_were_written_leaves_nothing(store, tmp_path):
    # given a store allowing 5 rows and a file of 8, imported in batches of 2 (two batches are written first)
    ImportPolicy.objects.create(store=store, max_rows=5)
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes([row(n) for n in range(1, 9)]))
    # when
    batch = dms_import_file(store=store, path=path, batch_rows=2)
    # then
    assert batch.status == ImportStatus.FAILED and "max rows" in batch.error
    assert nothing_written(store) and not batch.rejections.exists()


@pytest.mark.django_db
def test_a_dry_run_in_batches_counts_as_the_import_would_and_writes_nothing(store, other_store, tmp_path):
    # given
    rows = [row(1, 工单号=f"RO{n:03d}") for n in range(1, 5)] + [row(2), row(3, 车架号="LSV123")]
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes(rows))
    # when
    dry = dms_import_file(store=store, path=path, batch_rows=2, dry_run=True)
    real = dms_import_file(store=other_store, path=path, batch_rows=2)
    # then
    assert nothing_written(store) and not AuditEntry.objects.filter(store=store).exists()
    assert outcome(dry) == outcome(real)


@pytest.mark.django_db
def test_the_scratch_store_counts_a_record_once_across_batches():
    # given the scratch store of one import
    scratch = streaming.Scratch()
    # when a customer is created by batch 1, then seen unchanged and updated; another unchanged, then updated
    first = scratch.settle([("customer", 1, "created"), ("customer", 2, "unchanged")])
    second = scratch.settle([("customer", 1, "updated"), ("customer", 2, "unchanged")])
    third = scratch.settle([("customer", 2, "updated"), ("customer", 1, "unchanged")])
    scratch.close()
    # then
    assert first["customer"] == {"created": 1, "updated": 0, "unchanged": 1}
    assert second["customer"] == {"created": 0, "updated": 0, "unchanged": 0}
    assert third["customer"] == {"created": 0, "updated": 1, "unchanged": -1}


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_reaches_the_database_from_inside_the_import_transaction(store, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: there the heartbeat waits for the import's commit")
    # given a running batch whose heartbeat is 20 minutes old (import_batches_reap fails it after 10)
    old = clock.now() - timedelta(minutes=20)
    batch = ImportBatch.objects.create(store=store, filename="dms.csv", status=ImportStatus.RUNNING, heartbeat_at=old)
    stream = streaming.ImportStream(batch=batch, path=tmp_path / "dms.csv", saved_mapping=None, progress=None)
    try:
        with transaction.atomic():
            ImportBatch.objects.filter(pk=batch.pk).exists()  # the import's transaction is open
            # when the import beats while its transaction is open
            stream._beat()
            # then the reaper, in another transaction, sees the fresh heartbeat and leaves the batch running
            assert import_batches_reap(now=clock.now()) == 0
    finally:
        stream.close()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.RUNNING and batch.heartbeat_at > old
