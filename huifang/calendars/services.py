"""Writes of store calendars: weekly hours and the store's own dates; every change audited."""

from collections.abc import Sequence
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from huifang.accounts.models import Store, User
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record, field_changes
from huifang.core.calendar import Hours

from . import rules
from .models import StoreCalendar, StoreDay
from .selectors import calendar_row_for


def calendar_update(
    *,
    store: Store,
    actor: User | None,
    now: datetime,
    weekly: Sequence[Hours | None] | None = None,
    follow_official_holidays: bool | None = None,
) -> tuple[StoreCalendar, bool]:
    """Change the store's weekly opening hours and whether official holidays apply; returns (row, changed)."""
    values: dict = {}
    if weekly is not None:
        errors = rules.weekly_errors(weekly)
        if errors:
            if any(problem == "never open" for problem in errors.values()):
                raise ValidationError({"weekly": _("The store must open on at least one weekday.")})
            raise ValidationError({"weekly": _("Opening hours must end after they start.")})
        values["weekly_hours"] = rules.weekly_json(weekly)
    if follow_official_holidays is not None:
        values["follow_official_holidays"] = bool(follow_official_holidays)
    row = calendar_row_for(store=store)
    with transaction.atomic():
        locked = StoreCalendar.objects.select_for_update().get(pk=row.pk)
        changes = field_changes({f: getattr(locked, f) for f in values}, values)
        if changes:
            StoreCalendar.objects.filter(pk=row.pk).update(**values)
            audit_record(obj=locked, action=AuditAction.UPDATE, at=now, actor=actor, changes=changes)
    row.refresh_from_db()
    return row, bool(changes)


def store_day_save(
    *,
    store: Store,
    actor: User | None,
    now: datetime,
    day: date,
    is_open: bool,
    opens: time | None = None,
    closes: time | None = None,
    note: str = "",
) -> StoreDay:
    """Set the store's own entry for a date (closed, or open with hours), replacing any earlier one (audited)."""
    if is_open and (opens is None or closes is None or closes <= opens):
        raise ValidationError({"closes": _("Opening hours must end after they start.")})
    values = {
        "is_open": bool(is_open),
        "opens": opens if is_open else None,
        "closes": closes if is_open else None,
        "note": (note or "").strip()[:100],
    }
    with transaction.atomic():
        existing = StoreDay.objects.select_for_update().filter(store=store, day=day).first()
        if existing is None:
            row = StoreDay.objects.create(store=store, day=day, **values)
            audit_record(obj=row, action=AuditAction.CREATE, at=now, actor=actor, changes={"day": day, **values})
            return row
        changes = field_changes({f: getattr(existing, f) for f in values}, values)
        if changes:
            StoreDay.objects.filter(pk=existing.pk).update(**values)
            audit_record(obj=existing, action=AuditAction.UPDATE, at=now, actor=actor, changes=changes)
        existing.refresh_from_db()
        return existing


def store_day_delete(*, store: Store, actor: User | None, now: datetime, day: date) -> bool:
    """Remove the store's entry for a date: the weekly hours and official holidays apply again (audited)."""
    with transaction.atomic():
        row = StoreDay.objects.select_for_update().filter(store=store, day=day).first()
        if row is None:
            return False
        audit_record(
            obj=row,
            action=AuditAction.DELETE,
            at=now,
            actor=actor,
            changes={"day": day, "is_open": row.is_open, "opens": row.opens, "closes": row.closes},
        )
        row.delete()
    return True
