"""The one place app code asks for the time: aware, in the project time zone (Asia/Shanghai).

Replay (bench/soak.py, tests only): HUIFANG_REPLAY_CLOCK="<ISO start>@<wall epoch seconds>x<speed>" makes
`now()` the start instant plus the wall time elapsed since the epoch, times the speed, the same in every
process that has the variable, so a scheduler, workers and the harness live through 30 days in minutes.
It is refused unless DEBUG is on, so a production process can never run on a moved clock.
The variable may instead be "file:<path>", a file holding such a spec: the harness rewrites it while the
processes run, so the clock can stand at the start until every process is up (speed 0) and be frozen at
the end (a new start instant, speed 0) without restarting anything.
"""

import os
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

REPLAY_ENV = "HUIFANG_REPLAY_CLOCK"
REPLAY_FILE = "file:"


@lru_cache(maxsize=4)
def _replay(spec: str) -> tuple[datetime, float, float]:
    start, rest = spec.rsplit("@", 1)
    epoch, speed = rest.split("x", 1)
    begin = datetime.fromisoformat(start)
    if timezone.is_naive(begin):
        raise ImproperlyConfigured(f"{REPLAY_ENV} needs an aware start instant, not {start!r}")
    return begin, float(epoch), float(speed)


def _replay_spec() -> str | None:
    spec = os.environ.get(REPLAY_ENV)
    if spec and spec.startswith(REPLAY_FILE):
        # Read on every call (tens of microseconds; replays only): the harness rewrites it with os.replace,
        # so a reader sees the old spec or the new one, never half of one.
        with open(spec[len(REPLAY_FILE) :], encoding="ascii") as spec_file:
            return spec_file.read().strip()
    return spec


def now() -> datetime:
    """The current instant, timezone-aware, in the project's current time zone."""
    spec = _replay_spec()
    if spec:
        if not settings.DEBUG:
            raise ImproperlyConfigured(f"{REPLAY_ENV} is for replays and tests; it is refused when DEBUG is off")
        import time

        begin, epoch, speed = _replay(spec)
        return timezone.localtime(begin + timedelta(seconds=(time.time() - epoch) * speed))
    return timezone.localtime(timezone.now())


def today() -> date:
    """Today's date in the project's current time zone."""
    return now().date()
