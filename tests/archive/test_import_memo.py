"""Each order's repeated cells are parsed once (`RowParser.parse_head`, the per-entity and per-cell memos): a
row parsed by a parser that has seen other rows gives exactly what a fresh parser gives it, its report
included (same rows, fields, values and reasons), also for rows repeating a head that holds an error and when
the memos are emptied as they fill."""

from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huifang.archive.importing import validation
from huifang.archive.importing.fields import match_headers
from huifang.archive.importing.run import parse_row
from huifang.archive.importing.validation import RowParser, field_specs

from ..factories import make_vin

SPECS = field_specs(ZoneInfo("Asia/Shanghai"))
HEADERS = [
    "客户编号",
    "客户名称",
    "手机",
    "车架号",
    "工单号",
    "进厂时间",
    "交车时间",
    "驾驶员",
    "驾驶员电话",
    "项目类型",
    "维修项目",
    "数量",
    "金额",
]
MAPPING, _ = match_headers(HEADERS)
# Cells that parse, cells that are refused, cells kept with a warning, empty markers.
HEAD_CELLS = {
    "客户编号": ["C001", "C002", " c 003 ", "", "NULL"],
    "客户名称": ["张三", "李四", "", "x" * 300],
    "手机": ["13912340001", "13812345678 / 0755-88881234", "1234567", "14012345678", "4008001234", ""],
    "车架号": [make_vin(1), make_vin(2), "LSV123", ""],
    "工单号": ["RO001", "RO002", "RO003", ""],
    "进厂时间": ["2025-03-01 09:00", "2025年3月1日 9:30", "2025-02-30 09:00", ""],
    "交车时间": ["2025-03-01 12:00", "2025-02-28 12:00", "not a date", ""],
    "驾驶员": ["王五", ""],
    "驾驶员电话": ["13900000001", "123", ""],
}
LINE_CELLS = {
    "项目类型": ["工时", "配件", "外包", ""],
    "维修项目": ["机油", "滤芯", ""],
    "数量": ["1", "2.5", "-1", "abc", ""],
    "金额": ["100", "¥1,280.50", "-5", "1e20", ""],
}


@st.composite
def orders(draw):
    """Rows of a flat export: a few heads (order, customer, vehicle cells), each repeated on one to four line
    rows, heads coming back later in the file too; now and then a totals line or a short row."""
    heads = draw(
        st.lists(st.fixed_dictionaries({h: st.sampled_from(v) for h, v in HEAD_CELLS.items()}), min_size=1, max_size=4)
    )
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        head = draw(st.sampled_from(heads))
        for _ in range(draw(st.integers(1, 4))):
            line = draw(st.fixed_dictionaries({h: st.sampled_from(v) for h, v in LINE_CELLS.items()}))
            cells = [{**head, **line}[h] for h in HEADERS]
            shape = draw(st.sampled_from(["full", "full", "full", "short", "totals"]))
            if shape == "short":
                cells = cells[: draw(st.integers(1, len(cells)))]
            elif shape == "totals":
                cells = ["合计", *cells[1:]]
            rows.append(cells)
    return rows


def fresh_parser() -> RowParser:
    return RowParser(mapping=MAPPING, headers=HEADERS, specs=SPECS)


@contextmanager
def memo_limits(limit: int | None):
    """The three memo limits set to `limit` (None: as they are) inside the block."""
    names = ("HEAD_CACHE_LIMIT", "CACHE_LIMIT", "CELL_MEMO_LIMIT")
    before = {name: getattr(validation, name) for name in names}
    for name in names:
        setattr(validation, name, before[name] if limit is None else limit)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(validation, name, value)


@pytest.mark.parametrize("limit", [None, 1, 2])
@given(rows=orders())
@settings(max_examples=60, deadline=None)
def test_a_parser_that_remembers_gives_what_a_fresh_parser_gives(limit, rows):
    # given the memos at their size, or so small that they are emptied on almost every row
    with memo_limits(limit):
        shared = fresh_parser()
        for number, cells in enumerate(rows, start=2):
            # when the same row is parsed by the parser that saw the rows before it and by a fresh one
            remembered = parse_row(shared, "", number, list(cells))
            alone = parse_row(fresh_parser(), "", number, list(cells))
            # then the parsed parts, the errors and the warnings are the same, row number included
            assert remembered == alone, (number, cells)


def test_a_head_with_an_error_is_reported_on_every_row_that_repeats_it():
    # given three line rows of one order whose opened-at cell is an impossible date
    parser = fresh_parser()
    head = {**{h: v[0] for h, v in HEAD_CELLS.items()}, "进厂时间": "2025-02-30 09:00"}
    line = {h: v[0] for h, v in LINE_CELLS.items()}
    cells = [{**head, **line}[h] for h in HEADERS]
    # when they are parsed one after the other (the second and third from the memo)
    parsed = [parse_row(parser, "", number, list(cells)) for number in (2, 3, 4)]
    # then each row carries the error under its own row number, with the same column, value and reason
    reports = [[(e.row, e.field, e.value, e.reason) for e in p.errors] for p in parsed]
    assert [r[0][0] for r in reports] == [2, 3, 4]
    assert reports[0][0][1:] == reports[1][0][1:] == reports[2][0][1:]
    assert reports[0][0][1] == "进厂时间" and reports[0][0][2] == "2025-02-30 09:00"
