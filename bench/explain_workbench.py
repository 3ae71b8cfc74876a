"""Planning against execution in PostgreSQL for each workbench request's statements.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<copy of a load_workbench store> \
        python bench/explain_workbench.py --store LOAD…

Captures the statements of one request of each endpoint (ping, queue, next, call screen, save call; the same
requests as profile_workbench.py), then runs each again under EXPLAIN (ANALYZE, SUMMARY) inside a transaction
that is rolled back, and prints per endpoint the sum of the server's planning and execution times (the lower of
two runs, catalog caches warm). Planning is what a prepared statement saves from its second use on a
connection; the baseline beside it is the execution time (planning / execution = the ratio printed).
Writes are rolled back, so an UPDATE that the request already applied may touch no row: its execution time is
a floor, its planning time is the real one. Run with DB_SERVER_SIDE_BINDING=0 (the captured SQL carries
its values).

With --statements (server-side binding on, as in production) it lists every statement instead: each request is
run --warm times on one connection first (as a kept connection runs them), then per statement its kind of plan
from pg_prepared_statements (psycopg prepares a statement on its prepare_threshold-th run; PostgreSQL then plans
it afresh for each of its first 5 runs, "custom", and keeps one "generic" plan only if that plan's estimated
cost is no worse: a statement still planned per run shows custom plans growing), and one EXPLAIN (ANALYZE,
BUFFERS, WAL) with the values the request bound: planning and execution ms, rows, shared buffers hit/read and
the WAL bytes a write makes (rolled back). "gen 3 cust 5": run 3 times with the kept generic plan after 5 custom
ones; "gen 0" with custom runs growing: planned on every run. Statements Django sends outside its cursor wrapper (BEGIN, COMMIT,
the connection health check's SELECT 1) are not in the list.
"""

import argparse
import json
import re

from common import first_agent_client, setup_django

SKIPPED = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK|BEGIN|COMMIT|SET |SELECT pg_backend_pid)", re.I)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    parser.add_argument("--statements", action="store_true", help="per statement, server-side binding on")
    parser.add_argument("--warm", type=int, default=8, help="runs of each request before --statements reads")
    args = parser.parse_args()
    setup_django(migrate=False)
    if args.statements:
        per_statement(args)
        return
    from django.db import IntegrityError, connection, transaction
    from django.test.utils import CaptureQueriesContext

    client, _agent = first_agent_client(args.store)

    def statements(step):
        with CaptureQueriesContext(connection) as queries:
            step()
        return [q["sql"] for q in queries.captured_queries if not SKIPPED.match(q["sql"])]

    def explain(sql) -> tuple[float, float | None]:
        """(planning ms, execution ms); execution None for a write that cannot run again (a unique key the
        request already filled): that statement is planned only."""
        best = (float("inf"), None)
        for _ in range(2):
            for options in ("ANALYZE, SUMMARY", "SUMMARY"):
                try:
                    with transaction.atomic():
                        with connection.cursor() as cursor:
                            cursor.execute(f"EXPLAIN ({options}, FORMAT JSON) " + sql)
                            plan = cursor.fetchone()[0]
                        transaction.set_rollback(True)
                    break
                except IntegrityError:
                    continue
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
            times = (plan["Planning Time"], plan.get("Execution Time"))
            best = min(best, times, key=lambda t: t[0] + (t[1] or 0))
        return best

    task_id = int(re.search(r"/tasks/(\d+)/", client.get("/workbench/next/")["Location"]).group(1))
    steps = {
        "ping": lambda: client.get("/workbench/ping/"),
        "queue": lambda: client.get("/workbench/"),
        "next": lambda: client.get("/workbench/next/"),
        "call screen": lambda: client.get(f"/workbench/tasks/{task_id}/"),
        "save call": lambda: client.post(
            f"/workbench/tasks/{task_id}/", {"outcome": "not_reached", "not_reached_as": "no_answer", "next": "on"}
        ),
    }
    print(f"{'endpoint':<12} {'stmts':>5}  {'planning ms':>11}  {'execution ms':>12}  {'planning/execution':>18}")
    for name, step in steps.items():
        sqls = statements(step)
        planning = execution = 0.0
        planned_only = 0
        for sql in sqls:
            p, e = explain(sql)
            planning += p
            execution += e or 0.0
            planned_only += e is None
        ratio = planning / execution if execution else float("inf")
        note = f"  ({planned_only} write(s) planned only)" if planned_only else ""
        print(f"{name:<12} {len(sqls):>5}  {planning:>11.2f}  {execution:>12.2f}  {ratio:>18.2f}{note}", flush=True)


