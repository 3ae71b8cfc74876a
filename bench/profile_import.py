"""cProfile of one DMS import (where the time goes), on DATABASE_URL or a SQLite file under bench/out/.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/imp_bench .venv/bin/python bench/profile_import.py \
        bench/out/dms_10k.csv [--top 40] [--sort tottime]

Imports the file into a new store under cProfile and prints the functions with the most time, then the
wall time. Run bench_import.py first to make the file.
"""

import argparse
import cProfile
import pstats
import time
from pathlib import Path

from bench_import import production_like
from common import bench_store, database_label, setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative"])
    parser.add_argument("--no-profile", action="store_true", help="time only")
    args = parser.parse_args()
    setup_django()
    production_like()
    from huifang.archive.importing.services import dms_import_file

    store = bench_store(f"PRF{int(time.time())}")
    profile = cProfile.Profile()
    started, cpu = time.perf_counter(), time.process_time()
    if not args.no_profile:
        profile.enable()
    batch = dms_import_file(store=store, path=args.path, actor=None)
    if not args.no_profile:
        profile.disable()
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    if not args.no_profile:
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
    print(
        f"{args.path.name} on {database_label()}: {batch.status} in {took:.1f} s "
        f"({cpu:.1f} s CPU in this process), rows {batch.rows_total:,}"
    )
    print(f"counts {batch.counts}")


if __name__ == "__main__":
    main()
