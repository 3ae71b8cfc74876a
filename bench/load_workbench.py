"""The workbench under N concurrent call agents, measured with Locust against the production start path.

    psql -h 127.0.0.1 -U postgres -c 'create database bench_load'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load python bench/load_workbench.py --agents 50

1. A new LOAD… store in DATABASE_URL: demo customers (`load_into_db`), the day's follow-up sweep (`sweep_run`),
   topped up with post-service calls on the latest delivered orders so every agent has --tasks-per-agent due
   calls; N care specialists and one service manager. The store opens every day round the clock (calendar,
   no quiet hours) so a run at any hour offers calls; the tasks go round-robin to the agents.
2. `deploy/huifang-start setup`, then `deploy/huifang-start web` (gunicorn, DEBUG off) on a free port.
3. Locust headless: first the two trivial views alone, each with N users: the anonymous login page (as the
   issue's reporter took it) and the signed-in workbench ping (session, user and roles as every workbench
   request, a few bytes of JSON: the same path without the work); then the N agents (queue → next → call screen → save the call) and the manager moving five
   tasks to another agent every 2–4 s through the team queue's reassign form.
4. p50 / p95 / requests per second per endpoint, the ratio to each trivial view, the server's CPU seconds per
   request, and the check that no task was handed to two agents (Locust's log of hand-outs and the saved calls).
   One RESULT line (JSON) at the end; exit status 1 if a task was handed out twice.
"""

import argparse
import csv
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from common import OUT, ROOT, bench_store, database_label, report, setup_django

LOCUSTFILE = Path(__file__).with_name("locustfile_workbench.py")
VEHICLES_PER_CUSTOMER = 1.25


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--vehicles", type=int, default=5000, help="demo vehicles in the bench store")
    parser.add_argument("--tasks-per-agent", type=int, default=120, help="due call tasks each agent holds at least")
    parser.add_argument("--duration", default="60s", help="Locust run time of the agents (-t)")
    parser.add_argument("--trivial-duration", default="20s", help="Locust run time of the trivial page")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument(
        "--wait",
        type=float,
        nargs=2,
        default=(0, 0),
        metavar=("MIN", "MAX"),
        help="seconds an agent waits between calls (default 0 0: as fast as the server answers)",
    )
    parser.add_argument("--satisfied-share", type=float, default=0.5, help="share of calls saved as satisfied")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "4")))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
    parser.add_argument(
        "--conn-max-age", type=int, default=None, help="DB_CONN_MAX_AGE of the server (default: its own)"
    )
    parser.add_argument("--no-manager", action="store_true", help="no reassignments during the run")
    parser.add_argument("--store", help="reuse this LOAD… store made by an earlier run (tasks are topped up)")
    return parser.parse_args()  # fmt: skip


