from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from huifang.accounts.models import Store
from huifang.calendars.reminders import reminders_move_to_open_days
from huifang.core import clock
from huifang.followups.sweeps import sweep_run


class Command(BaseCommand):
    help = "Create the follow-up tasks due now (or, with --date, replay that day at its end) for one store or all."

    def add_arguments(self, parser):
        parser.add_argument("--store", help="store code (default: every store)")
        parser.add_argument("--date", help="YYYY-MM-DD: replay this day as at 23:59:59 in the store's time zone")

    def handle(self, *args, **options):
        stores = Store.objects.all()
        if options["store"]:
            stores = stores.filter(code=options["store"])
            if not stores.exists():
                raise CommandError(f"no store with code {options['store']!r}")
        day = None
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(f"--date {options['date']!r} is not YYYY-MM-DD") from exc
        total = 0
        for store in stores:
            if day is None:
                now = clock.now()
            else:
                now = datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(store.time_zone))
            counts = sweep_run(store=store, now=now)
            moved = reminders_move_to_open_days(store=store, now=now)
            if moved:
                self.stdout.write(f"{store.code} reminders moved to the next open day: {moved}")
            for kind, count in sorted(counts.items()):
                self.stdout.write(f"{store.code} {kind}: {count}")
            total += sum(counts.values())
        self.stdout.write(f"{total} tasks created")
