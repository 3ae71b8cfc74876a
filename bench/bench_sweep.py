"""Time the follow-up sweep (`sweep_run`) of a store holding N vehicles from the demo generator.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_h5 .venv/bin/python bench/bench_sweep.py --vehicles 100000
.venv/bin/python bench/bench_sweep.py --store SWEEP123 --date 2026-12-01   # a store loaded before, another day

Three sweeps are timed: the day's first run (creates the tasks), the same run again (creates nothing:
idempotent), and a replay of the next Spring Festival (every consenting customer gets a greeting).
"""

import argparse
import time
from collections import Counter
from datetime import date, datetime, timedelta
from datetime import time as dtime

from common import bench_store, database_label, report, setup_django, timer

VEHICLES_PER_CUSTOMER = 1.25
SPECIALISTS = 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--vehicles", type=int, default=100_000)
    parser.add_argument("--store", help="sweep this already loaded store instead of loading a new one")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch-size", type=int, default=2000, help="customers per load transaction")
    parser.add_argument("--date", type=date.fromisoformat, help="sweep as at 06:00 on this day (default today)")
    args = parser.parse_args()
    setup_django()
    from zoneinfo import ZoneInfo

    from huifang.accounts.choices import Role, Scope
    from huifang.accounts.models import Membership, Store, User
    from huifang.archive.demo import DemoGenerator, load_into_db
    from huifang.archive.models import Vehicle
    from huifang.core import clock
    from huifang.core.calendar import festivals_in_year
    from huifang.followups.models import FollowUpTask
    from huifang.followups.sweeps import sweep_run

    today = clock.today()
    if args.store:
        store = Store.objects.get(code=args.store)
    else:
        store = bench_store(f"SWEEP{int(time.time())}")
        customers = round(args.vehicles / VEHICLES_PER_CUSTOMER)
        started = time.perf_counter()

        def progress(counts: Counter) -> None:
            print(f"  {counts['vehicles']:>9,} vehicles  {time.perf_counter() - started:7.1f} s", flush=True)

        with timer() as load_elapsed:
            load_into_db(
                store=store,
                customers=DemoGenerator(seed=args.seed, today=today).customers(customers),
                today=today,
                batch_size=args.batch_size,
                progress=progress,
            )
        print(f"loaded store {store.code} in {load_elapsed():.1f} s")
    for i in range(SPECIALISTS):
        user, _ = User.objects.get_or_create(username=f"{store.code.lower()}_care{i}")
        Membership.objects.get_or_create(user=user, role=Role.CARE_SPECIALIST, scope=Scope.STORE, store=store)
    vehicles = Vehicle.objects.filter(store=store).count()
    tz = ZoneInfo(store.time_zone)
    now = datetime.combine(args.date or today, dtime(6, 0), tzinfo=tz)  # the daily job's hour

    figures = {}
    for label, at in (
        ("first run", now),
        ("second run (idempotent)", now + timedelta(minutes=5)),
        ("spring festival replay", None),
    ):
        if at is None:
            festival = festivals_in_year(today.year + 1)["spring_festival"]
            at = datetime.combine(festival, dtime(6, 0), tzinfo=tz)
        with timer() as elapsed:
            counts = sweep_run(store=store, now=at)
        created = sum(counts.values())
        figures[label] = (elapsed(), created)
        print(f"{label:<26} {elapsed():6.2f} s  {created:>8,} tasks  {dict((k, v) for k, v in counts.items() if v)}")
    total_tasks = FollowUpTask.objects.filter(store=store).count()
    print(f"{vehicles:,} vehicles on {database_label()}; {total_tasks:,} tasks in the store now")
    report(
        "sweep_run",
        figures["first run"][0],
        database=database_label(),
        vehicles=vehicles,
        created=figures["first run"][1],
        rerun_seconds=round(figures["second run (idempotent)"][0], 2),
        festival_seconds=round(figures["spring festival replay"][0], 2),
        festival_created=figures["spring festival replay"][1],
    )


if __name__ == "__main__":
    main()
