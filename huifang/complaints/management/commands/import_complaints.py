from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from huifang.accounts.models import Store
from huifang.complaints.importing import UnreadableFile, complaints_import_file
from huifang.core import clock


class Command(BaseCommand):
    help = "Import existing complaints from a hotline/CRM export (CSV or XLSX); previews unless --apply."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV or XLSX file")
        parser.add_argument("--store", required=True, help="the store's code")
        parser.add_argument("--apply", action="store_true", help="write the complaints (default: dry run)")
        parser.add_argument("--now", help="the import's instant, ISO 8601 (to replay an import)")

    def handle(self, *args, **options):
        store = Store.objects.filter(code=options["store"]).first()
        if store is None:
            raise CommandError(f"no store with code {options['store']!r}")
        now = clock.now()
        if options.get("now"):
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now is not an ISO 8601 instant: {options['now']!r}") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        try:
            report = complaints_import_file(
                store=store, path=options["path"], actor=None, now=now, dry_run=not options["apply"]
            )
        except UnreadableFile as exc:
            raise CommandError(str(exc)) from exc
        for r in report.rejected:
            self.stdout.write(f"row {r.row} {r.field} {r.value!r}: {r.reason}")
        for r in report.warnings:
            self.stdout.write(f"row {r.row} {r.field} {r.value!r} (imported): {r.reason}")
        self.stdout.write(
            ("dry run: " if report.dry_run else "")
            + f"created {report.created}, closed {report.closed}, placed higher {report.escalated}, "
            f"unchanged {report.unchanged}, rejected rows {len({r.row for r in report.rejected})}"
        )
