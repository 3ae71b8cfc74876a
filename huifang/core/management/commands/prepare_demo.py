from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from huifang.accounts.models import Store
from huifang.archive.demo import DemoRefused, demo_database_check

BANNER = (
    "==================================================================\n"
    "  DEMO 演示模式 — invented customers, calls and complaints.\n"
    "  Not for real data: production starts with deploy/huifang-start\n"
    "  (see docs/operations.md).\n"
    "=================================================================="
)


class Command(BaseCommand):
    help = "Load the demo (once), its recent history and today's follow-ups into the demo stores only (make run)."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=3000, help="customers of SZ01 (GZ01 gets a fifth)")

    def handle(self, *args, customers, **options):
        try:
            demo_database_check()
        except DemoRefused as exc:
            raise CommandError(
                f"{exc}. `make run` is the demo; start a production database with deploy/huifang-start."
            ) from exc
        call_command("seed_demo", "--if-empty", "--customers", str(customers), stdout=self.stdout)
        call_command("seed_demo_history", stdout=self.stdout)
        demo_stores = list(Store.objects.filter(is_demo=True).order_by("code").values_list("code", flat=True))
        for code in demo_stores:
            call_command("run_followups", "--store", code, stdout=self.stdout)
        real = Store.objects.filter(is_demo=False).count()
        self.stdout.write(self.style.WARNING(BANNER))
        self.stdout.write(f"Demo password for every demo login: {settings.DEMO_PASSWORD}")
        self.stdout.write(f"{len(demo_stores)} demo stores prepared; {real} other stores left untouched.")
