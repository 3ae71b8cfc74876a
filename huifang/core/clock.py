"""The one place app code asks for the time: aware, in the project time zone (Asia/Shanghai).

Replay (bench/soak.py, tests only): HUIFANG_REPLAY_CLOCK="<ISO start>@<wall epoch seconds>x<speed>" makes
`now()` the start instant plus the wall time elapsed since the epoch, times the speed, the same in every
process that has the variable, so a scheduler, workers and the harness live through 30 days in minutes.
It is refused unless DEBUG is on, so a production process can never run on a moved clock.
"""

import os
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

REPLAY_ENV = "HUIFANG_REPLAY_CLOCK"


@lru_cache(maxsize=4)
def _replay(spec: str) -> tuple[datetime, float, float]:
    start, rest = spec.rsplit("@", 1)
    epoch, speed = rest.split("x", 1)
    begin = datetime.fromisoformat(start)
    if timezone.is_naive(begin):
        raise ImproperlyConfigured(f"{REPLAY_ENV} needs an aware start instant, not {start!r}")
    return begin, float(epoch), float(speed)


def now() -> datetime:
    """The current instant, timezone-aware, in the project's current time zone."""
    spec = os.environ.get(REPLAY_ENV)
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
