"""Erasure (anonymisation) of customers: every row that hangs off them is found by walking the foreign keys of
every installed model, changed by the field policy of erasure_fields, and then every text and JSON column of
every table is searched for what is left of their phones, plates, VINs and names (notifications, audit trails,
import logs...) and those values are masked. Rows stay, so counts, scores, amounts and dates still add up."""

import json
import re
from collections.abc import Callable, Iterable

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.models import CharField, DateField, Value
from django.db.models.functions import Cast, Concat, Trunc

from huifang.archive.models import Contact, Customer, Vehicle
from huifang.audit.models import AuditEntry
from huifang.core.phones import display_phone, national_digits

from .erasure_fields import (
    MASK,
    NOT_OWNED,
    PLACEHOLDER_PREFIX,
    REDACTED,
    SKIP_APPS,
    Strategy,
    field_plan,
    model_key,
    scrub_fields,
)

# Ownership is followed this many foreign keys deep (customer -> task -> call -> answer is 3).
MAX_DEPTH = 6
# Ids per IN (...) list and needles per OR, well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 500
NEEDLE_CHUNK = 400
MIN_NAME_LENGTH = 2
MIN_NEEDLE_LENGTH = 5


def _models() -> list[type[models.Model]]:
    return [
        m for m in apps.get_models() if m._meta.managed and not m._meta.proxy and m._meta.app_label not in SKIP_APPS
    ]


