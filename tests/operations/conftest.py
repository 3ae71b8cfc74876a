from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")
# Wednesday 18 March 2026, 10:00 in Shanghai (outside SMS quiet hours).
NOW = datetime(2026, 3, 18, 10, 0, tzinfo=SH)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def now():
    return NOW
