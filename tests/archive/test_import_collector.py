"""The import runs Python's garbage collector less often, and gives the process its thresholds back."""

import gc

import pytest

from huifang.archive.importing.collector import fewer_collections


def test_the_youngest_generation_waits_longer_inside_and_the_thresholds_come_back():
    before = gc.get_threshold()
    with fewer_collections(threshold=before[0] + 12_345):
        assert gc.get_threshold() == (before[0] + 12_345, *before[1:])
    assert gc.get_threshold() == before


def test_the_thresholds_come_back_when_the_import_fails():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), fewer_collections(threshold=before[0] + 1):
        raise RuntimeError("a limit reached in the last batch")
    assert gc.get_threshold() == before


def test_a_process_already_collecting_less_often_is_left_as_it_is():
    before = gc.get_threshold()
    gc.set_threshold(before[0] * 1000, *before[1:])
    try:
        with fewer_collections(threshold=before[0] + 1):
            assert gc.get_threshold()[0] == before[0] * 1000
    finally:
        gc.set_threshold(*before)
