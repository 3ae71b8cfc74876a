"""The replayed clock (core.clock): from the variable itself or from a file the soak harness rewrites."""

import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from huifang.core import clock

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 7, 0, tzinfo=SH)


def write_spec(path, start: datetime, speed: float) -> None:
    temporary = path.with_suffix(".new")
    temporary.write_text(f"{start.isoformat()}@{time.time()}x{speed}")
    os.replace(temporary, path)


def test_a_spec_file_stands_runs_and_freezes_as_it_is_rewritten(tmp_path, settings, monkeypatch):
    settings.DEBUG = True
    spec = tmp_path / "clock"
    monkeypatch.setenv(clock.REPLAY_ENV, f"file:{spec}")
    # given the clock standing at the start (speed 0): it reads the start however long one waits
    write_spec(spec, START, 0)
    assert clock.now() == START
    # when it runs at an hour a wall millisecond, it has moved on by at least the wall time waited
    write_spec(spec, START, 3_600_000)
    time.sleep(0.01)
    assert (clock.now() - START).total_seconds() >= 36_000
    # and frozen at a later instant, it stays there
    frozen = datetime(2026, 3, 4, 10, 0, tzinfo=SH)
    write_spec(spec, frozen, 0)
    assert clock.now() == frozen == clock.now()
    assert clock.today() == frozen.date()


def test_a_replayed_clock_is_refused_when_debug_is_off(tmp_path, settings, monkeypatch):
    settings.DEBUG = False
    spec = tmp_path / "clock"
    write_spec(spec, START, 0)
    monkeypatch.setenv(clock.REPLAY_ENV, f"file:{spec}")
    with pytest.raises(ImproperlyConfigured):
        clock.now()
