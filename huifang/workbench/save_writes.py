"""The rows of a saved call written in hand-made SQL (issue 18): the contact attempt, the task's move, the call
record, its answers and, when nothing else is written between them, both audit entries.

On PostgreSQL they go in one statement (data-modifying CTEs: the call points at the attempt and its task, the
answers and the call's audit entry at the call, through `(SELECT id FROM …)`; the answers as one array per
column, UNNEST, as bulk_create writes them), one round trip where the ORM took five; on SQLite, which has no
INSERT inside WITH, one statement after the other. The values are the ones the ORM writes: each field's own
`pre_save` and `get_db_prep_save`, as Django's insert and update compilers call them. The statements are
constant strings per shape (the task's columns changed; answers or not; audit entries or not), built once per
process, so PostgreSQL's prepared statements serve them. tests/workbench/test_save_writes.py compares every
column with the ORM's, tests/workbench/test_save_rows.py every row of the screen's two usual saves.
"""

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from django.db import connection, models
from django.db.models import Model

from huifang.audit.models import AuditEntry
from huifang.followups.choices import FAILED_OUTCOMES
from huifang.followups.models import ContactAttempt, FollowUpTask

from .models import Answer, CallRecord

FAILED = tuple(sorted(FAILED_OUTCOMES))


class _Ref:
    """A column the statement fills from a row it inserts: `(SELECT column FROM cte)` on PostgreSQL, the value
    the earlier INSERT gave on SQLite."""

    def __init__(self, cte: str, column: str):
        self.key = (cte, column)
        self.sql = f"(SELECT {column} FROM {cte})"


ATTEMPT_ID = _Ref("a", "id")
ATTEMPT_TASK = _Ref("a", "task_id")
CALL_ID = _Ref("c", "id")


@cache
def _fields(model: type[Model]) -> tuple:
    return tuple(f for f in model._meta.concrete_fields if not f.primary_key)


@cache
def _failed_sql() -> str:
    table = ContactAttempt._meta.db_table
    outcomes = ", ".join(["%s"] * len(FAILED))
    # In the ORM's order (ContactAttempt's ordering: at, then id).
    return f"SELECT at FROM {table} WHERE task_id = %s AND outcome IN ({outcomes}) ORDER BY at, id"


def failed_before(*, task_id: int) -> list[datetime]:
    """The times of the task's failed attempts, oldest first (attempt_move's `failed_before`), converted as
    the ORM converts them (SQLite answers text)."""
    with connection.cursor() as cursor:
        cursor.execute(_failed_sql(), [task_id, *FAILED])
        values = [row[0] for row in cursor.fetchall()]
    if values:
        col, converters = _failed_converters(connection.vendor)
        for converter in converters:
            values = [converter(v, col, connection) for v in values]
    return values


@cache
def _failed_converters(vendor: str) -> tuple:
    """The column `at` and the ORM's converters of its values on this database (kept per process and vendor)."""
    col = ContactAttempt._meta.get_field("at").get_col(ContactAttempt._meta.db_table)
    return col, tuple(connection.ops.get_db_converters(col) + col.get_db_converters(connection))


# The columns Django writes without converting them, by the field's exact class (a subclass may convert
# otherwise); their pre_save is the attribute itself. None is written as None by each of them.
_TEXT = (models.CharField, models.TextField)  # to_python gives a str (a choice too) as it is
_INTEGER = (models.IntegerField, models.SmallIntegerField, models.PositiveSmallIntegerField,
            models.PositiveIntegerField, models.BigIntegerField)  # fmt: skip
_KEY = (models.ForeignKey, models.OneToOneField)
_AUTO = (models.AutoField, models.BigAutoField, models.SmallAutoField)  # a key to one: int() and no adapting


@cache
def _kind(field) -> str:
    if type(field) in _TEXT:
        return "text"
    if type(field) in _INTEGER:
        return "integer"
    if type(field) in _KEY and type(field.target_field) in _AUTO:
        return "key"
    if type(field) is models.DateTimeField and not (field.auto_now or field.auto_now_add):
        return "datetime"
    return ""


def _value(field, obj: Model):
    """What Django's insert compiler writes for `field` of `obj`: pre_save, then get_db_prep_save (issue 18: ~15
    Python calls a column, ~50 columns a save, ~90 with the answers); for None, a str in a text column, a
    plain int in an integer column (the backend's adapt_integerfield_value, as IntegerField.get_db_prep_value)
    or in a key to an auto id (int(), as AutoFieldMixin.get_db_prep_value), an aware datetime in a datetime
    column (the backend's adapt_datetimefield_value, as DateTimeField.get_db_prep_value) what those give,
    without them."""
    kind = _kind(field)
    if kind:  # pre_save of these is the attribute itself
        return _prepared(field, kind, getattr(obj, field.attname))
    return field.get_db_prep_save(field.pre_save(obj, True), connection=connection)


