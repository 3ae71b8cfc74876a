"""Fast multi-row INSERT for the import's largest tables (orders, lines, readings, audit entries).

Django's bulk_create compiles every value of every object through the field machinery, which costs more
than the database itself at 100,000 orders. Here each column's values are converted by the same
`get_db_prep_save`, but once per distinct value; SQLite gets `executemany`, PostgreSQL gets COPY.
"""

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models

CHUNK = 2000
MEMO_LIMIT = 50_000
# Values psycopg's COPY adapts exactly as Django would have prepared them for PostgreSQL (Django passes
# these through unchanged there): no per-value field machinery needed. Exact types only, not subclasses.
COPY_AS_IS = frozenset({str, int, float, bool, Decimal, datetime, date, type(None)})


def _converter(field: models.Field) -> Callable[[Any], Any]:
    memo: dict[Any, Any] = {}
    as_is = connection.vendor == "postgresql" and not isinstance(field, models.JSONField)

    def convert(value: Any) -> Any:
        if as_is and type(value) in COPY_AS_IS:
            return value
        try:
            return memo[value]
        except KeyError:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            converted = memo[value] = field.get_db_prep_save(value, connection)
            return converted
        except TypeError:  # unhashable (JSON)
            return field.get_db_prep_save(value, connection)

    return convert


def _prepared(fields, rows: Iterable[dict[str, Any]], defaults: dict[str, Any]) -> Iterator[tuple]:
    fallback = {f.attname: defaults.get(f.attname, defaults.get(f.name, f.get_default())) for f in fields}
    plan = [(f.attname, _converter(f), fallback[f.attname]) for f in fields]
    for row in rows:
        yield tuple([convert(row.get(attname, default)) for attname, convert, default in plan])


def _copy(cursor, table: str, columns: str, values: Iterator[tuple]) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)
            count += 1
    return count


def insert_rows(
    model: type[models.Model], rows: Iterable[dict[str, Any]], *, defaults: dict[str, Any], ignore_conflicts=False
) -> int:
    """INSERT rows given as {attname: value}; a column missing from a row takes `defaults` or the field default.

    auto_now / auto_now_add columns must be given (in `defaults`): nothing is filled in behind the caller's back.
    With `ignore_conflicts`, rows that break a unique constraint are skipped.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    values = _prepared(fields, rows, defaults)
    if connection.vendor == "postgresql":
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # the psycopg cursor: COPY is not part of the DB-API
            if not ignore_conflicts:
                return _copy(cursor, table, columns, values)
            staging = quote(f"import_staging_{model._meta.db_table}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
            )
            _copy(cursor, staging, columns, values)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} ON CONFLICT DO NOTHING")
            inserted = cursor.rowcount
            cursor.execute(f"DROP TABLE {staging}")
            return inserted
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    count = 0
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        for row in values:
            batch.append(row)
            if len(batch) >= CHUNK:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def model_values(obj: models.Model) -> dict[str, Any]:
    """An unsaved instance's column values, for insert_rows."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}
