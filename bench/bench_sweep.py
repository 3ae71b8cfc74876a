"""Time the follow-up sweep of a store holding N vehicles, each rule beside its hand-written INSERT … SELECT.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_h5 .venv/bin/python bench/bench_sweep.py --vehicles 100000
.venv/bin/python bench/bench_sweep.py --store SWEEP123 --date 2026-12-01   # a store loaded before, another day

Per rule (baseline_sweep.py holds the hand-written statements): the product's `sweep_run(kinds=(rule,))` and
the baseline run on the same data in one process, each inside a transaction rolled back afterwards, each
twice in a row: the first run (creates the tasks) and the replay (the same run again: creates nothing). The
rows made are compared (customer, vehicle, order, subject, occurrence, target, due, window end, owner,
status, channel) and the ratio printed; every run starts from a store without tasks (specialists level).
Then the whole daily sweep is timed for real (committed): first run, second run, and the next Spring
Festival (every consenting customer gets a greeting).

.venv/bin/python bench/bench_sweep.py --store SWEEP123 --date 2026-12-07 --days 8   # a store's steady state

`--days N` instead sweeps the N days up to --date, committed, one after the other: tasks made and seconds per
day after the first (the first makes a starting store's backlog), and the task table's size per task.
"""

import argparse
import hashlib
import time
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as dtime

from common import backend_cpu_seconds, bench_store, database_label, report, setup_django, timer