def prepare(args) -> dict:
    """The bench store, its agents and their due calls; returns the Locust config (sessions, answers)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from huifang.accounts.choices import Role, Scope
    from huifang.accounts.models import Membership, Store, User
    from huifang.archive.demo import DemoGenerator, load_into_db
    from huifang.calendars.models import StoreCalendar
    from huifang.core import clock
    from huifang.messaging.services import policy_for
    from huifang.workbench.store_settings import settings_changed

    now = clock.now()
    if args.store:
        store = Store.objects.get(code=args.store)
    else:
        store = bench_store(f"LOAD{int(time.time())}")
        started = time.perf_counter()
        customers = round(args.vehicles / VEHICLES_PER_CUSTOMER)
        load_into_db(
            store=store, customers=DemoGenerator(seed=7, today=now.date()).customers(customers), today=now.date()
        )
        print(
            f"loaded {args.vehicles:,} vehicles into {store.code} in {time.perf_counter() - started:.0f} s", flush=True
        )
    # Open every day, all day: the run does not depend on the hour or the day it is started.
    StoreCalendar.objects.update_or_create(
        store=store, defaults={"weekly_hours": [["00:00", "23:59"]] * 7, "follow_official_holidays": False}
    )
    type(policy_for(store=store)).objects.filter(store=store).update(quiet_hours=[])
    settings_changed(store_id=store.pk)  # an .update() sends no signal: the kept settings are told here

    agents = []
    for i in range(args.agents):
        user, _ = User.objects.get_or_create(
            username=f"{store.code.lower()}_agent{i:02d}", defaults={"display_name": f"回访专员{i:02d}"}
        )
        Membership.objects.get_or_create(user=user, role=Role.CARE_SPECIALIST, scope=Scope.STORE, store=store)
        agents.append(user)
    manager, _ = User.objects.get_or_create(
        username=f"{store.code.lower()}_manager", defaults={"display_name": "服务经理"}
    )
    Membership.objects.get_or_create(user=manager, role=Role.SERVICE_MANAGER, scope=Scope.STORE, store=store)
    tasks = tasks_ensure(store=store, agents=agents, now=now, per_agent=args.tasks_per_agent)

    def session(user) -> str:
        # Signed in as by the login page (the password check is not what is measured).
        if user.has_usable_password() is False and not user.password:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        return s.session_key

    return {
        "store": store.code,
        "tasks": tasks,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "agents": [{"username": u.username, "session": session(u)} for u in agents],
        "agent_ids": [u.pk for u in agents],
        "manager": {"username": manager.username, "session": session(manager)},
        "answers": answers_for(store=store, now=now),
        "satisfied_share": args.satisfied_share,
        "wait": list(args.wait),
    }


def answers_for(*, store, now) -> dict:
    """The call form's answers of a satisfied call: every question of the store's questionnaire, "yes" or 9 of
    10 (no free texts); the load test posts them, bench/profile_workbench.py too."""
    from huifang.workbench.choices import QuestionKind
    from huifang.workbench.services import questionnaire_current

    questions = questionnaire_current(store=store, now=now).questions.all()
    return {f"q_{q.code}": 1 if q.kind == QuestionKind.YES_NO else 9 for q in questions if q.kind != QuestionKind.TEXT}


def tasks_ensure(*, store, agents, now, per_agent: int) -> dict:
    """The day's sweep, then post-service calls on the latest delivered orders without one until there are
    per_agent × agents open call tasks due now; they are dealt round-robin to the agents."""
    from django.db import connection

    from huifang.archive.models import RepairOrder
    from huifang.followups.choices import RuleKind, TaskChannel, TaskStatus
    from huifang.followups.models import FollowUpRule, FollowUpTask
    from huifang.followups.sweeps import sweep_run

    swept = sweep_run(store=store, now=now)
    open_calls = FollowUpTask.objects.filter(store=store, status=TaskStatus.OPEN, channel=TaskChannel.CALL)
    due = open_calls.filter(due_at__lte=now).exclude(next_call_at__gt=now)
    missing = per_agent * len(agents) - due.count()
    topped = 0
    if missing > 0:
        rule = FollowUpRule.objects.get(store=store, kind=RuleKind.POST_SERVICE_CALL)
        taken = FollowUpTask.objects.filter(store=store, rule=rule).values("repair_order_id")
        orders = (
            RepairOrder.objects.filter(vehicle__customer__store=store, delivered_at__isnull=False)
            .exclude(pk__in=taken)
            .select_related("vehicle")
            .order_by("-delivered_at")[:missing]
        )
        rows = []
        for i, ro in enumerate(orders):
            due_at = now - timedelta(minutes=5 + (i * 37) % (60 * 60))  # up to 60 h ago: due now and overdue
            rows.append(
                FollowUpTask(
                    store=store, rule=rule, kind=rule.kind, customer_id=ro.vehicle.customer_id, vehicle=ro.vehicle,
                    repair_order=ro, subject=f"v{ro.vehicle_id}", occurrence_key=f"load-ro{ro.pk}", due_at=due_at,
                    window_end=due_at + timedelta(hours=rule.window_hours), channel=TaskChannel.CALL, created_at=now,
                )
            )  # fmt: skip
        topped = len(FollowUpTask.objects.bulk_create(rows, batch_size=2000))
    ids = list(open_calls.order_by("pk").values_list("pk", flat=True))
    for i, agent in enumerate(agents):
        FollowUpTask.objects.filter(pk__in=ids[i :: len(agents)]).update(
            assigned_to=agent, claimed_by=None, claimed_until=None
        )
    with connection.cursor() as cursor:
        # Planner statistics and the visibility map after the bulk insert, as autovacuum leaves a store loaded a
        # minute earlier on a production server (this machine's PostgreSQL runs without autovacuum).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    figures = {"swept": sum(swept.values()), "topped_up": topped, "open_calls": len(ids), "due_now": due.count()}
    print(f"tasks: {figures}", flush=True)
    return figures


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args, port: int, log: Path) -> tuple[subprocess.Popen, dict]:
    env = {
        **os.environ,
        "HUIFANG_PYTHON": sys.executable,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "HUIFANG_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(args.workers),
        "WEB_THREADS": str(args.threads),
        "HUIFANG_STATIC_COMPRESS": "0",
        "AXES_ENABLED": "1",
    }
    if args.conn_max_age is not None:
        env["DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    start = str(ROOT / "deploy" / "huifang-start")
    subprocess.run([start, "setup"], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    server = subprocess.Popen([start, "web"], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            probe = urllib.request.Request(f"http://127.0.0.1:{port}/login/", headers={"X-Forwarded-Proto": "https"})
            urllib.request.urlopen(probe, timeout=2)  # noqa: S310 (our server)
            return server, env
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"the server did not answer on port {port}; see {log}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of the gunicorn master and its workers (Linux /proc)."""
    total = 0.0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    tick = os.sysconf("SC_CLK_TCK")
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def postgres_cpu_seconds() -> float:
    """User + system CPU seconds of every process named postgres on this machine (the local server's
    backends and its writers; other databases' work on the same server counts too: take it on a quiet machine)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if head.split("(", 1)[1] == "postgres":
            fields = tail.split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling and waiting for I/O (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    user, nice, system, _idle, _iowait, irq, softirq = values
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def locust_cpu_seconds() -> float:
    """CPU seconds of this process's finished children: the Locust runs (the server is waited for last)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class MachineClock:
    """Where the machine's CPU went during each phase: the server (gunicorn), PostgreSQL, Locust, the rest."""

    def __init__(self, server_pid: int):
        self.server_pid = server_pid
        self.marks: list[dict] = []

    def mark(self) -> None:
        self.marks.append(
            {
                "server": cpu_seconds(self.server_pid),
                "postgres": postgres_cpu_seconds(),
                "locust": locust_cpu_seconds(),
                "machine": machine_busy_seconds(),
            }
        )

    def per_request_ms(self, phase: int, requests: int) -> dict:
        """{part: ms of CPU per request} between mark `phase` and the next; `other` is the rest of the machine."""
        a, b = self.marks[phase], self.marks[phase + 1]
        parts = {k: (b[k] - a[k]) * 1000 / max(requests, 1) for k in a}
        parts["other"] = parts["machine"] - parts["server"] - parts["postgres"] - parts["locust"]
        return {k: round(v, 2) for k, v in parts.items()}


