import csv
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from huifang.accounts.models import Store
from huifang.archive.choices import ImportStatus
from huifang.archive.importing.services import dms_import_file
from huifang.archive.models import ImportMapping
from huifang.core.spreadsheet import inert_row


class Command(BaseCommand):
    help = "Import a DMS export (CSV or XLSX) of customers, vehicles and repair orders into one store."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file exported from the DMS")
        parser.add_argument("--store", required=True, help="store code")
        parser.add_argument("--dry-run", action="store_true", help="check and count only, write nothing")
        parser.add_argument("--mapping", default=None, help="name of the store's saved column mapping")
        parser.add_argument("--rejections", default=None, help="write the rejected rows to this CSV file")

    def handle(self, *args, **options):
        store = Store.objects.filter(code=options["store"]).first()
        if store is None:
            raise CommandError(f"unknown store code {options['store']!r}")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        if options["mapping"] and not ImportMapping.objects.filter(store=store, name=options["mapping"]).exists():
            raise CommandError(f"store {store.code} has no column mapping named {options['mapping']!r}")

        def progress(phase: str, done: int, total: int) -> None:
            sys.stderr.write(f"\r{phase}: {done}/{total}   ")
            sys.stderr.flush()

        batch = dms_import_file(
            store=store, path=path, dry_run=options["dry_run"], mapping=options["mapping"], progress=progress
        )
        sys.stderr.write("\n")
        if batch.status == ImportStatus.FAILED:
            raise CommandError(batch.error)
        rejections = list(batch.rejections.all())
        for r in rejections:
            where = f"{r.sheet} " if r.sheet else ""
            self.stdout.write(f"{where}row {r.row_number} [{r.severity}]: {r.field}: {r.value!r}: {r.reason}")
        if options["rejections"]:
            with open(options["rejections"], "w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["sheet", "row", "outcome", "field", "value", "reason"])
                writer.writerows(
                    inert_row([r.sheet, r.row_number, r.severity, r.field, r.value, r.reason]) for r in rejections
                )
        if batch.ignored_columns:
            self.stdout.write("ignored columns: " + ", ".join(batch.ignored_columns))
        prefix = "dry run, would be" if batch.dry_run else "imported"
        for entity, counts in batch.counts.items():
            self.stdout.write(
                f"{entity}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged ({prefix})"
            )
        self.stdout.write(
            f"batch #{batch.pk} ({batch.encoding}): {batch.rows_total} rows, {batch.rows_rejected} rejected, "
            f"{batch.rows_warned} kept with warning, {batch.rows_skipped} skipped"
        )
