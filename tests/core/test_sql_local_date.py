"""core.sql.LocalDate: the local date of a stored instant, the same as Python's on both databases."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.archive.models import Vehicle
from huifang.core.sql import LocalDate, fixed_offset_since
from tests.factories import VehicleFactory

ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]


def local_dates(instants: list[datetime | None], zone: str) -> list:
    """Store each instant as a vehicle's last visit and read it back through LocalDate, in the same order."""
    ids = [VehicleFactory(last_visit_at=instant).pk for instant in instants]
    found = dict(
        Vehicle.objects.filter(pk__in=ids)
        .annotate(day=LocalDate("last_visit_at", tzinfo=ZoneInfo(zone)))
        .values_list("pk", "day")
    )
    return [found[pk] for pk in ids]


def test_shanghai_keeps_one_offset_since_its_last_summer_time_and_berlin_does_not():
    # Asia/Shanghai's summer time (+9 h) ended on 15 Sep 1991 at 02:00 local, 14 Sep 17:00 UTC.
    since, seconds = fixed_offset_since("Asia/Shanghai")
    assert seconds == 8 * 3600
    assert datetime(1991, 9, 14, 17, 0, tzinfo=UTC) <= since <= datetime(1991, 9, 14, 17, 0, 1, tzinfo=UTC)
    assert fixed_offset_since("Europe/Berlin") is None
    assert fixed_offset_since("No/Such_Zone") is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "zone, instant, local_day",
    [
        # 16:30 UTC is 00:30 the next day in Shanghai today …
        ("Asia/Shanghai", datetime(2026, 12, 6, 16, 30, tzinfo=UTC), "2026-12-07"),
        ("Asia/Shanghai", datetime(2026, 12, 6, 15, 59, 59, tzinfo=UTC), "2026-12-06"),
        # … and 15:30 UTC was already the next day during the summer time of 1988 (+9 h)
        ("Asia/Shanghai", datetime(1988, 6, 1, 15, 30, tzinfo=UTC), "1988-06-02"),
        ("Asia/Shanghai", datetime(1991, 9, 14, 16, 30, tzinfo=UTC), "1991-09-15"),  # last summer-time hour
        # Berlin: +2 h in summer, +1 h in winter
        ("Europe/Berlin", datetime(2026, 7, 1, 22, 30, tzinfo=UTC), "2026-07-02"),
        ("Europe/Berlin", datetime(2026, 12, 1, 22, 30, tzinfo=UTC), "2026-12-01"),
        ("Asia/Kolkata", datetime(2026, 3, 1, 18, 29, tzinfo=UTC), "2026-03-01"),
        ("Asia/Kolkata", datetime(2026, 3, 1, 18, 30, tzinfo=UTC), "2026-03-02"),
    ],
)
def test_local_date_of_a_stored_instant(zone, instant, local_day):
    # given a vehicle last seen at `instant`; when its local date is read; then it is the day in the store's zone
    assert local_dates([instant], zone) == [datetime.fromisoformat(local_day).date()]


@pytest.mark.django_db
def test_no_instant_has_no_local_date():
    assert local_dates([None], "Asia/Shanghai") == [None]


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    zone=st.sampled_from(ZONES),
    instants=st.lists(
        st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)),
        min_size=1,
        max_size=10,
    ),
)
def test_local_date_is_pythons_local_date(zone, instants):
    # given any instants between 1950 and 2090, in a zone with or without summer time
    # when their local dates are read in SQL
    days = local_dates(instants, zone)
    # then each is the date Python gives in that zone
    assert days == [instant.astimezone(ZoneInfo(zone)).date() for instant in instants]


@pytest.mark.django_db
def test_on_sqlite_recent_instants_use_sqlites_own_date_function():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL computes the local date with AT TIME ZONE")
    query = str(Vehicle.objects.annotate(day=LocalDate("last_visit_at", tzinfo=ZoneInfo("Asia/Shanghai"))).query)
    assert "date(" in query and "+28800 seconds" in query
    berlin = str(Vehicle.objects.annotate(day=LocalDate("last_visit_at", tzinfo=ZoneInfo("Europe/Berlin"))).query)
    assert "seconds" not in berlin


@pytest.mark.django_db
def test_on_sqlite_instants_stored_in_another_zone_keep_djangos_function(monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL computes the local date with AT TIME ZONE")
    # given a connection whose stored instants are not UTC (DATABASES TIME_ZONE set)
    monkeypatch.setattr(connection, "timezone_name", "Asia/Shanghai")
    # when the local date is compiled, then the fixed-offset shortcut is not used
    query = str(Vehicle.objects.annotate(day=LocalDate("last_visit_at", tzinfo=ZoneInfo("Asia/Shanghai"))).query)
    assert "seconds" not in query
