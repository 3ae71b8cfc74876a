import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from huifang.accounts.models import Membership


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the web server, the background worker and the scheduler together (embedded mode)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        python = sys.executable
        processes = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "huifang.wsgi",
                "-b",
                f"{host}:{port}",
                "-w",
                "2",
                "--threads",
                "4",
                "--timeout",
                "300",
                "--access-logfile",
                "-",
            ],
            "worker": [python, "manage.py", "db_worker", "--queue-name", "*", "--interval", "1", "--no-reload"],
            "scheduler": [python, "manage.py", "run_scheduler"],
        }
        children = {name: subprocess.Popen(cmd) for name, cmd in processes.items()}
        # A SIGTERM (from a supervisor or `timeout`) stops the children as Ctrl-C does.
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        self._print_logins(host, port)
        try:
            while all(p.poll() is None for p in children.values()):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            for p in children.values():
                p.terminate()
            for p in children.values():
                p.wait(timeout=20)

    def _print_logins(self, host, port):
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Huifang 回访 is running at http://{host}:{port}/"))
        rows = (
            Membership.objects.select_related("user", "store", "group", "region")
            .filter(user__is_active=True)
            .order_by("user__username")
        )
        seen = set()
        for m in rows:
            if m.user.username in seen:
                continue
            seen.add(m.user.username)
            target = m.store or m.group or m.region
            self.stdout.write(f"  {m.get_role_display():<22} {m.user.username:<14} ({target})")
        self.stdout.write(f"  password for every demo login: {settings.DEMO_PASSWORD}")
        self.stdout.write("  (Ctrl-C stops the web server, the worker and the scheduler)")