def _chunks(ids: Iterable, size: int = CHUNK) -> Iterable[list]:
    ids = sorted(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def owned_ids(customer_ids: Iterable[int]) -> dict[type[models.Model], set]:
    """Every row of every model that belongs to the customers: {model: {pk, ...}}, found through foreign keys."""
    owned: dict[type[models.Model], set] = {Customer: set(customer_ids)}
    candidates = [m for m in _models() if m is not Customer and model_key(m) not in NOT_OWNED]
    for _ in range(MAX_DEPTH):
        grew = False
        for model in candidates:
            links = [
                f
                for f in model._meta.concrete_fields
                if f.is_relation and (f.many_to_one or f.one_to_one) and f.related_model in owned
            ]
            if not links:
                continue
            found: set = set()
            for link in links:
                for chunk in _chunks(owned[link.related_model]):
                    found.update(
                        model._default_manager.filter(**{f"{link.attname}__in": chunk}).values_list("pk", flat=True)
                    )
            if found - owned.get(model, set()):
                owned[model] = owned.get(model, set()) | found
                grew = True
        if not grew:
            break
    return {model: ids for model, ids in owned.items() if ids}


def _placeholder(field: models.Field) -> Concat:
    prefix = PLACEHOLDER_PREFIX if (field.max_length or 100) >= 17 else "E"
    return Concat(Value(prefix), Cast("pk", output_field=CharField()), output_field=CharField())


def _update_values(model: type[models.Model], plan: dict[str, Strategy]) -> dict:
    values: dict = {}
    for name, strategy in plan.items():
        field = model._meta.get_field(name)
        if strategy in (Strategy.CLEAR, Strategy.FILE):
            values[name] = None if field.null and not isinstance(field, models.CharField | models.TextField) else ""
        elif strategy == Strategy.REDACT:
            values[name] = Value(REDACTED)
        elif strategy == Strategy.PLACEHOLDER:
            values[name] = _placeholder(field)
        elif strategy == Strategy.YEAR_ONLY:
            values[name] = Trunc(name, "year", output_field=DateField())
        elif strategy == Strategy.JSON_EMPTY:
            default = field.get_default()
            values[name] = default if default is not None or field.null else {}
    return values


def _anonymise_rows(owned: dict[type[models.Model], set]) -> tuple[dict[str, int], list[str]]:
    """Apply each model's field plan to its owned rows with one UPDATE per chunk; returns counts and files."""
    counts: dict[str, int] = {}
    files: list[str] = []
    for model, ids in owned.items():
        plan = field_plan(model)
        counts[model_key(model)] = len(ids)
        if not plan:
            continue
        file_fields = [name for name, s in plan.items() if s == Strategy.FILE]
        values = _update_values(model, plan)
        for chunk in _chunks(ids):
            rows = model._default_manager.filter(pk__in=chunk)
            for name in file_fields:
                files.extend(n for n in rows.exclude(**{name: ""}).values_list(name, flat=True) if n)
            rows.update(**values)
    return counts, files


def _scrub_changes(model: type[models.Model], changes: dict) -> dict:
    """An audit entry's {field: [old, new]} with the values of every erased field masked."""
    plan = field_plan(model)
    kept = {f.name for f in model._meta.concrete_fields} - set(plan)

    def mask(value):
        if isinstance(value, str):
            return MASK if value else value
        if isinstance(value, list):
            return [mask(v) for v in value]
        if isinstance(value, dict):
            return {k: mask(v) for k, v in value.items()}
        return value

    return {key: value if key in kept else mask(value) for key, value in changes.items()}


def _anonymise_audit_trail(owned: dict[type[models.Model], set]) -> int:
    """The audit entries about the owned rows: the description becomes "<model> #id", erased values masked."""
    total = 0
    for model, ids in owned.items():
        content_type = ContentType.objects.get_for_model(model)
        label = f"{model._meta.verbose_name} #"
        for chunk in _chunks(ids):
            entries = AuditEntry.objects.filter(content_type=content_type, object_id__in=chunk)
            total += entries.update(
                object_repr=Concat(Value(label), Cast("object_id", output_field=CharField()), output_field=CharField())
            )
            # Only entries with recorded values are read back; most are reveals and exports with a field name.
            changed = [e for e in entries.exclude(changes={}).only("pk", "changes")]
            for entry in changed:
                entry.changes = _scrub_changes(model, entry.changes)
            AuditEntry.objects.bulk_update(changed, ["changes"], batch_size=CHUNK)
    return total


def _phone_forms(e164: str) -> set[str]:
    digits = national_digits(e164)
    forms = {e164, digits, display_phone(e164)}
    if len(digits) == 11:
        forms |= {f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", f"{digits[:3]} {digits[3:7]} {digits[7:]}"}
    return {f for f in forms if f and len(f) >= MIN_NEEDLE_LENGTH}


def personal_values(customer_ids: Iterable[int]) -> tuple[set[str], set[str]]:
    """(distinctive values, names) of the customers: phones in every written form, plates, VINs, ID numbers,
    e-mails and addresses; then their names and their contacts' names."""
    ids = list(customer_ids)
    distinctive: set[str] = set()
    names: set[str] = set()
    for chunk in _chunks(ids):
        for row in Customer.objects.filter(pk__in=chunk).values(
            "name", "mobile", "home_phone", "office_phone", "email", "id_number", "address"
        ):
            for key in ("mobile", "home_phone", "office_phone"):
                if row[key]:
                    distinctive |= _phone_forms(row[key])
            distinctive |= {row[k] for k in ("email", "id_number", "address") if len(row[k]) >= MIN_NEEDLE_LENGTH}
            names.add(row["name"])
        for name, phone in Contact.objects.filter(customer__in=chunk).values_list("name", "phone"):
            names.add(name)
            if phone:
                distinctive |= _phone_forms(phone)
        for vin, plate in Vehicle.objects.filter(customer__in=chunk).values_list("vin", "plate"):
            distinctive |= {v for v in (vin, plate) if len(v) >= MIN_NEEDLE_LENGTH}
    names = {n for n in names if len(n) >= MIN_NAME_LENGTH and not n.startswith(PLACEHOLDER_PREFIX)}
    return distinctive, names


def _replace_in(value, pattern: re.Pattern, max_length: int | None):
    if isinstance(value, str):
        new = pattern.sub(MASK, value)
        return new[:max_length] if max_length else new
    if isinstance(value, list):
        return [_replace_in(v, pattern, None) for v in value]
    if isinstance(value, dict):
        return {k: _replace_in(v, pattern, None) for k, v in value.items()}
    return value


def _search_forms(needles: Iterable[str]) -> list[str]:
    """The fewest values to search by: one containing another (+8613812345678 holds 13812345678) is dropped."""
    ordered = sorted(set(needles), key=len)
    kept: list[str] = []
    for needle in ordered:
        if not any(shorter in needle for shorter in kept):
            kept.append(needle)
    return kept


def _rows_containing(model: type[models.Model], field: models.Field, forms: list[str]) -> list[tuple]:
    """(pk, raw value) of the rows whose column contains any of `forms`, in plain SQL: an ORM filter with
    hundreds of ORs spends longer compiling than the database spends searching."""
    quote = connection.ops.quote_name
    column = quote(field.column)
    if isinstance(field, models.JSONField):
        column = f"CAST({column} AS TEXT)"
    test = "instr({col}, %s) > 0" if connection.vendor == "sqlite" else "strpos({col}, %s) > 0"
    pk = quote(model._meta.pk.column)
    rows: list[tuple] = []
    for start in range(0, len(forms), NEEDLE_CHUNK):
        part = forms[start : start + NEEDLE_CHUNK]
        where = " OR ".join(test.format(col=column) for _ in part)
        sql = f"SELECT {pk}, {quote(field.column)} FROM {quote(model._meta.db_table)} WHERE {where}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, part)
            rows.extend(cursor.fetchall())
    return rows


def mask_leftovers(
    *, distinctive: set[str], names: set[str], owned_models: Iterable[type[models.Model]]
) -> dict[str, int]:
    """Mask the values wherever they are still written, in every text and JSON column of every table.

    Names are masked only in tables that hold no customer rows (notifications, audit trails, logs), so another
    customer who happens to share a name keeps it; distinctive values are masked everywhere. Matching rows are
    few, so they are rewritten one by one."""
    owned_models = set(owned_models)
    changed: dict[str, int] = {}
    # Two needle sets (with and without names), each prepared once: its pattern and the values searched by.
    prepared = {}
    for key, needles in (("owned", distinctive), ("loose", distinctive | names)):
        ordered = sorted(needles, key=len, reverse=True)
        prepared[key] = (
            re.compile("|".join(re.escape(n) for n in ordered), re.IGNORECASE) if ordered else None,
            _search_forms(ordered),
            # SQLite keeps JSON with \\uXXXX escapes; PostgreSQL's jsonb prints the characters themselves.
            _search_forms(ordered + [json.dumps(n)[1:-1] for n in ordered]),
        )
    for model in _models():
        pattern, plain_forms, json_forms = prepared["owned" if model in owned_models else "loose"]
        if pattern is None:
            continue
        for field in scrub_fields(model):
            is_json = isinstance(field, models.JSONField)
            seen = set()
            for pk, raw in _rows_containing(model, field, json_forms if is_json else plain_forms):
                if pk in seen:
                    continue
                seen.add(pk)
                value = raw
                if is_json and isinstance(raw, str):
                    value = field.from_db_value(raw, None, connection)
                new = _replace_in(value, pattern, getattr(field, "max_length", None))
                if new != value:
                    model._default_manager.filter(pk=pk).update(**{field.attname: new})
                    changed[model_key(model)] = changed.get(model_key(model), 0) + 1
    return changed


def erase(customer_ids: Iterable[int], *, record: Callable[[dict[str, int]], None]) -> dict[str, int]:
    """Anonymise the customers and everything about them; call inside a transaction.

    `record(counts)` writes the request and audit rows before the final search, so a reason that names the
    customer is masked too. Returns the rows anonymised per model plus the masked leftovers ("masked:<model>")."""
    ids = set(customer_ids)
    distinctive, names = personal_values(ids)
    owned = owned_ids(ids)
    counts, files = _anonymise_rows(owned)
    _anonymise_audit_trail(owned)
    record(counts)
    leftovers = mask_leftovers(distinctive=distinctive, names=names, owned_models=owned)
    counts.update({f"masked:{key}": n for key, n in leftovers.items()})
    # Files go only once the rows are committed, so a rollback leaves every recording in place.
    transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
    return counts
