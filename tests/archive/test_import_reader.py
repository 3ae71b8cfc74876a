"""The import's reading in a reader process (issue 18 §2): the same archive, counts, report and progress as
reading in the importing process; the reader's exceptions raised unchanged; no reader process left after a
success, a failure on either side, an interrupt or the sorted-mode restart."""

import os
import shutil
import signal
import threading
from pathlib import Path

import pytest

from huifang.archive.choices import ImportStatus
from huifang.archive.importing import reader, streaming
from huifang.archive.importing.limits import LimitExceeded
from huifang.archive.importing.reading import UnreadableFile
from huifang.archive.importing.required import MissingColumns
from huifang.archive.importing.services import dms_import_file
from huifang.archive.models import ImportPolicy, RepairOrder

from ..factories import StoreFactory
from .test_import_hostile import csv_bytes, nothing_written, row
from .test_import_streaming import SAMPLES, archive, outcome

DATA = Path(__file__).resolve().parent.parent / "data" / "dms"


@pytest.fixture
def readers(monkeypatch):
    """Reads every file apart (fork unless a test says otherwise); lists the reader processes started."""
    started: list[int] = []

    class Recorded(reader.ReaderProcess):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self.process.pid)

    monkeypatch.setattr(streaming, "ReaderProcess", Recorded)
    monkeypatch.setattr(reader, "READ_APART_FROM_BYTES", 0)
    monkeypatch.setattr(reader, "SPAWNED_FROM_BYTES", 0)
    monkeypatch.setattr(reader, "START_METHOD", "fork")
    return started


def in_process(monkeypatch):
    monkeypatch.setattr(reader, "READ_APART_FROM_BYTES", None)


def alive(pid: int) -> bool:
    """Whether the process still exists (a zombie, never waited for, counts as left behind too)."""
    return Path(f"/proc/{pid}").exists()


def none_left(started: list[int]) -> bool:
    return bool(started) and not any(alive(pid) for pid in started)


def imported(store, path, **kwargs):
    """The batch's outcome and the progress reported, in order."""
    seen: list[tuple] = []
    batch = dms_import_file(store=store, path=path, progress=lambda *a: seen.append(a), **kwargs)
    return batch, seen


@pytest.mark.django_db
@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("batch_rows", [7, 100_000])
def test_a_sample_read_apart_lands_as_read_in_process(readers, monkeypatch, tmp_path, name, batch_rows):
    # given two empty stores and a vendor sample
    here, apart = StoreFactory(code="H01"), StoreFactory(code="A01")
    path = shutil.copy(DATA / name, tmp_path / name)
    # when it is read in the importing process into one store, in a reader process into the other
    with monkeypatch.context() as local:
        in_process(local)
        one, one_progress = imported(here, path, batch_rows=batch_rows)
    assert not readers
    two, two_progress = imported(apart, path, batch_rows=batch_rows)
    # then the archives, counts, reports and the progress reported are the same; the reader is gone
    assert one.status == ImportStatus.DONE, one.error
    assert outcome(two) == outcome(one) and two.encoding == one.encoding
    assert two.ignored_columns == one.ignored_columns
    assert archive(apart) == archive(here) and archive(apart)["orders"]
    assert two_progress == one_progress
    assert none_left(readers)


@pytest.mark.django_db
def test_a_spawned_reader_lands_as_read_in_process(readers, monkeypatch, tmp_path):
    # given (the task worker, which has a heartbeat thread, starts its reader with spawn)
    monkeypatch.setattr(reader, "START_METHOD", "spawn")
    here, apart = StoreFactory(code="H01"), StoreFactory(code="A01")
    path = shutil.copy(DATA / SAMPLES[1], tmp_path / SAMPLES[1])
    # when
    with monkeypatch.context() as local:
        in_process(local)
        one, one_progress = imported(here, path, batch_rows=7)
    two, two_progress = imported(apart, path, batch_rows=7)
    # then
    assert outcome(two) == outcome(one) and archive(apart) == archive(here)
    assert two_progress == one_progress
    assert none_left(readers)


def test_the_reader_is_spawned_when_the_importing_process_has_threads(monkeypatch):
    monkeypatch.setattr(reader, "START_METHOD", None)
    assert reader.start_method() == ("fork" if threading.active_count() == 1 else "spawn")
    stop = threading.Event()
    beside = threading.Thread(target=stop.wait)
    beside.start()
    try:
        assert reader.start_method() == "spawn"
    finally:
        stop.set()
        beside.join()


@pytest.mark.django_db
def test_a_small_file_is_read_in_the_importing_process(store, tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(streaming, "ReaderProcess", lambda *a, **k: started.append(1))
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes([row(1)]))
    batch = dms_import_file(store=store, path=path)
    assert batch.status == ImportStatus.DONE and not started


@pytest.mark.django_db
def test_an_order_scattered_through_the_file_is_read_again_by_a_second_reader(readers, store, other_store, tmp_path):
    # given RO001's rows at the top and at the bottom of the file (the sorted mode reads the file again)
    rows = [row(1), row(2), row(3), row(1, 进厂时间="2025-02-30 09:00"), row(4), row(5), row(1), row(6)]
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes(rows))
    # when
    cut = dms_import_file(store=store, path=path, batch_rows=2)
    # then two readers ran, one after the other, and neither is left
    assert cut.status == ImportStatus.DONE, cut.error
    assert sorted(cut.rejections.values_list("row_number", flat=True)) == [2, 5, 8]
    assert len(readers) == 2 and none_left(readers)