VEHICLES_PER_CUSTOMER = 1.25
SPECIALISTS = 6


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vehicles", type=int, default=100_000)
    parser.add_argument("--store", help="sweep this already loaded store instead of loading a new one")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch-size", type=int, default=2000, help="customers per load transaction")
    parser.add_argument("--date", type=date.fromisoformat, help="sweep as at 06:00 on this day (default today)")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each side per rule (the best is kept)")
    parser.add_argument("--kinds", help="only these rule kinds (comma-separated)")
    parser.add_argument("--no-daily", action="store_true", help="skip the committed whole-sweep timing")
    parser.add_argument(
        "--days",
        type=int,
        help="instead of the comparison: sweep the N days up to --date one after the other, committed (day 1 makes "
        "the backlog, the others a day's new tasks); tasks and seconds per day, the task table's size per task",
    )
    args = parser.parse_args()
    setup_django()
    from zoneinfo import ZoneInfo

    from huifang.accounts.choices import Role, Scope
    from huifang.accounts.models import Membership, Store, User
    from huifang.archive.demo import DemoGenerator, load_into_db
    from huifang.archive.models import Vehicle
    from huifang.core import clock
    from huifang.core.calendar import festivals_in_year
    from huifang.followups.models import FollowUpTask
    from huifang.followups.services import rules_ensure_defaults
    from huifang.followups.sweeps import DAILY_KINDS, FREQUENT_KINDS, sweep_run

    today = clock.today()
    if args.store:
        store = Store.objects.get(code=args.store)
    else:
        store = bench_store(f"SWEEP{int(time.time())}")
        customers = round(args.vehicles / VEHICLES_PER_CUSTOMER)
        started = time.perf_counter()

        def progress(counts: Counter) -> None:
            print(f"  {counts['vehicles']:>9,} vehicles  {time.perf_counter() - started:7.1f} s", flush=True)

        with timer() as load_elapsed:
            load_into_db(
                store=store,
                customers=DemoGenerator(seed=args.seed, today=today).customers(customers),
                today=today,
                batch_size=args.batch_size,
                progress=progress,
            )
        print(f"loaded store {store.code} in {load_elapsed():.1f} s")
    for i in range(SPECIALISTS):
        user, _ = User.objects.get_or_create(username=f"{store.code.lower()}_care{i}")
        Membership.objects.get_or_create(user=user, role=Role.CARE_SPECIALIST, scope=Scope.STORE, store=store)
    rules_ensure_defaults(store=store)
    FollowUpTask.objects.filter(store=store).delete()  # every comparison starts with level specialists
    vehicles = Vehicle.objects.filter(store=store).count()
    tz = ZoneInfo(store.time_zone)
    now = datetime.combine(args.date or today, dtime(6, 0), tzinfo=tz)  # the daily job's hour
    festival = festivals_in_year(now.year + 1)["spring_festival"]
    print(f"{vehicles:,} vehicles on {database_label()}; sweeping at {now.isoformat()}")

    if args.days:
        consecutive_days(store, now, args.days, vehicles)
        return
    kinds = args.kinds.split(",") if args.kinds else [*FREQUENT_KINDS, *DAILY_KINDS]
    compare = RuleComparison(store, now, festival, tz, rounds=args.rounds)
    print(
        f"\n| {'rule':<24} | {'rows':>7} | {'first s':>8} | {'in SQL':>7} | {'hand s':>8} | {'ratio':>5} "
        f"| {'replay s':>8} | {'in SQL':>7} | {'hand s':>8} | {'ratio':>5} | same rows"
    )
    print(
        f"|{'-' * 26}|{'-' * 9}|{'-' * 10}|{'-' * 9}|{'-' * 10}|{'-' * 7}|{'-' * 10}|{'-' * 9}|{'-' * 10}|{'-' * 7}"
        "|----------"
    )
    totals = {key: 0.0 for key in ("first", "first_sql", "hand_first", "replay", "replay_sql", "hand_replay")}
    cpu_rows = []
    for kind in kinds:
        r = compare.run(kind)
        cpu_rows.append((kind, r))
        print(
            f"| {kind:<24} | {r['rows']:>7,} | {r['first']:>8.3f} | {r['first_sql']:>7.3f} | {r['hand_first']:>8.3f} | "
            f"{r['first'] / r['hand_first']:>5.2f} | {r['replay']:>8.3f} | {r['replay_sql']:>7.3f} | "
            f"{r['hand_replay']:>8.3f} | {r['replay'] / r['hand_replay']:>5.2f} | "
            f"{'yes' if r['same'] else 'NO: ' + r['why']}",
            flush=True,
        )
        for key in totals:
            totals[key] += r[key]
        common = {"database": database_label(), "vehicles": vehicles, "rows": r["rows"], "same": r["same"]}
        for label, mine, hand in (("", "first", "hand_first"), (" replay", "replay", "hand_replay")):
            report(
                f"sweep {kind}{label}",
                r[mine],
                baseline_seconds=round(r[hand], 4),
                ratio=round(r[mine] / r[hand], 2),
                **common,
            )
    t = totals
    print(
        f"| {'all rules':<24} | {'':>7} | {t['first']:>8.3f} | {t['first_sql']:>7.3f} | {t['hand_first']:>8.3f} | "
        f"{t['first'] / t['hand_first']:>5.2f} | {t['replay']:>8.3f} | {t['replay_sql']:>7.3f} | "
        f"{t['hand_replay']:>8.3f} | {t['replay'] / t['hand_replay']:>5.2f} |"
    )
    print_cpu(cpu_rows)
    if args.no_daily:
        return

    figures = {}
    for label, at in (
        ("first run", now),
        ("second run (idempotent)", now + timedelta(minutes=5)),
        ("spring festival replay", datetime.combine(festival, dtime(6, 0), tzinfo=tz)),
    ):
        with timer() as elapsed:
            counts = sweep_run(store=store, now=at)
        created = sum(counts.values())
        figures[label] = (elapsed(), created)
        print(f"{label:<26} {elapsed():6.2f} s  {created:>8,} tasks  {dict((k, v) for k, v in counts.items() if v)}")
    total_tasks = FollowUpTask.objects.filter(store=store).count()
    print(f"{vehicles:,} vehicles on {database_label()}; {total_tasks:,} tasks in the store now")
    first = figures["first run"][0]
    print(f"daily sweep per 10,000 vehicles: {first / vehicles * 10_000:.2f} s")
    report(
        "sweep_run",
        first,
        database=database_label(),
        vehicles=vehicles,
        created=figures["first run"][1],
        per_10k_seconds=round(first / vehicles * 10_000, 3),
        rerun_seconds=round(figures["second run (idempotent)"][0], 2),
        festival_seconds=round(figures["spring festival replay"][0], 2),
        festival_created=figures["spring festival replay"][1],
    )


def print_cpu(rows) -> None:
    """The same runs in CPU milliseconds (this process's Python + its PostgreSQL backend), best of the rounds."""
    print(
        f"\nCPU ms, Python + PostgreSQL backend (best of the rounds)\n| {'rule':<24} | {'first':>8} | {'hand':>8} | "
        f"{'ratio':>5} | {'replay':>8} | {'hand':>8} | {'ratio':>5} |"
    )
    for kind, r in rows:
        print(
            f"| {kind:<24} | {r['first_cpu'] * 1000:>8.1f} | {r['hand_first_cpu'] * 1000:>8.1f} | "
            f"{r['first_cpu'] / r['hand_first_cpu']:>5.2f} | {r['replay_cpu'] * 1000:>8.1f} | "
            f"{r['hand_replay_cpu'] * 1000:>8.1f} | {r['replay_cpu'] / r['hand_replay_cpu']:>5.2f} |"
        )


