"""The rows of a saved call written in hand-made SQL (issue 18): the contact attempt, the task's move, the call
record, its answers and, when nothing else is written between them, both audit entries.

On PostgreSQL they go in one statement (data-modifying CTEs: the call points at the attempt, the answers and
the call's audit entry at the call, through `(SELECT id FROM …)`), one round trip where the ORM took five;
on SQLite, which has no INSERT inside WITH, one statement after the other. The values are the ones the ORM
writes: each field's own `pre_save` and `get_db_prep_save`, as Django's insert and update compilers call them.
The statements are constant strings per shape (tables, columns, number of answers and audit entries), built
once per process, so PostgreSQL's prepared statements serve them. tests/workbench/test_save_rows.py compares
every row with the ORM's.
"""

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from django.db import connection
from django.db.models import Model

from huifang.audit.models import AuditEntry
from huifang.followups.choices import FAILED_OUTCOMES
from huifang.followups.models import ContactAttempt, FollowUpTask

from .models import Answer, CallRecord

FAILED = tuple(sorted(FAILED_OUTCOMES))


class _Ref:
    """A column filled by the statement with the id of a row it inserts (the attempt's, the call's)."""

    def __init__(self, name: str):
        self.name = name


ATTEMPT_ID = _Ref("a")
CALL_ID = _Ref("c")


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
    col = ContactAttempt._meta.get_field("at").get_col(ContactAttempt._meta.db_table)
    converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
    with connection.cursor() as cursor:
        cursor.execute(_failed_sql(), [task_id, *FAILED])
        values = [row[0] for row in cursor.fetchall()]
    for converter in converters:
        values = [converter(v, col, connection) for v in values]
    return values


def _row(obj: Model, refs: dict[str, _Ref]) -> list:
    """The values Django's insert compiler writes for `obj` (pre_save, then get_db_prep_save), with the
    columns named in `refs` left to the statement."""
    return [
        refs[f.attname] if f.attname in refs else f.get_db_prep_save(f.pre_save(obj, True), connection=connection)
        for f in _fields(type(obj))
    ]


def call_rows_write(
    *,
    attempt: ContactAttempt,
    task_id: int,
    update: dict,
    call: CallRecord,
    answers: Sequence[Answer],
    entries: Sequence[AuditEntry],
    call_entry: AuditEntry | None = None,
) -> None:
    """Insert the attempt, UPDATE the task with `update` (field: value), insert the call (its attempt: the
    attempt just inserted), its answers (their call: that call) and the audit `entries` then `call_entry` (whose
    object is the call); the ids are set on the instances, as save() sets them."""
    update_fields = tuple(FollowUpTask._meta.get_field(name) for name in update)
    update_values = [f.get_db_prep_save(update[f.name], connection=connection) for f in update_fields]
    attempt_row = _row(attempt, {})
    call_row = _row(call, {"attempt_id": ATTEMPT_ID})
    answer_rows = [_row(a, {"call_id": CALL_ID}) for a in answers]
    entry_rows = [_row(e, {}) for e in entries] + ([_row(call_entry, {"object_id": CALL_ID})] if call_entry else [])
    shape = (tuple(f.column for f in update_fields), len(answer_rows), len(entries), call_entry is not None)
    if connection.vendor == "postgresql":
        params = [*attempt_row]
        if update_fields:
            params += [*update_values, task_id]
        for row in (call_row, *answer_rows, *entry_rows):
            params += [v for v in row if not isinstance(v, _Ref)]
        with connection.cursor() as cursor:
            cursor.execute(_cte_sql(*shape), params)
            attempt_id, call_id = cursor.fetchone()
    else:
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(ContactAttempt, 1), attempt_row)
            attempt_id = cursor.lastrowid
            if update_fields:
                cursor.execute(_update_sql(shape[0]), [*update_values, task_id])
            ids = {"a": attempt_id}
            cursor.execute(_insert_sql(CallRecord, 1), _filled(call_row, ids))
            call_id = ids["c"] = cursor.lastrowid
            if answer_rows:
                cursor.execute(_insert_sql(Answer, len(answer_rows)), [v for r in answer_rows for v in _filled(r, ids)])
            if entry_rows:
                cursor.execute(
                    _insert_sql(AuditEntry, len(entry_rows)), [v for r in entry_rows for v in _filled(r, ids)]
                )
    attempt.pk = attempt_id
    call.attempt_id = attempt_id
    call.pk = call_id
    for answer in answers:
        answer.call_id = call_id
    if call_entry is not None:
        call_entry.object_id = call_id
    for obj in (attempt, call, *answers, *entries, *([call_entry] if call_entry else [])):
        obj._state.adding, obj._state.db = False, connection.alias


def _filled(row: list, ids: dict[str, int]) -> list:
    return [ids[v.name] if isinstance(v, _Ref) else v for v in row]


def _columns(model: type[Model]) -> str:
    return ", ".join(connection.ops.quote_name(f.column) for f in _fields(model))


def _values(row_refs: Sequence[str | None]) -> str:
    """One VALUES tuple: a parameter per column, or the id of the row a CTE inserted."""
    return "(" + ", ".join(f"(SELECT id FROM {ref})" if ref else "%s" for ref in row_refs) + ")"


def _refs(model: type[Model], refs: dict[str, str]) -> list[str | None]:
    return [refs.get(f.attname) for f in _fields(model)]


@cache
def _insert_sql(model: type[Model], rows: int) -> str:
    values = ", ".join([_values([None] * len(_fields(model)))] * rows)
    return f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({_columns(model)}) VALUES {values}"


@cache
def _update_sql(columns: tuple[str, ...]) -> str:
    sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    return f"UPDATE {connection.ops.quote_name(FollowUpTask._meta.db_table)} SET {sets} WHERE id = %s"


@cache
def _cte_sql(update_columns: tuple[str, ...], answers: int, entries: int, call_entry: bool) -> str:
    """PostgreSQL: every write of the save in one statement; it answers (attempt id, call id)."""
    q = connection.ops.quote_name

    def insert(model, rows: list[list[str | None]], returning: bool) -> str:
        values = ", ".join(_values(r) for r in rows)
        tail = " RETURNING id" if returning else ""
        return f"INSERT INTO {q(model._meta.db_table)} ({_columns(model)}) VALUES {values}{tail}"

    parts = [f"a AS ({insert(ContactAttempt, [_refs(ContactAttempt, {})], True)})"]
    if update_columns:
        parts.append(f"u AS ({_update_sql(update_columns)})")
    parts.append(f"c AS ({insert(CallRecord, [_refs(CallRecord, {'attempt_id': 'a'})], True)})")
    if answers:
        parts.append(f"n AS ({insert(Answer, [_refs(Answer, {'call_id': 'c'})] * answers, False)})")
    entry_rows = [_refs(AuditEntry, {})] * entries + ([_refs(AuditEntry, {"object_id": "c"})] if call_entry else [])
    if entry_rows:
        parts.append(f"e AS ({insert(AuditEntry, entry_rows, False)})")
    return "WITH " + ", ".join(parts) + " SELECT (SELECT id FROM a), (SELECT id FROM c)"
