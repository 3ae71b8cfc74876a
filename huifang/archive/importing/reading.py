"""Reading a DMS export: CSV in whatever encoding and delimiter the DMS chose, or XLSX with one or more sheets.

A reader yields sheets; a sheet has its header texts and an iterator of (row number, cells), where the row
number is the one the user sees in Excel (the header is row 1).
"""

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

CSV_DELIMITERS = ",\t;"
# How many leading rows may precede the header (a title line, a blank line) before we give up on a sheet.
HEADER_SEARCH_ROWS = 10
_SNIFF_BYTES = 64 * 1024


class UnreadableFile(ValueError):
    """The file cannot be read at all (wrong type, broken, unknown encoding); the message says why."""


@dataclass
class Sheet:
    name: str
    headers: list[str]
    header_row: int
    rows: Iterator[tuple[int, list[Any]]]
    rows_total_hint: int = 0


@dataclass
class Workbook:
    kind: str  # csv or xlsx
    encoding: str
    sheets: list[Sheet]


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
    """Comma, tab or semicolon: whichever splits the most of the first lines into the same number of columns.

    A title line above the header ("某某4S店 工单导出") has no delimiter and does not count against any.
    """
    lines = [line for line in sample.splitlines()[:30] if line.strip()]
    best, best_score = ",", (0, 0)
    for delimiter in CSV_DELIMITERS:
        counts = [line.count(delimiter) for line in lines]
        nonzero = [c for c in counts if c]
        if not nonzero:
            continue
        usual = Counter(nonzero).most_common(1)[0][0]
        score = (sum(1 for c in counts if c == usual), usual)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _is_blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _split_header(rows: Iterator[tuple[int, list[Any]]], looks_like_header) -> tuple[int, list[str]] | None:
    """The first row (within HEADER_SEARCH_ROWS) that looks like a header row."""
    for _ in range(HEADER_SEARCH_ROWS):
        try:
            number, cells = next(rows)
        except StopIteration:
            return None
        if _is_blank(cells):
            continue
        headers = ["" if c is None else str(c).strip() for c in cells]
        if looks_like_header(headers):
            return number, headers
    return None


def read_csv(path: Path, looks_like_header) -> Workbook:
    data = Path(path).read_bytes()
    if not data.strip():
        raise UnreadableFile("文件是空的 / the file is empty")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile("这不是 CSV 文本文件 / this is not a CSV text file")
    codec, label = detect_encoding(data)
    text = data.decode(codec)
    delimiter = sniff_delimiter(text[:_SNIFF_BYTES])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = ((number, cells) for number, cells in enumerate(reader, start=1))
    found = _split_header(rows, looks_like_header)
    if found is None:
        raise UnreadableFile("找不到表头行 / no header row with known column names found")
    header_row, headers = found
    data_rows = ((n, cells) for n, cells in rows if not _is_blank(cells))
    hint = max(text.count("\n") - header_row, 0)
    return Workbook("csv", label, [Sheet("", headers, header_row, data_rows, hint)])


def _xlsx_rows(worksheet) -> Iterator[tuple[int, list[Any]]]:
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        yield number, list(values)


def read_xlsx(path: Path, looks_like_header) -> Workbook:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFile(f"无法打开 Excel 文件 / cannot open the Excel file: {exc}") from exc
    sheets = []
    for worksheet in book.worksheets:
        rows = _xlsx_rows(worksheet)
        found = _split_header(rows, looks_like_header)
        if found is None:
            continue
        header_row, headers = found
        data_rows = ((n, cells) for n, cells in rows if not _is_blank(cells))
        hint = max((worksheet.max_row or 0) - header_row, 0)
        sheets.append(Sheet(worksheet.title, headers, header_row, data_rows, hint))
    if not sheets:
        raise UnreadableFile("所有工作表都找不到表头行 / no sheet has a header row with known column names")
    return Workbook("xlsx", "xlsx", sheets)


def read_workbook(path: Path | str, looks_like_header) -> Workbook:
    """Open a CSV or XLSX export; `looks_like_header(cells)` tells a header row from a title line."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableFile(f"文件不存在 / no such file: {path.name}")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        return read_xlsx(path, looks_like_header)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "不支持旧版 .xls 文件,请另存为 .xlsx 或 CSV / old .xls files are not supported, save as .xlsx or CSV"
        )
    return read_csv(path, looks_like_header)
