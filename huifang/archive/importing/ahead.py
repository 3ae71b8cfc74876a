"""Reading and parsing a DMS file in a second thread while the import's own thread waits on the database.

A batch is parse -> resolve (queries) -> compare -> write (COPY); done in one thread the wall time is the
Python time plus the database's. The rows' reading and parsing touch neither the database nor the import's
scratch file, so a reader thread runs them ahead, a bounded number of rows at a time, and hands them over in
chunks; the import's thread takes them as before. psycopg and sqlite3 let go of the GIL while they wait for
the database, and the reader parses then.

A thread waiting for the GIL gets it only after the running one has held it for the switch interval (5 ms by
default): every time the import's thread comes back from the database it would wait that long behind the
reader. `quick_handover` shortens the interval for the import and puts the process's value back after.
"""

import queue
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Generic, TypeVar

Item = TypeVar("Item")

# Rows handed over at a time: one queue operation per chunk, not per row.
CHUNK_ROWS = 500
# Chunks read ahead at most: about one batch of parsed rows (streaming.BATCH_ROWS), so memory stays bounded.
AHEAD_CHUNKS = 20
# GIL switch interval during an import (CPython's default is 0.005 s); see bench/README.md for the measurement.
IMPORT_SWITCH_INTERVAL = 0.0005
# How often a reader blocked on a full queue looks whether it was told to stop.
_POLL_SECONDS = 0.1


@contextmanager
def quick_handover(interval: float = IMPORT_SWITCH_INTERVAL) -> Iterator[None]:
    """Run the block with a short GIL switch interval; the previous one is restored however the block ends."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, before))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


class _Failed:
    """The reader's exception, carried to the consumer, which raises it as its own."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


_DONE = object()


class ReadAhead(Generic[Item]):
    """Iterates `source` in a reader thread; iterating the ReadAhead gives the same items in the same order.

    An exception raised by `source` is raised by the consumer's iteration at the same position. Use it as a
    context manager: leaving the block (normally, on an exception, or by closing the consuming generator)
    stops the reader, closes `source` in the reader's thread and waits for the thread to end, so nothing runs
    behind the caller's back afterwards.
    """

    def __init__(self, source: Iterator[Item], *, chunk_rows: int = CHUNK_ROWS, ahead_chunks: int = AHEAD_CHUNKS):
        self.source = source
        self.chunk_rows = max(1, chunk_rows)
        self.queue: queue.Queue = queue.Queue(maxsize=max(1, ahead_chunks))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, name="import-read-ahead", daemon=True)

    def __enter__(self) -> "ReadAhead[Item]":
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self.stop.set()
        while self.thread.is_alive():
            # Make room, so a reader blocked on a full queue notices the stop at once.
            with suppress(queue.Empty):
                self.queue.get_nowait()
            self.thread.join(_POLL_SECONDS)

    def __iter__(self) -> Iterator[Item]:
        while True:
            chunk = self.queue.get()
            if chunk is _DONE:
                return
            if type(chunk) is _Failed:
                raise chunk.error
            yield from chunk

    # -- the reader thread

    def _read(self) -> None:
        chunk: list[Item] = []
        try:
            for item in self.source:
                chunk.append(item)
                if len(chunk) >= self.chunk_rows:
                    if not self._put(chunk):
                        return
                    chunk = []
            if chunk and not self._put(chunk):
                return
            self._put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            # The items read before the failure first, so the consumer meets it where it happened.
            if not chunk or self._put(chunk):
                self._put(_Failed(exc))
        finally:
            close = getattr(self.source, "close", None)
            if close is not None:
                close()  # a generator's finally (the file handle) runs here, in the thread that ran it

    def _put(self, item) -> bool:
        """Queue the item, waiting for room; False when the consumer has stopped reading."""
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False


def read_ahead(source: Iterator[Item], **options) -> ReadAhead[Item]:
    """`with read_ahead(rows) as ahead: for row in ahead: …` (see ReadAhead)."""
    return ReadAhead(source, **options)
