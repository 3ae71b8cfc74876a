"""Where a DMS import's database work goes: CPU of this process and of its PostgreSQL backend per write step.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_h2 .venv/bin/python bench/profile_import_db.py FILE

Imports FILE into a new `PDB…` store with timers around the write steps (each model's COPY or INSERT, the
consent records, the ids read back, the vehicle figures, the commit and its deferred foreign-key checks). Each
step's own time is shown (a step called inside another counts for itself only), with the Python CPU, the
PostgreSQL backend's CPU (read from /proc: the database on the same machine) and the wall time.
"""

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

from common import bench_store, setup_django


def backend_cpu(pid: int | None) -> float:
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Steps:
    """Exclusive (python CPU, backend CPU, wall) per label; nested steps are subtracted from their caller."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0])
        self.stack: list[list[float]] = []

    def now(self) -> tuple[float, float, float]:
        return time.process_time(), backend_cpu(self.pid), time.perf_counter()

    def wrap(self, label_of, func):
        def timed(*args, **kwargs):
            label = label_of(*args, **kwargs)
            start = self.now()
            self.stack.append([0.0, 0.0, 0.0])
            try:
                return func(*args, **kwargs)
            finally:
                end = self.now()
                inner = self.stack.pop()
                spent = [e - s for e, s in zip(end, start, strict=True)]
                row = self.totals[label]
                for i in range(3):
                    row[i] += spent[i] - inner[i]
                row[3] += 1
                if self.stack:
                    for i in range(3):
                        self.stack[-1][i] += spent[i]

        return timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path)
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False
    from huifang.archive.importing import streaming, writing
    from huifang.archive.importing.services import dms_import_file
    from huifang.messaging import consent

    steps = Steps()

    def model_label(name):
        return lambda model, *a, **k: f"{name} {model.__name__}"

    writing.insert_rows = steps.wrap(model_label("insert_rows"), writing.insert_rows)
    writing.insert_objects = steps.wrap(model_label("insert_objects"), writing.insert_objects)
    writing.insert_tuples = steps.wrap(model_label("insert_tuples"), writing.insert_tuples)
    if hasattr(consent, "insert_rows"):
        consent.insert_rows = steps.wrap(model_label("insert_rows (consent)"), consent.insert_rows)
    # Steps that only some versions of consent have (the script also times older checkouts).
    for name in ("insert_objects", "insert_tuples"):
        if hasattr(consent, name):
            setattr(consent, name, steps.wrap(model_label(f"{name} (consent)"), getattr(consent, name)))
    consent._summary_sync = steps.wrap(lambda **k: "consent summary flag", consent._summary_sync)
    writing.consent_import = steps.wrap(lambda **k: "consent_import (rest)", writing.consent_import)
    # Steps that only some versions of the code have (the script also times older checkouts).
    optional = {
        "_vehicle_pks": "vehicle ids read back",
        "_pks_by_number": "order ids read back",
        "foreign_keys_check_now": "foreign keys checked per batch",
    }
    for name, label in optional.items():
        if hasattr(writing, name):
            setattr(writing, name, steps.wrap(lambda *a, label=label: label, getattr(writing, name)))
    if hasattr(writing, "reserve_ids"):
        writing.reserve_ids = steps.wrap(lambda model, n: f"ids reserved {model.__name__}", writing.reserve_ids)
    writing.import_write = steps.wrap(lambda *a: "import_write (rest)", writing.import_write)
    streaming.import_write = writing.import_write
    streaming.vehicle_figures_after_import = steps.wrap(
        lambda **k: "vehicle figures refresh", streaming.vehicle_figures_after_import
    )
    store = bench_store(f"PDB{int(time.time())}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT NULL")
        steps.pid = cursor.fetchone()[0]
    connection._commit = steps.wrap(lambda: "commit (deferred foreign-key checks)", connection._commit)
    total = steps.wrap(
        lambda: "everything else (read, parse, plan, report)",
        lambda: dms_import_file(store=store, path=args.file, actor=None),
    )
    load = os.getloadavg()
    batch = total()
    print(f"{args.file.name} into {store.code}: {batch.status}, {batch.counts}")
    print(f"load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    print(f"{'step':<44} {'calls':>6} {'python':>8} {'backend':>8} {'wall':>8}")
    for label, (py, be, wall, calls) in sorted(steps.totals.items(), key=lambda kv: -kv[1][1]):
        print(f"{label:<44} {calls:>6} {py:>8.2f} {be:>8.2f} {wall:>8.2f}")
    py, be, wall = (sum(v[i] for v in steps.totals.values()) for i in range(3))
    print(f"{'total':<44} {'':>6} {py:>8.2f} {be:>8.2f} {wall:>8.2f}")


if __name__ == "__main__":
    main()