def _prepared(field, kind: str, value):
    """field.get_db_prep_save(value) for a field of `kind` (_kind's), the short way where _value says."""
    if value is None:
        return None
    if kind == "text" and isinstance(value, str):  # a choice (TextChoices) too: to_python keeps it
        return value
    if type(value) is int:
        if kind == "key":
            return value
        if kind == "integer":
            return connection.ops.adapt_integerfield_value(value, field.get_internal_type())
    # A naive one goes the long way (Django warns and makes it aware), as does anything but a datetime.
    if kind == "datetime" and type(value) is datetime and value.utcoffset() is not None:
        return connection.ops.adapt_datetimefield_value(value)
    return field.get_db_prep_save(value, connection=connection)


def _update_value(field, value):
    """What Django's UPDATE writes for `value` in `field` (get_db_prep_save), the short way where _value says."""
    kind = _kind(field)
    return _prepared(field, kind, value) if kind else field.get_db_prep_save(value, connection=connection)


@cache
def _plan(model: type[Model]) -> tuple:
    """(field, attname, _kind) of each column an insert writes, kept per process (a field's hash is Python)."""
    return tuple((f, f.attname, _kind(f)) for f in _fields(model))


def _row(obj: Model, refs: dict[str, _Ref]) -> list:
    """The values Django's insert compiler writes for `obj` (each as _value gives it), with the columns named in
    `refs` left to the statement."""
    row = []
    for field, attname, kind in _plan(type(obj)):
        if attname in refs:
            row.append(refs[attname])
        elif kind:  # pre_save of these is the attribute itself
            value = getattr(obj, attname)
            if value is None or (kind == "text" and type(value) is str) or (kind == "key" and type(value) is int):
                row.append(value)
            else:
                row.append(_prepared(field, kind, value))
        else:
            row.append(field.get_db_prep_save(field.pre_save(obj, True), connection=connection))
    return row


def _shape(row: list) -> tuple:
    return tuple(v.key if isinstance(v, _Ref) else None for v in row)


def call_rows_write(
    *,
    attempt: ContactAttempt,
    update: dict,
    call: CallRecord,
    answers: Sequence[Answer],
    entries: Sequence[AuditEntry],
    call_entry: AuditEntry | None = None,
) -> None:
    """Insert the attempt, UPDATE its task with `update` (field: value), insert the call (its attempt: the
    attempt just inserted), its answers (their call: that call) and the audit `entries` then `call_entry` (whose
    object is the call); the ids are set on the instances, as save() sets them."""
    if call.task_id != attempt.task_id:
        raise ValueError("the call and its attempt are about one task")
    update_fields = tuple(FollowUpTask._meta.get_field(name) for name in update)
    # NULLs (the hold given back) are written into the statement: fewer parameters, still few shapes.
    update_values = [_update_value(f, update[f.name]) for f in update_fields]
    update_columns = tuple((f.column, v is None) for f, v in zip(update_fields, update_values, strict=True))
    update_values = [v for v in update_values if v is not None]
    attempt_row = _row(attempt, {})
    call_row = _row(call, {"attempt_id": ATTEMPT_ID, "task_id": ATTEMPT_TASK})
    answer_rows = [_row(a, {"call_id": CALL_ID}) for a in answers]
    entry_rows = [_row(e, {}) for e in entries] + ([_row(call_entry, {"object_id": CALL_ID})] if call_entry else [])
    if connection.vendor == "postgresql":
        # The answers as one array per column (UNNEST, as bulk_create writes them): one statement whatever their
        # number, and few parameters (psycopg keeps the parsed form of a statement of at most 50).
        params = [*attempt_row, *update_values, *_given(call_row), *_arrays(answer_rows)]
        params += [v for row in entry_rows for v in _given(row)]
        sql = _cte_sql(update_columns, bool(answer_rows), tuple(_shape(row) for row in entry_rows))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            attempt_id, call_id = cursor.fetchone()
    else:
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(ContactAttempt, 1), attempt_row)
            attempt_id = cursor.lastrowid
            ids = {ATTEMPT_ID.key: attempt_id, ATTEMPT_TASK.key: attempt.task_id}
            if update_fields:
                cursor.execute(_update_sql(update_columns, "%s"), [*update_values, attempt.task_id])
            cursor.execute(_insert_sql(CallRecord, 1), _filled(call_row, ids))
            call_id = ids[CALL_ID.key] = cursor.lastrowid
            for model, rows in ((Answer, answer_rows), (AuditEntry, entry_rows)):
                if rows:
                    cursor.execute(_insert_sql(model, len(rows)), [v for r in rows for v in _filled(r, ids)])
    attempt.pk = attempt_id
    call.attempt_id = attempt_id
    call.pk = call_id
    for answer in answers:
        answer.call_id = call_id
    if call_entry is not None:
        call_entry.object_id = call_id
    for obj in (attempt, call, *answers, *entries, *([call_entry] if call_entry else [])):
        obj._state.adding, obj._state.db = False, connection.alias


