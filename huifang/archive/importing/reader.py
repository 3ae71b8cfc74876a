"""Reading and parsing a DMS file, in the importing process or in a second one (issue 18 §2).

`FileReading.events()` is the whole reading side of an import: `read_workbook`, each sheet's parser, the
incomplete sheets, the ignored columns, hidden rows, `parse_row`, the encoding label. It yields each row's
`ParsedRow` and, between them, the few facts the import keeps about the file (`Hint`, `Ignored`, `SheetReport`,
`Encoding`). `streaming.ImportStream` applies them the same way wherever they were read.

For a large file the reading runs in a reader process (`read_in_process`), so its Python work does not share
the importing process's GIL: it sends the parsed rows in chunks of about `CHUNK_ROWS` (cut between repair
orders, pickled once per chunk) through a pipe of `PIPE_BYTES`, about one batch: the reader is never more than
about a batch ahead, and memory stays bounded. An exception in the reader is raised in the importing process
unchanged (same type, same message), after the rows read before it. Leaving the iterator early (a database
error, the sorted-mode restart, an interrupt) stops the reader and waits for it: no process is left behind.
The reader never touches the database.

The reader also works out the customers' search keys (issue 18 §2): pinyin and initials of every distinct
customer name, and the national digits of every distinct customer and contact phone number, the slow part of
comparing customers. Before each chunk it sends ("keys", names, digits) with the ones not sent before; the
importing process keeps them for the import (`search_keys.known_keys`), where `name_keys` and `phone_digits`
find them before computing. Same functions, so the same values as computed in the importing process.

Start method: `fork` when the importing process has a single thread (the web process, a management command,
the tests): the reader starts in milliseconds with everything already imported, and ends with `os._exit`
(multiprocessing's fork start), so none of the parent's finalizers (its database connection) run there. The
task worker has a heartbeat thread, and forking a multi-threaded process is unsafe: there the reader is
started with `spawn` (a fresh interpreter that sets Django up, about 2 s of CPU, so only from 32 MB on;
docs/architecture.md).
"""

import contextlib
import fcntl
import multiprocessing
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path
from zoneinfo import ZoneInfo

from .. import search_keys
from ..services import PHONE_FIELDS
from .fields import match_headers
from .limits import ImportLimits
from .parsing import report_text
from .reader_spawn import spawned_reader
from .reading import read_workbook
from .required import MissingColumns, missing_columns, missing_message
from .run import CONTACT_COLUMNS, ParsedRow, Reject, Row, parse_row, sheet_parsers

# Files from this size on are read in a reader process; smaller ones are read in the importing process (a
# process start, and the pickling, cost more than they save). None: never; 0: always (the tests).
READ_APART_FROM_BYTES: int | None = 8 * 1024 * 1024
# A spawned reader first starts Python and sets Django up (about 2 s of CPU): worth it for larger files only.
SPAWNED_FROM_BYTES = 32 * 1024 * 1024
# None: fork when the importing process has one thread, otherwise spawn. The tests force one or the other.
START_METHOD: str | None = None
CHUNK_ROWS = 2_000
# The pipe holds about one batch of rows, pickled (~100 bytes a row): while the importing process writes a
# batch, the reader reads the next one into the pipe (with a pipe of one chunk it would stop after 2,000 rows,
# and the importing process would wait for the rest). Linux's limit for a process without privileges.
PIPE_BYTES = 1024 * 1024
# How long a stopped reader gets to end before it is killed.
STOP_SECONDS = 5.0

# XLSX rows hidden in the sheet (a filter, or rows hidden by hand) are what the user left out: skipped, each
# listed in the report; unhiding them and importing again brings them in (docs/import.md, "Hidden rows").
HIDDEN_ROW_REASON = (
    "该行在 Excel 中被隐藏(筛选或手动隐藏),未导入;取消隐藏后重新导入即可 / hidden row in the sheet (filtered "
    "out or hidden), not imported; unhide it and import again to bring it in"
)


def hidden_row(sheet: str, number: int, cells: list) -> ParsedRow:
    """A row hidden in the sheet: skipped, named in the report by its first filled cell (the RO number, usually)."""
    first = next((c for c in cells if c is not None and str(c).strip()), None)
    return ParsedRow(None, [], [], Reject(sheet, number, "", report_text(first)[:255], HIDDEN_ROW_REASON, "skipped"))


@dataclass(frozen=True, slots=True)
class Hint:
    """The rows the file says it has (for the progress bar), known once the workbook is open."""

    rows: int


@dataclass(frozen=True, slots=True)
class Ignored:
    """A sheet's headers that match no field, met as the sheet starts."""

    headers: list[str]


