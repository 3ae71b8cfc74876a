from datetime import date
from decimal import Decimal

import pytest

from huifang.core.spreadsheet import inert_cell, inert_row


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 138", "'+86 138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("张三", "张三"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe(value, expected):
    # given / when / then
    assert inert_cell(value) == expected


def test_numbers_dates_and_empty_cells_stay_as_they_are():
    # given
    values = [-5, 1.5, Decimal("-10.20"), date(2026, 3, 5), None, True]
    # when / then
    assert inert_row(values) == values


def test_a_workbook_saved_through_the_helper_holds_no_formula_and_keeps_its_numbers():
    # given a sheet where a writer forgot the helper: a formula-looking name, a negative amount
    import io

    from openpyxl import Workbook, load_workbook

    from huifang.core.spreadsheet import xlsx_bytes

    book = Workbook()
    book.active.append(["=1+1", -5, Decimal("12.50"), "-2+3", "张三"])
    # when
    cells = [c for c in load_workbook(io.BytesIO(xlsx_bytes(book))).active[1]]
    # then
    assert [c.value for c in cells] == ["'=1+1", -5, 12.5, "'-2+3", "张三"]
    assert [c.data_type for c in cells] == ["s", "n", "n", "s", "s"]


def test_the_csv_writer_makes_text_inert_and_writes_numbers_as_numbers():
    # given
    import io

    from huifang.core.spreadsheet import InertCsvWriter

    buffer = io.StringIO()
    # when
    InertCsvWriter(buffer).writerow(["@SUM(A1)", -5, "\tx", "李四"])
    # then
    assert buffer.getvalue() == "'@SUM(A1),-5,'\tx,李四\r\n"