def _given(row: list) -> list:
    return [v for v in row if not isinstance(v, _Ref)]


def _filled(row: list, ids: dict[tuple, int]) -> list:
    return [ids[v.key] if isinstance(v, _Ref) else v for v in row]


def _arrays(rows: list[list]) -> list[list]:
    """The rows' columns as arrays for UNNEST, but the columns the statement fills."""
    return [list(column) for column in zip(*rows, strict=True) if not isinstance(column[0], _Ref)]


def _columns(model: type[Model]) -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in _fields(model))


def _values(shape: tuple) -> str:
    """One VALUES tuple: a parameter per column, or what the statement fills in."""
    return "(" + ", ".join(f"(SELECT {ref[1]} FROM {ref[0]})" if ref else "%s" for ref in shape) + ")"


@cache
def _insert_sql(model: type[Model], rows: int) -> str:
    values = ", ".join([_values((None,) * len(_fields(model)))] * rows)
    return f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({_columns(model)}) VALUES {values}"


@cache
def _update_sql(columns: tuple[tuple[str, bool], ...], task: str) -> str:
    """The task's UPDATE; `columns`: (column, set to NULL) pairs."""
    sets = ", ".join(f"{connection.ops.quote_name(c)} = {'NULL' if null else '%s'}" for c, null in columns)
    return f"UPDATE {connection.ops.quote_name(FollowUpTask._meta.db_table)} SET {sets} WHERE id = {task}"


def _unnest_insert(model: type[Model], filled: dict[str, _Ref]) -> str:
    """INSERT … SELECT … FROM UNNEST(one array per column), the `filled` columns from the statement."""
    arrays, names, select = [], [], []
    for f in _fields(model):
        if f.attname in filled:
            select.append(filled[f.attname].sql)
            continue
        names.append(f"x{len(names)}")
        arrays.append(f"(%s)::{f.db_type(connection).split('(')[0]}[]")  # varchar[], not varchar(50)[]
        select.append(names[-1])
    return (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({_columns(model)})"
        f" SELECT {', '.join(select)} FROM UNNEST({', '.join(arrays)}) AS x({', '.join(names)})"
    )


@cache
def _cte_sql(update_columns: tuple[tuple[str, bool], ...], answers: bool, entry_shapes: tuple[tuple, ...]) -> str:
    """PostgreSQL: every write of the save in one statement; it answers (attempt id, call id)."""
    q = connection.ops.quote_name

    def insert(model, shapes: list[tuple], returning: str = "") -> str:
        values = ", ".join(_values(shape) for shape in shapes)
        tail = f" RETURNING {returning}" if returning else ""
        return f"INSERT INTO {q(model._meta.db_table)} ({_columns(model)}) VALUES {values}{tail}"

    def shape(model, refs: dict[str, _Ref]) -> tuple:
        return tuple(refs[f.attname].key if f.attname in refs else None for f in _fields(model))

    parts = [f"a AS ({insert(ContactAttempt, [shape(ContactAttempt, {})], 'id, task_id')})"]
    if update_columns:
        parts.append(f"u AS ({_update_sql(update_columns, ATTEMPT_TASK.sql)})")
    call_shape = shape(CallRecord, {"attempt_id": ATTEMPT_ID, "task_id": ATTEMPT_TASK})
    parts.append(f"c AS ({insert(CallRecord, [call_shape], 'id')})")
    if answers:
        parts.append(f"n AS ({_unnest_insert(Answer, {'call_id': CALL_ID})})")
    if entry_shapes:
        parts.append(f"e AS ({insert(AuditEntry, list(entry_shapes))})")
    return "WITH " + ", ".join(parts) + " SELECT (SELECT id FROM a), (SELECT id FROM c)"
