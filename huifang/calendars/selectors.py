"""Reads of store calendars: one `core.calendar.StoreCalendar` per store, used by every clock of the store
(complaint business hours, quiet hours of calls, reminders' next working day)."""

from collections.abc import Iterable
from datetime import date

from django.db.models import QuerySet

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.accounts.selectors import stores_where_role
from huifang.core import calendar

from . import rules
from .models import StoreCalendar, StoreDay


def calendar_row_for(*, store: Store) -> StoreCalendar:
    """The store's calendar settings row, created with the defaults the first time."""
    row, _created = StoreCalendar.objects.get_or_create(store=store)
    return row


def _build(row: StoreCalendar | None, days: Iterable[StoreDay]) -> calendar.StoreCalendar:
    weekly = rules.parse_weekly(row.weekly_hours if row else StoreCalendar().weekly_hours)
    return calendar.StoreCalendar(
        weekly=weekly,
        days={d.day: (d.opens, d.closes) if d.is_open else None for d in days},
        follow_official=row.follow_official_holidays if row else StoreCalendar().follow_official_holidays,
    )


def calendar_for(*, store: Store) -> calendar.StoreCalendar:
    """The store's calendar: weekly hours, official holidays and make-up days, its own dated entries (2 queries)."""
    row = StoreCalendar.objects.filter(store=store).first()
    return _build(row, StoreDay.objects.filter(store=store))


def calendars_for(*, stores: Iterable[Store]) -> dict[int, calendar.StoreCalendar]:
    """{store id: calendar} for several stores in two queries (screens that list many stores)."""
    ids = [s.pk for s in stores]
    rows = {r.store_id: r for r in StoreCalendar.objects.filter(store_id__in=ids)}
    days: dict[int, list[StoreDay]] = {pk: [] for pk in ids}
    for d in StoreDay.objects.filter(store_id__in=ids):
        days[d.store_id].append(d)
    return {pk: _build(rows.get(pk), days[pk]) for pk in ids}


def next_working_day(*, store: Store, day: date, include: bool = False) -> date:
    """The store's next open day after `day` (or `day` itself with include=True), for reminders."""
    return calendar_for(store=store).next_open_day(day, include=include)


def store_days(*, store: Store, year: int | None = None):
    """The store's own dated entries, by date."""
    rows = StoreDay.objects.filter(store=store)
    if year is not None:
        rows = rows.filter(day__year=year)
    return rows.order_by("day")


# Who may change a store's opening days, hours and holidays: the care director (who also sets the complaint
# policy on the same settings screens) and the administrator.
CALENDAR_EDITOR_ROLES = frozenset({Role.CARE_DIRECTOR, Role.ADMIN})


def calendar_stores_for(*, user: User) -> QuerySet[Store]:
    """The stores whose calendar the user may edit."""
    return stores_where_role(user=user, roles=CALENDAR_EDITOR_ROLES)
