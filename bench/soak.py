"""Soak under chaos: a store's days replayed through the real scheduler and worker, both killed at random.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/huifang_soak .venv/bin/python bench/soak.py --days 30

The business clock is replayed in every process (core.clock, HUIFANG_REPLAY_CLOCK=file:<spec file>; --speed
replayed seconds per wall second). It stands at the start until the scheduler and the worker have started,
so they live the whole replay. This process is the store's life: each replayed day at 10:00 it delivers
repair orders (post-service calls follow), takes complaints (escalations follow), every 7th day uploads a
DMS import and queues a group SMS. `run_scheduler` and `db_worker` run as subprocesses, SIGKILLed at random
moments (--kills, or one per --kill-every wall seconds; the worker while it runs a task) and restarted at
once. SMS go to a local gateway that records every delivery by our message id. At 10:00 the morning after
the last day the clock freezes in every process, the scheduler stops on SIGTERM, the last sweeps are
enqueued twice, the worker drains them and stops on SIGTERM, and the invariants are checked. One JSON line
with the figures (wall time per phase included); exit status 1 if an invariant broke.
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

    def __init__(self, env: dict, tick: float, poll: float, logs: Path):
        self.env, self.tick, self.poll, self.logs = env, tick, poll, logs
        self.kills: Counter = Counter()
        self.procs: dict[str, subprocess.Popen] = {}
        self.starts: Counter = Counter()

    def start(self, name: str) -> None:
        args = {
            "scheduler": ["run_scheduler", "--tick", str(self.tick)],
            "worker": ["db_worker", "--queue-name", "*", "--interval", str(self.poll), "--no-startup-delay"],
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
            time.sleep(0.05)
        raise SystemExit(f"{name} wrote no heartbeat within {timeout} s; see {self.logs}")

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
    # The open calls: every other one is not answered, once a day, until the store's retry rules close it as
    # unreachable (tries spaced over days), so the repair follow-up SMS and the survey link chain go out.
    from huifang.followups.choices import AttemptOutcome, TaskStatus
    from huifang.followups.models import FollowUpTask
    from huifang.followups.services import attempt_record

    for i, task in enumerate(FollowUpTask.objects.filter(store=store, status=TaskStatus.OPEN).order_by("pk")[:orders]):
        if i % 2 == 0:
            attempt_record(task=task, actor=None, now=now, outcome=AttemptOutcome.NO_ANSWER)
            done["unanswered_calls"] += 1
            task.refresh_from_db()
            done["unreachable_calls"] += int(task.status == TaskStatus.UNREACHABLE)
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
        time.sleep(0.05)
    return False


def rows_made() -> dict[str, int]:
    """How many rows the jobs have made so far, of each kind whose repeat would reach a person."""
    from huifang.complaints.models import ComplaintEvent
    from huifang.followups.models import FollowUpTask
    from huifang.messaging.models import OutboxMessage
    from huifang.notifications.models import Notification

    return {
        "follow-up tasks": FollowUpTask.objects.count(),
        "outbox messages": OutboxMessage.objects.count(),
        "notifications": Notification.objects.count(),
        "complaint events": ComplaintEvent.objects.count(),
    }


def invariants(end: datetime, tick_replayed: timedelta) -> tuple[dict, dict]:
    """(violations per invariant, figures) over the whole replay."""
    from django.db.models import Count, Exists, OuterRef
    from django_tasks_db.models import DBTaskResult

    from huifang.archive.models import ImportBatch, RepairOrder
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
        # Failed by an error of their own (a task failed for good after its worker died too often is by design).
        "tasks failed by an error": DBTaskResult.objects.filter(status="FAILED").count()
        - TaskRecovery.objects.filter(action="failed").count(),
        "tasks never run": DBTaskResult.objects.filter(status="READY").count(),
        "import batches not finished": ImportBatch.objects.filter(status__in=("pending", "running")).count(),
        "messages stuck sending": OutboxMessage.objects.filter(status="sending").count(),
        "due messages neither sent nor suppressed": OutboxMessage.objects.filter(
            status__in=("queued", "held_quiet_hours"), not_before__lte=end - 2 * tick_replayed
        ).count(),
        "sent SMS the gateway never got": sum(1 for pk in sent_sms if Gateway.hits[f"huifang-{pk}"] == 0),
    }
    busy: Counter = Counter()
    for path, started, finished in DBTaskResult.objects.values_list("task_path", "started_at", "finished_at"):
        if started and finished:
            busy[path.rsplit(".", 1)[-1]] += (finished - started).total_seconds()
    figures = {
        "task_busy_seconds": {name: round(seconds, 1) for name, seconds in busy.most_common(6)},
        "follow_up_tasks": FollowUpTask.objects.count(),
        # A figure, not an invariant: a call whose 72 h window passed while no worker ran is made late by the
        # next sweep (post-service catch_up_days, 7 by default); only a gap longer than that leaves one out.
        "orders_delivered_without_a_post_service_call": RepairOrder.objects.filter(
            number__startswith="SOAK", delivered_at__lte=end - timedelta(days=1)
        )
        .exclude(Exists(FollowUpTask.objects.filter(repair_order=OuterRef("pk"))))
        .count(),
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


def kill_worker_mid_task(procs: "Processes", aim: float, attempts: int = 3) -> int:
    """SIGKILL the worker while it runs a task (a kill while idle loses nothing); 1 if one landed mid-task.

    It aims at a task running for 50 ms already (a slow one, still running when the signal lands); a task
    that ends just before the signal is a miss, and the restarted worker is aimed at again."""
    from django.db.models import Q
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.filter(status="RUNNING")
    for _ in range(attempts):
        aim_until = time.monotonic() + aim
        while (
            time.monotonic() < aim_until
            and not running.filter(Q(started_at__lte=timezone.now() - timedelta(milliseconds=50))).exists()
        ):
            time.sleep(0.01)
        procs.kill("worker")
        hit = running.exists()  # it died holding a task: RUNNING with no one to finish it
        procs.start("worker")  # at once, as a supervisor (systemd Restart=always) does
        if hit:
            return 1
        procs.wait_ready("worker")
    return 0


def write_clock(path: Path, instant: datetime, speed: float) -> None:
    """Set every process's business clock (core.clock reads this file): from `instant`, `speed` x wall time."""
    temporary = path.with_name(path.name + ".new")
    temporary.write_text(f"{instant.isoformat()}@{time.time()}x{speed}", encoding="ascii")
    os.replace(temporary, path)  # readers see the old spec or the new one, never half


