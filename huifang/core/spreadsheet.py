"""Spreadsheet cells that a spreadsheet program will not execute (OWASP "CSV Injection").

Excel, WPS and LibreOffice run a cell whose text starts with `=`, `+`, `-`, `@`, tab or carriage
return as a formula, and openpyxl writes a string starting with `=` as a formula. Every XLSX and CSV
the product writes passes its values through `inert_cell`: text is prefixed with `'` when it starts
with one of those characters; real numbers, dates and booleans stay what they are, so sums still work.
"""

from collections.abc import Iterable
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert_text(text: str) -> str:
    """`text` with a leading apostrophe when a spreadsheet would read it as a formula."""
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


def inert_cell(value: Any) -> Any:
    """A value safe to put in a spreadsheet cell: numbers, dates and None unchanged, text made inert."""
    if isinstance(value, str):
        return inert_text(value)
    return value


def inert_row(values: Iterable[Any]) -> list[Any]:
    """Each value of a row made inert (see `inert_cell`)."""
    return [inert_cell(value) for value in values]


def xlsx_bytes(book) -> bytes:
    """Save an openpyxl workbook to bytes with every cell made inert first (see `inert_cell`).

    Every XLSX export saves through here (tests/core/test_exports_inert.py checks that no module saves a
    workbook any other way), so a cell a writer forgot cannot reach the file as a formula. openpyxl has
    already typed a text starting with `=` as a formula when it was set; giving the cell its inert text
    again makes it a plain string."""
    import io

    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and (cell.data_type == "f" or value[:1] in FORMULA_TRIGGERS):
                    cell.value = inert_text(value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


class InertCsvWriter:
    """`csv.writer` whose rows are made inert (see `inert_row`); the only CSV writer exports use."""

    def __init__(self, handle, **kwargs):
        import csv

        self._writer = csv.writer(handle, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(inert_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
