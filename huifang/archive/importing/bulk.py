"""Fast multi-row INSERT for the import's largest tables (orders, lines, readings, audit entries).

Django's bulk_create compiles every value of every object through the field machinery, which costs more
than the database itself at 100,000 orders. Here each column's values are converted by the same
`get_db_prep_save`, but once per distinct value; SQLite gets `executemany`, PostgreSQL gets COPY.
"""

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import connection, models

CHUNK = 2000
MEMO_LIMIT = 50_000
# Values psycopg's COPY adapts exactly as Django would have prepared them for PostgreSQL (Django passes
# these through unchanged there): no per-value field machinery needed. Exact types only, not subclasses.
COPY_AS_IS = frozenset({str, int, float, bool, Decimal, datetime, date, type(None)})
# An audit row as a tuple of these columns (every column of AuditEntry but its id): an import writes one per
# created or changed record, through COPY, without a dict per row.
AUDIT_COLUMNS = (
    "at",
    "store_id",
    "actor_id",
    "source",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "changes",
)


def _json_text(field: models.JSONField) -> Callable[[Any], Any]:
    """A JSON column's value as the JSON text Django would have sent (COPY's text format takes it as it is)."""
    dumps = partial(json.dumps, cls=field.encoder)
    # Rows often share one dict (every created record's audit row has the same empty changes, every consent
    # record of a kind the same ones): its text is made once per object. The memo holds the objects, so their
    # ids are not reused while it lives (one write); the rows' values are not changed during their write.
    texts: dict[int, tuple[Any, str]] = {}

    def convert(value: Any) -> Any:
        if type(value) in (dict, list):
            known = texts.get(id(value))
            if known is not None and known[0] is value:
                return known[1]
            text = dumps(value)
            if len(texts) >= MEMO_LIMIT:
                texts.clear()
            texts[id(value)] = (value, text)
            return text
        return field.get_db_prep_save(value, connection)  # None stays SQL NULL; anything else as Django does

    return convert


def _datetime_text() -> Callable[[Any], Any]:
    """A timestamp as the text psycopg's COPY would send for it (its text dumper writes `str(value)`), made once
    for a value many rows share: the import's own time in every row's created_at / updated_at and every audit
    row's `at`. psycopg adapts each datetime on its own (2–3 µs: a dumper chosen per value, by its time zone)."""
    last: list[Any] = [None, None]  # the column's last value and its text

    def convert(value: Any) -> Any:
        if value is last[0]:
            return last[1]
        if type(value) is not datetime:
            return value
        text = str(value)
        last[0], last[1] = value, text
        return text

    return convert


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
    fallbacks = [defaults.get(f.attname, defaults.get(f.name, f.get_default())) for f in fields]
    attnames = [f.attname for f in fields]
    return _converted(fields, (tuple(map(row.get, attnames, fallbacks)) for row in rows))  # row.get(…, default)


def _converted(fields, rows: Iterable[tuple]) -> Iterator[tuple]:
    """Each row's values (in the order of `fields`) as the database driver takes them."""
    converters = [_converter(f) for f in fields]
    # On PostgreSQL a row whose values are all of the plain types COPY takes as they are needs no conversion:
    # one C-level check of the row's value types instead of a Python call per value (a JSON column's dict or
    # list becomes its JSON text first).
    postgres = connection.vendor == "postgresql"
    # Timestamps likewise become their text (see _datetime_text).
    text_at = [
        (i, _json_text(f) if isinstance(f, models.JSONField) else _datetime_text())
        for i, f in enumerate(fields)
        if postgres and isinstance(f, models.JSONField | models.DateTimeField)
    ]
    for values in rows:
        if postgres:
            ready = values
            if text_at:
                ready = list(values)
                for i, as_text in text_at:
                    ready[i] = as_text(ready[i])
            if COPY_AS_IS.issuperset(map(type, ready)):
                yield tuple(ready)
                continue
        yield tuple([convert(value) for convert, value in zip(converters, values, strict=True)])


def _copy(cursor, table: str, columns: str, values: Iterator[tuple]) -> int:
    count = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)
            count += 1
    return count


def insert_rows(
    model: type[models.Model],
    rows: Iterable[dict[str, Any]],
    *,
    defaults: dict[str, Any],
    ignore_conflicts=False,
    with_pk=False,
) -> int:
    """INSERT rows given as {attname: value}; a column missing from a row takes `defaults` or the field default.

    auto_now / auto_now_add columns must be given (in `defaults`): nothing is filled in behind the caller's back.
    With `ignore_conflicts`, rows that break a unique constraint are skipped. With `with_pk`, every row carries
    its primary key (see `insert_objects`).
    """
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    return _write(model, fields, _prepared(fields, rows, defaults), ignore_conflicts=ignore_conflicts)


def insert_tuples(model: type[models.Model], columns: Iterable[str], rows: Iterable[tuple]) -> int:
    """INSERT rows given as tuples of the `columns` (attnames) in that order, the others taking their database
    default: for the largest table (an import's order lines), without a dict per row."""
    fields = [model._meta.get_field(attname) for attname in columns]
    return _write(model, fields, _converted(fields, rows), ignore_conflicts=False)


def _write(model: type[models.Model], fields, values: Iterator[tuple], *, ignore_conflicts: bool) -> int:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
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


def reserve_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` new primary keys for `model`, ascending, taken before the rows are written (so COPY can carry them).

    PostgreSQL: from the table's own sequence in one query, so concurrent writers never get the same ids.
    SQLite: above the highest id the table ever handed out (its AUTOINCREMENT counter), as it would have;
    SQLite has one writer at a time and the import holds it for its whole transaction.
    """
    if n <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, n]
            )
            return sorted(pk for (pk,) in cursor.fetchall())
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX({quote(column)}), 0) FROM {quote(table)}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
        if cursor.fetchone():
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            if found and found[0] > highest:
                highest = found[0]
    return list(range(highest + 1, highest + 1 + n))


def insert_objects(model: type[models.Model], objects: list[models.Model], *, stamps: dict[str, Any]) -> None:
    """Write unsaved instances with ids reserved up front (`reserve_ids`) through `insert_rows`' COPY, and set
    each instance's pk, as `bulk_create` would, without the ORM compiling every value of every object.

    `stamps` gives the auto_now / auto_now_add columns (the import's own time, like its orders and vehicles).
    """
    if not objects:
        return
    ids = reserve_ids(model, len(objects))
    attname = model._meta.pk.attname
    rows = []
    for obj, pk in zip(objects, ids, strict=True):
        setattr(obj, attname, pk)
        obj._state.adding = False
        values = model_values(obj)
        values.update(stamps)
        values[attname] = pk
        rows.append(values)
    insert_rows(model, rows, defaults=stamps, with_pk=True)
