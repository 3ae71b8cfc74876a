"""Time the DMS appointment import (`appointments_import_file`) of N appointments into a store of demo vehicles.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_appt .venv/bin/python bench/bench_appointment_import.py \
    --appointments 10000 --vehicles 12000

The machine is shared: the CPU seconds of this process are printed beside the wall time. Four runs on the
same store: a dry run, the import, the same file again (idempotent: all unchanged), and a
later export in which a fifth of the appointments arrived or were cancelled. Beside them, the hand-written
baseline of bench_import.py: the same file COPYed as-is into an all-text staging table.
"""

import argparse
import csv
import random
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bench_import import copy_baseline
from common import OUT, bench_store, database_label, report, setup_django, timer

VEHICLES_PER_CUSTOMER = 1.25
HEADER = ["预约单号", "预约日期", "时段", "车牌号", "VIN", "客户姓名", "服务类型", "服务顾问", "状态", "备注"]
SERVICES = ["定期保养", "首保", "钣喷", "索赔", "事故维修"]
TODAY = date(2026, 11, 25)


def write_export(path, vehicles, count: int, *, seed: int, later: bool) -> None:
    """N appointments over the next 30 days in half-hour slots, a third matched by VIN only; `later` moves a
    fifth of them to 已到店/已取消."""
    rng, changes = random.Random(seed), random.Random(seed + 1)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(count):
            plate, vin, name = vehicles[i % len(vehicles)]
            day = TODAY + timedelta(days=1 + i % 30)
            minutes = 8 * 60 + 30 + 30 * rng.randrange(18)
            slot = f"{minutes // 60:02d}:{minutes % 60:02d}"
            status = "已预约"
            if later and changes.random() < 0.2:
                status = changes.choice(["已到店", "已取消"])
            by_vin = i % 3 == 0 or not plate
            writer.writerow(
                [f"YY{i:07d}", day.isoformat(), slot, "" if by_vin else plate, vin if by_vin else "", name,
                 SERVICES[i % len(SERVICES)], "", status, ""]
            )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appointments", type=int, default=10_000)
    parser.add_argument("--vehicles", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    setup_django()
    from huifang.appointments.dms_import.services import appointments_import_file
    from huifang.appointments.services import policy_for
    from huifang.archive.demo import DemoGenerator, load_into_db
    from huifang.archive.models import Vehicle

    store = bench_store(f"APPT{int(time.time())}")
    with timer() as load_elapsed:
        load_into_db(
            store=store,
            customers=DemoGenerator(seed=args.seed, today=TODAY).customers(
                round(args.vehicles / VEHICLES_PER_CUSTOMER)
            ),
            today=TODAY,
        )
    # A big service reception: 20 cars per half hour, so the file's bookings fit (no over-capacity warnings).
    policy = policy_for(store=store)
    policy.slot_capacity = 20
    policy.save()
    vehicles = list(Vehicle.objects.filter(store=store).order_by("pk").values_list("plate", "vin", "customer__name"))
    print(f"{database_label()}: store {store.code} with {len(vehicles):,} vehicles loaded in {load_elapsed():.1f} s")
    first, later = OUT / "appointments_first.csv", OUT / "appointments_later.csv"
    write_export(first, vehicles, args.appointments, seed=args.seed, later=False)
    write_export(later, vehicles, args.appointments, seed=args.seed, later=True)
    now = datetime(2026, 11, 25, 18, 0, tzinfo=ZoneInfo(store.time_zone))
    copy_seconds, copied = copy_baseline(first)
    print(f"baseline: COPY of the same file into an all-text table: {copied:,} rows in {copy_seconds:.2f} s")
    for label, path, dry_run in (
        ("dry run", first, True),
        ("import", first, False),
        ("same file again", first, False),
        ("later export (a fifth changed)", later, False),
    ):
        cpu = time.process_time()
        with timer() as elapsed:
            result = appointments_import_file(store=store, path=path, actor=None, now=now, dry_run=dry_run)
        cpu = time.process_time() - cpu
        assert not result.error, result.error
        ratio = elapsed() / max(copy_seconds, 1e-6)
        print(
            f"{label:32} {elapsed():6.2f} s ({cpu:5.2f} s CPU here)  rows {result.rows:,}: created {result.created:,}, updated "
            f"{result.updated:,}, unchanged {result.unchanged:,}, rejected {result.rejected:,}, warned "
            f"{result.warned:,}  ({ratio:.0f}x COPY)"
        )
        report(
            f"appointment import: {label}",
            elapsed(),
            cpu=round(cpu, 2),
            rows=result.rows,
            ratio_to_copy=round(ratio, 1),
        )


if __name__ == "__main__":
    main()
