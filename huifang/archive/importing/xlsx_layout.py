"""What openpyxl's read-only reader does not tell about an XLSX sheet: merged ranges and hidden rows.

A DMS report (or a person tidying it in Excel) often merges an order's cells vertically over its line rows;
Excel keeps the value in the range's top-left cell only, so every later line row would look like a row
without an order. A merged range's value applies to every cell of the range, as the user sees it.

Hidden rows (a filter, or a DMS hiding rows for layout) are imported like the others and each is listed
in the report as a warning (docs/import.md, "Hidden rows").

The sheet's XML is scanned once, streaming, before the rows are read: `<mergeCell>` refs sit after the sheet
data, so they cannot be met on the way. What the scan finds goes to a private on-disk SQLite file (deleted
when the rows are read), not the Python heap: a 250,000-order export merged over 11 order columns has
2.75 million ranges. The rows then consult it in order, with one cursor each.
"""

import re
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_CHUNK = 1024 * 1024
# A tag longer than this is not a row or mergeCell tag we can use; the scan drops it rather than grow.
_MAX_CARRY = 64 * 1024
_INSERT_EVERY = 10_000
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|mergeCell)\b([^>]*)>")
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["'](\d+)["']""")
_HIDDEN = re.compile(rb"""\bhidden\s*=\s*["'](?:1|true)["']""")
_REF = re.compile(rb"""\bref\s*=\s*["']\$?([A-Za-z]{1,3})\$?(\d+)(?::\$?([A-Za-z]{1,3})\$?(\d+))?["']""")


def column_index(letters: bytes | str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27 (Excel column letters)."""
    text = letters.decode() if isinstance(letters, bytes) else letters
    number = 0
    for char in text.upper():
        number = number * 26 + (ord(char) - 64)
    return number


class SheetLayout:
    """Merged ranges and hidden rows of one sheet, read back in row order while the sheet's rows stream."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("", isolation_level=None)
        self.db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE merge (min_row INTEGER, min_col INTEGER, max_row INTEGER, max_col INTEGER);
            CREATE TABLE hidden (row INTEGER PRIMARY KEY);
            """
        )
        self.merges = 0
        self.hidden = 0
        self._pending_merge: tuple[int, int, int, int] | None = None
        self._merge_rows: Iterator[tuple[int, int, int, int]] | None = None
        self._active: list[list[Any]] = []  # [max_row, min_col, max_col, value]
        self._hidden_rows: Iterator[tuple[int]] | None = None
        self._next_hidden: int | None = None

    def close(self) -> None:
        self.db.close()

    # -- filled by the scan

    def add(self, merges: list[tuple[int, int, int, int]], hidden: list[int]) -> None:
        if merges:
            self.db.executemany("INSERT INTO merge VALUES (?, ?, ?, ?)", merges)
            self.merges += len(merges)
        if hidden:
            self.db.executemany("INSERT OR IGNORE INTO hidden VALUES (?)", ((r,) for r in hidden))
            self.hidden += len(hidden)

    def start(self) -> None:
        """Open the read-back cursors (after the scan)."""
        if self.merges:
            self._merge_rows = iter(
                self.db.execute("SELECT min_row, min_col, max_row, max_col FROM merge ORDER BY min_row, min_col")
            )
            self._pending_merge = next(self._merge_rows, None)
        if self.hidden:
            self._hidden_rows = iter(self.db.cursor().execute("SELECT row FROM hidden ORDER BY row"))
            first = next(self._hidden_rows, None)
            self._next_hidden = first[0] if first else None

    # -- read back, rows in increasing order

    def fill(self, number: int, cells: list[Any]) -> list[Any]:
        """The row's cells with every merged range over it holding the range's top-left value."""
        while self._pending_merge is not None and self._pending_merge[0] <= number:
            min_row, min_col, max_row, max_col = self._pending_merge
            self._pending_merge = next(self._merge_rows, None)  # type: ignore[arg-type]
            if min_row < number:
                continue  # its top row was before the rows read (cannot happen when rows start at 1)
            value = cells[min_col - 1] if min_col - 1 < len(cells) else None
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            self._active.append([max_row, min_col, max_col, value])
        if not self._active:
            return cells
        for _max_row, min_col, max_col, value in self._active:
            if len(cells) < max_col:
                cells = [*cells, *([None] * (max_col - len(cells)))]
            for position in range(min_col - 1, max_col):
                cells[position] = value
        self._active = [a for a in self._active if a[0] > number]
        return cells

    def is_hidden(self, number: int) -> bool:
        """True when the row is hidden in the sheet; ask in increasing row order."""
        while self._next_hidden is not None and self._next_hidden < number:
            try:
                following = next(self._hidden_rows, None)  # type: ignore[arg-type]
            except sqlite3.ProgrammingError:  # asked after the rows were read and the file closed
                following = None
            self._next_hidden = following[0] if following else None
        return self._next_hidden == number


class HiddenRows:
    """`number in sheet.hidden_rows`: asked in increasing row order as the rows stream."""

    def __init__(self, layout: SheetLayout | None = None):
        self.layout = layout

    def __contains__(self, number: object) -> bool:
        return self.layout is not None and isinstance(number, int) and self.layout.is_hidden(number)

    def __bool__(self) -> bool:
        return self.layout is not None and self.layout.hidden > 0


def scan_sheet(path: Path, member: str, *, max_columns: int) -> SheetLayout | None:
    """Merged ranges and hidden rows of one worksheet's XML, streaming; None when it has neither.

    Merged ranges wider than the column limit are cut at it (the row limit check refuses such a row anyway).
    """
    layout: SheetLayout | None = None
    merges: list[tuple[int, int, int, int]] = []
    hidden: list[int] = []
    row_counter = 0
    with zipfile.ZipFile(path) as archive:
        name = member.lstrip("/")
        if name not in archive.NameToInfo:
            return None
        with archive.open(name) as handle:
            carry = b""
            while True:
                chunk = handle.read(_CHUNK)
                data = carry + chunk
                if not chunk:
                    end = len(data)
                else:
                    end = data.rfind(b"<")
                    if end < 0:
                        end = len(data)
                for match in _TAG.finditer(data, 0, end):
                    kind, attrs = match.group(1), match.group(2)
                    if kind == b"row":
                        number = _ROW_NUMBER.search(attrs)
                        row_counter = int(number.group(1)) if number else row_counter + 1
                        if b"hidden" in attrs and _HIDDEN.search(attrs):
                            hidden.append(row_counter)
                    else:
                        ref = _REF.search(attrs)
                        if ref is None or ref.group(3) is None:
                            continue
                        rows = sorted((int(ref.group(2)), int(ref.group(4))))
                        cols = sorted((column_index(ref.group(1)), column_index(ref.group(3))))
                        if rows[0] < 1 or cols[0] < 1 or (rows[0] == rows[1] and cols[0] == cols[1]):
                            continue
                        merges.append((rows[0], cols[0], rows[1], min(cols[1], max_columns + 1)))
                if len(merges) + len(hidden) >= _INSERT_EVERY:
                    layout = layout or SheetLayout()
                    layout.add(merges, hidden)
                    merges, hidden = [], []
                if not chunk:
                    break
                carry = data[end:]
                if len(carry) > _MAX_CARRY:
                    carry = b""
    if merges or hidden:
        layout = layout or SheetLayout()
        layout.add(merges, hidden)
    if layout is not None:
        layout.start()
    return layout
