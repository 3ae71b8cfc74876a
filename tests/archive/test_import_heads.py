"""The line rows of one order share one parsed head (customer, vehicle and order cells): the import's cross-row
steps walk those runs of rows once each, yet every refusal still names its own row."""

import pickle
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from huifang.archive.importing.fields import match_headers
from huifang.archive.importing.run import ImportRun, parse_row
from huifang.archive.importing.services import dms_import_file
from huifang.archive.importing.validation import RowParser, field_specs
from huifang.archive.models import RepairOrder

from ..factories import make_vin
from .test_import_service import write_csv

HEADERS = ["客户编号", "客户名称", "手机", "车架号", "工单号", "进厂时间", "项目类型", "维修项目", "金额"]


def order_rows(code, name, vin, number, amounts):
    return [
        [code, name, "13812345678", vin, number, "2025-01-02 09:00", "工时", f"项目{i}", a]
        for i, a in enumerate(amounts)
    ]


def parsed(rows):
    mapping, _ = match_headers(HEADERS, None)
    parser = RowParser(mapping=mapping, headers=HEADERS, specs=field_specs(ZoneInfo("Asia/Shanghai")))
    return [parse_row(parser, "", number, cells) for number, cells in enumerate(rows, start=2)]


def run_of(parsed_rows):
    batch = SimpleNamespace(pk=1, store=SimpleNamespace(time_zone="Asia/Shanghai"), store_id=1)
    run = ImportRun(batch=batch, erased=frozenset())
    for row in parsed_rows:
        run.add(row)
    return run


def test_consecutive_rows_of_one_head_are_one_run_and_a_row_with_a_line_error_stands_alone():
    # given RO1 on four rows, the third with an unreadable amount, then RO2 on two rows
    rows = order_rows("C1", "张三", make_vin(1), "RO1", ["10", "20", "八十元", "30"])
    rows += order_rows("C2", "李四", make_vin(2), "RO2", ["40", "50"])
    # when
    run = run_of(parsed(rows))
    # then
    assert run.units() == [(0, 2), (2, 3), (3, 4), (4, 6)]
    assert run.rows[0].head is run.rows[1].head is run.rows[3].head


def test_rows_read_back_one_by_one_each_stand_alone():
    # given the same rows pickled one by one, as the import stages them to sort a scattered file
    rows = order_rows("C1", "张三", make_vin(1), "RO1", ["10", "20", "30"])
    # when
    run = run_of([pickle.loads(pickle.dumps(p)) for p in parsed(rows)])
    # then
    assert run.units() == [(0, 1), (1, 2), (2, 3)]


@pytest.mark.django_db
def test_a_bad_line_among_rows_sharing_a_head_is_named_by_every_other_row(store, tmp_path):
    # given RO1's four rows share their head and the third has an unreadable amount
    rows = order_rows("C1", "张三", make_vin(1), "RO1", ["10", "20", "八十元", "30"])
    rows += order_rows("C2", "李四", make_vin(2), "RO2", ["40"])
    # when
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "dms.csv", HEADERS, rows))
    # then rows 2, 3 and 5 point at row 4, which names its own cell
    rejected = {r.row_number: r for r in batch.rejections.all()}
    assert set(rejected) == {2, 3, 4, 5}
    assert (rejected[4].field, rejected[4].value) == ("金额", "八十元")
    for number in (2, 3, 5):
        assert "第 4 行" in rejected[number].reason and "row 4" in rejected[number].reason
    assert list(RepairOrder.objects.filter(store=store).values_list("number", flat=True)) == ["RO2"]


@pytest.mark.django_db
def test_a_nameless_new_customer_refuses_each_row_of_its_head_by_its_own_number(store, tmp_path):
    # given a new customer without a name on the three rows of RO1, and a named one on RO2
    rows = order_rows("C1", "", make_vin(1), "RO1", ["10", "20", "30"])
    rows += order_rows("C2", "李四", make_vin(2), "RO2", ["40", "50"])
    # when
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "dms.csv", HEADERS, rows))
    # then
    rejected = [(r.row_number, r.reason) for r in batch.rejections.order_by("row_number")]
    assert [number for number, _ in rejected] == [2, 3, 4]
    assert all("customer name is required" in reason for _, reason in rejected)
    assert batch.rows_rejected == 3
    assert list(RepairOrder.objects.filter(store=store).values_list("number", flat=True)) == ["RO2"]


def test_a_batch_of_skipped_rows_only_has_no_runs():
    # given a batch holding nothing but a totals line
    rows = [["合计", "", "", "", "", "", "", "", "60"]]
    # when
    run = run_of(parsed(rows))
    # then
    assert run.units() == []
    assert run.group_orders() == {}


@pytest.mark.django_db
def test_a_totals_line_alone_in_the_last_batch_is_skipped_and_the_import_finishes(store, tmp_path):
    # given two orders of two rows each, then the totals line, cut into batches of four rows: the totals line
    # is the last batch's only row (a hypothesis example found this failing the import)
    rows = order_rows("C1", "张三", make_vin(1), "RO1", ["10", "20"])
    rows += order_rows("C2", "李四", make_vin(2), "RO2", ["30", "40"])
    rows.append(["合计", "", "", "", "", "", "", "", "100"])
    # when
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "dms.csv", HEADERS, rows), batch_rows=4)
    # then
    assert batch.status == "done", batch.error
    assert (batch.rows_total, batch.rows_rejected, batch.rows_skipped) == (5, 0, 1)
    assert sorted(RepairOrder.objects.filter(store=store).values_list("number", flat=True)) == ["RO1", "RO2"]
