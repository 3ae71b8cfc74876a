"""Sweep statements compiled once per process (issue 18 §2).

A dated reminder's INSERT … SELECT depends on the rule's settings, the store, the kinds the store has switched
on and the database, never on the day: the day only brings parameters (the due days). Compiling it (the ORM
building the candidate query, the consent and segment sub-queries, the staff count) costs more Python than
running it costs the database on a replay, so it is compiled once and kept here, keyed by everything it is
compiled from. Rules are per-store data that change while workers run: every field of the rule is part of
the key, so a changed rule is a new key and is compiled afresh, and the stale statement only ages out.
"""

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.db import connection

# 1,000 stores × 4 dated rules, with room for the settings changed during the day.
STATEMENTS_KEPT = 5000

T = TypeVar("T")


class StatementCache:
    """Least recently used statements, shared by the threads of a process."""

    def __init__(self, size: int = STATEMENTS_KEPT):
        self.size = size
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[return-value]
        value = build()  # outside the lock: two threads may both build once, the result is the same
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def rule_settings(rule) -> tuple:
    """Every stored field of the rule, as a hashable tuple (the segment, a JSON dict, as sorted JSON)."""
    values = []
    for field in rule._meta.concrete_fields:
        value = getattr(rule, field.attname)
        if isinstance(value, dict | list):
            value = json.dumps(value, sort_keys=True)
        values.append(value)
    return tuple(values)


def database_key() -> tuple:
    """The database a statement was compiled for: its connection, SQL dialect and the time zone it stores in."""
    return (connection.alias, connection.vendor, connection.timezone_name)


statements = StatementCache()