def consecutive_days(store, last, days: int, vehicles: int) -> None:
    """The daily sweep at 06:00 on each of `days` days up to `last`, committed, as the scheduler runs it (the
    5-minute post-service job included: one run a day catches the day's deliveries, its window is 72 h). The
    first day makes everything due in the rules' windows (the backlog of a store starting); the others are
    a day's new tasks. PostgreSQL: ANALYZE after the first day, as autovacuum would after such an insert."""
    from django.db import connection

    from huifang.followups.models import FollowUpTask
    from huifang.followups.sweeps import sweep_run

    made = []
    for n in range(days - 1, -1, -1):
        at = last - timedelta(days=n)
        wall, cpu, backend = time.perf_counter(), time.process_time(), backend_cpu_seconds()
        counts = sweep_run(store=store, now=at)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        backend = backend_cpu_seconds() - backend if backend is not None else float("nan")
        made.append((sum(counts.values()), wall, backend))
        shown = ", ".join(f"{kind} {count:,}" for kind, count in sorted(counts.items()) if count)
        print(
            f"{at.date()}  {wall:6.2f} s wall, CPU {cpu:5.2f} s Python + {backend:5.2f} s database  "
            f"{sum(counts.values()):>7,} tasks  {shown}"
        )
        if n == days - 1 and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE followups_followuptask")
    steady = made[1:]
    if steady:
        tasks, seconds, backend = (sum(day[i] for day in steady) / len(steady) for i in range(3))
        per_10k = 10_000 / vehicles
        print(
            f"after the first day: {tasks:,.0f} tasks, {seconds:.2f} s wall and {backend:.2f} s database CPU a day; "
            f"per 10,000 vehicles {tasks * per_10k:,.0f} tasks a day ({tasks * per_10k * 365:,.0f} a year), "
            f"{seconds * per_10k:.3f} s wall, {backend * per_10k:.3f} s database CPU"
        )
    total = FollowUpTask.objects.count()  # the whole table: its size is measured
    if connection.vendor == "postgresql" and total:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_total_relation_size('followups_followuptask')")
            size = cursor.fetchone()[0]
        print(f"task table: {total:,} tasks, {size / 2**20:,.1f} MB with its indexes, {size / total:,.0f} B a task")


CPU_KEYS = (
    ("product", "first_cpu", "first"),
    ("hand", "hand_first_cpu", "first"),
    ("product", "replay_cpu", "replay"),
    ("hand", "hand_replay_cpu", "replay"),
)


