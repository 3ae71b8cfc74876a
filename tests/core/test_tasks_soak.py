"""The short soak (bench/soak.py): two replayed days of a store with the worker and scheduler SIGKILLed.

It runs in the normal suite on SQLite and PostgreSQL: the harness is a subprocess on the test database
(migrated already), and it starts the real scheduler and worker processes itself. The business clock stands
still until both are up, so the replay is lived by them from its first minute. The long run's figures
are in bench/README.md.
"""

import json
import subprocess
import sys

import pytest

from .workers import ROOT, SharedDatabase

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_replayed_days_with_killed_processes_keep_every_invariant(tmp_path):
    # given an empty test database shared with the harness's processes
    shared = SharedDatabase(tmp_path)
    shared.push()
    # when two days are replayed (3 replayed hours a wall second) while the worker is SIGKILLed in the middle
    # of a task and the scheduler at a random moment, each restarted at once
    run = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [
            sys.executable,
            "bench/soak.py",
            "--days",
            "2",
            "--speed",
            "10800",
            "--tick",
            "0.25",
            "--poll",
            "0.1",
            "--kills",
            "2",
            "--customers",
            "20",
            "--seed",
            "3",
            "--no-migrate",
        ],
        cwd=ROOT,
        env=shared.env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = [line for line in run.stdout.splitlines() if line.startswith("SOAK ")]
    assert lines, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(lines[-1][5:])
    print("SOAK", json.dumps(result, ensure_ascii=False))  # the figures, with -s
    # then both days were lived, both processes were killed (the worker holding a task, which was taken back)
    assert result["days_replayed"] == 2
    assert result["kills"]["scheduler"] == 1 and 1 <= result["kills"]["worker"] <= 3  # a kill that missed: again
    assert result["worker_kills_mid_task"] == 1 and result["recoveries"].get("retried", 0) >= 1
    assert result["life"]["orders"] == 12 and result["life"]["imports"] == 1
    # and messages were really sent through the gateway (the invariants about sending are not vacuous)
    assert result["messages"].get("sent", 0) > 0
    # and no invariant broke
    assert {name: n for name, n in result["violations"].items() if n} == {}
    assert result["invariants_held"] == result["invariants_checked"] == 17
    assert run.returncode == 0
