"""Python's cyclic garbage collector, run less often while an import works through its rows.

An import makes millions of short-lived objects (a list of cells per row, the parsed values, the rows of the
write) and keeps a batch of them alive: with the default thresholds the collector starts every 700 new
objects and each pass walks the live batch again; that was about a sixth of the import's Python CPU (9 of
62 s at 100,000 orders, bench/README.md). Almost nothing an import makes is cyclic (rows, dicts and tuples
are freed by reference counting when their batch goes; the few cycles, such as an exception caught with its
traceback, wait a little longer), so running the youngest generation every 50,000 new objects instead
changes how often the collector looks, not what it frees. The process's thresholds are put back when the
import ends.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# New objects between two collections of the youngest generation during an import (Python's default: 700).
IMPORT_GEN0_THRESHOLD = 50_000


@contextmanager
def fewer_collections(threshold: int = IMPORT_GEN0_THRESHOLD) -> Iterator[None]:
    """Collect the youngest generation every `threshold` new objects inside the block, then restore."""
    before = gc.get_threshold()
    gc.set_threshold(max(threshold, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
