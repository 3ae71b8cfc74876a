"""Run every benchmark, each in its own process, and print a table of the figures.

    .venv/bin/python bench/run_all.py                    # SQLite files under bench/out/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_h2 .venv/bin/python bench/run_all.py

seed_demo always runs on a fresh SQLite file (it is what `make run` does); the others use DATABASE_URL.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from common import RESULT_PREFIX, ROOT

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    ("bench_seed.py", [], True),
    ("make_data.py", ["--vehicles", "100000", "--load"], False),
    ("bench_import.py", [], False),
    ("bench_reports.py", ["--scale", "0.02"], False),
    # Loads its own 100k-vehicle store, then every sweep rule beside its hand-written INSERT … SELECT.
    ("bench_sweep.py", ["--vehicles", "100000"], False),
    # 50 call agents against the production start path, beside the login page on the same server (PostgreSQL).
    ("load_workbench.py", ["--agents", "50"], False),
)
POSTGRES_ONLY = {"load_workbench.py"}


def run(script: str, args: list[str], sqlite_only: bool) -> list[dict]:
    env = dict(os.environ)
    if script in POSTGRES_ONLY and not env.get("DATABASE_URL", "").startswith("postgres"):
        print(f"== {script}: skipped, it measures the production start path on PostgreSQL (set DATABASE_URL)")
        return []
    if sqlite_only:
        env.pop("DATABASE_URL", None)
    print(f"== {script} {' '.join(args)}", flush=True)
    process = subprocess.run(
        [sys.executable, str(HERE / script), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    results = []
    for line in process.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            results.append(json.loads(line[len(RESULT_PREFIX) :]))
        else:
            print("   " + line)
    if process.returncode:
        print(process.stderr[-3000:])
        results.append({"name": script, "seconds": None, "error": f"exit {process.returncode}"})
    return results


def main() -> None:
    results = [r for script, args, sqlite_only in BENCHMARKS for r in run(script, args, sqlite_only)]
    print()
    print(f"| {'benchmark':<20} | {'seconds':>8} | {'database':<28} | figures")
    print(f"|{'-' * 22}|{'-' * 10}|{'-' * 30}|--------")
    for r in results:
        figures = {k: v for k, v in r.items() if k not in ("name", "seconds", "database")}
        seconds = "failed" if r["seconds"] is None else f"{r['seconds']:.1f}"
        print(
            f"| {r['name']:<20} | {seconds:>8} | {r.get('database', ''):<28} | {json.dumps(figures, ensure_ascii=False)}"
        )
    print_ratios(results)


def print_ratios(results: list[dict]) -> None:
    """The table the issue asks for: each operation beside its hand-written baseline on the same data."""
    rows = [r for r in results if r.get("ratio") is not None and r.get("baseline_seconds") is not None]
    if not rows and not any(r.get("name") == "load_workbench" for r in results):
        return
    print()
    print(f"| {'operation':<36} | {'project s':>9} | {'baseline s':>10} | {'ratio':>6} | same result")
    print(f"|{'-' * 38}|{'-' * 11}|{'-' * 12}|{'-' * 8}|------------")
    for r in rows:
        same = r.get("same", "")
        print(
            f"| {r['name']:<36} | {r['seconds']:>9.2f} | {r['baseline_seconds']:>10.3f} | {r['ratio']:>6.2f} | {same}"
        )
    for r in results:
        if r.get("name") == "load_workbench" and r.get("trivial"):
            agents, login = r["endpoints"]["Aggregated"]["rps"], r["trivial"]["rps"]
            print(
                f"| {'workbench, 50 agents (req/s)':<36} | {agents:>9.1f} | {login:>10.1f} | {r['ratio']:>6.2f} | "
                f"req/s beside the login page's (target ≥ 0.50); no double hand-out: {r['handed_twice'] == 0}"
            )


if __name__ == "__main__":
    main()
