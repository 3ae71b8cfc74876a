"""One agent's workbench requests, profiled: queries and CPU of the queue, "next", the call screen and saving,
beside the two trivial views (the anonymous login page and the signed-in workbench ping).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load python bench/profile_workbench.py --store LOAD…

Runs in-process through Django's test client on a store made by load_workbench.py (its first agent), each
request --repeat times (saving: a call not reached, then a satisfied call with every answer as the load test
posts them); prints per endpoint the queries, the mean wall and CPU milliseconds, the lowest CPU of
one request (the figure least disturbed by other work on a shared machine), on PostgreSQL the mean and lowest
CPU of the database backend serving the requests (its /proc schedstat: parsing, planning and executing the
statements; the server pays it too) and the Python function calls of one
request (cProfile; deterministic, it does not depend on the load). With --profile, the top functions of each
endpoint by their own CPU time and by cumulative CPU time (cProfile timed with the process's CPU clock, so
waiting for the database or for a core does not count).

To compare with another checkout's code on the same store, run that checkout's copy of this script.
Production figures need DJANGO_DEBUG=0 (with DJANGO_SECRET_KEY, DJANGO_SECURE_SSL_REDIRECT=0 and collected
static files under HUIFANG_VAR_DIR): with DEBUG on Django records every query, and with server-side binding
(DB_SERVER_SIDE_BINDING, on by default on PostgreSQL) recording a query composes its SQL with the values again,
5-16 % more Python calls that production does not pay.
"""

import argparse
import cProfile
import pstats
import re
import time
from urllib.parse import urlencode

from common import first_agent_client, setup_django

FORM = "application/x-www-form-urlencoded"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25, help="functions listed per endpoint with --profile")
    args = parser.parse_args()
    setup_django(migrate=False)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from load_workbench import answers_for

    from huifang.accounts.models import Store
    from huifang.core import clock

    client, _agent = first_agent_client(args.store)
    anonymous = Client()
    backend_clock = backend_cpu_clock(connection)

    def measure(name, step, minus=None):
        with CaptureQueriesContext(connection) as queries:
            step()
        n = len(queries.captured_queries)
        if minus is not None:
            with CaptureQueriesContext(connection) as extra:
                minus()
            n -= len(extra.captured_queries)
        calls = python_calls(step) - (python_calls(minus) if minus is not None else 0)
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        wall = cpu = 0.0
        lowest = float("inf")
        backend = 0.0
        backend_lowest = float("inf")
        for _ in range(args.repeat):
            b = backend_clock()
            w, c = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            step()
            if profiler:
                profiler.disable()
            spent = time.process_time() - c
            wall += time.perf_counter() - w
            backend_spent = backend_clock() - b
            backend += backend_spent
            backend_lowest = min(backend_lowest, backend_spent)
            cpu += spent
            lowest = min(lowest, spent)
        print(
            f"{name:<14} {n:>3} queries  {wall / args.repeat * 1000:6.1f} ms wall  {cpu / args.repeat * 1000:6.1f} ms CPU"
            f"  (lowest {lowest * 1000:5.1f})  {calls:>7,} Python calls"
            + (
                f"  backend {backend / args.repeat * 1000:5.2f} ms CPU (lowest {backend_lowest * 1000:5.2f})"
                if connection.vendor == "postgresql"
                else ""
            ),
            flush=True,
        )
        if profiler:
            for order in ("tottime", "cumulative"):
                pstats.Stats(profiler).sort_stats(order).print_stats(args.top)

    def ok(response):
        assert response.status_code == 200, response.status_code
        return response

    measure("login page", lambda: ok(anonymous.get("/login/")))
    if client.get("/workbench/ping/").status_code == 200:  # a checkout without the ping has no such view
        measure("ping", lambda: ok(client.get("/workbench/ping/")))

    def next_then_task():
        response = client.get("/workbench/next/")
        return int(re.search(r"/tasks/(\d+)/", response["Location"]).group(1))

    task_id = next_then_task()
    steps = {
        "queue": lambda: ok(client.get("/workbench/")),
        "next": lambda: client.get("/workbench/next/"),
        "call screen": lambda: ok(client.get(f"/workbench/tasks/{task_id}/")),
    }
    for name, step in steps.items():
        measure(name, step)

    def save(data):
        def step():
            nonlocal task_id
            # Form-encoded, as a browser and the load test post it (the test client's default is multipart).
            body = urlencode({**data, "next": "on"})
            response = client.post(f"/workbench/tasks/{task_id}/", body, content_type=FORM)
            assert response.status_code == 302, response.status_code
            task_id = next_then_task()

        return step

    # Saving moves the task on; each round saves the task "next" handed out (that hand-out is not counted).
    measure("save call", save({"outcome": "not_reached", "not_reached_as": "no_answer"}), minus=steps["next"])
    # A satisfied call with every answer, as the load test posts it (load_workbench.answers_for, its comment).
    answers = answers_for(store=Store.objects.get(code=args.store), now=clock.now())
    satisfied = {"outcome": "satisfied", "comment": "负载测试", **answers}
    measure("save satisfied", save(satisfied), minus=steps["next"])


def backend_cpu_clock(connection):
    """A clock of the CPU seconds used by this connection's PostgreSQL backend (a local server's /proc), read
    without a query: the pid is asked once, each reading is one file read (0.0 on SQLite or a remote server)."""
    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def read() -> float:
        try:
            with open(f"/proc/{pid}/schedstat") as stat:  # nanoseconds on a CPU, then waiting, then slices
                return int(stat.read().split()[0]) / 1e9
        except OSError:
            return 0.0

    return read


def python_calls(step) -> int:
    """Python function calls of one run of `step` (cProfile's count: the same on a busy or an idle machine)."""
    profiler = cProfile.Profile()
    profiler.enable()
    step()
    profiler.disable()
    return pstats.Stats(profiler).total_calls


if __name__ == "__main__":
    main()
