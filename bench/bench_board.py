"""Time the team board's figures (`board.selectors.board_figures`, what each paired screen fetches every 30 s)
for a store with a year of call history, beside a hand-written baseline.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_board .venv/bin/python bench/bench_board.py
.venv/bin/python bench/bench_board.py --days 365 --per-day 400     # SQLite file under bench/out/

The store gets `--days` days of post-service call tasks (`--per-day` a day, spread over the day): 85 % of the
past ones done with one completed attempt and a scored call, 10 % unreachable after three unanswered attempts,
the rest open (so a long tail is overdue); today's are half done. 2 % of the tasks have a complaint, 10 % of them
still open with deadlines around now. The baseline is one hand-written SQL statement per block of figures
(today's call tasks; today's attempts; today's calls; open complaints by time left and the eight soonest),
computing only today's figures; its results are checked equal to the board's. The board reuses the dashboard's
`store_day`, which also computes 30 days of trends (the week bars use seven of them), so the ratio includes that.
"""

import argparse
import random
import statistics
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from common import bench_store, database_label, report, setup_django, timer

BATCH = 5000
RUNS = 5


def make_history(*, store, days: int, per_day: int, now, seed: int) -> dict:
    """A year of call tasks, attempts, scored calls and complaints for `store` (bench data, not app code)."""
    from zoneinfo import ZoneInfo

    from huifang.archive.models import Customer
    from huifang.complaints.choices import ComplaintCategory, ComplaintChannel, ComplaintStatus
    from huifang.complaints.models import Complaint
    from huifang.followups.choices import AttemptOutcome, RuleKind, TaskChannel, TaskStatus
    from huifang.followups.models import ContactAttempt, FollowUpRule, FollowUpTask
    from huifang.workbench.choices import CallOutcome
    from huifang.workbench.models import CallRecord

    rng = random.Random(seed)
    tz = ZoneInfo(store.time_zone)
    today = now.astimezone(tz).date()
    rule, _ = FollowUpRule.objects.get_or_create(
        store=store, kind=RuleKind.POST_SERVICE_CALL, defaults={"name": "修后回访"}
    )
    customers = Customer.objects.bulk_create(
        Customer(store=store, name=f"客户{i}", mobile=f"+86139{i:08d}") for i in range(200)
    )
    counts = {"tasks": 0, "attempts": 0, "calls": 0, "complaints": 0}
    plans = []
    for d in range(days, -1, -1):
        day = today - timedelta(days=d)
        start = datetime.combine(day, time(8), tzinfo=tz)
        plans.extend(start + timedelta(minutes=rng.uniform(0, 600)) for _ in range(per_day))
    for offset in range(0, len(plans), BATCH):
        chunk = plans[offset : offset + BATCH]
        tasks, fates = [], []
        for due in chunk:
            customer = rng.choice(customers)
            roll = rng.random()
            past = due < now - timedelta(hours=3)
            if due > now:
                fate = TaskStatus.OPEN
            elif past:
                fate = TaskStatus.DONE if roll < 0.85 else TaskStatus.UNREACHABLE if roll < 0.95 else TaskStatus.OPEN
            else:
                fate = TaskStatus.DONE if roll < 0.5 else TaskStatus.OPEN
            done_at = min(due + timedelta(hours=rng.uniform(0.2, 3)), now)
            tasks.append(
                FollowUpTask(
                    store=store,
                    rule=rule,
                    kind=RuleKind.POST_SERVICE_CALL,
                    customer=customer,
                    subject=f"c{customer.pk}",
                    occurrence_key=f"b{offset}-{len(tasks)}",
                    due_at=due,
                    window_end=due + timedelta(hours=72),
                    status=fate,
                    channel=TaskChannel.CALL,
                    created_at=due,
                    closed_at=done_at if fate != TaskStatus.OPEN else None,
                )
            )
            fates.append((fate, done_at))
        tasks = FollowUpTask.objects.bulk_create(tasks)
        attempts, called = [], []
        for task, (fate, done_at) in zip(tasks, fates, strict=True):
            if fate == TaskStatus.DONE:
                attempt = ContactAttempt(task=task, at=done_at, outcome=AttemptOutcome.COMPLETED)
                attempts.append(attempt)
                called.append((task, attempt))
            elif fate == TaskStatus.UNREACHABLE:
                attempts.extend(
                    ContactAttempt(task=task, at=done_at - timedelta(minutes=m), outcome=AttemptOutcome.NO_ANSWER)
                    for m in (40, 20, 0)
                )
        ContactAttempt.objects.bulk_create(attempts, batch_size=BATCH)
        calls = [
            CallRecord(
                store=store,
                task=task,
                attempt=attempt,
                customer_id=task.customer_id,
                outcome=CallOutcome.SATISFIED,
                ended_at=attempt.at,
                score=Decimal(rng.randint(55, 100)),
            )
            for task, attempt in called
        ]
        CallRecord.objects.bulk_create(calls, batch_size=BATCH)
        complaints = []
        for task in tasks:
            if rng.random() >= 0.02 or task.due_at > now:
                continue
            received = task.due_at + timedelta(hours=rng.uniform(1, 6))
            open_ = rng.random() < 0.1 or received > now - timedelta(days=2)
            contacted = rng.random() < 0.8
            complaints.append(
                Complaint(
                    store=store,
                    number=f"BB{task.pk:08d}",
                    channel=rng.choice(ComplaintChannel.values),
                    category=rng.choice(ComplaintCategory.values),
                    customer_id=task.customer_id,
                    customer_name=task.customer.name,
                    phone=task.customer.mobile,
                    content="bench",
                    received_at=min(received, now),
                    first_contact_due=received + timedelta(hours=2),
                    first_contacted_at=min(received + timedelta(hours=1), now) if contacted else None,
                    level_due_at=now + timedelta(hours=rng.uniform(-30, 60)),
                    status=ComplaintStatus.IN_PROCESS if open_ else ComplaintStatus.CLOSED,
                    closed_at=None if open_ else received + timedelta(days=3),
                )
            )
        Complaint.objects.bulk_create(complaints)
        counts["tasks"] += len(tasks)
        counts["attempts"] += len(attempts)
        counts["calls"] += len(calls)
        counts["complaints"] += len(complaints)
    return counts