@dataclass(frozen=True, slots=True)
class SheetReport:
    """A sheet skipped as a whole (a column every row needs is missing): its one report line."""

    line: Reject


@dataclass(frozen=True, slots=True)
class Encoding:
    """The file's encoding label, known once every row has been read."""

    label: str


# A row crosses the pipe as a plain tuple: unpickling a slotted object costs about ten times as much (1.2 s
# against 0.2 s for 50,000 rows), and the importing process's time is what the reader is there to save.
_row_values = attrgetter(*(f.name for f in fields(Row)))


def flat(parsed: ParsedRow) -> tuple:
    row = parsed.row
    return (None if row is None else _row_values(row), parsed.errors, parsed.warnings, parsed.skipped)


def unflat(chunk: list[tuple]) -> list[ParsedRow]:
    return [ParsedRow(None if row is None else Row(*row), e, w, s) for row, e, w, s in chunk]


_CONTACT_PHONES = tuple(phone_attr for _, _, phone_attr, _ in CONTACT_COLUMNS)


class NewKeys:
    """The customer names and phone numbers of the rows read since the last `message()`, not sent before."""

    def __init__(self) -> None:
        self.sent_names: set[str] = set()
        self.sent_numbers: set[str] = set()
        self.names: list[str] = []
        self.numbers: list[str] = []
        # The line rows of one order share their parsed dicts: each is looked at once.
        self.last_customer: dict | None = None
        self.last_contact: dict | None = None

    def add(self, row: Row) -> None:
        customer, contact = row.customer, row.contact
        if customer and customer is not self.last_customer:
            self.last_customer = customer
            name = customer.get("name")
            if name and type(name) is str and name not in self.sent_names:
                self.sent_names.add(name)
                self.names.append(name)
            self._numbers(customer, PHONE_FIELDS)
        if contact and contact is not self.last_contact:
            self.last_contact = contact
            self._numbers(contact, _CONTACT_PHONES)

    def _numbers(self, values: dict, attrs: tuple[str, ...]) -> None:
        for attr in attrs:
            number = values.get(attr)
            if number and type(number) is str and number not in self.sent_numbers:
                self.sent_numbers.add(number)
                self.numbers.append(number)

    def message(self) -> tuple | None:
        """("keys", {name: (pinyin, initials)}, {number: digits}) for the new ones; None when there are none."""
        if not self.names and not self.numbers:
            return None
        names, digits = search_keys.worked_out(self.names, self.numbers)
        self.names, self.numbers = [], []
        return ("keys", names, digits)


class ReaderDied(RuntimeError):
    """The reader process ended without a word (killed, out of memory)."""


class FileReading:
    """The reading side of one import of one file; `rows` counts the data rows met so far."""

    def __init__(self, *, path: Path, saved_mapping: dict | None, limits: ImportLimits, time_zone: str):
        self.path = Path(path)
        self.saved_mapping = saved_mapping
        self.limits = limits
        self.time_zone = time_zone
        self.rows = 0

    def events(self) -> Iterator[object]:
        def looks_like_header(cells: list[str]) -> bool:
            mapping, _ = match_headers(cells, self.saved_mapping)
            return len(mapping) >= 2

        workbook = read_workbook(self.path, looks_like_header, limits=self.limits)
        yield Hint(sum(sheet.rows_total_hint for sheet in workbook.sheets))
        tz = ZoneInfo(self.time_zone)
        incomplete = self._incomplete_sheets(workbook)
        for position, (parser, sheet, unmatched) in enumerate(sheet_parsers(workbook, self.saved_mapping, tz)):
            yield Ignored(list(unmatched))
            if position in incomplete:
                yield SheetReport(Reject(sheet.name, sheet.header_row, "", "", incomplete[position], "skipped"))
                continue
            hidden = sheet.hidden_rows
            for number, cells in sheet.rows:
                self.rows += 1
                if hidden and number in hidden:
                    yield hidden_row(sheet.name, number, cells)
                else:
                    yield parse_row(parser, sheet.name, number, cells)
        yield Encoding(workbook.encoding_label)

    def _incomplete_sheets(self, workbook) -> dict[int, str]:
        """Sheets without a column every row needs (importing.required), by position, with the reason. When no
        sheet is complete the file is refused before any row is read (MissingColumns)."""
        found: dict[int, str] = {}
        first: tuple[list[str], list[str], str] | None = None
        for position, sheet in enumerate(workbook.sheets):
            mapping, unmatched = match_headers(sheet.headers, self.saved_mapping)
            missing = missing_columns(set(mapping.values()))
            if missing:
                name = sheet.name if len(workbook.sheets) > 1 else ""
                found[position] = missing_message(missing, unmatched, name)
                first = first or (missing, unmatched, name)
        if first is not None and len(found) == len(workbook.sheets):
            raise MissingColumns(missing_message(*first))
        return found


