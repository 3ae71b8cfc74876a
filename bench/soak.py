"""Soak under chaos: a store's days replayed through the real scheduler and worker, both killed at random.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huifang_soak .venv/bin/python bench/soak.py --days 30

The business clock is replayed (core.clock, HUIFANG_REPLAY_CLOCK; --speed replayed seconds per wall second)
in every process. This process is the store's life: each replayed day at 10:00 it delivers repair orders
(post-service calls follow), takes complaints (escalations follow) and every 7th day uploads a DMS import.
`run_scheduler` and `db_worker` run as subprocesses, each SIGKILLed at random moments (--kill-every wall
seconds on average) and restarted. SMS go to a local gateway that records every delivery by our message id.
At the end the scheduler stops, the last sweeps run, the worker drains the queue and stops on SIGTERM, and
the invariants are checked. One JSON line with the figures; exit status 1 if an invariant broke.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import OUT, setup_django  # noqa: E402

START = "2026-03-02T07:00:00+08:00"  # a Monday morning


class Gateway(BaseHTTPRequestHandler):
    """The SMS gateway's contract (messaging.providers.HttpSmsGateway): POST JSON with our id; repeats dropped."""

    hits: Counter = Counter()
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.lock:
            self.hits[body["id"]] += 1
        answer = json.dumps({"message_id": body["id"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


class Processes:
    """The scheduler and the worker, started, killed with SIGKILL and started again."""

    def __init__(self, env: dict, tick: float, logs: Path):
        self.env, self.tick, self.logs = env, tick, logs
        self.kills: Counter = Counter()
        self.procs: dict[str, subprocess.Popen] = {}
        self.starts: Counter = Counter()

    def start(self, name: str) -> None:
        args = {
            "scheduler": ["run_scheduler", "--tick", str(self.tick)],
            "worker": ["db_worker", "--queue-name", "*", "--interval", "0.2", "--no-startup-delay"],
        }[name]
        self.starts[name] += 1
        log = (self.logs / f"{name}-{self.starts[name]}.log").open("w")
        self.procs[name] = subprocess.Popen(  # noqa: S603 (our interpreter, our manage.py)
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait()
        self.kills[name] += 1

    def stop(self, name: str) -> int:
        self.procs[name].send_signal(signal.SIGTERM)
        return self.procs[name].wait(timeout=120)

    def wait_ready(self, name: str, timeout: float = 120) -> None:
        """Until the process has written its first heartbeat (its signal handlers are in place by then)."""
        from huifang.background.models import Heartbeat

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if Heartbeat.objects.filter(pid=self.procs[name].pid, stopped_at__isnull=True).exists():
                return
            time.sleep(0.2)

    def kill_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise SystemExit(f"{name} exited on its own with {proc.returncode}; see {self.logs}")


def seed(customers: int, seed_value: int):
    from django.core.management import call_command

    from huifang.accounts.models import Store

    store = Store.objects.filter(code="SZ01").first()
    if store is None or not store.customers.exists():
        from django.conf import settings

        # The demo users' passwords are irrelevant here; the production hasher costs seconds per user.
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        call_command("seed_demo", customers=customers, seed=seed_value, store_code="SZ01", verbosity=0)
        store = Store.objects.get(code="SZ01")
    from huifang.messaging.services import templates_ensure_defaults

    templates_ensure_defaults(store=store)
    return store


def store_day(store, rng: random.Random, day: int, now: datetime, orders: int, tmp: Path) -> dict:
    """One replayed day of the store: deliveries, complaints, and a DMS upload every 7th day."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from huifang.accounts.models import User
    from huifang.archive.demo import DemoGenerator, write_dms_file
    from huifang.archive.importing.services import import_batch_create, import_batch_start
    from huifang.archive.models import RepairOrder, Vehicle
    from huifang.complaints.choices import ComplaintCategory, ComplaintChannel
    from huifang.complaints.services import complaint_intake

    vehicles = list(Vehicle.objects.filter(store=store).select_related("customer").order_by("pk")[:500])
    done = Counter()
    for n in range(orders):
        vehicle = rng.choice(vehicles)
        RepairOrder.objects.create(
            store=store,
            number=f"SOAK{day:03d}-{n:03d}",
            vehicle=vehicle,
            customer=vehicle.customer,
            ro_type="maintenance",
            opened_at=now - timedelta(hours=3),
            delivered_at=now,
            advisor_name="王磊",
            total_amount=480,
        )
        done["orders"] += 1
    for _ in range(rng.randint(1, 2)):
        vehicle = rng.choice(vehicles)
        complaint_intake(
            store=store,
            actor=None,
            now=now,
            channel=ComplaintChannel.PHONE,
            category=ComplaintCategory.SERVICE,
            content="保养后异响,客户不满意",
            customer=vehicle.customer,
            vehicle=vehicle,
        )
        done["complaints"] += 1
    # Yesterday's post-service calls: every other one unreachable (3 unanswered tries), so the repair
    # follow-up SMS and the survey link chain go through the outbox.
    from huifang.followups.choices import AttemptOutcome, TaskStatus
    from huifang.followups.models import FollowUpTask
    from huifang.followups.services import attempt_record

    for i, task in enumerate(FollowUpTask.objects.filter(store=store, status=TaskStatus.OPEN).order_by("pk")[:orders]):
        if i % 2 == 0:
            for _ in range(3):
                attempt_record(task=task, actor=None, now=now, outcome=AttemptOutcome.NO_ANSWER)
                task.refresh_from_db()
            done["unreachable_calls"] += 1
    if day % 7 == 1:
        from django.core.exceptions import ValidationError

        from huifang.operations.campaigns import campaign_create, campaign_templates_for

        actor = User.objects.filter(is_superuser=True).first()
        for template in campaign_templates_for(store=store).filter(channel="sms"):
            try:
                campaign_create(
                    store=store,
                    template=template,
                    channel="sms",
                    segment={},
                    submit_token=f"soak-{day}",
                    actor=actor,
                    now=now,
                )
            except ValidationError:
                continue  # a template with placeholders a group message cannot fill
            done["campaigns"] += 1
            break
    if day % 7 == 0:
        path = tmp / f"dms-{day}.csv"
        write_dms_file(path, DemoGenerator(seed=1000 + day, today=now.date()).customers(40), ro_count=60)
        actor = User.objects.filter(is_superuser=True).first()
        upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")
        batch = import_batch_create(store=store, actor=actor, upload=upload, dry_run=False)
        import_batch_start(batch=batch)
        done["imports"] += 1
    return done


def wait_drained(timeout: float) -> bool:
    """Until no task is waiting or running (the worker has emptied the queue)."""
    from django_tasks_db.models import DBTaskResult

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not DBTaskResult.objects.filter(status__in=("READY", "RUNNING")).exists():
            return True
        time.sleep(0.5)
    return False


def invariants(end: datetime, tick_replayed: timedelta) -> tuple[dict, dict]:
    """(violations per invariant, figures) over the whole replay."""
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    from huifang.archive.models import ImportBatch
    from huifang.background.models import TaskRecovery
    from huifang.complaints.models import Complaint, ComplaintEvent
    from huifang.followups.models import FollowUpTask
    from huifang.messaging.models import OutboxMessage
    from huifang.notifications.models import Notification

    def dupes(qs, *fields):
        return qs.values(*fields).annotate(n=Count("pk")).filter(n__gt=1).count()

    sent_sms = list(OutboxMessage.objects.filter(status="sent", channel="sms").values_list("pk", flat=True))
    escalations = ComplaintEvent.objects.filter(kind="escalate")
    per_complaint = dict(escalations.values_list("complaint").annotate(n=Count("pk")))
    wrong_level = sum(
        1 for pk, level in Complaint.objects.values_list("pk", "level") if level != 1 + per_complaint.get(pk, 0)
    )
    missed = Complaint.objects.filter(
        level__lt=4, closed_at__isnull=True, level_due_at__lt=end - 2 * tick_replayed
    ).count()
    violations = {
        "duplicate follow-up tasks": dupes(FollowUpTask.objects, "rule", "subject", "occurrence_key"),
        "duplicate outbox messages": dupes(OutboxMessage.objects, "store", "idempotency_key"),
        "duplicate notifications": dupes(Notification.objects, "user", "key"),
        "duplicate escalations (complaint, level)": dupes(escalations, "complaint", "level"),
        "complaint level != 1 + escalations": wrong_level,
        "passed level deadline not escalated": missed,
        "tasks stuck RUNNING": DBTaskResult.objects.filter(status="RUNNING").count(),
        "tasks never run": DBTaskResult.objects.filter(status="READY").count(),
        "import batches not finished": ImportBatch.objects.filter(status__in=("pending", "running")).count(),
        "messages stuck sending": OutboxMessage.objects.filter(status="sending").count(),
        "due messages neither sent nor suppressed": OutboxMessage.objects.filter(
            status__in=("queued", "held_quiet_hours"), not_before__lte=end - 2 * tick_replayed
        ).count(),
        "sent SMS the gateway never got": sum(1 for pk in sent_sms if Gateway.hits[f"huifang-{pk}"] == 0),
    }
    figures = {
        "follow_up_tasks": FollowUpTask.objects.count(),
        "messages": dict(Counter(OutboxMessage.objects.values_list("status", flat=True))),
        "gateway_repeats_dropped": sum(n - 1 for n in Gateway.hits.values() if n > 1),
        "complaints": Complaint.objects.count(),
        "escalations": escalations.count(),
        "notifications": Notification.objects.count(),
        "tasks": dict(Counter(DBTaskResult.objects.values_list("status", flat=True))),
        "recoveries": dict(Counter(TaskRecovery.objects.values_list("action", flat=True))),
        "import_batches": dict(Counter(ImportBatch.objects.values_list("status", flat=True))),
    }
    return violations, figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--speed", type=float, default=3600.0, help="replayed seconds per wall second")
    parser.add_argument("--tick", type=float, default=2.0, help="scheduler tick, wall seconds")
    parser.add_argument("--kill-every", type=float, default=20.0, help="mean wall seconds between two kills")
    parser.add_argument("--orders", type=int, default=6, help="repair orders delivered per day")
    parser.add_argument("--customers", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    work = OUT / "soak"
    work.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ.update(
        {
            "DJANGO_DEBUG": "1",
            "HUIFANG_VAR_DIR": os.environ.get("HUIFANG_VAR_DIR", str(work)),
            "SMS_PROVIDER": "http",
            "SMS_GATEWAY_URL": f"http://127.0.0.1:{server.server_port}/sms",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "HUIFANG_TASK_HEARTBEAT_SECONDS": "1",
            "HUIFANG_TASK_RECOVER_EVERY_SECONDS": "1",
            "HUIFANG_TASK_RETRY_BACKOFF_SECONDS": "1",
            "HUIFANG_TASK_LEASE_SECONDS": "30",
        }
    )
    os.environ.pop("HUIFANG_REPLAY_CLOCK", None)
    setup_django("soak.sqlite3")

    store = seed(args.customers, args.seed)
    rng = random.Random(args.seed)
    start = datetime.fromisoformat(START)
    os.environ["HUIFANG_REPLAY_CLOCK"] = f"{START}@{time.time()}x{args.speed}"

    end = start + timedelta(days=args.days)
    procs = Processes(dict(os.environ), args.tick, work)
    try:
        return run(args, procs, store, rng, start, end, work, server)
    finally:
        procs.kill_all()


def run(args, procs, store, rng, start, end, work, server) -> int:
    from django.db import connection

    from huifang.core import clock

    procs.start("scheduler")
    procs.start("worker")
    life: Counter = Counter()
    day = 0
    next_kill = time.monotonic() + rng.expovariate(1 / args.kill_every)
    wall_start = time.monotonic()
    kill_targets = ["worker", "scheduler"]
    while day < args.days or clock.now() < end:
        procs.check_alive()
        if day < args.days and clock.now() >= start + timedelta(days=day, hours=3):  # 10:00 each day
            life.update(store_day(store, rng, day, clock.now(), args.orders, work))
            day += 1
        if time.monotonic() >= next_kill:
            name = kill_targets[sum(procs.kills.values()) % 2]  # alternate, so both are killed
            procs.kill(name)
            time.sleep(rng.uniform(0, 2))
            procs.start(name)
            next_kill = time.monotonic() + rng.expovariate(1 / args.kill_every)
        time.sleep(0.1)
    # The end: no more kills. The scheduler and the worker stop; the business clock is frozen at the end
    # (speed 0), so draining does not make later work due; the last sweeps run once and a worker drains.
    procs.wait_ready("scheduler")
    scheduler_code = procs.stop("scheduler")
    procs.wait_ready("worker")
    worker_code = procs.stop("worker")
    final = clock.now()
    frozen = f"{final.isoformat()}@{time.time()}x0"
    os.environ["HUIFANG_REPLAY_CLOCK"] = procs.env["HUIFANG_REPLAY_CLOCK"] = frozen
    procs.start("worker")
    drained = False
    for _ in range(2):  # the release sweep enqueues deliveries; a second round sends what they retried
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "run_scheduler", "--once"],
            cwd=ROOT,
            env=procs.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        drained = wait_drained(timeout=600)
    procs.wait_ready("worker")
    worker_code = worker_code or procs.stop("worker")
    violations, figures = invariants(final, timedelta(seconds=args.tick * args.speed))
    violations["worker did not stop cleanly on SIGTERM"] = int(worker_code != 0)
    violations["scheduler did not stop cleanly on SIGTERM"] = int(scheduler_code != 0)
    violations["queue not drained"] = int(not drained)
    result = {
        "database": connection.vendor,
        "days_replayed": day,
        "speed": args.speed,
        "wall_seconds": round(time.monotonic() - wall_start, 1),
        "kills": dict(procs.kills),
        "life": dict(life),
        **figures,
        "violations": violations,
        "invariants_held": sum(1 for n in violations.values() if n == 0),
        "invariants_checked": len(violations),
    }
    print("SOAK " + json.dumps(result, ensure_ascii=False, default=str))
    server.shutdown()
    return 0 if not any(violations.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
