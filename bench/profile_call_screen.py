"""The call screen and saving a call as callers meet them, profiled beside the signed-in ping (the trivial view):
the screen as "Save and next" opens it (with the notice of the call just saved), and saving a completed call
with every answer (satisfied), one that opens a complaint (a low overall score) and one not reached.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load python bench/profile_call_screen.py --store LOAD…

In-process through Django's test client on a store made by load_workbench.py (its first agent), as
profile_workbench.py: per step the queries of one request, the lowest CPU milliseconds of --repeat requests and
the Python function calls of one request (cProfile: deterministic), and the ratio to the ping. Saving changes
the store's tasks (each save takes the task "next" hands out); run it on a copy of the store. To compare with
another checkout, run that checkout's copy of this script on a copy of the same store.
"""

import argparse
import cProfile
import pstats
import re
import time

from common import first_agent_client, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    setup_django(migrate=False)
    from django.db import connection

    from huifang.followups.models import FollowUpTask
    from huifang.workbench.rules import SCALE_MAX
    from huifang.workbench.store_settings import settings_for

    client, agent = first_agent_client(args.store)

    def next_task(saved="") -> int:
        response = client.get("/workbench/next/" + (f"?saved={saved}" if saved else ""))
        found = re.search(r"/tasks/(\d+)/", response["Location"])
        if found is None:
            raise SystemExit("the agent has no task to call now: use a fresh copy of the store")
        return int(found.group(1))

    def one(step) -> tuple[int, int, float]:
        """(queries, Python calls, CPU seconds) of one run of `step`."""
        queries = []
        with connection.execute_wrapper(
            lambda execute, sql, params, many, context: queries.append(sql) or execute(sql, params, many, context)
        ):
            step()
        profiler = cProfile.Profile()
        profiler.enable()
        step()
        profiler.disable()
        started = time.process_time()
        step()
        return len(queries), pstats.Stats(profiler).total_calls, time.process_time() - started

    def measure(name, step, *, baseline=None):
        runs = [one(step) for _ in range(args.repeat)]
        n, calls = runs[0][0], runs[0][1]
        lowest = min(cpu for _n, _calls, cpu in runs)
        ratio = (
            f"  {calls / baseline[1]:5.1f}x the ping's calls, {lowest / baseline[2]:4.1f}x its CPU" if baseline else ""
        )
        print(f"{name:<26} {n:>3} queries  lowest {lowest * 1000:5.1f} ms CPU  {calls:>7,} Python calls{ratio}")
        return n, calls, lowest

    ping = measure("ping (baseline)", lambda: client.get("/workbench/ping/"))
    task_id = next_task()
    measure("call screen", lambda: client.get(f"/workbench/tasks/{task_id}/"), baseline=ping)

    # A call saved, then the screen "Save and next" opens: it names the call just saved.
    saved = re.search(
        r"saved=(\d+)",
        client.post(f"/workbench/tasks/{task_id}/", {"outcome": "refused", "next": "on"})["Location"],
    ).group(1)
    task_id = next_task(saved)
    measure("call screen + notice", lambda: client.get(f"/workbench/tasks/{task_id}/?saved={saved}"), baseline=ping)

    questions = settings_for(store=FollowUpTask.objects.get(pk=task_id).store).questions

    def answers(low: bool) -> dict:
        data = {}
        for q in questions:
            if q.kind == "text":
                data[f"t_{q.code}"] = "还行"
            elif q.kind == "yes_no":
                data[f"q_{q.code}"] = "0" if low else "1"
            else:
                data[f"q_{q.code}"] = "1" if low else str(SCALE_MAX[q.kind])
        return data

    for name, data in (
        ("save: satisfied", {"outcome": "satisfied", **answers(low=False)}),
        ("save: complaint opened", {"outcome": "with_issue", **answers(low=True)}),
        ("save: not reached", {"outcome": "not_reached", "not_reached_as": "no_answer"}),
    ):
        # The agent's own open tasks, none handed out: the save alone is measured.
        tasks = list(
            FollowUpTask.objects.filter(assigned_to=agent, status="open", channel="call")
            .exclude(pk=task_id)
            .order_by("-pk")
            .values_list("pk", flat=True)[: 3 * args.repeat]
        )

        def save(data=data, tasks=tasks):
            response = client.post(f"/workbench/tasks/{tasks.pop()}/", {**data, "next": "on"})
            assert response.status_code == 302, response.content.decode()[:2000]

        measure(name, save, baseline=ping)


if __name__ == "__main__":
    main()