def locust(
    users: int, classes: list[str], duration: str, spawn_rate: float, host: str, prefix: Path, env: dict
) -> None:
    cmd = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users), "-r", str(spawn_rate),
        "-t", duration, "--host", host, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", *classes,
    ]  # fmt: skip
    subprocess.run(cmd, env=env, check=False, cwd=ROOT)  # noqa: S603


def stats(prefix: Path) -> dict[str, dict]:
    """{endpoint name: {n, failures, rps, p50, p95, mean}} from Locust's <prefix>_stats.csv."""
    rows = {}
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = {
                "n": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"] or 0),
                "p95": float(row["95%"] or 0),
                "mean": float(row["Average Response Time"] or 0),
            }
    return rows


def double_handouts(handouts_path: Path, store_code: str, since) -> dict:
    """Tasks handed to more than one agent in the run (Locust's log), and tasks with calls by two agents."""
    from django.db.models import Count

    from huifang.workbench.models import CallRecord

    holders = defaultdict(set)
    handouts = json.loads(handouts_path.read_text()) if handouts_path.exists() else []
    for h in handouts:
        holders[h["task"]].add(h["agent"])
    twice = {task: sorted(agents) for task, agents in holders.items() if len(agents) > 1}
    called_twice = list(
        CallRecord.objects.filter(store__code=store_code, ended_at__gte=since)
        .values("task")
        .annotate(callers=Count("caller", distinct=True))
        .filter(callers__gt=1)
        .values_list("task", flat=True)
    )
    calls = CallRecord.objects.filter(store__code=store_code, ended_at__gte=since).count()
    return {"handouts": len(handouts), "tasks_handed": len(holders), "handed_twice": twice,
            "calls_saved": calls, "tasks_called_by_two": called_twice}  # fmt: skip


