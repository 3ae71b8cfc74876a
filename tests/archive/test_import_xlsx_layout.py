"""XLSX layout the read-only reader does not see: merged ranges (their value fills every cell of the range) and
hidden rows (listed on the sheet, asked in row order)."""

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from huifang.archive.importing.reading import read_workbook
from huifang.archive.importing.xlsx_layout import column_index, scan_sheet

COLUMNS = 6
HEADER = [f"col{c}" for c in range(1, COLUMNS + 1)]


def _is_header(cells: list[str]) -> bool:
    return bool(cells) and cells[0] == "col1"


def _write(path: Path, rows: int, merges: list[tuple[int, int, int, int]], hidden: set[int]) -> None:
    book = Workbook()
    notes = book.active
    notes.title = "说明"
    notes["A1"] = "导出说明"
    sheet = book.create_sheet("data")
    sheet.append(HEADER)
    for r in range(2, rows + 2):
        sheet.append([f"v{r}_{c}" for c in range(1, COLUMNS + 1)])
    for min_row, min_col, max_row, max_col in merges:
        sheet.merge_cells(start_row=min_row, start_column=min_col, end_row=max_row, end_column=max_col)
    for r in hidden:
        sheet.row_dimensions[r].hidden = True
    book.save(path)


@st.composite
def layouts(draw):
    rows = draw(st.integers(min_value=1, max_value=12))
    taken: set[tuple[int, int]] = set()
    merges = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        min_row = draw(st.integers(min_value=2, max_value=rows + 1))
        min_col = draw(st.integers(min_value=1, max_value=COLUMNS))
        max_row = draw(st.integers(min_value=min_row, max_value=rows + 1))
        max_col = draw(st.integers(min_value=min_col, max_value=COLUMNS))
        cells = {(r, c) for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)}
        if len(cells) < 2 or cells & taken:
            continue
        taken |= cells
        merges.append((min_row, min_col, max_row, max_col))
    hidden = draw(st.sets(st.integers(min_value=2, max_value=rows + 1)))
    return rows, merges, hidden


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=layouts())
def test_a_merged_range_reads_its_value_in_every_cell_and_hidden_rows_are_known(tmp_path, layout):
    # given a sheet (behind a notes sheet) with merged ranges and hidden rows
    rows, merges, hidden = layout
    path = tmp_path / "layout.xlsx"
    _write(path, rows, merges, hidden)
    expected = {(r, c): f"v{r}_{c}" for r in range(2, rows + 2) for c in range(1, COLUMNS + 1)}
    for min_row, min_col, max_row, max_col in merges:
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                expected[(r, c)] = f"v{min_row}_{min_col}"
    # when read
    book = read_workbook(path, _is_header)
    (sheet,) = book.sheets
    read, seen_hidden = {}, set()
    for number, cells in sheet.rows:
        if number in sheet.hidden_rows:
            seen_hidden.add(number)
        for c, value in enumerate(cells, start=1):
            read[(number, c)] = value
    # then every cell holds what the user sees, and the hidden rows are the hidden ones
    assert read == expected
    assert seen_hidden == hidden


def test_a_sheet_without_merges_or_hidden_rows_needs_no_layout(tmp_path):
    path = tmp_path / "plain.xlsx"
    _write(path, 3, [], set())
    assert scan_sheet(path, "xl/worksheets/sheet2.xml", max_columns=100) is None
    (sheet,) = read_workbook(path, _is_header).sheets
    assert not sheet.hidden_rows


def test_column_letters():
    assert [column_index(x) for x in ("A", "Z", "AA", "AZ", "XFD")] == [1, 26, 27, 52, 16384]


def test_a_merge_wider_than_the_column_limit_is_cut_at_it(tmp_path):
    path = tmp_path / "wide.xlsx"
    _write(path, 2, [(2, 1, 3, COLUMNS)], set())
    layout = scan_sheet(path, "xl/worksheets/sheet2.xml", max_columns=3)
    cells = layout.fill(2, ["x", None])
    layout.close()
    assert cells == ["x", "x", "x", "x"]  # up to the limit + 1, so the row limit check still sees it
