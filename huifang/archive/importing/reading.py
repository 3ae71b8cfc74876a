"""Reading a DMS export: CSV in whatever encoding and delimiter the DMS chose, or XLSX with one or more sheets.

A reader yields sheets; a sheet has its header texts and an iterator of (row number, cells), where the row
number is the one the user sees in Excel (the header is row 1). Everything streams: a CSV is decoded line
by line (each line as UTF-8, else GB18030, so a file that mixes both still reads), an XLSX is checked from
its zip directory before it is opened and then read with openpyxl's read-only reader. The store's import
limits (importing.limits) are checked as rows arrive, before memory grows.
"""

import codecs
import csv
import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from .fields import is_contact_group
from .limits import ImportLimits, LimitExceeded
from .xlsx_layout import HiddenRows, SheetLayout, scan_sheet

CSV_DELIMITERS = ",\t;"
# How many leading rows may precede the header (a title line, a blank line) before we give up on a sheet.
HEADER_SEARCH_ROWS = 10
_SNIFF_BYTES = 1024 * 1024
# Bytes of whole lines decoded at once (see _LineDecoder).
DECODE_BLOCK_BYTES = 256 * 1024
# Members of an XLSX smaller than this are not judged by their compression ratio (tiny XML compresses oddly).
RATIO_CHECK_ABOVE_BYTES = 1024 * 1024


class UnreadableFile(ValueError):
    """The file cannot be read at all (wrong type, broken, unknown encoding); the message says why."""


@dataclass
class Sheet:
    name: str
    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Any]]]
    rows_total_hint: int = 0
    # XLSX rows hidden in the sheet (`number in sheet.hidden_rows`, asked in row order); always empty for a CSV.
    hidden_rows: HiddenRows = field(default_factory=HiddenRows)


@dataclass
class Workbook:
    kind: str  # csv or xlsx
    encoding: str
    sheets: list[Sheet]
    codecs_used: set[str] = field(default_factory=set)
    family: str = ""

    @property
    def encoding_label(self) -> str:
        """The encoding as shown on the batch: 'UTF-8', or 'UTF-8 + GB18030' for a file that mixes both
        ('?' when some line could be read in neither)."""
        extra = sorted(self.codecs_used - {self.family or self.encoding})
        return " + ".join([self.encoding, *extra])[:20]


