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
