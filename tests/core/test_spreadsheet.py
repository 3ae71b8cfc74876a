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