def main() -> None:
    args = parse_args()
    # The server and this process sign the same sessions (the session keeps a hash made with the key).
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    db = setup_django(default_db="load.sqlite3")
    if not db.startswith("postgres"):
        print("note: not PostgreSQL; the issue's figures are taken on PostgreSQL", flush=True)
    from huifang.core import clock

    config = prepare(args)
    run = OUT / f"load_{config['store']}_{int(time.time())}"
    run.mkdir(parents=True, exist_ok=True)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    config["origin"] = f"https://127.0.0.1:{port}"
    (run / "config.json").write_text(json.dumps(config, ensure_ascii=False))
    server, env = start_server(args, port, run / "server.log")
    locust_env = {**os.environ, "LOAD_CONFIG": str(run / "config.json"), "LOAD_HANDOUTS": str(run / "handouts.json")}
    try:
        machine_clock = MachineClock(server.pid)
        machine_clock.mark()
        cpu0 = cpu_seconds(server.pid)
        locust(
            args.agents, ["Anonymous"], args.trivial_duration, args.spawn_rate * 5, host, run / "trivial", locust_env
        )
        cpu1 = cpu_seconds(server.pid)
        machine_clock.mark()
        locust(
            args.agents, ["SignedInPing"], args.trivial_duration, args.spawn_rate * 5, host, run / "ping", locust_env
        )
        cpu_ping = cpu_seconds(server.pid)
        machine_clock.mark()
        since = clock.now()
        classes = ["Agent"] if args.no_manager else ["Agent", "Manager"]
        users = args.agents + (0 if args.no_manager else 1)
        locust(users, classes, args.duration, args.spawn_rate, host, run / "agents", locust_env)
        cpu2 = cpu_seconds(server.pid)
        machine_clock.mark()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    trivial = stats(run / "trivial")
    ping = stats(run / "ping")
    agents = stats(run / "agents")
    checks = double_handouts(run / "handouts.json", config["store"], since)
    load = os.getloadavg()
    print(f"\n{database_label()}; gunicorn {args.workers} workers × {args.threads} threads; {args.agents} agents; "
          f"wait {args.wait[0]}–{args.wait[1]} s; load average now {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} "
          f"on {os.cpu_count()} cores (shared)")  # fmt: skip
    print(f"{'endpoint':<24} {'requests':>9} {'fail':>5} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for name, row in [*agents.items(), *trivial.items(), *ping.items()]:
        print(f"{name:<24} {row['n']:>9} {row['failures']:>5} {row['rps']:>7.1f} {row['p50']:>7.0f} {row['p95']:>7.0f}")
    total, base, signed_in = agents["Aggregated"], trivial["Aggregated"], ping["Aggregated"]
    ratio = total["rps"] / base["rps"] if base["rps"] else 0.0
    ratio_ping = total["rps"] / signed_in["rps"] if signed_in["rps"] else 0.0
    cpu_trivial = (cpu1 - cpu0) / max(base["n"], 1) * 1000
    cpu_ping_ms = (cpu_ping - cpu1) / max(signed_in["n"], 1) * 1000
    cpu_agents = (cpu2 - cpu_ping) / max(total["n"], 1) * 1000
    print(f"workbench {total['rps']:.1f} req/s = {ratio:.0%} of the anonymous login page's {base['rps']:.1f} req/s "
          f"(target ≥ 50 %), {ratio_ping:.0%} of the signed-in ping's {signed_in['rps']:.1f} req/s")  # fmt: skip
    print(f"server CPU per request: workbench {cpu_agents:.1f} ms, login page {cpu_trivial:.1f} ms, "
          f"signed-in ping {cpu_ping_ms:.1f} ms")  # fmt: skip
    machine = {
        "login page": machine_clock.per_request_ms(0, base["n"]),
        "signed-in ping": machine_clock.per_request_ms(1, signed_in["n"]),
        "workbench": machine_clock.per_request_ms(2, total["n"]),
    }
    print("machine CPU per request, ms (server = gunicorn, postgres = every postgres process, locust = the load "
          "generator, other = the rest of the machine):")  # fmt: skip
    for name, parts in machine.items():
        print(f"  {name:<15} " + "  ".join(f"{k} {v:.2f}" for k, v in parts.items()))
    print(f"hand-outs: {checks['handouts']} of {checks['tasks_handed']} tasks, {checks['calls_saved']} calls saved; "
          f"handed to two agents: {len(checks['handed_twice'])}; called by two agents: {len(checks['tasks_called_by_two'])}")  # fmt: skip
    print(f"files: {run}")
    report(
        "load_workbench",
        float(args.duration.rstrip("s")),
        database=database_label(),
        agents=args.agents,
        workers=args.workers,
        threads=args.threads,
        endpoints={k: v for k, v in agents.items()},
        trivial=base,
        ping=signed_in,
        ratio=round(ratio, 3),
        ratio_to_ping=round(ratio_ping, 3),
        cpu_ms_per_request=round(cpu_agents, 1),
        cpu_ms_per_trivial=round(cpu_trivial, 1),
        cpu_ms_per_ping=round(cpu_ping_ms, 1),
        machine_ms_per_request=machine,
        tasks=config["tasks"],
        handed_twice=len(checks["handed_twice"]),
        called_by_two=len(checks["tasks_called_by_two"]),
        load_average=round(load[0], 1),
    )
    if checks["handed_twice"] or checks["tasks_called_by_two"]:
        print(f"DOUBLE HAND-OUT: {checks['handed_twice']} {checks['tasks_called_by_two']}")
        sys.exit(1)


if __name__ == "__main__":
    main()