class RuleComparison:
    """The product's sweep of one rule and the hand-written statement, on the same data, rows compared."""

    def __init__(self, store, now, festival, tz, rounds):
        import baseline_sweep as hand
        from django.db import connection

        from huifang.archive.services import policy_for
        from huifang.followups.choices import RuleKind
        from huifang.followups.models import FollowUpRule

        self.hand, self.store, self.now, self.tz, self.rounds = hand, store, now, tz, rounds
        self.dialect = hand.Dialect(connection.vendor)
        self.rules = {r.kind: r for r in FollowUpRule.objects.filter(store=store)}
        enabled = {kind for kind, r in self.rules.items() if r.enabled}
        self.flags = {
            "first_service_on": RuleKind.FIRST_SERVICE_REMINDER in enabled,
            "first_lost_on": RuleKind.FIRST_SERVICE_LOST in enabled,
            "lost_months": policy_for(store=store).first_service_lost_months,
        }
        self.festival = festival
        if connection.vendor == "sqlite":
            connection.ensure_connection()
            connection.connection.create_function(
                "bench_sha256", 1, lambda text: hashlib.sha256(text.encode()).hexdigest(), deterministic=True
            )
        with connection.cursor() as cursor:
            hand.calendar_table(cursor, self.dialect, now.date())

    def at(self, kind: str) -> datetime:
        if kind == "holiday_greeting":
            return datetime.combine(self.festival, dtime(6, 0), tzinfo=self.tz)
        return self.now

    def run(self, kind: str) -> dict:
        best: dict[str, float] = {}
        rows = {}
        for round_ in range(self.rounds):
            sides = ("product", "hand") if round_ % 2 == 0 else ("hand", "product")
            for side in sides:
                self._vacuum()
                (first, replay), (first_sql, replay_sql), (first_cpu, replay_cpu), made = self._once(kind, side)
                rows[side] = made
                for label, seconds in (
                    (f"{side}_first", first),
                    (f"{side}_replay", replay),
                    (f"{side}_first_sql", first_sql),
                    (f"{side}_replay_sql", replay_sql),
                    (f"{side}_first_cpu", first_cpu),
                    (f"{side}_replay_cpu", replay_cpu),
                ):
                    best[label] = min(best.get(label, seconds), seconds)
        same = rows["product"] == rows["hand"]
        why = ""
        if not same:
            only_p, only_h = rows["product"] - rows["hand"], rows["hand"] - rows["product"]
            why = f"{len(only_p)} only in product, {len(only_h)} only in hand; e.g. {sorted(only_p)[:1]} {sorted(only_h)[:1]}"
        return {
            "rows": len(rows["product"]),
            "first": best["product_first"],
            "replay": best["product_replay"],
            "hand_first": best["hand_first"],
            "hand_replay": best["hand_replay"],
            # Of the product's time, the part spent in the database (the rest is Python: ORM, rules.py).
            "first_sql": best["product_first_sql"],
            "replay_sql": best["product_replay_sql"],
            # CPU seconds of this process and of its PostgreSQL backend: what other jobs on the cores move least.
            **{key: best[f"{side}_{run}_cpu"] for side, key, run in CPU_KEYS},
            "same": same,
            "why": why,
        }

    def _vacuum(self) -> None:
        """Every run is rolled back, leaving its rows dead in the task table and its unique index, which the
        next run's NOT EXISTS visits; autovacuum may be off or late, so each run starts from a vacuumed table."""
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM followups_followuptask")

    def _analyze(self) -> None:
        """Between the first run and the replay, inside the run's transaction: the planner's figures of the task
        table as after a committed first run (in production the replay comes minutes later, autovacuum having
        analyzed the table; with the vacuumed table's figures, empty, a replay may scan every task per row)."""
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE followups_followuptask")

    def _once(self, kind: str, side: str):
        from django.db import connection, transaction

        from huifang.followups.models import FollowUpTask
        from huifang.followups.sweeps import sweep_run

        rule = self.rules[kind]
        at = self.at(kind)
        seconds, in_database, cpu = [], [], []
        database = [0.0]

        def timed(execute, sql, params, many, context):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                database[0] += time.perf_counter() - start

        try:
            with transaction.atomic(), connection.execute_wrapper(timed):
                for run in range(2):  # the first run, then the replay (creates nothing)
                    if run == 1:
                        self._analyze()
                    database[0] = 0.0
                    python, backend = time.process_time(), backend_cpu_seconds()
                    with timer() as elapsed:
                        if side == "product":
                            sweep_run(store=self.store, now=at, kinds=(kind,))
                        else:
                            with connection.cursor() as cursor:
                                self.hand.baseline_run(
                                    cursor,
                                    self.dialect,
                                    self._rule(rule),
                                    store_id=self.store.pk,
                                    now=at,
                                    context=self._context(kind, at),
                                )
                    seconds.append(elapsed())
                    in_database.append(database[0])
                    backend = backend_cpu_seconds() - backend if backend is not None else float("nan")
                    cpu.append(time.process_time() - python + backend)
                made = {
                    (*row[:6], _second(row[6]), _second(row[7]), *row[8:])
                    for row in FollowUpTask.objects.filter(rule=rule).values_list(
                        "customer_id",
                        "vehicle_id",
                        "repair_order_id",
                        "subject",
                        "occurrence_key",
                        "target_date",
                        "due_at",
                        "window_end",
                        "assigned_to_id",
                        "status",
                        "channel",
                        "kind",
                    )
                }
                raise Rollback
        except Rollback:
            pass
        return (seconds[0], seconds[1]), (in_database[0], in_database[1]), (cpu[0], cpu[1]), made

    def _rule(self, rule):
        return self.hand.Rule(
            id=rule.pk, kind=rule.kind, owner_rule=rule.owner_rule, channel=rule.channel,
            lead_days=rule.lead_days, window_hours=rule.window_hours, delay_hours=rule.delay_hours,
            offsets=rule.offsets, km_threshold=rule.km_threshold, sample_percent=rule.sample_percent,
            marketing_only=rule.marketing_only, festivals=rule.festivals, catch_up_days=rule.catch_up_days,
        )  # fmt: skip

    def _context(self, kind: str, at: datetime) -> dict:
        params: dict = {}
        local = at.astimezone(self.tz)
        if kind == "holiday_greeting":
            due = datetime.combine(self.festival - timedelta(days=self.rules[kind].lead_days), dtime(0), tzinfo=self.tz)
            params = {
                "festival_key": f"spring_festival:{self.festival.year}",
                "festival_day": self.festival,
                "festival_due": due,
            }
        if kind == "first_visit_series":
            # Whole local days (complete cohorts) from a little over 3 months back to today.
            params = {
                "visits_from": datetime.combine(local.date() - timedelta(days=110), dtime(0), tzinfo=self.tz),
                "visits_to": datetime.combine(local.date() + timedelta(days=1), dtime(0), tzinfo=self.tz),
            }
        return {"flags": self.flags, "params": params}


def _second(moment):
    return moment.replace(microsecond=0) if moment else moment


if __name__ == "__main__":
    main()