def per_statement(args) -> None:
    """--statements: every statement of one agent loop, its plan kind and EXPLAIN (ANALYZE, BUFFERS, WAL)."""
    from django.db import connection, transaction

    client, _agent = first_agent_client(args.store)
    seen: list[tuple[str, list]] = []

    def record(execute, sql, params, many, context):
        seen.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    def run(step) -> list[tuple[str, list]]:
        seen.clear()
        with connection.execute_wrapper(record):
            step()
        return list(seen)

    def next_task() -> int:
        return int(re.search(r"/tasks/(\d+)/", client.get("/workbench/next/")["Location"]).group(1))

    def save(data):
        def step():
            client.post(f"/workbench/tasks/{next_task()}/", {**data, "next": "on"})

        return step

    steps = {
        "queue": lambda: client.get("/workbench/"),
        "next": lambda: client.get("/workbench/next/"),
        "call screen": lambda: client.get(f"/workbench/tasks/{next_task()}/"),
        "save not reached": save({"outcome": "not_reached", "not_reached_as": "no_answer"}),
        # Every answer, as the load test posts it (load_workbench.answers_for).
        "save satisfied": save({"outcome": "satisfied", "comment": "负载测试", **satisfied_answers(args.store)}),
    }
    captured = {}
    for name, step in steps.items():
        for _ in range(args.warm):
            captured[name] = run(step)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        prepared = {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}
    print(f"{len(prepared)} statements prepared on the connection (psycopg keeps at most 100)")

    def plan_kind(sql: str) -> str:
        counter = iter(range(1, 10_000))
        text = re.sub(r"%s", lambda _m: f"${next(counter)}", sql).replace("%%", "%")
        if text not in prepared:
            return "not prepared"
        generic, custom = prepared[text]
        return f"gen {generic} cust {custom}"

    print(
        f"{'statement':<70} {'plan':<14} {'plan ms':>7} {'exec ms':>7} {'rows':>5} {'hit':>5} {'read':>4} {'WAL B':>6}"
    )
    for name, statements in captured.items():
        print(f"-- {name} ({len(statements)} statements, the last of {args.warm} runs; a save's include its next)")
        for sql, params in statements:
            kind = plan_kind(sql)
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, WAL, SUMMARY, FORMAT JSON) " + sql, params)
                        plan = cursor.fetchone()[0]
                    transaction.set_rollback(True)
            except Exception as error:  # noqa: BLE001 - a write that cannot run twice is shown, not explained
                print(f"{_short(sql):<70} {kind:<14} ({type(error).__name__})")
                continue
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
            top = plan["Plan"]
            print(
                f"{_short(sql):<70} {kind:<14} {plan['Planning Time']:>7.3f} {plan['Execution Time']:>7.3f}"
                f" {top.get('Actual Rows', 0):>5} {top.get('Shared Hit Blocks', 0):>5} {top.get('Shared Read Blocks', 0):>4}"
                f" {top.get('WAL Bytes', 0):>6}"
            )


def satisfied_answers(store_code: str) -> dict:
    from load_workbench import answers_for

    from huifang.accounts.models import Store
    from huifang.core import clock

    return answers_for(store=Store.objects.get(code=store_code), now=clock.now())


def _short(sql: str) -> str:
    return " ".join(sql.split())[:70]


if __name__ == "__main__":
    main()
