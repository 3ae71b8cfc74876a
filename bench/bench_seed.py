"""Time `manage.py seed_demo` (3,000 customers for SZ01 and 600 for GZ01) on a fresh SQLite database.

.venv/bin/python bench/bench_seed.py [--customers 3000]
"""

import argparse

from common import OUT, database_label, report, setup_django, timer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=3000)
    args = parser.parse_args()
    for leftover in OUT.glob("seed_demo.sqlite3*"):
        leftover.unlink()
    url = setup_django(default_db="seed_demo.sqlite3")
    from django.core.management import call_command

    with timer() as elapsed:
        call_command("seed_demo", "--customers", str(args.customers))
    print(f"seed_demo --customers {args.customers} on {url}: {elapsed():.1f} s")
    report("seed_demo", elapsed(), database=database_label(), customers=args.customers)


if __name__ == "__main__":
    main()
