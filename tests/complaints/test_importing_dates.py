"""The complaint import reads CRM date-times written in ISO 8601 with an offset (shared archive parser)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from huifang.complaints import importing

from .conftest import NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cell", ["2026-11-06T10:00:00+08:00", "2026-11-06T02:00:00Z", "2026-11-06T02:00:00+00:00", "2026-11-06 10:00"]
)
def test_a_received_time_with_an_offset_is_read_in_the_stores_zone(store, cell):
    # given a CRM row whose received time carries its UTC offset
    raw = {"external_case_no": "CRM-003", "received_at": cell, "content": "收费不透明", "closed_at": ""}
    # when parsed for the store
    values, problems = importing.parse_row(store=store, raw=raw, now=NOW)
    # then it is read, at that instant, in the store's zone
    assert not [p for p in problems if p[0] == "received_at"]
    assert values["received_at"] == datetime(2026, 11, 6, 10, 0, tzinfo=SHANGHAI)
