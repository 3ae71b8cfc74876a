"""Property-based import tests (issue 16 §6): whatever a row or file holds, it ends as imported, imported with a
warning, or rejected with a reason; the counts add up to the rows read; a failed import changes nothing."""

import csv
import io
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.archive.choices import ImportRowOutcome, ImportStatus
from huifang.archive.importing import parsing
from huifang.archive.importing.services import dms_import_file
from huifang.archive.importing.validation import field_specs
from huifang.archive.models import Contact, Customer, ImportPolicy, RepairOrder, RepairOrderLine, Vehicle
from huifang.audit.models import AuditEntry

from ..factories import StoreFactory, make_vin
from .test_import_hostile import HEADERS

SPECS = field_specs(ZoneInfo("Asia/Shanghai"))
# Any text at all, control characters and lone surrogates included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=40)
HOSTILE = st.one_of(
    ANY_TEXT,
    st.sampled_from(["NULL", "——", "/", "-", "无", "合计", "=1+1", "@SUM(A1)", "\x00", "\ud800", "\ufffd", "1" * 300]),
    st.integers(-(10**12), 10**12).map(str),
)
SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@given(name=st.sampled_from(sorted(SPECS)), value=st.one_of(HOSTILE, st.floats(allow_nan=True), st.none()))
@settings(max_examples=400, deadline=None)
def test_every_parser_returns_a_value_a_warning_or_a_field_error(name, value):
    # when any cell meets any field's parser
    try:
        result = SPECS[name].parse(value)
    except parsing.FieldError as exc:
        # then a refusal always says why
        assert str(exc)
        return
    # then otherwise it is a value (or nothing), or a value kept with a reason
    if isinstance(result, parsing.Flagged):
        assert result.reason
    # and the report can always store the cell as text
    assert isinstance(parsing.report_text(value).encode("utf-8"), bytes)


def _cell(draw, sound: str) -> str:
    return draw(st.one_of(st.just(sound), st.just(sound), HOSTILE))


@st.composite
def export_rows(draw):
    """Rows of a flat export: each cell is sound or hostile; RO numbers are unique so each row is its own order."""
    rows = []
    for n in range(1, draw(st.integers(1, 6)) + 1):
        sound = [f"C{n:03d}", f"客户{n}", f"1391234{n:04d}", "", make_vin(n), f"RO{n:03d}", "定保",
                 "2025-03-01 09:00", "2025-03-01 12:00", ""]  # fmt: skip
        cells = [_cell(draw, value) for value in sound]
        cells[5] = draw(st.one_of(st.just(f"RO{n:03d}"), st.just(""), st.just("NULL")))
        rows.append(cells)
    return rows


def _csv(rows, encoding) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding, errors="surrogatepass" if encoding == "utf-8" else "replace")


def _archive_size(store) -> tuple:
    return (
        Customer.objects.filter(store=store).count(),
        Contact.objects.filter(customer__store=store).count(),
        Vehicle.objects.filter(store=store).count(),
        RepairOrder.objects.filter(store=store).count(),
        RepairOrderLine.objects.filter(repair_order__store=store).count(),
        AuditEntry.objects.filter(store_id=store.pk).count(),
    )


@pytest.mark.django_db
@given(rows=export_rows(), encoding=st.sampled_from(["utf-8", "gb18030"]))
@SETTINGS
def test_every_row_ends_imported_warned_or_rejected_and_counts_add_up(tmp_path_factory, rows, encoding):
    # given a fresh store and a generated export
    store = StoreFactory()
    path = tmp_path_factory.mktemp("gen") / "gen.csv"
    path.write_bytes(_csv(rows, encoding))
    # when
    batch = dms_import_file(store=store, path=path)
    # then the import finishes (a hostile cell is never a crash)
    assert batch.status == ImportStatus.DONE, batch.error
    lines = list(batch.rejections.values_list("severity", "row_number", "reason"))
    rejected = {n for severity, n, _ in lines if severity == ImportRowOutcome.ERROR}
    warned = {n for severity, n, _ in lines if severity == ImportRowOutcome.WARNING}
    skipped = {n for severity, n, _ in lines if severity == ImportRowOutcome.SKIPPED}
    assert all(reason for _, _, reason in lines)
    assert not (rejected & warned) and not (rejected & skipped)
    assert (batch.rows_rejected, batch.rows_warned, batch.rows_skipped) == (len(rejected), len(warned), len(skipped))
    imported = batch.rows_total - len(rejected) - len(warned) - len(skipped)
    assert imported >= 0
    # every row that was not rejected or skipped is an order in the archive, and no rejected row is; a kept row
    # without an RO number held no order data at all (else it is rejected): a customer and vehicle record only
    kept_orders = RepairOrder.objects.filter(store=store).count()
    no_order = {number for number, cells in enumerate(rows, start=2) if cells[5] in ("", "NULL")}
    assert kept_orders == imported + len(warned) - len(no_order - rejected - skipped)
    assert batch.counts["repair_order"]["created"] == kept_orders


@pytest.mark.django_db
@given(rows=export_rows())
@SETTINGS
def test_a_failed_import_leaves_the_archive_unchanged(tmp_path_factory, rows):
    # given a store that already holds one import and allows fewer rows than the next file has
    store = StoreFactory()
    first = tmp_path_factory.mktemp("gen") / "first.csv"
    first.write_bytes(_csv([["C900", "老客户", "13912349000", "", make_vin(900), "RO900", "定保",
                             "2025-01-01 09:00", "2025-01-01 10:00", ""]], "utf-8"))  # fmt: skip
    assert dms_import_file(store=store, path=first).status == ImportStatus.DONE
    before = _archive_size(store)
    ImportPolicy.objects.create(store=store, max_rows=len(rows) - 1 if len(rows) > 1 else 0)
    path = tmp_path_factory.mktemp("gen") / "gen.csv"
    path.write_bytes(_csv(rows, "utf-8"))
    # when
    batch = dms_import_file(store=store, path=path)
    # then
    assert batch.status == ImportStatus.FAILED and "max rows" in batch.error
    assert _archive_size(store) == before
    assert not batch.rejections.exists()
