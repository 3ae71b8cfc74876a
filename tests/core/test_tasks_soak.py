"""The short soak (bench/soak.py): two replayed days of a store with the worker and scheduler SIGKILLed.

It runs in the normal suite on SQLite and PostgreSQL: the harness is a subprocess on the test database,
and it starts the real scheduler and worker processes itself. The long run's figures are in bench/README.md.
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
    # when two days are replayed (6 replayed hours a wall second), a process SIGKILLed every 4 s on average
    run = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [
            sys.executable,
            "bench/soak.py",
            "--days",
            "2",
            "--speed",
            "21600",
            "--tick",
            "0.5",
            "--kill-every",
            "4",
            "--customers",
            "40",
            "--seed",
            "3",
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
    # then both days were lived, something was killed, and no invariant broke
    assert result["days_replayed"] == 2
    assert sum(result["kills"].values()) >= 1
    assert result["life"]["orders"] == 12 and result["life"]["imports"] == 1
    assert {name: n for name, n in result["violations"].items() if n} == {}
    assert result["invariants_held"] == result["invariants_checked"] == 15
    assert run.returncode == 0