def kill_plan(
    rng: random.Random, kills: int, start: datetime, end: datetime, speed: float
) -> list[tuple[datetime, str]]:
    """`kills` random business-time moments, worker and scheduler alternating, from 5 % of the replay until
    20 wall seconds (at least 10 % of it, at most half) before its end: a process killed last is up again
    (seconds of start-up) to be tested for a clean stop at the end."""
    span = end - start
    quiet = min(max(timedelta(seconds=20 * speed), span * 0.1), span * 0.5)
    last = 1 - quiet / span
    moments = sorted(start + span * rng.uniform(0.05, last) for _ in range(kills))
    return [(moment, ("worker", "scheduler")[i % 2]) for i, moment in enumerate(moments)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--speed", type=float, default=3600.0, help="replayed seconds per wall second")
    parser.add_argument("--tick", type=float, default=2.0, help="scheduler tick, wall seconds")
    parser.add_argument("--kill-every", type=float, default=20.0, help="mean wall seconds between two kills")
    parser.add_argument("--kills", type=int, help="number of SIGKILLs (default: replay wall time / --kill-every)")
    parser.add_argument("--aim", type=float, default=3.0, help="wall seconds a worker kill waits for a running task")
    parser.add_argument("--poll", type=float, default=0.2, help="worker's polling interval, wall seconds")
    parser.add_argument("--orders", type=int, default=6, help="repair orders delivered per day")
    parser.add_argument("--customers", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-migrate", action="store_true", help="the database is migrated already (a test's)")
    args = parser.parse_args()

    work = Path(os.environ.get("HUIFANG_VAR_DIR", OUT)) / "soak"
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
    phases: dict[str, float] = {}
    began = time.monotonic()
    setup_django("soak.sqlite3", migrate=not args.no_migrate)
    phases["django_setup"] = time.monotonic() - began
    rng = random.Random(args.seed)
    start = datetime.fromisoformat(START)
    work_clock = work / "clock"
    write_clock(work_clock, start, 0)  # standing at the start until every process is up
    os.environ["HUIFANG_REPLAY_CLOCK"] = f"file:{work_clock}"
    procs = Processes(dict(os.environ), args.tick, args.poll, work)
    # They start (seconds of interpreter and Django start-up) while the store is seeded.
    began = time.monotonic()
    procs.start("scheduler")
    procs.start("worker")
    try:
        store = seed(args.customers, args.seed)
        phases["seed"] = time.monotonic() - began
        return run(args, procs, store, rng, start, work_clock, server, phases, began)
    finally:
        procs.kill_all()


def run(args, procs, store, rng, start, clock_file, server, phases, began) -> int:
    from django.db import connection

    from huifang.background.scheduling import job_enqueue_now
    from huifang.core import clock
    from huifang.schedule import SCHEDULE

    # The end is 10:00 the morning after the last day: what the night's quiet hours held is due by then, so
    # the last sweeps send it and "every due message sent once" is tested on real sends.
    end = start + timedelta(days=args.days, hours=3)
    replay_wall = (end - start).total_seconds() / args.speed
    kills = args.kills if args.kills is not None else round(replay_wall / args.kill_every)
    plan = kill_plan(rng, kills, start, end, args.speed)
    procs.wait_ready("scheduler")
    procs.wait_ready("worker")
    phases["start_up_and_seed"] = time.monotonic() - began
    write_clock(clock_file, start, args.speed)
    wall_start = time.monotonic()
    life: Counter = Counter()
    mid_task = 0
    day = 0
    while clock.now() < end:
        procs.check_alive()
        if day < args.days and clock.now() >= start + timedelta(days=day, hours=3):  # 10:00 each day
            life.update(store_day(store, rng, day, clock.now(), args.orders, clock_file.parent))
            day += 1
        if plan and clock.now() >= plan[0][0]:
            _moment, name = plan.pop(0)
            if name == "worker":
                mid_task += kill_worker_mid_task(procs, args.aim)
            else:
                procs.kill(name)
                procs.start(name)  # at once, as a supervisor (systemd Restart=always) does
        time.sleep(0.02)
    # The end: the business clock is frozen (speed 0) in every process, so nothing later becomes due while
    # the queue drains. The scheduler stops on SIGTERM; the last sweeps are enqueued once per job (what
    # `run_scheduler --once` does) and the worker, still running, drains them; then it stops on SIGTERM.
    final = clock.now()
    write_clock(clock_file, final, 0)
    phases["replay"] = time.monotonic() - wall_start
    began = time.monotonic()
    procs.wait_ready("scheduler")
    scheduler_code = procs.stop("scheduler")
    procs.wait_ready("worker")
    phases["scheduler_stop"] = time.monotonic() - began
    drained = False
    made: list[dict] = []
    for n in (1, 2):  # the release sweep enqueues deliveries; a second round sends what they retried
        began = time.monotonic()
        made.append(rows_made())
        for job in SCHEDULE:
            job_enqueue_now(job)
        drained = wait_drained(timeout=600)
        phases[f"last_sweeps_{n}"] = time.monotonic() - began
    # Every job run a second time at the same instant: it sends what the first run queued, and makes nothing.
    made.append(rows_made())
    second_run = {name: made[2][name] - made[1][name] for name in made[2] if made[2][name] != made[1][name]}
    began = time.monotonic()
    worker_code = procs.stop("worker")
    phases["worker_stop"] = time.monotonic() - began
    began = time.monotonic()
    violations, figures = invariants(final, timedelta(seconds=args.tick * args.speed))
    violations["worker did not stop cleanly on SIGTERM"] = int(worker_code != 0)
    violations["scheduler did not stop cleanly on SIGTERM"] = int(scheduler_code != 0)
    violations["queue not drained"] = int(not drained)
    violations["rows made by a second run of every job"] = sum(second_run.values())
    phases["invariants"] = time.monotonic() - began
    result = {
        "database": connection.vendor,
        "days_replayed": day,
        "end": final.isoformat(),
        "speed": args.speed,
        "wall_seconds": round(time.monotonic() - wall_start, 1),
        "phases_seconds": {name: round(seconds, 1) for name, seconds in phases.items()},
        "kills": dict(procs.kills),
        "worker_kills_mid_task": mid_task,
        "second_run_made": second_run,
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
