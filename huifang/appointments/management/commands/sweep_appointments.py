from django.core.management.base import BaseCommand, CommandError

from huifang.accounts.models import Store
from huifang.appointments.services import appointments_sweep
from huifang.core import clock


class Command(BaseCommand):
    help = "Match arrivals to appointments, mark no-shows (with their follow-up call) and send day-before reminders."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store code (default: every store)")

    def handle(self, *args, **options):
        stores = Store.objects.order_by("pk")
        if options["store"]:
            stores = stores.filter(code=options["store"])
            if not stores.exists():
                raise CommandError(f"no store with code {options['store']!r}")
        now = clock.now()
        totals: dict[str, int] = {}
        for store in stores:
            for key, count in appointments_sweep(store=store, now=now).items():
                totals[key] = totals.get(key, 0) + count
        self.stdout.write(
            f"arrived {totals.get('arrived', 0)}, no-show {totals.get('no_show', 0)}, reminded {totals.get('reminded', 0)}"
        )
