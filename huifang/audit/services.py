"""Recording the audit trail: one entry per change, written in the caller's transaction."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, time):
        # Opening and business hours: "08:30", the way the settings screens show them.
        return value.strftime("%H:%M") if not value.second else value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value differs."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(after[key])]
        for key in after
        if _jsonable(before.get(key)) != _jsonable(after[key])
    }


def audit_entry(
    *, obj: models.Model, action: str, at: datetime, actor=None, source: str = "web", changes: dict | None = None
) -> AuditEntry:
    """An unsaved entry for `obj`, for callers that bulk-create many at once."""
    return AuditEntry(
        at=at,
        store_id=getattr(obj, "store_id", None),
        actor=actor if actor is not None and actor.is_authenticated else None,
        source=source,
        action=action,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        changes={
            k: [_jsonable(v) for v in pair] if isinstance(pair, list | tuple) else _jsonable(pair)
            for k, pair in (changes or {}).items()
        },
    )


def audit_record(
    *, obj: models.Model, action: str, at: datetime, actor=None, source: str = "web", changes: dict | None = None
) -> AuditEntry:
    """Record one change or access of `obj`."""
    entry = audit_entry(obj=obj, action=action, at=at, actor=actor, source=source, changes=changes)
    entry.save()
    return entry


def audit_record_many(entries: Iterable[AuditEntry], *, batch_size: int = 2000) -> int:
    """Insert prepared entries in bulk (imports record thousands of changes at once)."""
    created = AuditEntry.objects.bulk_create(list(entries), batch_size=batch_size)
    return len(created)
