"""What each index and each foreign key costs when an import's rows are written: COPY into the real tables.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_h2 .venv/bin/python bench/bench_write_costs.py --store IMP…

Takes a store a DMS import filled (bench_import.py), copies its orders, lines, odometer readings and audit
entries out to memory, and COPYs them back into the real tables as new rows (order numbers suffixed), each
experiment in its own transaction that is rolled back, so the database is left as it was. For each table:
COPY with the table as migrated, COPY with one index dropped (inside the transaction), COPY into a copy of the
table without its foreign keys, and the deferred foreign-key checks (fired by SET CONSTRAINTS ALL IMMEDIATE, as
the commit would). Indexes already dropped by the migrations are skipped. PostgreSQL only; the backend's CPU is read from /proc (the database on the same machine).
"""

import argparse
import io
import os
import time
from pathlib import Path

from common import setup_django

TABLES = {
    # table: (columns written, SELECT of the store's rows as new rows, indexes to try without)
    "archive_repairorder": (
        "store_id, number, vehicle_id, customer_id, ro_type, opened_at, delivered_at, mileage_in, advisor_name, "
        "advisor_id, technician_name, labour_amount, parts_amount, total_amount, fault_description, "
        "is_repeat_repair, is_appointment, created_at, updated_at",
        "SELECT store_id, number || '-again', vehicle_id, customer_id, ro_type, opened_at, delivered_at, "
        "mileage_in, advisor_name, advisor_id, technician_name, labour_amount, parts_amount, total_amount, "
        "fault_description, is_repeat_repair, is_appointment, created_at, updated_at "
        "FROM archive_repairorder WHERE store_id = %(store)s ORDER BY id",
        ["archive_repairorder_store_id_5d04588b", "archive_repairorder_vehicle_id_ee4061a8"],
    ),
    "archive_repairorderline": (
        "repair_order_id, position, kind, code, description, quantity, unit_price, amount",
        "SELECT l.repair_order_id, l.position + 1000, l.kind, l.code, l.description, l.quantity, l.unit_price, "
        "l.amount FROM archive_repairorderline l JOIN archive_repairorder o ON o.id = l.repair_order_id "
        "WHERE o.store_id = %(store)s ORDER BY l.id",
        [],
    ),
    "archive_mileagereading": (
        "vehicle_id, read_on, km, source",
        "SELECT r.vehicle_id, r.read_on, r.km + 1, r.source FROM archive_mileagereading r "
        "JOIN archive_vehicle v ON v.id = r.vehicle_id WHERE v.store_id = %(store)s ORDER BY r.id",
        ["archive_mileagereading_vehicle_id_848d95ca"],
    ),
    "audit_auditentry": (
        "at, store_id, actor_id, source, action, content_type_id, object_id, object_repr, changes",
        "SELECT at, store_id, actor_id, source, action, content_type_id, object_id, object_repr, changes "
        "FROM audit_auditentry WHERE store_id = %(store)s ORDER BY id",
        ["audit_auditentry_content_type_id_3fc095fb"],
    ),
}


def backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", required=True, help="code of a store a DMS import filled")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each experiment (the best is shown)")
    args = parser.parse_args()
    setup_django(migrate=False)
    from django.db import connection

    assert connection.vendor == "postgresql", "PostgreSQL only"
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = False
    cursor = raw.cursor()
    cursor.execute("SELECT id FROM accounts_store WHERE code = %s", [args.store])
    store = cursor.fetchone()[0]
    cursor.execute("SELECT pg_backend_pid()")
    pid = cursor.fetchone()[0]
    raw.rollback()

    def measured(action) -> tuple[float, float]:
        cpu, wall = backend_cpu(pid), time.perf_counter()
        action()
        return backend_cpu(pid) - cpu, time.perf_counter() - wall

    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"{'table':<26} {'rows':>8} {'experiment':<44} {'backend CPU':>11} {'wall':>7}")
    for table, (columns, select, indexes) in TABLES.items():
        data = io.BytesIO()
        with cursor.copy(f"COPY ({select % {'store': store}}) TO STDOUT") as copy:  # noqa: S608
            for block in copy:
                data.write(block)
        raw.rollback()
        payload = data.getvalue()
        rows = payload.count(b"\n")

        def copy_into(target: str, payload=payload, columns=columns) -> None:
            with cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
                copy.write(payload)

        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        present = {name for (name,) in cursor.fetchall()}
        raw.rollback()
        experiments = [("COPY, table as migrated", table, None)]
        experiments += [(f"COPY, without {index}", table, index) for index in indexes if index in present]
        experiments.append(("COPY, copy of the table without foreign keys", "bench_no_fk", None))
        for name, target, dropped in experiments:
            best = None
            checks = None
            for _ in range(args.repeat):
                if target == "bench_no_fk":
                    # A real table (a temporary one skips the WAL), created in the rolled-back transaction.
                    cursor.execute(f"CREATE TABLE bench_no_fk (LIKE {table} INCLUDING ALL)")
                if dropped:
                    cursor.execute(f'DROP INDEX "{dropped}"')
                spent = measured(lambda target=target: copy_into(target))
                fired = measured(lambda: cursor.execute("SET CONSTRAINTS ALL IMMEDIATE"))
                raw.rollback()
                if best is None or spent[0] < best[0]:
                    best, checks = spent, fired
            print(f"{table:<26} {rows:>8,} {name:<44} {best[0]:>10.2f}s {best[1]:>6.2f}s")
            if target == table and dropped is None:
                label = "deferred foreign-key checks (at the commit)"
                print(f"{table:<26} {rows:>8,} {label:<44} {checks[0]:>10.2f}s {checks[1]:>6.2f}s")


if __name__ == "__main__":
    main()
