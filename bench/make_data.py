"""Make benchmark data with the demo generator: a DMS export file, or rows loaded straight into a database.

.venv/bin/python bench/make_data.py --vehicles 100000 --load              # into DATABASE_URL, new store
.venv/bin/python bench/make_data.py --customers 20000 --dms bench/out/dms.csv --ro-count 100000
.venv/bin/python bench/make_data.py --customers 2000 --dms bench/out/dms.xlsx --headers en
"""

import argparse
import time
from datetime import date

from common import bench_store, database_label, report, setup_django, timer

# The generator makes about 1.25 vehicles per customer (companies own fleets).
VEHICLES_PER_CUSTOMER = 1.25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--customers", type=int, help="number of customers (default 3000)")
    size.add_argument("--vehicles", type=int, help="about this many vehicles")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    parser.add_argument("--dms", help="write a DMS export to this path (.csv or .xlsx)")
    parser.add_argument("--encoding", default="utf-8-sig", choices=["utf-8-sig", "utf-8", "gbk"])
    parser.add_argument("--headers", default="zh", choices=["zh", "en"])
    parser.add_argument("--ro-count", type=int, help="stop the DMS export after this many repair orders")
    parser.add_argument("--load", action="store_true", help="load into the database named by DATABASE_URL")
    parser.add_argument("--store", default=None, help="store code to load into (default: a new BENCH store)")
    parser.add_argument("--batch-size", type=int, default=2000, help="customers per transaction")
    args = parser.parse_args()
    if not args.dms and not args.load:
        parser.error("say what to make: --dms PATH and/or --load")

    customers = args.customers or (round(args.vehicles / VEHICLES_PER_CUSTOMER) if args.vehicles else 3000)
    setup_django(migrate=args.load)
    from huifang.archive.demo import DemoGenerator, load_into_db, write_dms_file
    from huifang.archive.services import vehicle_figures_refresh
    from huifang.core import clock

    today = args.today or clock.today()
    if args.dms:
        fmt = "xlsx" if args.dms.endswith(".xlsx") else "csv"
        generator = DemoGenerator(seed=args.seed, today=today)
        with timer() as elapsed:
            counts = write_dms_file(
                args.dms,
                generator.customers(customers),
                fmt=fmt,
                encoding=args.encoding,
                headers=args.headers,
                ro_count=args.ro_count,
            )
        print(
            f"wrote {args.dms}: {counts['repair_orders']:,} repair orders, {counts['rows']:,} rows in {elapsed():.1f} s"
        )
        report("make_dms_file", elapsed(), path=args.dms, **counts)
    if args.load:
        store = bench_store(args.store or f"BENCH{int(time.time())}")
        generator = DemoGenerator(seed=args.seed, today=today)
        started = time.perf_counter()

        def progress(counts):
            print(
                f"  {counts['vehicles']:>9,} vehicles {counts['repair_orders']:>10,} orders  {time.perf_counter() - started:7.1f} s"
            )

        with timer() as elapsed:
            counts = load_into_db(
                store=store,
                customers=generator.customers(customers),
                today=today,
                batch_size=args.batch_size,
                refresh=False,
                progress=progress,
            )
        with timer() as refresh_elapsed:
            vehicle_figures_refresh(store=store, today=today)
        total = elapsed() + refresh_elapsed()
        print(
            f"loaded into {database_label()} store {store.code}: {dict(counts)}\n"
            f"  insert {elapsed():.1f} s + vehicle_figures_refresh {refresh_elapsed():.1f} s = {total:.1f} s"
        )
        report(
            "load_into_db",
            total,
            insert_seconds=round(elapsed(), 2),
            refresh_seconds=round(refresh_elapsed(), 2),
            database=database_label(),
            store=store.code,
            **counts,
        )


if __name__ == "__main__":
    main()
