from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from huifang.archive.demo import DEMO_STORES, DEMO_USERS, DemoRefused, demo_seed
from huifang.core import clock


class Command(BaseCommand):
    help = "Create the demo dealer group, stores and one user per role, and fill the stores with generated data."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=3000, help="customers of SZ01 (GZ01 gets a fifth)")
        parser.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives the same data")
        parser.add_argument("--store", dest="store_code", help="fill only this demo store (SZ01 or GZ01)")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the demo stores have customers already"
        )

    def handle(self, *args, customers, seed, store_code, if_empty, **options):
        if customers < 1:
            raise CommandError(f"--customers must be at least 1, got {customers}")
        codes = [s.code for s in DEMO_STORES]
        if store_code and store_code not in codes:
            raise CommandError(f"unknown demo store {store_code!r}; choose one of {', '.join(codes)}")
        try:
            counts = demo_seed(
                customers=customers, seed=seed, today=clock.today(), store_code=store_code, if_empty=if_empty
            )
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        if if_empty and not counts:
            self.stdout.write("The demo stores have customers already: demo data not loaded again (--if-empty).")
            return
        self.stdout.write(f"Demo logins (password {settings.DEMO_PASSWORD}):")
        for user in DEMO_USERS:
            where = user.store if user.scope == "store" else user.scope
            self.stdout.write(f"  {user.username:<14} {user.role:<16} {where:<7} {user.display_name}")
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.stdout.write(f"Demo data ready: {summary or 'nothing new'}.")
