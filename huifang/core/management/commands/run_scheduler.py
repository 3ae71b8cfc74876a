import logging
import os
import signal
import socket
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string

from huifang.background.choices import ProcessKind
from huifang.background.scheduling import job_enqueue_now, schedule_tick
from huifang.background.services import heartbeat_beat, heartbeat_start, heartbeat_stop
from huifang.core import clock
from huifang.schedule import SCHEDULE

logger = logging.getLogger("huifang.background")


class Command(BaseCommand):
    help = "Enqueue the periodic jobs of huifang/schedule.py on their cron times (run exactly one)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="enqueue every job once now and exit")
        parser.add_argument("--tick", type=float, default=5.0, help="seconds between two looks at the clock")

    def handle(self, *args, once=False, tick=5.0, **options):
        if once:
            for job in SCHEDULE:
                job_enqueue_now(job)
            self.stdout.write(f"enqueued {len(SCHEDULE)} jobs")
            return
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        process_id = f"scheduler-{socket.gethostname()[:20]}-{os.getpid()}-{get_random_string(8)}"
        heartbeat_start(process_id=process_id, kind=ProcessKind.SCHEDULER)
        self.stdout.write(f"scheduler: {len(SCHEDULE)} jobs")
        try:
            while running:
                close_old_connections()
                try:
                    now = clock.now()
                    for name in schedule_tick(now=now):
                        self.stdout.write(f"{now:%Y-%m-%d %H:%M} enqueued {name}")
                    heartbeat_beat(process_id=process_id)
                except Exception:
                    # A locked SQLite database or a dropped connection: the next tick tries again.
                    logger.warning("scheduler tick failed; retrying", exc_info=True)
                time.sleep(tick)
        finally:
            close_old_connections()
            heartbeat_stop(process_id=process_id)
