"""Peak memory (max RSS) of one DMS import, per file size (issue 16 §1).

    .venv/bin/python bench/bench_import_memory.py --ro-count 10000
    .venv/bin/python bench/bench_import_memory.py --ro-count 100000

Each run is its own process, so its peak RSS (getrusage) is the import's own: file made with the demo generator
(as bench_import.py does), imported once into a new store on the SQLite file under bench/out/ (or DATABASE_URL).
The peak of the file-making step is taken before the import and reported separately.
"""

import argparse
import resource
import time
from datetime import date

from common import OUT, bench_store, database_label, report, setup_django, timer

TODAY = date(2026, 11, 25)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def production_like() -> None:
    """As in production, no debug query log: with DEBUG on Django keeps the SQL of the last 9,000 queries, which
    is the benchmark's memory and time, not the import's (a bulk INSERT's SQL runs to megabytes)."""
    from django.conf import settings

    settings.DEBUG = False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ro-count", type=int, default=100_000)
    args = parser.parse_args()
    setup_django(default_db="bench_memory.sqlite3")
    production_like()
    path = OUT / f"dms_{args.ro_count // 1000}k.csv"
    if not path.exists():
        # Made in a child process, so that the generator's memory does not count as the import's.
        import subprocess
        import sys

        make = (
            "import sys; sys.path.insert(0, 'bench'); from common import setup_django; setup_django(migrate=False); "
            "from datetime import date; from huifang.archive.demo import DemoGenerator, write_dms_file; "
            f"write_dms_file('{path}', DemoGenerator(seed=2026, today=date(2026, 11, 25)).customers("
            f"{24_000 * max(1, args.ro_count // 100_000)}), fmt='csv', encoding='utf-8-sig', headers='zh', "
            f"ro_count={args.ro_count})"
        )
        subprocess.run([sys.executable, "-c", make], check=True)
    from huifang.archive.importing.services import dms_import_file

    before = peak_mb()
    store = bench_store(f"MEM{int(time.time())}")
    with timer() as took:
        batch = dms_import_file(store=store, path=path, actor=None)
    peak = peak_mb()
    print(
        f"{path.name} ({path.stat().st_size / 1e6:.0f} MB, {batch.rows_total:,} rows): {batch.status} in {took():.1f} s "
        f"on {database_label()}; peak RSS {peak:.0f} MB (Django set-up {before:.0f} MB)"
    )
    report(
        f"dms_import_memory_{args.ro_count // 1000}k",
        took(),
        database=database_label(),
        rows=batch.rows_total,
        file_mb=round(path.stat().st_size / 1e6),
        peak_rss_mb=round(peak),
        setup_rss_mb=round(before),
    )


if __name__ == "__main__":
    main()
