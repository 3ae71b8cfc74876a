"""Time the DMS import of 100,000 repair orders (issue 2: must take under a minute on the 2-core machine).

    .venv/bin/python bench/bench_import.py                      # SQLite file under bench/out/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_h2 .venv/bin/python bench/bench_import.py

The export (one row per repair-order line, Chinese headers, UTF-8 with BOM) is generated once as
bench/out/dms_100k.csv with the demo generator; every run imports it into a new store, then imports
it a second time to time the idempotent re-import (which must change nothing).
"""

import argparse
import csv
import resource
import time
from datetime import date

from common import OUT, backend_cpu_seconds, bench_store, database_label, report, setup_django, timer

RO_COUNT = 100_000
# Enough customers to reach RO_COUNT orders (about 6.4 orders per customer with two years of history).
CUSTOMERS = 24_000
TODAY = date(2026, 11, 25)  # fixed, so the file is the same whenever it is made


def copy_baseline(path) -> tuple[float, int]:
    """The hand-written baseline: the same file loaded as-is into an all-text staging table (no checks at all).

    PostgreSQL: one `COPY … FROM STDIN (FORMAT csv, HEADER)` through psycopg, like `psql \\copy`;
    SQLite: one `executemany` of the csv module's rows. Returns (seconds, rows loaded).
    """
    from django.db import connection, transaction

    with path.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f))
    columns = ", ".join(f'"c{i}" text' for i in range(len(header)))
    with transaction.atomic(), connection.cursor() as cursor, timer() as elapsed:
        cursor.execute("DROP TABLE IF EXISTS bench_dms_staging")
        cursor.execute(f"CREATE TABLE bench_dms_staging ({columns})")
        if connection.vendor == "postgresql":
            with (
                path.open("rb") as f,
                cursor.cursor.copy("COPY bench_dms_staging FROM STDIN (FORMAT csv, HEADER)") as copy,
            ):
                f.read(3)  # the UTF-8 BOM, which COPY would keep in the first header cell
                while block := f.read(1 << 20):
                    copy.write(block)
        else:
            marks = ", ".join("?" * len(header))
            with path.open(encoding="utf-8-sig", newline="") as f:
                reader = csv.reader(f)
                next(reader)
                # sqlite3 itself streams the rows; Django's wrapper tees them and keeps every one in memory
                # (2.4 GB at 100k orders, which then stood as the import's peak memory).
                connection.connection.executemany(f"INSERT INTO bench_dms_staging VALUES ({marks})", reader)
        cursor.execute("SELECT count(*) FROM bench_dms_staging")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_dms_staging")
    return elapsed(), rows


def peak_memory_mb() -> float:
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_cpu_seconds() -> float:
    """CPU of this process's children waited for so far (the import's reader process)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def production_like() -> None:
    """As in production, no debug query log: with DEBUG on Django keeps the SQL of the last 9,000 queries, which
    is the benchmark's memory and time, not the import's (a bulk INSERT's SQL runs to megabytes)."""
    from django.conf import settings

    settings.DEBUG = False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ro-count", type=int, default=RO_COUNT)
    parser.add_argument("--encoding", default="utf-8-sig", choices=["utf-8-sig", "gbk"])
    parser.add_argument("--no-reimport", action="store_true", help="skip the second, idempotent import")
    args = parser.parse_args()
    setup_django()
    production_like()
    from huifang.archive.demo import DemoGenerator, write_dms_file

    suffix = "" if args.encoding == "utf-8-sig" else f"_{args.encoding}"
    path = OUT / f"dms_{args.ro_count // 1000}k{suffix}.csv"
    if not path.exists():
        with timer() as made:
            counts = write_dms_file(
                path,
                DemoGenerator(seed=2026, today=TODAY).customers(CUSTOMERS * max(1, -(-args.ro_count // RO_COUNT))),
                fmt="csv",
                encoding=args.encoding,
                headers="zh",
                ro_count=args.ro_count,
            )
        print(f"made {path.name}: {counts['repair_orders']:,} repair orders, {counts['rows']:,} rows in {made():.1f} s")
    print(f"{path.name}: {path.stat().st_size / 1e6:.0f} MB")

    try:
        from huifang.archive.importing.services import dms_import_file
    except ImportError as exc:
        print(f"dms_import_file is not available yet ({exc}); the data file is ready at {path}")
        return

    store = bench_store(f"IMP{int(time.time())}")
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] > 5 or done == total:
            last[0] = now
            print(f"  {phase:<9} {done:>9,}/{total:,}")

    backend_before = backend_cpu_seconds()
    copy_seconds, copied = copy_baseline(path)
    print(f"baseline: COPY of the same file into an all-text table: {copied:,} rows in {copy_seconds:.1f} s")
    if backend_before is not None:
        print(f"  CPU: {backend_cpu_seconds() - backend_before:.1f} s in the PostgreSQL backend")
    memory_before = peak_memory_mb()
    cpu_before, backend_before, reader_before = time.process_time(), backend_cpu_seconds(), children_cpu_seconds()
    with timer() as first:
        batch = dms_import_file(store=store, path=path, actor=None, progress=progress)
    cpu, backend_after = time.process_time() - cpu_before, backend_cpu_seconds()
    # The reader process (importing.reader) parses beside this one on large files: its CPU counts too.
    reader_cpu = children_cpu_seconds() - reader_before
    print(f"import into {database_label()} store {store.code}: {batch.status} in {first():.1f} s")
    # Where the wall time went: this process's CPU, the PostgreSQL server process's CPU, the rest waiting
    # (for the CPU on a shared machine, for the disk).
    backend = None if backend_before is None or backend_after is None else backend_after - backend_before
    print(
        f"  CPU: {cpu:.1f} s in Python"
        + (f" + {reader_cpu:.1f} s in its reader process" if reader_cpu > 0.05 else "")
        + ("" if backend is None else f", {backend:.1f} s in the PostgreSQL backend")
    )
    ratio = first() / copy_seconds
    print(
        f"  ratio to COPY: {ratio:.1f}x; peak memory {peak_memory_mb():.0f} MB (before the import {memory_before:.0f} MB)"
    )
    print(f"  rows {batch.rows_total:,}, rejected {batch.rows_rejected:,}, counts {batch.counts}")
    if batch.error:
        print(f"  error: {batch.error}")
    report(
        f"dms_import_{args.ro_count // 1000}k",
        first(),
        database=database_label(),
        status=batch.status,
        rows=batch.rows_total,
        rejected=batch.rows_rejected,
        counts=batch.counts,
        baseline_seconds=round(copy_seconds, 2),
        ratio=round(ratio, 1),
        peak_memory_mb=round(peak_memory_mb()),
        python_cpu_seconds=round(cpu, 1),
        reader_cpu_seconds=round(reader_cpu, 1),
        backend_cpu_seconds=None if backend is None else round(backend, 1),
    )
    if args.no_reimport:
        return
    with timer() as second:
        again = dms_import_file(store=store, path=path, actor=None)
    print(f"re-import of the same file: {again.status} in {second():.1f} s, counts {again.counts}")
    report(
        f"dms_reimport_{args.ro_count // 1000}k",
        second(),
        database=database_label(),
        status=again.status,
        counts=again.counts,
    )


if __name__ == "__main__":
    main()
