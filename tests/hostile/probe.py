"""Instruments for the hostile-input walk: which request parameters a view reads, which rows a request
writes, and one request run in a savepoint that is always rolled back (so every request meets the same data)."""

import re
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.http import QueryDict

# Writes a refused request may still make: the session, and the access log kept for every read of a customer.
ALLOWED_WRITES = {"django_session", "audit_auditentry", "axes_accessattempt"}
# Answers that mean "not for you / not here": the walk does not post further to such a page.
DENIED = {401, 403, 404, 405, 410}
# A parameter sent with every probe: the recorder notes reads only on the QueryDict that carries it.
PROBE = "_hostile_probe"
_WRITE = re.compile(r'^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class KeyRecorder:
    """Records the names a view reads from request.GET / request.POST (get, getlist, [], in)."""

    def __init__(self):
        self.keys: set[str] = set()

    @contextmanager
    def recording(self):
        names = ("get", "getlist", "__getitem__", "__contains__")
        originals = {name: QueryDict.__dict__.get(name) for name in names}
        for name in names:
            setattr(QueryDict, name, self._wrap(getattr(QueryDict, name)))
        try:
            yield self
        finally:
            for name, original in originals.items():
                if original is None:
                    delattr(QueryDict, name)
                else:
                    setattr(QueryDict, name, original)

    def _wrap(self, original):
        def method(data, key, *args, **kwargs):
            if dict.__contains__(data, PROBE) and isinstance(key, str) and key != PROBE:
                self.keys.add(key)
            return original(data, key, *args, **kwargs)

        return method


@dataclass
class Outcome:
    status: int
    body: str = ""
    writes: set[str] = field(default_factory=set)
    error: str = ""
    foreign_changed: bool = False


class _Rollback(Exception):
    pass


def _where(exc: BaseException) -> str:
    """The innermost frame of the project's own code, so a report names the line to fix."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/huifang/" in f.filename]
    frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__}: {str(exc)[:160]} at {frame.filename.split('/huifang/')[-1]}:{frame.lineno}"


def run(send, foreign_snapshot=None) -> Outcome:
    """Send one request inside a savepoint that is rolled back; an exception is a 500 with where it arose.
    `foreign_snapshot` is taken after a request that wrote, before the rollback."""
    writes: set[str] = set()

    def record(execute, sql, params, many, context):
        found = _WRITE.match(sql)
        if found:
            writes.add(found.group(2).lower())
        return execute(sql, params, many, context)

    outcome = None
    try:
        with transaction.atomic(), connection.execute_wrapper(record):
            response = send()
            body = b"".join(response.streaming_content) if response.streaming else response.content
            outcome = Outcome(response.status_code, body[:200_000].decode("utf-8", errors="replace"), writes)
            if writes - ALLOWED_WRITES and foreign_snapshot is not None:
                outcome.foreign_changed = foreign_snapshot[1]() != foreign_snapshot[0]
            raise _Rollback
    except _Rollback:
        return outcome
    except Exception as exc:  # noqa: BLE001 (any exception a view lets out is the 500 we look for)
        return Outcome(500, error=_where(exc), writes=writes)


class Findings(list):
    """The walk's problems; each is printed as found (pytest -s), so a long walk shows them as it goes."""

    def append(self, problem: str) -> None:
        print(f"HOSTILE {problem}", flush=True)
        super().append(problem)