def baseline(*, store, now) -> dict:
    """Today's board figures by hand: four SQL statements with bounds computed here, portable to both databases."""
    from zoneinfo import ZoneInfo

    from django.db import connection

    from huifang.followups.choices import FAILED_OUTCOMES

    tz = ZoneInfo(store.time_zone)
    local = now.astimezone(tz)
    day_start = datetime.combine(local.date(), time.min, tzinfo=tz)
    day_end = day_start + timedelta(days=1)
    soon = now + timedelta(hours=4)
    dt = connection.ops.adapt_datetimefield_value
    failed = sorted(str(o) for o in FAILED_OUTCOMES)
    marks = ", ".join(["%s"] * len(failed))
    with connection.cursor() as cur:
        cur.execute(
            """SELECT
                 SUM(CASE WHEN status = 'open' AND channel = 'call' AND window_end >= %s AND due_at < %s THEN 1 ELSE 0 END),
                 SUM(CASE WHEN status = 'open' AND channel = 'call' AND window_end < %s THEN 1 ELSE 0 END),
                 SUM(CASE WHEN status = 'done' AND closed_at >= %s AND closed_at < %s THEN 1 ELSE 0 END)
               FROM followups_followuptask WHERE store_id = %s""",
            [dt(now), dt(day_end), dt(now), dt(day_start), dt(day_end), store.pk],
        )
        due_today, overdue, done_today = (int(v or 0) for v in cur.fetchone())
        cur.execute(
            f"""SELECT COUNT(*), SUM(CASE WHEN a.outcome NOT IN ({marks}) THEN 1 ELSE 0 END)
                FROM followups_contactattempt a JOIN followups_followuptask t ON t.id = a.task_id
                WHERE t.store_id = %s AND a.at >= %s AND a.at < %s""",
            [*failed, store.pk, dt(day_start), dt(day_end)],
        )
        attempts, reached = cur.fetchone()
        cur.execute(
            "SELECT COUNT(*), AVG(score) FROM workbench_callrecord WHERE store_id = %s AND ended_at >= %s AND ended_at < %s",
            [store.pk, dt(day_start), dt(day_end)],
        )
        made, score = cur.fetchone()
        deadline = "CASE WHEN first_contacted_at IS NULL THEN first_contact_due ELSE level_due_at END"
        # Both sides spelled out as true/false: a NULL deadline or report date must count as "not late", not NULL.
        late = (
            f"((({deadline}) IS NOT NULL AND ({deadline}) <= %s) OR "
            "(media_reported_at IS NULL AND media_report_due IS NOT NULL AND media_report_due <= %s))"
        )
        open_ = "store_id = %s AND status IN ('ongoing', 'in_process', 'hold')"
        cur.execute(
            f"""SELECT COUNT(*), SUM(CASE WHEN {late} THEN 1 ELSE 0 END),
                  SUM(CASE WHEN NOT {late} AND ({deadline}) < %s THEN 1 ELSE 0 END)
                FROM complaints_complaint WHERE {open_}""",
            [dt(now), dt(now), dt(now), dt(now), dt(soon), store.pk],
        )
        n_open, n_overdue, n_soon = (int(v or 0) for v in cur.fetchone())
        cur.execute(
            f"""SELECT number FROM complaints_complaint WHERE {open_}
                ORDER BY CASE WHEN {late} THEN 0 ELSE 1 END, ({deadline}) IS NULL, ({deadline}), received_at, id
                LIMIT 8""",
            [store.pk, dt(now), dt(now)],
        )
        rows = [r[0] for r in cur.fetchall()]
    rate = None
    if attempts:
        rate = float((Decimal(100) * Decimal(reached or 0) / Decimal(attempts)).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return {
        "calls": {"due_today": due_today, "done_today": done_today, "overdue": overdue, "made_today": made},
        "reach_today": rate,
        "css_today": None if score is None else round(float(score), 1),
        "open": n_open,
        "overdue_complaints": n_overdue,
        "soon": n_soon,
        "rows": rows,
    }


def project(*, store, now) -> dict:
    from huifang.board.selectors import board_figures

    f = board_figures(store=store, now=now)
    return {
        "calls": {k: f["calls"][k] for k in ("due_today", "done_today", "overdue", "made_today")},
        "reach_today": f["reach_today"],
        "css_today": f["css_today"],
        "open": f["complaints"]["open"],
        "overdue_complaints": f["complaints"]["overdue"],
        "soon": f["complaints"]["soon"],
        "rows": [r["number"] for r in f["complaint_rows"]],
    }


def timed(fn, **kwargs) -> tuple[list[float], dict, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, result, queries = [], {}, 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx, timer() as t:
            result = fn(**kwargs)
        times.append(t())
        queries = len(ctx)
    return times, result, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=400)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--store", help="time a store loaded by an earlier run (its code) instead of loading one")
    parser.add_argument("--queries", action="store_true", help="also print the board's slowest queries (warm)")
    args = parser.parse_args()
    setup_django("bench_board.sqlite3")
    from django.db import connection

    from huifang.core import clock

    now = clock.now()
    if args.store:
        from huifang.accounts.models import Store
        from huifang.complaints.models import Complaint
        from huifang.followups.models import ContactAttempt, FollowUpTask
        from huifang.workbench.models import CallRecord

        store = Store.objects.get(code=args.store)
        counts = {
            "tasks": FollowUpTask.objects.filter(store=store).count(),
            "attempts": ContactAttempt.objects.filter(task__store=store).count(),
            "calls": CallRecord.objects.filter(store=store).count(),
            "complaints": Complaint.objects.filter(store=store).count(),
        }
        print(f"{database_label()}: store {store.code} loaded before, {counts}")
        _time(store=store, now=now, counts=counts)
        if args.queries:
            slowest_queries(store=store, now=now)
        return
    store = bench_store(f"BRD{random.Random().randint(0, 99999):05d}")
    with timer() as load:
        counts = make_history(store=store, days=args.days, per_day=args.per_day, now=now, seed=args.seed)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(f"{database_label()}: store {store.code}, {counts} loaded in {load():.1f} s")
    _time(store=store, now=now, counts=counts)
    if args.queries:
        slowest_queries(store=store, now=now)


def slowest_queries(*, store, now, runs: int = 3, top: int = 4) -> None:
    """Each of the board's queries timed in the database (best of `runs` warm runs), the slowest first."""
    import time as clock_time

    from django.db import connection

    best: dict[int, tuple[float, str]] = {}

    for _ in range(runs):
        seen: list[tuple[float, str]] = []

        def timed_query(execute, sql, params, many, context, seen=seen):
            start = clock_time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                seen.append((clock_time.perf_counter() - start, sql))

        with connection.execute_wrapper(timed_query):
            project(store=store, now=now)
        for i, (seconds, sql) in enumerate(seen):
            best[i] = min(best.get(i, (seconds, sql)), (seconds, sql))
    for i, (seconds, sql) in sorted(best.items(), key=lambda item: -item[1][0])[:top]:
        print(f"  query {i + 1}: {seconds * 1000:6.1f} ms  {' '.join(sql.split())[:150]}")


def _time(*, store, now, counts: dict) -> None:
    board_times, board, board_queries = timed(project, store=store, now=now)
    base_times, base, base_queries = timed(baseline, store=store, now=now)
    assert board == base, f"board {board} != baseline {base}"
    warm_board, warm_base = statistics.median(board_times[1:]), statistics.median(base_times[1:])
    print(f"today: {board}")
    print(f"board_figures: cold {board_times[0]:.3f} s, warm median {warm_board:.3f} s ({board_queries} queries)")
    print(f"baseline:      cold {base_times[0]:.3f} s, warm median {warm_base:.3f} s ({base_queries} queries)")
    print(f"ratio (warm): {warm_board / warm_base:.1f}x")
    report("board_figures", warm_board, baseline=round(warm_base, 4), ratio=round(warm_board / warm_base, 1), **counts)


if __name__ == "__main__":
    main()
