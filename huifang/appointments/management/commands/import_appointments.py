from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from huifang.accounts.models import Store
from huifang.appointments.dms_import.services import appointments_import_file
from huifang.core import clock


class Command(BaseCommand):
    help = "Import a DMS appointment export (CSV or XLSX) into one store; --dry-run checks and writes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file of appointments exported from the DMS")
        parser.add_argument("--store", required=True, help="store code")
        parser.add_argument("--dry-run", action="store_true", help="check and count only, write nothing")

    def handle(self, *args, **options):
        store = Store.objects.filter(code=options["store"]).first()
        if store is None:
            raise CommandError(f"unknown store code {options['store']!r}")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        report = appointments_import_file(
            store=store, path=path, actor=None, now=clock.now(), dry_run=options["dry_run"]
        )
        if report.error:
            raise CommandError(report.error)
        for issue in report.issues:
            where = f"{issue.sheet} " if issue.sheet else ""
            self.stdout.write(
                f"{where}row {issue.row} [{issue.severity}]: {issue.field}: {issue.value!r}: {issue.reason}"
            )
        if report.unread_columns:
            self.stdout.write("ignored columns: " + ", ".join(report.unread_columns))
        prefix = "dry run, would be" if report.dry_run else "appointments"
        self.stdout.write(
            f"{prefix}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged; "
            f"rows {report.rows}, rejected {report.rejected}, kept with warning {report.warned}"
        )