def reads_apart(path: Path) -> bool:
    """Whether this file is read in a reader process."""
    if READ_APART_FROM_BYTES is None:
        return False
    if READ_APART_FROM_BYTES > 0 and len(os.sched_getaffinity(0)) < 2:
        return False  # one processor: the reader could only take turns with the import, at a cost
    least = READ_APART_FROM_BYTES if start_method() == "fork" else max(READ_APART_FROM_BYTES, SPAWNED_FROM_BYTES)
    try:
        return path.stat().st_size >= least
    except OSError:
        return False  # read in the importing process, which reports the error as today


def start_method() -> str:
    if START_METHOD is not None:
        return START_METHOD
    return "fork" if threading.active_count() == 1 else "spawn"


# -- the reader process ----------------------------------------------------------------------------


def _sendable(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling (with the reader's traceback as a note), else a
    RuntimeError with its message."""
    exc.add_note("in the DMS reader process:\n" + "".join(traceback.format_exception(exc)).rstrip())
    try:
        multiprocessing.reduction.ForkingPickler.dumps(exc)
    except Exception:
        return RuntimeError(str(exc))
    return exc


def _forked(unused_end, connection, job: dict) -> None:
    """The reader's entry in a forked child: the receiving end is the parent's alone (were the parent to die,
    the reader's next send then fails instead of waiting for ever)."""
    unused_end.close()
    serve(connection, job)


def serve(connection, job: dict) -> None:
    """The reader process: read the file, send ("rows", [ParsedRow…]) chunks, each after the ("keys", names,
    digits) of its new customer names and phones (if any), and the other events in order, then ("end", rows) or
    ("error", exception, rows)."""
    # Interrupts are the importing process's to handle (it stops the reader); a stop is a plain SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    reading = None
    chunk: list = []
    keys = NewKeys()

    def send_rows() -> None:
        message = keys.message()
        if message is not None:
            connection.send(message)
        connection.send(("rows", chunk))

    try:
        reading = FileReading(**job)
        last_number = None
        for event in reading.events():
            if type(event) is ParsedRow:
                row = event.row
                number = row.ro_number if row is not None else None
                if len(chunk) >= CHUNK_ROWS and (number is None or number != last_number):
                    send_rows()
                    chunk = []
                chunk.append(flat(event))
                if row is not None:
                    keys.add(row)
                last_number = number
                continue
            if chunk:
                send_rows()
                chunk = []
            connection.send(("event", event))
        if chunk:
            send_rows()
        connection.send(("end", reading.rows))
    except (BrokenPipeError, ConnectionResetError):
        return  # the importing process has gone: nobody to tell
    except Exception as exc:
        try:
            if chunk:
                send_rows()
            connection.send(("error", _sendable(exc), reading.rows if reading is not None else 0))
        except (BrokenPipeError, ConnectionResetError):
            return
    finally:
        connection.close()


class ReaderProcess:
    """A reader process for one pass over the file; iterate `messages()`, then (or on any exit) `stop()`."""

    def __init__(self, job: dict, method: str | None = None):
        self.method = method or start_method()
        context = multiprocessing.get_context(self.method)
        self.receiving, sending = context.Pipe(duplex=False)
        # Where the pipe cannot grow, the reader runs less far ahead; nothing else changes.
        with contextlib.suppress(OSError):
            fcntl.fcntl(sending.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        if self.method == "fork":
            target, args = _forked, (self.receiving, sending, job)
        else:
            target, args = spawned_reader, (sending, pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        self.process = context.Process(target=target, args=args, name="dms-reader", daemon=True)
        self.process.start()
        # Only the reader holds the sending end: when it ends, the parent's recv() ends too (EOFError).
        sending.close()

    def messages(self) -> Iterator[tuple]:
        while True:
            try:
                message = self.receiving.recv()
            except EOFError:
                self.process.join(STOP_SECONDS)
                raise ReaderDied(
                    f"the DMS reader process ended unexpectedly (exit code {self.process.exitcode})"
                ) from None
            yield message
            if message[0] in ("end", "error"):
                return

    def stop(self) -> None:
        """Stop the reader (if still running) and wait for it; idempotent."""
        self.receiving.close()
        process = self.process
        if process.is_alive():
            process.terminate()
            process.join(STOP_SECONDS)
            if process.is_alive():
                process.kill()
        process.join()
        process.close()
