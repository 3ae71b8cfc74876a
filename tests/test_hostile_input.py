"""Hostile input to every page of the project: no form or query string answers a server error.

The walk visits every URL pattern (the resolver, as tests/test_tenancy.py does), so a page is covered the day it
is added. For each role, every page is read with odd query strings (each parameter the page is seen to read,
and the common ones) and every page that takes POST is posted to: first with the fields its forms carry and the
view reads, then field by field with the hostile values of tests/hostile/values.py and another store's ids.
Every request runs in a savepoint that is rolled back, so each meets the same data.

Asserted: never a 5xx; input that is refused (4xx, or the form shown again with errors) writes nothing; a
refusal of one field's value names that field; nothing of the other store changes. The full matrix is walked
by the first role (tests/hostile/world.py ROLES) that may post to a page; the other roles that may open it post
every field hostile at once. SQLite only (Makefile PG_ONCE): the walk checks views, not the database engine.
"""

from collections import defaultdict

import pytest
from django.urls import get_resolver

from .hostile import values
from .hostile.forms import page_forms
from .hostile.probe import ALLOWED_WRITES, DENIED, PROBE, Findings, KeyRecorder, Outcome, run
from .hostile.world import ROLES, foreign_ids_for, foreign_store, policies_ensure, users_by_role
from .test_tenancy import EXCLUDED_PREFIXES, _walk, project_urls, store_a  # noqa: F401 (store_a is a fixture)

# Pages that only hand back stored files or log out: nothing to post to.
SKIPPED_NAMES = {"logout", "set_language"}
# Monitoring answers 503 by design while the worker or scheduler is down (neither runs in tests); a 500 still counts.
REPORTS_503 = {"/health"}


def _namespace(name: str) -> str:
    return name.split(":", 1)[0] if ":" in name else "root"


def _namespaces() -> list[str]:
    found = set()
    for parts, name in _walk(get_resolver().url_patterns):
        if not "".join(str(p) for p in parts).lstrip("^").startswith((*EXCLUDED_PREFIXES, "api/")):
            found.add(_namespace(name))
    return sorted(found)


@pytest.fixture
def world(store_a, other_store):  # noqa: F811
    policies_ensure(store_a.store)
    return {"home": store_a, "users": users_by_role(store_a.store), "foreign": foreign_store(other_store)}


def _refused(outcome: Outcome) -> bool:
    return outcome.status >= 400 or 'class="errorlist' in outcome.body or 'aria-invalid="true"' in outcome.body


class Walk:
    """The findings of one walk, and the requests behind them."""

    def __init__(self, client, world):
        self.client = client
        self.world = world
        self.foreign = world["foreign"]
        self.foreign_before = self.foreign.snapshot()
        self.problems = Findings()
        self.requests = 0

    def send(self, method: str, url: str, data=None, label: str = "") -> Outcome:
        """One request; `label` says what in it is hostile, for the report."""
        self.requests += 1

        def request():
            return getattr(self.client, method)(url, data or {})

        outcome = run(request, (self.foreign_before, self.foreign.snapshot) if method == "post" else None)
        what = f"{method.upper()} {url} {label or _short(data)}"
        if outcome.status >= 500 and not (outcome.status == 503 and url in REPORTS_503):
            self.problems.append(f"{what}: {outcome.status} {outcome.error}")
        if outcome.foreign_changed:
            self.problems.append(f"{what}: changed the other store's data")
        wrote = outcome.writes - ALLOWED_WRITES
        if method == "post" and _refused(outcome) and outcome.status not in DENIED and wrote:
            self.problems.append(f"{what}: refused ({outcome.status}) yet wrote {wrote}")
        return outcome


def _short(data) -> str:
    return ", ".join(f"{k}={str(v)[:20]!r}" for k, v in (data or {}).items() if k != PROBE)


def _hostile_for(field: str, foreign) -> list[str]:
    return [*values.FIELD_VALUES, *foreign_ids_for(field, foreign)]


@pytest.mark.parametrize("namespace", _namespaces())
def test_no_page_answers_hostile_input_with_a_server_error(client, world, namespace):
    # given every page of the namespace, and a user of the home store in each role
    urls = [(url, name) for url, name in project_urls(world["home"]) if _namespace(name) == namespace]
    urls = [(url, name) for url, name in urls if not url.startswith("/api/") and name not in SKIPPED_NAMES]
    walk = Walk(client, world)
    forms: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    posters: dict[str, list[str]] = defaultdict(list)
    readers: dict[str, list[str]] = defaultdict(list)
    # when each role reads every page; the first role that may read it feeds odd values to each parameter
    for role in ROLES:
        client.force_login(world["users"][role])
        for url, _name in urls:
            recorder = KeyRecorder()
            with recorder.recording():
                page = walk.send("get", url, {PROBE: "1"})
            for path, fields in page_forms(url, page.body).items():
                forms[role].setdefault(path, {}).update(fields)
            if page.status in DENIED or page.status >= 300:
                continue
            readers[url].append(role)
            if readers[url][0] != role:
                continue
            for key in sorted(recorder.keys):
                for value in values.QUERY_VALUES:
                    walk.send("get", url, {key: value}, f"?{key}={value[:20]!r}")
    # and posts to every page, first with the fields its forms carry, then with hostile values
    for role in ROLES:
        client.force_login(world["users"][role])
        for url, _name in urls:
            base = dict(forms[role].get(url, {}))
            recorder = KeyRecorder()
            with recorder.recording():
                probe = walk.send("post", url, {**base, PROBE: "1"})
            if probe.status in DENIED:
                continue
            for key in recorder.keys - set(base):
                base[key] = "1"
            if not base:
                continue
            posters[url].append(role)
            first = posters[url][0] == role
            _post_matrix(walk, url, base, full=first)
    # then
    print(f"{namespace}: {walk.requests} requests")
    assert not walk.problems, f"{len(walk.problems)} problems in {walk.requests} requests:\n" + "\n".join(
        walk.problems
    )
    assert walk.requests > len(urls)


def _post_matrix(walk: Walk, url: str, base: dict, *, full: bool) -> None:
    """Every field hostile at once, per value; with `full`, also each field alone per value and each left out."""
    base_ok = not _refused(walk.send("post", url, base, "as the page fills it"))
    for value in values.FORM_VALUES if full else values.SECONDARY_VALUES:
        walk.send("post", url, dict.fromkeys(base, value), f"every field={value[:20]!r}")
    if not full:
        return
    for field in base:
        walk.send("post", url, {k: v for k, v in base.items() if k != field}, f"without {field}")
        for value in _hostile_for(field, walk.foreign):
            outcome = walk.send("post", url, {**base, field: value}, f"{field}={value[:20]!r}")
            if base_ok and _refused(outcome) and outcome.status not in DENIED and field not in outcome.body:
                walk.problems.append(f"POST {url} {field}={value[:20]!r}: refused without naming {field}")
