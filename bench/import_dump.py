"""Import DMS files into a new store and dump what the import wrote, ids and times made neutral, for diffing.

    .venv/bin/python bench/import_dump.py --out /tmp/after.txt bench/out/dms_10k.csv [more files …]
    .venv/bin/python bench/import_dump.py --code /work/main --out /tmp/before.txt bench/out/dms_10k.csv

Each file is imported in turn into one fresh store (a file given twice is a re-import); then the store's
customers, contacts, vehicles, ownerships, readings, orders, lines, consent records, audit entries and every
batch's counts and per-row report are written one line each. Primary keys become their rank within the store
(records are created in the same order by both versions of the code), times of the run become "now", and
"import #<batch id>" becomes "import #n". `--code DIR` imports with another checkout's code (e.g. main), so
the two dumps show whether a change altered the archive written. Uses DATABASE_URL, else a SQLite file in /tmp.
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--code", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--batch-rows", type=int, default=None)
    args = parser.parse_args()
    files = [f.resolve() for f in args.files]
    sys.path.insert(0, str(args.code.resolve()))
    os.chdir(args.code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huifang.settings")
    os.environ.setdefault("DATABASE_URL", f"sqlite:////tmp/import_dump_{os.getpid()}.sqlite3")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    call_command("migrate", verbosity=0, interactive=False)
    from huifang.accounts.models import Store
    from huifang.archive.demo import demo_organisation_ensure
    from huifang.archive.importing.services import dms_import_file

    template = demo_organisation_ensure()["SZ01"]
    code = f"DUMP{int(time.time() * 1000) % 10**9}"
    store = Store.objects.create(
        code=code, name=code, group=template.group, region=template.region, brand="斯柯达", city="深圳"
    )
    batches = []
    for path in files:
        started = time.perf_counter()
        options = {} if args.batch_rows is None else {"batch_rows": args.batch_rows}
        batch = dms_import_file(store=store, path=path, actor=None, **options)
        print(f"{path.name}: {batch.status} in {time.perf_counter() - started:.1f} s, {batch.counts}")
        batches.append(batch)
    with args.out.open("w", encoding="utf-8") as out:
        for line in dump(store, batches):
            out.write(line + "\n")
    print(f"dump written to {args.out}")


def dump(store, batches):
    from django.contrib.contenttypes.models import ContentType

    from huifang.archive.models import (
        Contact,
        Customer,
        MileageReading,
        RepairOrder,
        RepairOrderLine,
        Vehicle,
        VehicleOwnership,
    )
    from huifang.audit.models import AuditEntry
    from huifang.messaging.models import ConsentRecord

    volatile = {"id", "created_at", "updated_at", "at", "store"}
    ranks: dict[str, dict[int, int]] = {}

    def rank(model, queryset):
        ranks[model.__name__] = {pk: i for i, pk in enumerate(queryset.order_by("pk").values_list("pk", flat=True))}

    rank(Customer, Customer.objects.filter(store=store))
    rank(Vehicle, Vehicle.objects.filter(store=store))
    rank(RepairOrder, RepairOrder.objects.filter(store=store))
    rank(Contact, Contact.objects.filter(customer__store=store))
    rank(ConsentRecord, ConsentRecord.objects.filter(store=store))
    refs = {"customer_id": "Customer", "vehicle_id": "Vehicle", "repair_order_id": "RepairOrder"}

    def rows(model, queryset):
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in volatile]
        for values in queryset.order_by("pk").values_list(*fields):
            record = dict(zip(fields, values, strict=True))
            for attname, target in refs.items():
                if attname in record and record[attname] is not None:
                    record[attname] = ranks[target][record[attname]]
            if "source" in record and isinstance(record["source"], str):
                record["source"] = re.sub(r"import #\d+", "import #n", record["source"])
            yield f"{model.__name__} " + json.dumps(record, default=str, ensure_ascii=False, sort_keys=True)

    yield from rows(Customer, Customer.objects.filter(store=store))
    yield from rows(Contact, Contact.objects.filter(customer__store=store))
    yield from rows(Vehicle, Vehicle.objects.filter(store=store))
    yield from rows(VehicleOwnership, VehicleOwnership.objects.filter(vehicle__store=store))
    yield from rows(MileageReading, MileageReading.objects.filter(vehicle__store=store))
    yield from rows(RepairOrder, RepairOrder.objects.filter(store=store))
    yield from rows(RepairOrderLine, RepairOrderLine.objects.filter(repair_order__store=store))
    yield from rows(ConsentRecord, ConsentRecord.objects.filter(store=store))
    models_by_type = {ct.pk: ct.model_class().__name__ for ct in ContentType.objects.all()}
    for entry in AuditEntry.objects.filter(store=store).order_by("pk"):
        kind = models_by_type.get(entry.content_type_id)
        object_rank = ranks.get(kind, {}).get(entry.object_id, entry.object_id)
        text = entry.object_repr
        if kind == "ConsentRecord":  # "#<id> 电话 · …"
            text = re.sub(r"^#\d+", f"#{object_rank}", text)
        changes = dict(entry.changes)
        for key, target in (("customer", "Customer"), ("vehicle", "Vehicle")):
            if key in changes:
                changes[key] = [ranks[target].get(v, v) if isinstance(v, int) else v for v in changes[key]]
        yield "AuditEntry " + json.dumps(
            {
                "action": entry.action,
                "actor": entry.actor_id,
                "model": kind,
                "object": object_rank,
                "repr": text,
                "source": re.sub(r"import #\d+", "import #n", entry.source),
                "changes": changes,
            },
            default=str,
            ensure_ascii=False,
            sort_keys=True,
        )
    for n, batch in enumerate(batches):
        batch.refresh_from_db()
        yield f"Batch {n} " + json.dumps(
            {
                "status": batch.status,
                "error": batch.error,
                "encoding": batch.encoding,
                "rows_total": batch.rows_total,
                "rows_rejected": batch.rows_rejected,
                "rows_warned": batch.rows_warned,
                "rows_skipped": batch.rows_skipped,
                "counts": batch.counts,
                "ignored_columns": batch.ignored_columns,
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        for r in batch.rejections.order_by("sheet", "row_number", "id"):
            yield f"Report {n} " + json.dumps(
                [r.severity, r.sheet, r.row_number, r.field, r.value, r.reason], ensure_ascii=False
            )


if __name__ == "__main__":
    main()
