"""Hostile input to every operation of the JSON API (its OpenAPI schema): no call answers a server error.

Each operation is called by each role of the home store: first with a body its schema accepts, then, by the
first role that may call it, with every property set to hostile values of its type (tests/hostile/
api_values.py) or left out, with bodies of the wrong shape (a list, null, broken JSON, duplicate keys, another
content type), and with path ids that do not exist, are not integers, overflow, or are another store's.
Every call runs in a savepoint that is rolled back.

Asserted: never a 5xx; a refused call (4xx) writes nothing; a 422 for one property's value names the property;
nothing of the other store changes. Schemathesis (tests/core/test_schemathesis.py) adds random cases.
"""

import json
import re
from collections import defaultdict

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from huifang.api import api

from .hostile import api_values, values
from .hostile.probe import ALLOWED_WRITES, DENIED, Findings, Outcome, run
from .hostile.world import ROLES, foreign_ids_for, foreign_store, policies_ensure, users_by_role
from .test_tenancy import _example, _fill, api_operations, store_a  # noqa: F401 (store_a is a fixture)

WRITE_METHODS = ("post", "put", "patch", "delete")


def _routers() -> list[str]:
    return sorted({path.split("/")[2] for path in api.get_openapi_schema()["paths"]})


@pytest.fixture
def world(store_a, other_store):  # noqa: F811
    policies_ensure(store_a.store)
    return {"home": store_a, "users": users_by_role(store_a.store), "foreign": foreign_store(other_store)}


class ApiWalk:
    def __init__(self, client, world):
        self.client = client
        self.home = world["home"]
        self.foreign = world["foreign"]
        self.foreign_before = self.foreign.snapshot()
        self.problems = Findings()
        self.requests = 0

    def call(
        self, method, url, *, body=None, raw=None, content_type="application/json", files=None, query=None, label=""
    ):
        self.requests += 1

        def request():
            if method == "get":
                return self.client.get(url, query or {})
            if files is not None:
                return self.client.post(url, files)
            data = raw if raw is not None else api_values.dumps_raw(body if body is not None else {})
            return self.client.generic(method.upper(), url, data.encode("utf-8", "surrogatepass"), content_type)

        outcome = run(request, (self.foreign_before, self.foreign.snapshot) if method != "get" else None)
        what = f"{method.upper()} {url} {label or _short(raw if raw is not None else body or files or query)}"
        if outcome.status >= 500:
            self.problems.append(f"{what}: {outcome.status} {outcome.error}")
        if outcome.foreign_changed:
            self.problems.append(f"{what}: changed the other store's data")
        if outcome.status >= 400 and outcome.status not in DENIED and outcome.writes - ALLOWED_WRITES:
            self.problems.append(f"{what}: refused ({outcome.status}) yet wrote {outcome.writes - ALLOWED_WRITES}")
        return outcome


def _short(data) -> str:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, default=str)
    return text[:80]


def _body_schema(operation: dict) -> tuple[str | None, dict]:
    content = operation.get("requestBody", {}).get("content", {})
    for kind in ("application/json", "multipart/form-data"):
        if kind in content:
            return kind, api_values.resolve(content[kind].get("schema", {}))
    return None, {}


def _path_variants(path: str, walk: ApiWalk) -> list[tuple[str, str]]:
    """(parameter, url) with one path parameter hostile and the others the home store's."""
    variants = []
    for name in re.findall(r"\{(\w+)\}", path):
        for value in (*values.IDS, "0", "x" * 300, *foreign_ids_for(name, walk.foreign)):
            route = re.sub(r"\{(\w+)\}", r"<\1>", path.replace("{" + name + "}", str(value)).lstrip("/"))
            variants.append((name, "/" + _fill(route, walk.home, label=path)))
    return variants


