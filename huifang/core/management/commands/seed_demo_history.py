from django.core.management.base import BaseCommand, CommandError

from huifang.accounts.models import Store
from huifang.core import clock
from huifang.demo_history import HISTORY_DAYS, demo_history_seed
from huifang.operations.demo import operations_demo_seed


class Command(BaseCommand):
    help = (
        f"Give each demo store without calls the last {HISTORY_DAYS} days of calls, complaints and follow-ups, "
        "and lounge checklists and a car club."
    )

    def add_arguments(self, parser):
        parser.add_argument("--store", dest="store_code", help="only this demo store (code)")
        parser.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives the same history")

    def handle(self, *args, store_code, seed, **options):
        # Invented calls and complaints go into the demo's own stores only, never into a real store.
        stores = Store.objects.filter(is_demo=True).order_by("code")
        if store_code:
            if Store.objects.filter(code=store_code, is_demo=False).exists():
                raise CommandError(f"store {store_code!r} is not a demo store: no demo history is written into it")
            stores = stores.filter(code=store_code)
            if not stores.exists():
                raise CommandError(f"unknown store {store_code!r}")
        now = clock.now()
        for store in stores:
            counts = demo_history_seed(store=store, now=now, seed=seed)
            counts.update(operations_demo_seed(store=store, now=now) or {})
            summary = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()) if n)
            self.stdout.write(f"{store.code}: {summary or 'has its history already, nothing added'}.")