def failing_files(tmp_path) -> dict:
    """Files each reader-side failure comes from, with the store policy it needs."""
    limited = tmp_path / "limited.csv"
    limited.write_bytes(csv_bytes([row(n) for n in range(1, 9)]))
    no_columns = tmp_path / "columns.csv"
    no_columns.write_bytes(csv_bytes([["RO1", "x"]], headers=["工单号", "客户名称"]))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    return {"limit": limited, "columns": no_columns, "unreadable": broken}


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["limit", "columns", "unreadable"])
def test_a_failure_in_the_reader_fails_the_import_as_in_process(readers, monkeypatch, tmp_path, case):
    # given two stores allowing 5 rows
    here, apart = StoreFactory(code="H01"), StoreFactory(code="A01")
    for store in (here, apart):
        ImportPolicy.objects.create(store=store, max_rows=5)
    path = failing_files(tmp_path)[case]
    # when the file is imported both ways, in batches of 2 (for the limit, two batches are written first)
    with monkeypatch.context() as local:
        in_process(local)
        one, one_progress = imported(here, path, batch_rows=2)
    two, two_progress = imported(apart, path, batch_rows=2)
    # then the same failure, byte for byte, and nothing written
    assert one.status == ImportStatus.FAILED and one.error
    assert outcome(two) == outcome(one) and two.ignored_columns == one.ignored_columns
    assert two_progress == one_progress
    assert nothing_written(apart)
    assert none_left(readers)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "raised"), [("limit", LimitExceeded), ("columns", MissingColumns), ("unreadable", UnreadableFile)]
)
def test_the_readers_exception_is_raised_with_its_type_and_message(readers, monkeypatch, tmp_path, case, raised):
    # given the stream of one import
    path = failing_files(tmp_path)[case]
    store = StoreFactory(code="E01")
    ImportPolicy.objects.create(store=store, max_rows=5)
    from huifang.archive.importing.limits import ImportLimits

    limits = ImportLimits(max_rows=5)

    def read(apart: bool) -> BaseException:
        monkeypatch.setattr(reader, "READ_APART_FROM_BYTES", 0 if apart else None)
        stream = streaming.ImportStream(batch=_batch(store, path), path=path, saved_mapping=None, progress=None)
        stream.limits = limits
        try:
            with pytest.raises(raised) as caught:
                list(stream._rows_in_file_order())
        finally:
            stream.close()
        return caught.value, stream.rows_total

    # when the rows are read in the importing process, then apart
    (here, here_rows), (apart, apart_rows) = read(False), read(True)
    # then the same type and message, and as many rows counted
    assert type(apart) is type(here) and str(apart) == str(here) and apart.args == here.args
    assert apart_rows == here_rows
    assert none_left(readers)


def _batch(store, path):
    from huifang.archive.models import ImportBatch

    return ImportBatch.objects.create(store=store, filename=Path(path).name)


@pytest.mark.django_db
def test_any_exception_in_the_reader_is_raised_in_the_importing_process(readers, monkeypatch, store, tmp_path):
    # given a parser that breaks on the third row (forked, the reader runs the patched function)
    parse_row = reader.parse_row

    def breaks(parser, sheet, number, cells):
        if number == 4:
            raise KeyError("车架号")
        return parse_row(parser, sheet, number, cells)

    monkeypatch.setattr(reader, "parse_row", breaks)
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes([row(n) for n in range(1, 7)]))
    here = StoreFactory(code="H01")
    # when
    with monkeypatch.context() as local:
        in_process(local)
        one = dms_import_file(store=here, path=path, batch_rows=2)
    two = dms_import_file(store=store, path=path, batch_rows=2)
    # then
    assert one.status == ImportStatus.FAILED and "'车架号'" in one.error
    assert outcome(two) == outcome(one) and nothing_written(store)
    assert none_left(readers)


@pytest.mark.django_db
def test_a_reader_that_dies_fails_the_import_and_leaves_nothing(readers, monkeypatch, store, tmp_path):
    # given a reader killed outright on the third row
    parse_row = reader.parse_row

    def dies(parser, sheet, number, cells):
        if number == 4:
            os.kill(os.getpid(), signal.SIGKILL)
        return parse_row(parser, sheet, number, cells)

    monkeypatch.setattr(reader, "parse_row", dies)
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes([row(n) for n in range(1, 7)]))
    # when
    batch = dms_import_file(store=store, path=path, batch_rows=2)
    # then
    assert batch.status == ImportStatus.FAILED and "reader process ended unexpectedly" in batch.error
    assert nothing_written(store) and none_left(readers)


@pytest.mark.django_db
def test_a_database_error_in_the_importing_process_stops_the_reader(readers, monkeypatch, store, tmp_path):
    # given a write that fails on the second batch, while the reader still has rows to send
    import_write = streaming.import_write
    calls = []

    def fails(run):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return import_write(run)

    monkeypatch.setattr(streaming, "import_write", fails)
    monkeypatch.setattr(reader, "CHUNK_ROWS", 3)
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes([row(n) for n in range(1, 200)]))
    # when
    batch = dms_import_file(store=store, path=path, batch_rows=2)
    # then
    assert batch.status == ImportStatus.FAILED and batch.error.endswith(": connection lost")
    assert not RepairOrder.objects.filter(store=store).exists()
    assert none_left(readers)


class Stopping(BaseException):
    hands_task_back = True


@pytest.mark.django_db
def test_an_interrupt_in_the_importing_process_stops_the_reader(readers, monkeypatch, store, tmp_path):
    # given an import interrupted at its first progress report (the worker asked to stop)
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes([row(n) for n in range(1, 50)]))

    def interrupt(phase, done, total):
        if phase == "validate":
            raise Stopping

    # when / then
    with pytest.raises(Stopping):
        dms_import_file(store=store, path=path, batch_rows=2, progress=interrupt)
    assert nothing_written(store) and none_left(readers)
