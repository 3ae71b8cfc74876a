"""Portable date arithmetic for set-based updates (SQLite in embedded mode, PostgreSQL in production)."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connection, transaction
from django.db.models import DateField, FloatField, Func
from django.db.models.functions import TruncDate


class DayNumber(Func):
    """A date as a day count (float), so two dates subtract to days on both databases."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="julianday(%(expressions)s)", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(EXTRACT(EPOCH FROM (%(expressions)s)::timestamp) / 86400.0)", **extra
        )


class AddMonths(Func):
    """date + n calendar months (n a column or a value)."""

    output_field = DateField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite's date(d, '+N months') overflows 31 Jan + 1 month into March; clamp to month end like PostgreSQL.
        template = (
            "(CASE WHEN strftime('%%%%d', date(%(d)s, '+' || %(n)s || ' months')) < strftime('%%%%d', %(d)s) "
            "THEN date(%(d)s, 'start of month', '+' || (%(n)s + 1) || ' months', '-1 day') "
            "ELSE date(%(d)s, '+' || %(n)s || ' months') END)"
        )
        d_sql, d_params = compiler.compile(self.source_expressions[0])
        n_sql, n_params = compiler.compile(self.source_expressions[1])
        sql = template % {"d": d_sql, "n": n_sql}
        # Each placeholder appears more than once in the template; repeat the params in order.
        params: list = []
        for piece in ("d", "n", "d", "d", "n", "d", "n"):
            params.extend(d_params if piece == "d" else n_params)
        return sql, params

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((%(expressions)s * INTERVAL '1 month')::date)",
            arg_joiner=" + ",
            **extra,
        )


class AddDays(Func):
    """date + n days (n may be fractional; it is rounded up to whole days)."""

    output_field = DateField()
    arity = 2

    def as_sqlite(self, compiler, connection, **extra):
        d_sql, d_params = compiler.compile(self.source_expressions[0])
        n_sql, n_params = compiler.compile(self.source_expressions[1])
        # Python's SQLite may lack ceil(); adding just under one day then truncating rounds up for n >= 0.
        return f"date(julianday({d_sql}) + CAST(({n_sql}) + 0.999999 AS INTEGER))", [*d_params, *n_params]

    def as_postgresql(self, compiler, connection, **extra):
        d_sql, d_params = compiler.compile(self.source_expressions[0])
        n_sql, n_params = compiler.compile(self.source_expressions[1])
        return f"(({d_sql})::date + CAST(ceil({n_sql}) AS INTEGER))", [*d_params, *n_params]


# How far the search for a zone's last offset change looks (weekly steps, then to the second).
OFFSET_SEARCH_FROM = datetime(2100, 1, 1, tzinfo=UTC)
OFFSET_SEARCH_TO = datetime(1900, 1, 1, tzinfo=UTC)
OFFSET_SEARCH_STEP = timedelta(days=7)


@cache
def fixed_offset_since(tzname: str) -> tuple[datetime, int] | None:
    """(UTC instant, offset in seconds) when the zone keeps one offset from that instant on (until 2100),
    e.g. Asia/Shanghai +8 h since its last summer time ended in September 1991; None for a zone that still
    changes its clocks (summer time) or an unknown name. Offset changes shorter than a week are not seen."""
    try:
        zone = ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        return None

    def offset(instant: datetime) -> timedelta | None:
        return instant.astimezone(zone).utcoffset()

    fixed = offset(OFFSET_SEARCH_FROM)
    same, probe = OFFSET_SEARCH_FROM, OFFSET_SEARCH_FROM - OFFSET_SEARCH_STEP
    while probe > OFFSET_SEARCH_TO and offset(probe) == fixed:
        same, probe = probe, probe - OFFSET_SEARCH_STEP
    if probe > OFFSET_SEARCH_TO:  # the offset differs at `probe`: find the second it became `fixed`
        while same - probe > timedelta(seconds=1):
            middle = probe + (same - probe) / 2
            if offset(middle) == fixed:
                same = middle
            else:
                probe = middle
    if fixed is None or OFFSET_SEARCH_FROM - same < timedelta(days=366):  # summer time every year
        return None
    return same.replace(microsecond=0) + timedelta(seconds=1 if same.microsecond else 0), int(fixed.total_seconds())


class LocalDate(TruncDate):
    """The local date of an aware datetime in `tzinfo` (Django's TruncDate), native on SQLite where it can be.

    On SQLite Django computes it with a Python function called for every row. When the zone has kept one UTC
    offset since some instant (Asia/Shanghai: +8 h since 1991), rows from that instant on use SQLite's own
    `date(x, '+28800 seconds')`; older rows, and zones with summer time, keep Django's exact function.
    PostgreSQL is unchanged (`AT TIME ZONE`)."""

    def as_sqlite(self, compiler, connection, **extra):
        general_sql, general_params = super().as_sql(compiler, connection)
        tzname = self.get_tzname()
        # Stored instants are UTC text only with USE_TZ and the connection's default time zone.
        fixed = fixed_offset_since(tzname) if tzname and connection.timezone_name == "UTC" else None
        if fixed is None:
            return general_sql, general_params
        since, seconds = fixed
        lhs_sql, lhs_params = compiler.compile(self.lhs)
        # NULL < since is not true: a NULL goes to date(NULL, …), NULL, without calling Python.
        sql = f"(CASE WHEN {lhs_sql} < %s THEN {general_sql} ELSE date({lhs_sql}, %s) END)"
        since_value = connection.ops.adapt_datetimefield_value(since)
        return sql, [*lhs_params, since_value, *general_params, *lhs_params, f"{seconds:+d} seconds"]


# A report's aggregates over millions of rows: JIT compilation costs PostgreSQL about half a second per
# query and buys nothing on scans this size, and the default 4 MB work_mem spills hashes and sorts to disk.
REPORT_WORK_MEM = "64MB"


@contextmanager
def report_session():
    """Run a block of heavy read-only aggregates with report-sized PostgreSQL settings (SET LOCAL, so
    they end with the block's transaction); nothing changes on SQLite."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL jit = off; SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        yield