def detect_encoding(data: bytes) -> tuple[str, str]:
    """(codec to decode with, label to show): UTF-8 with or without BOM first, then GB18030 (GBK's superset)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8-BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    try:
        data.decode("utf-8")
        return "utf-8", "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gbk")
        return "gbk", "GBK"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030", "GB18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[: 1024 * 1024]).best()
    if best is None:
        raise UnreadableFile("无法识别文件编码 / cannot tell the file's text encoding")
    return best.encoding, best.encoding.upper()


def sniff_delimiter(sample: str) -> str:
    """Comma, tab or semicolon: whichever splits the most of the first records into the same number of columns.

    Records are split as the CSV reader will split them, quotes respected, so a remark full of semicolons
    inside a comma export does not make the semicolon win. A title line above the header ("某某4S店 工单导出")
    has no delimiter and does not count against any.
    """
    complete = sample if sample.endswith(("\n", "\r")) else sample[: max(sample.rfind("\n"), 0)]
    best, best_score = ",", (0, 0)
    for delimiter in CSV_DELIMITERS:
        records = [r for r in _sample_records(complete or sample, delimiter) if any(r)][:30]
        counts = [len(record) - 1 for record in records]
        nonzero = [c for c in counts if c]
        if not nonzero:
            continue
        usual = Counter(nonzero).most_common(1)[0][0]
        score = (sum(1 for c in counts if c == usual), usual)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _sample_records(sample: str, delimiter: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
    except csv.Error:  # a stray carriage return: the reader will say which row; here split the lines plainly
        return [line.split(delimiter) for line in sample.splitlines()]


def _is_blank(cells: list[Any]) -> bool:
    if cells and type(cells[0]) is str and cells[0].strip():
        return False  # the common row: its first cell is filled
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _group_headers(group_cells: list[Any], headers: list[str]) -> list[str]:
    """Headers under a merged group row ('联系人' over '姓名' and '电话'): a contact group names its columns
    ('联系人 姓名'), so they are not mistaken for the customer's own name and phone. A merged cell holds its
    text only in its first column, so the group runs on until the next group cell."""
    composed = list(headers)
    group = ""
    for position, header in enumerate(headers):
        cell = group_cells[position] if position < len(group_cells) else None
        if cell is not None and str(cell).strip():
            group = str(cell).strip()
        if group and header and is_contact_group(group) and not header.startswith(group):
            composed[position] = f"{group} {header}"
    return composed


def _split_header(rows: Iterator[tuple[int, list[Any]]], looks_like_header) -> tuple[int, list[str]] | None:
    """The first row (within HEADER_SEARCH_ROWS) that looks like a header row, its groups folded in."""
    previous: tuple[int, list[Any]] | None = None
    for _ in range(HEADER_SEARCH_ROWS):
        try:
            number, cells = next(rows)
        except StopIteration:
            return None
        if _is_blank(cells):
            previous = None
            continue
        headers = ["" if c is None else str(c).strip() for c in cells]
        if looks_like_header(headers):
            if previous is not None and previous[0] == number - 1:
                headers = _group_headers(previous[1], headers)
            return number, headers
        previous = (number, cells)
    return None


def _limited(
    rows: Iterator[tuple[int, list[Any]]], limits: ImportLimits, *, check_cells: bool
) -> Iterator[tuple[int, list[Any]]]:
    """Rows as they stream, stopped at the row, column and cell-length limits (LimitExceeded)."""
    for count, (number, cells) in enumerate(rows, start=1):
        if count > limits.max_rows + HEADER_SEARCH_ROWS:
            raise limits.too_many_rows()
        width = len(cells)
        while width and (cells[width - 1] is None or cells[width - 1] == ""):
            width -= 1
        if width > limits.max_columns:
            raise limits.too_many_columns(number, width)
        if width < len(cells):
            cells = cells[:width]
        if check_cells and cells:
            try:
                longest = max(map(len, cells))  # a CSV row: all text, measured in C
            except TypeError:  # an XLSX row holds numbers and dates too
                longest = max((len(cell) for cell in cells if isinstance(cell, str)), default=0)
            if longest > limits.max_cell_chars:
                raise limits.cell_too_long(number)
        yield number, cells


def _data_rows(rows: Iterator[tuple[int, list[Any]]], limits: ImportLimits) -> Iterator[tuple[int, list[Any]]]:
    count = 0
    for number, cells in rows:
        if _is_blank(cells):
            continue
        count += 1
        if count > limits.max_rows:
            raise limits.too_many_rows()
        yield number, cells


class _LineDecoder:
    """Decodes a CSV's lines: each line as UTF-8 first, then GB18030 (self-validating UTF-8 is rarely
    mistaken for GB text, the reverse often is). A line neither can read keeps U+FFFD where its bad bytes
    were, and the cell that holds them is rejected for that row. NUL characters are dropped.

    The file is read a block of whole lines at a time. A block that is valid UTF-8 throughout is decoded in one
    call: each of its lines, cut at a newline byte (never inside a UTF-8 character), decodes to the same text
    on its own, so the outcome is the per-line rule's. A block with any other bytes, or with a line longer than
    the limit, goes line by line as before (the too-long line raising where it stands)."""

    def __init__(self, handle, *, max_line_bytes: int, limits: ImportLimits, block_bytes: int = DECODE_BLOCK_BYTES):
        self.handle = handle
        self.max_line_bytes = max_line_bytes
        self.limits = limits
        self.block_bytes = block_bytes
        self.codecs_used: set[str] = set()

    def __iter__(self) -> Iterator[str]:
        pending = b""
        first = True
        while True:
            chunk = self.handle.read(self.block_bytes)
            block = pending + chunk
            if not block:
                return
            cut = block.rfind(b"\n") + 1 if chunk else len(block)
            if not cut:
                if len(block) > self.max_line_bytes:
                    raise self.limits.cell_too_long()
                pending = block
                continue
            block, pending = block[:cut], block[cut:]
            if first:
                first = False
                if block.startswith(codecs.BOM_UTF8):
                    block = block[len(codecs.BOM_UTF8) :]
                    if not block:  # the whole file is a BOM: one empty line, as a line reader sees it
                        yield ""
            yield from self._lines(block)
            if not chunk:
                return

    def _lines(self, block: bytes) -> Iterator[str]:
        """The block's lines as text, each with its own line ending."""
        if len(block) <= self.max_line_bytes:
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                if not block.isascii():
                    self.codecs_used.add("UTF-8")
                lines = text.replace("\x00", "").split("\n")
                last = lines.pop()  # "" after the block's final newline; the file's last line when it has none
                yield from map(str.__add__, lines, repeat("\n"))
                if last:
                    yield last
                return
        for raw in io.BytesIO(block):
            if len(raw) > self.max_line_bytes:
                raise self.limits.cell_too_long()
            yield self._decode(raw).replace("\x00", "")

    def _decode(self, raw: bytes) -> str:
        for codec, label in (("utf-8", "UTF-8"), ("gb18030", "GB18030")):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if not raw.isascii():
                self.codecs_used.add(label)
            return text
        self.codecs_used.add("?")
        return raw.decode("utf-8", errors="replace")


def _csv_rows(reader, limits: ImportLimits) -> Iterator[tuple[int, list[Any]]]:
    number = 0
    try:
        for cells in reader:
            number += 1
            yield number, cells
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise limits.cell_too_long(number + 1) from None
        raise UnreadableFile(f"CSV 格式错误(第 {number + 1} 行) / broken CSV at row {number + 1}: {exc}") from None


