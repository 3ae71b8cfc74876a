"""A DMS import streamed through fixed batches of rows: memory holds one batch, never the file (issue 16 §1).

The file is read once. Every `batch_rows` rows (cut only between two repair orders, so an order's lines stay
together) the batch is grouped, checked, resolved against the archive and written, set-based, inside the
import's one transaction. The archive itself is the dedup store across batches: a customer or vehicle written
by batch 1 is simply "existing" for batch 7, which updates it only if the file says something new.

What must be remembered across batches is kept off the Python heap, in a private on-disk SQLite file
(`Scratch`, deleted when the import ends): the repair orders already written (an order that comes back after a
gap, in a file not sorted by order, restarts the import in "sorted" mode: every parsed row is staged there and
read back order by order), which records were counted created/updated/unchanged (so a customer on 40 batches
counts once), and the per-row report until it is saved with the batch.
"""

import pickle
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import closing
from pathlib import Path

from django.core.cache import cache
from django.db import connection, connections, transaction

from huifang.core import clock

from .. import search_keys
from ..erased import erased_digests
from ..models import ImportBatch
from .collector import fewer_collections
from .limits import ImportLimits
from .reader import HIDDEN_ROW_REASON as HIDDEN_ROW_REASON  # noqa: F401 - imported from here elsewhere
from .reader import Encoding, FileReading, Hint, Ignored, ReaderProcess, SheetReport, reads_apart, unflat
from .run import (
    ENTITY_COUNTS,
    HEARTBEAT_EVERY_SECONDS,
    PROGRESS_EVERY,
    REFRESH_WHOLE_STORE_ABOVE,
    ImportRun,
    ParsedRow,
    Progress,
    Reject,
)
from .writing import import_write, vehicle_figures_after_import

# Rows per batch: large enough that the per-batch queries are few (about 50 at 500,000 rows), small enough
# that a batch's parsed rows stay a few tens of MB.
BATCH_ROWS = 10_000
SQLITE_VARIABLES = 900
PROGRESS_SECONDS = 1.0
STAGE_EVERY = 2_000


class ScatteredOrder(Exception):
    """An order's rows came back after other orders had been written: the file must be read order by order."""


