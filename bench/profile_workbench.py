"""One agent's workbench requests, profiled: queries and CPU of the queue, "next", the call screen and saving.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load python bench/profile_workbench.py --store LOAD…

Runs in-process through Django's test client on a store made by load_workbench.py (its first agent), each
request --repeat times; prints per endpoint the queries, the mean wall and CPU milliseconds, and with
--profile the top functions of cProfile by cumulative time.
"""

import argparse
import cProfile
import pstats
import re
import time

from common import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    setup_django(migrate=False)
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from huifang.accounts.models import User

    settings.ALLOWED_HOSTS = ["*"]
    agent = User.objects.filter(username__startswith=f"{args.store.lower()}_agent").order_by("username").first()
    client = Client()
    client.force_login(agent)
    client.get("/workbench/")  # warm: templates, translations, the session's last-seen mark

    def next_then_task():
        response = client.get("/workbench/next/")
        return int(re.search(r"/tasks/(\d+)/", response["Location"]).group(1))

    task_id = next_then_task()
    steps = {
        "queue": lambda: client.get("/workbench/"),
        "next": lambda: client.get("/workbench/next/"),
        "call screen": lambda: client.get(f"/workbench/tasks/{task_id}/"),
    }
    for name, step in steps.items():
        measure(name, step, args.repeat, args.profile, connection, CaptureQueriesContext)

    def save():
        nonlocal task_id
        response = client.post(
            f"/workbench/tasks/{task_id}/", {"outcome": "not_reached", "not_reached_as": "no_answer", "next": "on"}
        )
        assert response.status_code == 302, response.status_code
        task_id = next_then_task()

    # Saving moves the task on; each round saves the task "next" handed out (that hand-out is not counted).
    measure("save call", save, args.repeat, args.profile, connection, CaptureQueriesContext, minus=steps["next"])


def measure(name, step, repeat, profile, connection, capture, minus=None) -> None:
    with capture(connection) as queries:
        step()
    n = len(queries.captured_queries)
    if minus is not None:
        with capture(connection) as extra:
            minus()
        n -= len(extra.captured_queries)
    profiler = cProfile.Profile() if profile else None
    wall = cpu = 0.0
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        step()
        if profiler:
            profiler.disable()
        wall += time.perf_counter() - w
        cpu += time.process_time() - c
    print(f"{name:<12} {n:>3} queries  {wall / repeat * 1000:6.1f} ms wall  {cpu / repeat * 1000:6.1f} ms CPU")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
