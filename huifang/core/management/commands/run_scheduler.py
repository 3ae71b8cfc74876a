import importlib
import signal
import time
from datetime import datetime

from croniter import croniter
from django.core.management.base import BaseCommand

from huifang.core import clock
from huifang.schedule import SCHEDULE


def _load(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


class Command(BaseCommand):
    help = "Enqueue the periodic jobs of huifang/schedule.py on their cron times (run exactly one)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="enqueue every job once now and exit")

    def handle(self, *args, once=False, **options):
        if once:
            for job in SCHEDULE:
                _load(job.task).enqueue(**job.kwargs)
            self.stdout.write(f"enqueued {len(SCHEDULE)} jobs")
            return
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        now = clock.now()
        next_runs: dict[str, datetime] = {job.name: croniter(job.cron, now).get_next(datetime) for job in SCHEDULE}
        self.stdout.write(f"scheduler: {len(SCHEDULE)} jobs")
        while running:
            now = clock.now()
            for job in SCHEDULE:
                if next_runs[job.name] <= now:
                    _load(job.task).enqueue(**job.kwargs)
                    self.stdout.write(f"{now:%Y-%m-%d %H:%M} enqueued {job.name}")
                    next_runs[job.name] = croniter(job.cron, now).get_next(datetime)
            time.sleep(5)