def _chunks(items: list, size: int = SQLITE_VARIABLES) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Scratch:
    """What one import remembers across batches, in a private SQLite file on disk (removed on close)."""

    def __init__(self) -> None:
        # "" is SQLite's private temporary database: on disk, deleted when the connection closes.
        self.db = sqlite3.connect("", isolation_level=None)
        self.db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE closed_order (number TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TABLE seen (entity TEXT, pk INTEGER, outcome TEXT, PRIMARY KEY (entity, pk)) WITHOUT ROWID;
            CREATE TABLE report (
                seq INTEGER PRIMARY KEY, sheet TEXT, row INTEGER, severity TEXT, field TEXT, value TEXT, reason TEXT
            );
            CREATE TABLE staged (idx INTEGER PRIMARY KEY, number TEXT, parsed BLOB);
            CREATE INDEX staged_number ON staged (number);
            """
        )

    def close(self) -> None:
        self.db.close()

    def clear(self) -> None:
        for table in ("closed_order", "seen", "report", "staged"):
            self.db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names

    # -- orders written so far

    def any_closed(self, numbers: list[str]) -> bool:
        for chunk in _chunks(numbers):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT 1 FROM closed_order WHERE number IN ({marks}) LIMIT 1"  # noqa: S608
            if self.db.execute(sql, chunk).fetchone():
                return True
        return False

    def close_orders(self, numbers: list[str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO closed_order VALUES (?)", ((n,) for n in numbers))

    # -- counting each record once

    def settle(self, outcomes: list[tuple[str, int, str]]) -> dict[str, dict[str, int]]:
        """Count deltas for this batch's (entity, id, outcome): a record counted by an earlier batch is not
        counted again, except that "unchanged" becomes "updated" when a later batch changes it."""
        deltas = {e: {"created": 0, "updated": 0, "unchanged": 0} for e in ENTITY_COUNTS}
        by_entity: dict[str, list[tuple[int, str]]] = {}
        for entity, pk, outcome in outcomes:
            by_entity.setdefault(entity, []).append((pk, outcome))
        for entity, items in by_entity.items():
            before: dict[int, str] = {}
            for chunk in _chunks([pk for pk, _ in items]):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT pk, outcome FROM seen WHERE entity = ? AND pk IN ({marks})"  # noqa: S608
                before.update(self.db.execute(sql, [entity, *chunk]).fetchall())
            writes = []
            for pk, outcome in items:
                previous = before.get(pk)
                if previous is None:
                    deltas[entity][outcome] += 1
                elif previous == "unchanged" and outcome == "updated":
                    deltas[entity]["unchanged"] -= 1
                    deltas[entity]["updated"] += 1
                else:
                    continue
                before[pk] = outcome
                writes.append((entity, pk, outcome))
            self.db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?, ?)", writes)
        return deltas

    # -- the per-row report

    def add_report(self, lines: list[Reject]) -> None:
        self.db.executemany(
            "INSERT INTO report (sheet, row, severity, field, value, reason) VALUES (?, ?, ?, ?, ?, ?)",
            ((r.sheet, r.row, r.severity, r.field, r.value, r.reason) for r in lines),
        )

    def report_lines(self) -> Iterator[Reject]:
        """The whole report in (sheet, row) order; lines of one row in the order they were found."""
        cursor = self.db.execute(
            "SELECT sheet, row, field, value, reason, severity FROM report ORDER BY sheet, row, seq"
        )
        for sheet, row, field, value, reason, severity in cursor:
            yield Reject(sheet, row, field, value, reason, severity)

    # -- rows staged for the sorted mode

    def stage(self, rows: list[tuple[int, str | None, ParsedRow]]) -> None:
        self.db.executemany(
            "INSERT INTO staged VALUES (?, ?, ?)",
            ((idx, number, pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL)) for idx, number, parsed in rows),
        )

    def staged_by_order(self) -> Iterator[ParsedRow]:
        """The staged rows, each order's rows together where its first row stood, otherwise in file order."""
        cursor = self.db.execute(
            """
            SELECT s.parsed FROM staged s
            LEFT JOIN (SELECT number, MIN(idx) AS first FROM staged WHERE number IS NOT NULL GROUP BY number) f
                ON f.number = s.number
            ORDER BY COALESCE(f.first, s.idx), s.idx
            """
        )
        for (blob,) in cursor:
            yield pickle.loads(blob)  # noqa: S301 - written by this process a moment ago


class ImportStream:
    """One import of one file into one store, batch by batch; call `run()` inside the import's transaction."""

    def __init__(
        self,
        *,
        batch: ImportBatch,
        path: Path,
        saved_mapping: dict | None,
        progress: Progress | None,
        limits: ImportLimits | None = None,
        batch_rows: int = BATCH_ROWS,
    ):
        self.batch = batch
        self.store = batch.store
        self.path = Path(path)
        self.saved_mapping = saved_mapping
        self.progress_callback = progress
        self.limits = limits or ImportLimits()
        self.batch_rows = max(1, batch_rows)
        self.now = clock.now()
        self.scratch = Scratch()
        # The search keys a reader process sent, for this import only (set while `run()` runs).
        self.known_keys: search_keys.KnownKeys | None = None
        self.sorted_mode = False
        self._heartbeat = time.monotonic()
        self._beat_connection = None
        self._shown, self._shown_at = "", 0.0
        self._reset()

    def _reset(self) -> None:
        self.rows_total = 0
        self.rows_rejected = 0
        self.rows_warned = 0
        self.rows_skipped = 0
        self.counts = {e: {"created": 0, "updated": 0, "unchanged": 0} for e in ENTITY_COUNTS}
        self.ignored_columns: list[str] = []
        self.encoding = ""
        self.hint = 0
        self.batches = 0
        # Vehicles whose figures need a refresh; None once there are too many to list (the whole store then).
        self.touched: set[int] | None = set()

    # -- progress and heartbeat --------------------------------------------------------------------

    def progress(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        """Progress of the whole file (a batch's own steps are shown as the rows done so far)."""
        done, total = self.rows_total, max(self.hint, self.rows_total)
        now = time.monotonic()
        if phase != self._shown or now - self._shown_at >= PROGRESS_SECONDS:
            # A file cache writes a file per set: at most once a second, and at each change of phase.
            cache.set(f"import-progress:{self.batch.pk}", {"phase": phase, "done": done, "total": total}, 3600)
            self._shown, self._shown_at = phase, now
        if now - self._heartbeat >= HEARTBEAT_EVERY_SECONDS:
            self._beat()
        if self.progress_callback is not None:
            self.progress_callback(phase, done, total)

    def _beat(self) -> None:
        """Tell import_batches_reap the import is alive. Inside the import's transaction the update must come from
        a second connection (PostgreSQL); SQLite holds one writer at a time, so there it waits for the commit."""
        self._heartbeat = time.monotonic()
        if not connection.in_atomic_block:
            ImportBatch.objects.filter(pk=self.batch.pk).update(heartbeat_at=clock.now())
            return
        if connection.vendor != "postgresql":
            return
        if self._beat_connection is None:
            self._beat_connection = connections.create_connection(connection.alias)
            self._beat_connection.settings_dict = dict(connection.settings_dict)
        with self._beat_connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportBatch._meta.db_table} SET heartbeat_at = %s WHERE id = %s",  # noqa: S608
                [clock.now(), self.batch.pk],
            )

    def close(self) -> None:
        self.known_keys = None
        self.scratch.close()
        if self._beat_connection is not None:
            self._beat_connection.close()
            self._beat_connection = None

    # -- the passes --------------------------------------------------------------------------------

    def run(self) -> None:
        """Import the file; a dry run writes the same way and rolls its writes back (so its counts are exact)."""
        self.erased = frozenset(erased_digests(store_id=self.store.pk))
        # Any exception leaves through the caller's transaction, which rolls everything back.
        savepoint = transaction.savepoint()
        with fewer_collections(), search_keys.known_keys() as self.known_keys:
            savepoint = self._import_file(savepoint)
        self.known_keys = None
        vehicle_figures_after_import(store=self.store, now=self.now, touched=self.touched)
        if self.batch.dry_run:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)

    def _import_file(self, savepoint):
        """Every batch of the file, in file order or (for a file whose orders are scattered) order by order;
        returns the savepoint the batches wrote under."""
        try:
            with closing(self._rows_in_file_order()) as rows:
                self._batches(rows)
        except ScatteredOrder:
            # Undo what the batches wrote and read the file again, order by order.
            transaction.savepoint_rollback(savepoint)
            savepoint = transaction.savepoint()
            self.scratch.clear()
            self._reset()
            self.sorted_mode = True
            self._stage_file()
            self._batches(self.scratch.staged_by_order())
        return savepoint

    def _rows_in_file_order(self) -> Iterator[ParsedRow]:
        """The file's parsed rows in file order, read here or (a large file) in a reader process (importing.reader);
        what the reading learns on the way (hint, ignored columns, skipped sheets, encoding) is kept on self."""
        job = {
            "path": self.path,
            "saved_mapping": self.saved_mapping,
            "limits": self.limits,
            "time_zone": self.store.time_zone,
        }
        if reads_apart(self.path):
            yield from self._rows_read_apart(job)
            return
        reading = FileReading(**job)
        try:
            for event in reading.events():
                if type(event) is ParsedRow:
                    self.rows_total += 1
                    yield event
                    if self.rows_total % PROGRESS_EVERY == 0:
                        self.progress("read")
                else:
                    self._learn(event)
        except Exception:
            self.rows_total = reading.rows
            raise

    def _rows_read_apart(self, job: dict) -> Iterator[ParsedRow]:
        reader = ReaderProcess(job)
        try:
            for message in reader.messages():
                kind = message[0]
                if kind == "rows":
                    for parsed in unflat(message[1]):
                        self.rows_total += 1
                        yield parsed
                        if self.rows_total % PROGRESS_EVERY == 0:
                            self.progress("read")
                elif kind == "keys":
                    if self.known_keys is not None:
                        self.known_keys.learn(message[1], message[2])
                elif kind == "event":
                    self._learn(message[1])
                elif kind == "error":
                    self.rows_total = message[2]
                    raise message[1]
        finally:
            reader.stop()

    def _learn(self, event) -> None:
        if type(event) is Hint:
            self.hint = event.rows
        elif type(event) is Ignored:
            self.ignored_columns.extend(h for h in event.headers if h not in self.ignored_columns)
        elif type(event) is SheetReport:
            self.scratch.add_report([event.line])
        elif type(event) is Encoding:
            self.encoding = event.label

    def _stage_file(self) -> None:
        staged: list[tuple[int, str | None, ParsedRow]] = []
        with closing(self._rows_in_file_order()) as rows:
            for parsed in rows:
                number = parsed.row.ro_number if parsed.row is not None else None
                staged.append((self.rows_total, number, parsed))
                if len(staged) >= STAGE_EVERY:
                    self.scratch.stage(staged)
                    staged = []
        self.scratch.stage(staged)

    def _batches(self, rows: Iterable[ParsedRow]) -> None:
        """Cut the rows into batches of about `batch_rows`, never inside a repair order, and import each."""
        current: list[ParsedRow] = []
        last_number = None
        for parsed in rows:
            number = parsed.row.ro_number if parsed.row is not None else None
            if len(current) >= self.batch_rows and (number is None or number != last_number):
                self._import_batch(current)
                current = []
            current.append(parsed)
            last_number = number
        if current or self.batches == 0:
            self._import_batch(current)
        self.progress("write")

    def _import_batch(self, rows: list[ParsedRow]) -> None:
        run = ImportRun(batch=self.batch, report=self.progress, now=self.now, erased=self.erased)
        for parsed in rows:
            run.add(parsed)
        numbers = sorted({row.ro_number for row in run.rows if row.ro_number})
        if not self.sorted_mode and self.scratch.any_closed(numbers):
            raise ScatteredOrder
        self.progress("validate")
        orders = run.group_orders()
        run.resolve(orders)
        run.compare()
        touched = import_write(run)
        self.scratch.close_orders(numbers)
        self.batches += 1
        if self.touched is not None:
            self.touched |= touched
            if len(self.touched) > REFRESH_WHOLE_STORE_ABOVE:
                self.touched = None
        for entity in ("repair_order", "line"):
            for outcome, n in run.plan.counts[entity].items():
                self.counts[entity][outcome] += n
        for entity, outcomes in self.scratch.settle(run.outcome_ids()).items():
            for outcome, n in outcomes.items():
                self.counts[entity][outcome] += n
        self.scratch.add_report(run.report_lines())
        self.rows_rejected += len(run.rejected)
        self.rows_warned += run.rows_warned
        self.rows_skipped += len(run.skipped)

    def report_lines(self) -> Iterator[Reject]:
        return self.scratch.report_lines()
