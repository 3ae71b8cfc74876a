"""Hostile JSON for the API walk: per property by its OpenAPI type, and for the body as a whole."""

from huifang.api import api

# JSON cannot say 1e309 or NaN; these stand in the dumped body and are replaced by the raw literal.
RAW = {"__1e309__": "1e309", "__nan__": "NaN", "__inf__": "-Infinity"}
WRONG_TYPES = (None, [], {}, True)
# One value per kind of trouble per type; kept are every kind that found a 500 or an unnamed 422: ints past 64 bits
# and past 10^9, 1e309, a number for a string (brief_time=12), "yes" for a boolean, an empty key in an object.
BY_TYPE = {
    "string": ("", "x" * 10_000, "a\x00b", "0000-00-00", "9999-12-31", "25:61", 12),
    "integer": (-1, 999999999, 2**63, 1.5, "abc", "__1e309__", "__nan__"),
    "number": (-1, 10**30, "abc", "__1e309__", "__nan__"),
    "boolean": ("yes", 2),
    "array": ("x", {"a": 1}, [None], ["x" * 10_000]),
    "object": ("x", [1], {"": None}),
}
# Whole bodies of the wrong shape: (content type, raw body).
BODIES = (
    ("application/json", ""),
    ("application/json", "[]"),
    ("application/json", "null"),
    ("application/json", "1e309"),
    ("application/json", "{"),
    ("application/json", "\xff\xfe"),
    ("text/plain", "hello"),
)


def resolve(schema: dict) -> dict:
    """The schema behind $ref and nullable anyOf wrappers."""
    components = api.get_openapi_schema()["components"]["schemas"]
    while True:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in schema or "oneOf" in schema or "allOf" in schema:
            options = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
            options = [o for o in options if o.get("type") != "null"]
            schema = options[0] if options else {}
        else:
            return schema


def hostile_values(schema: dict) -> tuple:
    schema = resolve(schema)
    kind = schema.get("type", "string")
    enum = ("not-a-choice",) if "enum" in schema else ()
    return (*enum, *BY_TYPE.get(kind, BY_TYPE["string"]), *WRONG_TYPES)


def dumps_raw(body) -> str:
    import json

    text = json.dumps(body, ensure_ascii=False)
    for token, literal in RAW.items():
        text = text.replace(f'"{token}"', literal)
    return text
