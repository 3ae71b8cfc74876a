"""Reading an XLSX with merged order cells: the layout scan (importing/xlsx_layout.py) beside the read without it.

    python bench/make_xlsx_layout.py 100000 merged /tmp/big.xlsx
    DJANGO_SETTINGS_MODULE=huifang.settings PYTHONPATH=. python bench/bench_xlsx_layout.py /tmp/big.xlsx

The baseline is the same read with `scan_sheet` patched to find nothing (what the import did before): it sees
the order number on one row of two; with the scan, on every row. Prints both times, their ratio, and the scan
alone.
"""

import resource
import sys
import time
from pathlib import Path

import django

django.setup()

import huifang.archive.importing.reading as reading  # noqa: E402
from huifang.archive.importing.xlsx_layout import scan_sheet  # noqa: E402

path = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/big.xlsx")


def read_all() -> tuple[int, int]:
    book = reading.read_workbook(path, lambda cells: bool(cells) and cells[0] == "col1")
    rows = filled = 0
    for _, cells in book.sheets[0].rows:
        rows += 1
        filled += cells[0] is not None
    return rows, filled


times = {}
for label, patch in (("baseline (no scan)", lambda *a, **k: None), ("with layout scan", scan_sheet)):
    reading.scan_sheet = patch
    start = time.perf_counter()
    rows, filled = read_all()
    times[label] = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label}: rows={rows} rows_with_RO={filled} {times[label]:.2f}s maxrss_so_far={rss:.0f}MB")
print(f"ratio with/without = {times['with layout scan'] / times['baseline (no scan)']:.2f}")
start = time.perf_counter()
layout = scan_sheet(path, "xl/worksheets/sheet1.xml", max_columns=200)
print(f"scan alone {time.perf_counter() - start:.2f}s, merges={layout.merges if layout else 0}")
