"""Portable date arithmetic for set-based updates (SQLite in embedded mode, PostgreSQL in production)."""

from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import DateField, FloatField, Func


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