def read_csv(path: Path, looks_like_header, limits: ImportLimits) -> Workbook:
    size = Path(path).stat().st_size
    if size > limits.max_unpacked_bytes:
        raise limits.too_big(size)
    with Path(path).open("rb") as handle:
        sample = handle.read(_SNIFF_BYTES)
    if not sample.strip():
        raise UnreadableFile("文件是空的 / the file is empty")
    is_utf16 = sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not is_utf16 and sample.count(b"\x00") > len(sample) // 10:
        raise UnreadableFile("这不是 CSV 文本文件 / this is not a CSV text file")
    if len(sample) == _SNIFF_BYTES and b"\n" in sample:
        sample = sample[: sample.rindex(b"\n") + 1]
    try:
        codec, label = detect_encoding(sample.replace(b"\x00", b""))
    except UnreadableFile:
        codec, label = "utf-8", "UTF-8"
    handle = Path(path).open("rb")  # noqa: SIM115 - closed by the generator below once the rows are read
    max_line_bytes = limits.max_columns * limits.max_cell_chars * 4 + 1024
    if codec == "utf-16" or codec not in ("utf-8", "utf-8-sig", "gbk", "gb18030"):
        lines: Any = io.TextIOWrapper(handle, encoding=codec, errors="replace", newline="")
        decoder = None
        text_sample = sample.decode(codec, errors="replace")
    else:
        decoder = _LineDecoder(handle, max_line_bytes=max_line_bytes, limits=limits)
        lines = iter(decoder)
        text_sample = sample.decode("utf-8-sig" if codec.startswith("utf-8") else "gb18030", errors="replace")
    delimiter = sniff_delimiter(text_sample.replace("\x00", ""))
    reader = csv.reader(lines, delimiter=delimiter)
    rows = _limited(_csv_rows(reader, limits), limits, check_cells=True)
    found = _split_header(rows, looks_like_header)
    if found is None:
        handle.close()
        raise UnreadableFile("找不到表头行 / no header row with known column names found")
    header_row, headers = found
    # Rows expected, for the progress bar: the file size over the sample's bytes per line.
    hint = int(size * max(text_sample.count("\n"), 1) / max(len(sample), 1)) - header_row
    main_label = {"utf-8-sig": "UTF-8-BOM"}.get(codec, label)

    def closing_rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            yield from _data_rows(rows, limits)
        finally:
            handle.close()

    book = Workbook("csv", main_label, [Sheet("", headers, header_row, closing_rows(), hint)])
    if decoder is not None:
        # Filled as lines are decoded; read `encoding_label` after the rows.
        book.codecs_used = decoder.codecs_used
        book.family = {"UTF-8-BOM": "UTF-8", "GBK": "GB18030"}.get(main_label, main_label)
    return book


def check_zip(path: Path, limits: ImportLimits) -> None:
    """An XLSX is a zip: its directory tells every member's unpacked size before anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(f"无法打开 Excel 文件 / cannot open the Excel file: {exc}") from exc
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked_bytes:
        raise limits.too_big(total)
    for member in members:
        if member.file_size > RATIO_CHECK_ABOVE_BYTES:
            ratio = member.file_size / max(member.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise limits.too_packed(member.filename, ratio)


def _xlsx_rows(worksheet, layout: SheetLayout | None = None) -> Iterator[tuple[int, list[Any]]]:
    """The sheet's rows; a merged range's value in every cell of the range (xlsx_layout)."""
    try:
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            cells = list(values)
            yield number, (cells if layout is None else layout.fill(number, cells))
    finally:
        if layout is not None:
            layout.close()


def read_xlsx(path: Path, looks_like_header, limits: ImportLimits) -> Workbook:
    from openpyxl import load_workbook

    check_zip(path, limits)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFile(f"无法打开 Excel 文件 / cannot open the Excel file: {exc}") from exc
    sheets = []
    for worksheet in book.worksheets:
        hint_rows = worksheet.max_row or 0
        # The sheet's stated dimension is not trusted: rows are read as they are, not padded out to it.
        worksheet.reset_dimensions()
        layout = scan_sheet(path, worksheet._worksheet_path, max_columns=limits.max_columns)
        rows = _limited(_xlsx_rows(worksheet, layout), limits, check_cells=True)
        found = _split_header(rows, looks_like_header)
        if found is None:
            if layout is not None:
                layout.close()
            continue
        header_row, headers = found
        hint = max(hint_rows - header_row, 0)
        sheet = Sheet(worksheet.title, headers, header_row, _data_rows(rows, limits), hint, HiddenRows(layout))
        sheets.append(sheet)
    if not sheets:
        raise UnreadableFile("所有工作表都找不到表头行 / no sheet has a header row with known column names")
    return Workbook("xlsx", "xlsx", sheets)


def read_workbook(path: Path | str, looks_like_header, limits: ImportLimits | None = None) -> Workbook:
    """Open a CSV or XLSX export; `looks_like_header(cells)` tells a header row from a title line."""
    limits = limits or ImportLimits()
    path = Path(path)
    if not path.is_file():
        raise UnreadableFile(f"文件不存在 / no such file: {path.name}")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        return read_xlsx(path, looks_like_header, limits)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "不支持旧版 .xls 文件,请另存为 .xlsx 或 CSV / old .xls files are not supported, save as .xlsx or CSV"
        )
    return read_csv(path, looks_like_header, limits)


__all__ = ["LimitExceeded", "UnreadableFile", "Workbook", "Sheet", "read_workbook", "detect_encoding"]
