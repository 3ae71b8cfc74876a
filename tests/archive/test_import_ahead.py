"""The file is read and parsed ahead in a reader thread (importing.ahead): the import sees the same rows in the
same order, the reader's exceptions where they happened, and no thread or switch interval is left behind,
however the import ends."""

import sys
import threading

import pytest

from huifang.archive.choices import ImportStatus
from huifang.archive.importing.ahead import quick_handover, read_ahead
from huifang.archive.importing.services import dms_import_file
from huifang.archive.models import ImportPolicy

from .test_import_hostile import csv_bytes, nothing_written, row


def reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "import-read-ahead" and t.is_alive()]


@pytest.mark.parametrize(("items", "chunk_rows", "ahead_chunks"), [(0, 3, 1), (1, 3, 1), (10, 3, 1), (1000, 7, 2)])
def test_the_items_come_in_the_same_order(items, chunk_rows, ahead_chunks):
    with read_ahead(iter(range(items)), chunk_rows=chunk_rows, ahead_chunks=ahead_chunks) as ahead:
        assert list(ahead) == list(range(items))
    assert not reader_threads()


def test_the_readers_exception_comes_after_the_items_read_before_it():
    # given a source that fails at its 8th item
    def source():
        yield from range(7)
        raise ValueError("row 8 is broken")

    seen = []
    # when it is read ahead in chunks of 3
    with pytest.raises(ValueError, match="row 8 is broken"), read_ahead(source(), chunk_rows=3) as ahead:
        seen.extend(ahead)
    # then every item before the failure arrived, the failure after them
    assert seen == list(range(7))
    assert not reader_threads()


def test_leaving_early_stops_the_reader_and_closes_the_source_in_its_thread():
    # given an endless source that notes where it is closed
    closed_in = []

    def endless():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed_in.append(threading.current_thread().name)

    # when the consumer stops after a few items (the reader is blocked on a full queue by then)
    with pytest.raises(RuntimeError), read_ahead(endless(), chunk_rows=2, ahead_chunks=1) as ahead:
        for item in ahead:
            if item == 5:
                raise RuntimeError("the batch failed")
    # then the reader has ended and closed its source in its own thread
    assert closed_in == ["import-read-ahead"]
    assert not reader_threads()


def test_the_switch_interval_comes_back_also_when_the_block_fails():
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError), quick_handover(interval=before / 10):
        assert sys.getswitchinterval() == pytest.approx(before / 10)
        raise RuntimeError("the import failed")
    assert sys.getswitchinterval() == before


@pytest.mark.django_db
def test_a_limit_the_reader_hits_fails_the_import_and_leaves_nothing_behind(store, tmp_path):
    # given a store allowing 5 rows and a file of 8, in batches of 2 (batches are written before the limit)
    ImportPolicy.objects.create(store=store, max_rows=5)
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes([row(n) for n in range(1, 9)]))
    before = sys.getswitchinterval()
    # when
    batch = dms_import_file(store=store, path=path, batch_rows=2)
    # then the reader's LimitExceeded failed the import as before, and no thread or interval is left behind
    assert batch.status == ImportStatus.FAILED and "max rows" in batch.error
    assert nothing_written(store)
    assert not reader_threads() and sys.getswitchinterval() == before


@pytest.mark.django_db
def test_progress_is_reported_from_the_import_thread_only(store, tmp_path):
    # given a file of 1,200 rows (progress every 500 rows read) and a callback noting its thread
    path = tmp_path / "dms.csv"
    path.write_bytes(csv_bytes([row(1, 工单号=f"RO{n:04d}") for n in range(1, 1201)]))
    threads = set()
    phases = []

    def progress(phase, done, total):
        threads.add(threading.current_thread().name)
        phases.append((phase, done))

    # when
    batch = dms_import_file(store=store, path=path, batch_rows=400, progress=progress)
    # then
    assert batch.status == ImportStatus.DONE, batch.error
    assert threads == {threading.current_thread().name}
    assert ("read", 500) in phases and ("read", 1000) in phases
    assert not reader_threads()