def _upload(content: bytes = "客户名称,手机\n入侵者,13800000000\n".encode(), name: str = "x.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


def _multipart(schema: dict, walk: ApiWalk) -> dict:
    fields = {}
    for key, prop in schema.get("properties", {}).items():
        prop = api_values.resolve(prop)
        if prop.get("format") == "binary" or prop.get("type") == "array":
            fields[key] = _upload()
        else:
            fields[key] = _example(prop, walk.home, key)
    return fields


@pytest.mark.parametrize("router", _routers())
def test_no_api_operation_answers_hostile_input_with_a_server_error(client, world, router):
    walk = ApiWalk(client, world)
    callers: dict[str, list[str]] = defaultdict(list)
    operations = [op for op in api_operations(world["home"]) if op[2].split("/")[2] == router]
    for role in ROLES:
        client.force_login(world["users"][role])
        for method, url, path, operation in operations:
            kind, schema = _body_schema(operation)
            if method == "get":
                base = walk.call("get", url, query=operation["_query"])
            elif kind == "multipart/form-data":
                base = walk.call(method, url, files=_multipart(schema, walk))
            else:
                body = _example(schema, walk.home) if schema else {}
                base = walk.call(method, url, body=body)
            if base.status in DENIED:
                continue
            callers[path + method].append(role)
            full = callers[path + method][0] == role
            _walk_operation(walk, method, url, path, operation, kind, schema, base, full=full)
    assert not walk.problems, f"{len(walk.problems)} problems in {walk.requests} calls:\n" + "\n".join(walk.problems)
    assert walk.requests >= len(operations)


def _walk_operation(walk, method, url, path, operation, kind, schema, base: Outcome, *, full: bool) -> None:
    body = _example(schema, walk.home) if schema and kind == "application/json" else {}
    if not full:
        # Another role that may call it: every property of the wrong type at once.
        if method != "get" and kind != "multipart/form-data":
            for value in (2**63,):  # one body: past 64 bits found the most
                walk.call(method, url, body=dict.fromkeys(schema.get("properties", {}), value))
        return
    for _name, variant in _path_variants(path, walk):
        if method == "get":
            walk.call("get", variant, query=operation["_query"])
        elif kind == "multipart/form-data":
            walk.call(method, variant, files=_multipart(schema, walk))
        else:
            walk.call(method, variant, body=body)
    if method == "get":
        _walk_query(walk, url, operation)
        return
    if kind == "multipart/form-data":
        _walk_multipart(walk, method, url, schema)
        return
    for content_type, raw in api_values.BODIES:
        walk.call(method, url, raw=raw, content_type=content_type)
    if not schema:
        return
    accepted = base.status < 400
    for key, prop in schema.get("properties", {}).items():
        walk.call(method, url, body={k: v for k, v in body.items() if k != key}, label=f"without {key}")
        duplicate = api_values.dumps_raw(body)[:-1] + f', "{key}": null}}' if body else f'{{"{key}": 1, "{key}": null}}'
        walk.call(method, url, raw=duplicate, label=f"{key} twice")
        for value in api_values.hostile_values(prop):
            outcome = walk.call(method, url, body={**body, key: value}, label=f"{key}={str(value)[:20]!r}")
            if accepted and outcome.status == 422 and key not in outcome.body:
                walk.problems.append(f"{method.upper()} {url} {key}={str(value)[:20]!r}: 422 without naming {key}")


def _walk_query(walk, url, operation) -> None:
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        for value in (*api_values.hostile_values(parameter.get("schema", {})), *values.QUERY_VALUES):
            if isinstance(value, (list, dict)) or value is None:
                continue
            walk.call("get", url, query={**operation["_query"], parameter["name"]: value})


def _walk_multipart(walk, method, url, schema) -> None:
    files = (b"", b"\x00\x01\x02", b"\xff\xfe\xfa", "=1+1,@SUM(1)\n\x00,\u202e\n".encode(), b"PK\x03\x04broken")
    for content in files:
        fields = _multipart(schema, walk)
        for key, value in fields.items():
            if isinstance(value, SimpleUploadedFile):
                fields[key] = _upload(content, "x.xlsx" if content.startswith(b"PK") else "x.csv")
        walk.call(method, url, files=fields)
    for key, prop in schema.get("properties", {}).items():
        if api_values.resolve(prop).get("format") == "binary":
            continue
        for value in (*values.TEXT[:4], *values.NUMBERS[:3], *values.IDS[:3]):
            walk.call(method, url, files={**_multipart(schema, walk), key: value})
