"""Querysets compiled to SQL once per process, then run with new row ids (issue 18).

Compiling a queryset (its select list, joins, ordering and column converters) cost the call screen about a
third of its CPU, and every request compiled the same few shapes again for another task. A CompiledQuery
builds and compiles its queryset the first time it runs on a database, keeps only what does not change (the
SQL string, where its id parameters go, the columns' converters and Django's own populators that fill the
model instances and their select_related objects), and from then on runs `cursor.execute(sql, params)`.

The rows become model instances exactly as the queryset's own iteration makes them (ModelIterable), so a
caller cannot tell the two apart; tests/core/test_compiled.py compares them. Only integer parameters
are bound later (row ids): the builder receives each as a distinctive placeholder number, found again among
the compiled parameters; a builder whose placeholder does not come out as one parameter is refused.
Nothing kept is changed after it is made, so the threads of a process share it.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, get_related_populators

# Placeholder ids while compiling: far beyond any real row id, so never mistaken for a constant of the query.
PLACEHOLDER_BASE = 7_770_000_000_001


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple  # constants as compiled, or the name of a parameter given at run time
    names: frozenset
    converters: tuple  # ((column position, converters, expression), ...)
    col_count: int | None  # rows are cut to this many columns (ordering by an extra select), else None
    model: type
    init_list: tuple
    model_start: int
    model_end: int
    populators: tuple
    annotations: tuple  # ((attribute, column position), ...)


class CompiledQuery:
    """`build(**ids)` returns the queryset (model instances, no prefetch); calling the CompiledQuery with the
    same keyword ids returns its rows as a list of instances."""

    def __init__(self, build: Callable[..., QuerySet], *names: str):
        self.build = build
        self.names = names
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def __call__(self, *, using: str = "default", **ids: int) -> list:
        sql, params = self.statement(using=using, **ids)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return self.instances(rows, using=using)

    def statement(self, *, using: str = "default", **ids: int) -> tuple[str, list]:
        """The compiled SQL and its parameters for these ids, for a caller that runs it inside a statement of
        its own (as a subquery: its columns keep their order) and hands the rows to `instances`."""
        compiled = self._compiled_for(using)
        if set(ids) != compiled.names:
            raise TypeError(f"expected the ids {sorted(compiled.names)}, got {sorted(ids)}")
        return compiled.sql, [ids[p.name] if isinstance(p, _Name) else p for p in compiled.params]

    def instances(self, rows, *, using: str = "default") -> list:
        """The model instances of rows of `statement`'s SQL (each row its columns in their order)."""
        compiled = self._compiled_for(using)
        connection = connections[using]
        return [self._instance(compiled, row, using, connection) for row in rows]

    def _compiled_for(self, using: str) -> _Compiled:
        compiled = self._compiled.get(using)
        if compiled is None:
            compiled = self._compile(using)
            with self._lock:
                self._compiled[using] = compiled
        return compiled

    @staticmethod
    def _instance(compiled: _Compiled, row, using: str, connection):
        row = list(row if compiled.col_count is None else row[: compiled.col_count])
        for pos, convs, expression in compiled.converters:
            value = row[pos]
            for converter in convs:
                value = converter(value, expression, connection)
            row[pos] = value
        obj = compiled.model.from_db(using, compiled.init_list, row[compiled.model_start : compiled.model_end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        for attr, pos in compiled.annotations:
            setattr(obj, attr, row[pos])
        return obj

    def _compile(self, using: str) -> _Compiled:
        placeholders = {name: PLACEHOLDER_BASE + i for i, name in enumerate(self.names)}
        queryset = self.build(**placeholders)
        if queryset._prefetch_related_lookups or queryset._iterable_class is not ModelIterable:
            raise ValueError("a compiled query returns model instances and prefetches nothing")
        if queryset._known_related_objects:
            raise ValueError("a compiled query cannot carry known related objects")
        compiler = queryset.query.get_compiler(using=using)
        sql, compiled_params = compiler.as_sql()
        by_value = {value: _Name(name) for name, value in placeholders.items()}
        params = tuple(by_value.get(p, p) if isinstance(p, int) else p for p in compiled_params)
        found = [p.name for p in params if isinstance(p, _Name)]
        if sorted(found) != sorted(self.names):
            raise ValueError(f"each id must be one parameter of the SQL: {sorted(found)} != {sorted(self.names)}")
        select, klass_info = compiler.select, compiler.klass_info
        fields = [s[0] for s in select[0 : compiler.col_count]]
        converters = compiler.get_converters(fields)
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Compiled(
            sql=sql,
            params=params,
            names=frozenset(self.names),
            converters=tuple((pos, tuple(convs), expr) for pos, (convs, expr) in converters.items()),
            col_count=compiler.col_count if compiler.has_extra_select else None,
            model=klass_info["model"],
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            model_start=start,
            model_end=end,
            populators=tuple(get_related_populators(klass_info, select, using)),
            annotations=tuple(compiler.annotation_col_map.items()),
        )


@dataclass(frozen=True)
class _Name:
    name: str
