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
"""

import argparse
import json
import re

from common import first_agent_client, setup_django

SKIPPED = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK|BEGIN|COMMIT|SET |SELECT pg_backend_pid)", re.I)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    args = parser.parse_args()
    setup_django(migrate=False)
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


if __name__ == "__main__":
    main()
