"""Appointment reads, scoped to the user's stores: slots with their load, the calendar, a customer's visits."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet

from huifang.accounts.choices import Role
from huifang.accounts.models import Membership, Store, User
from huifang.accounts.selectors import stores_where_role

from . import rules
from .choices import AppointmentStatus
from .models import Appointment, AppointmentPolicy

# Who books and moves appointments, and who may look at the calendar.
BOOKING_ROLES = (Role.CARE_SPECIALIST, Role.SERVICE_ADVISOR, Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN)
VIEWER_ROLES = (*BOOKING_ROLES, Role.GROUP_MANAGER)
# Who edits the store's appointment settings.
SETTINGS_ROLES = (Role.CARE_DIRECTOR, Role.SERVICE_MANAGER, Role.ADMIN)


def appointment_stores_for(*, user: User, roles: Iterable[str] = VIEWER_ROLES) -> QuerySet[Store]:
    return stores_where_role(user=user, roles=roles).order_by("code")


def appointments_visible_to(*, user: User) -> QuerySet[Appointment]:
    """Every appointment of the stores where the user may see the calendar."""
    return Appointment.objects.filter(store__in=appointment_stores_for(user=user)).select_related(
        "store", "customer", "vehicle", "advisor"
    )


def opening_hours(
    *, store: Store, policy: AppointmentPolicy, day: date, store_calendar=None
) -> tuple[time, time] | None:
    """The hours of `day` in which cars can be booked, or None when the store takes none that day: the store
    calendar's opening hours (its weekdays, official holidays and make-up days, its own dates), narrowed to
    the appointment settings' booking window and weekdays. Pass `store_calendar` (calendars.selectors.
    calendar_for) when asking for several days: building it costs two queries."""
    from huifang.calendars.selectors import calendar_for

    if store_calendar is None:
        store_calendar = calendar_for(store=store)
    hours = store_calendar.hours_on(day)
    if hours is None or not rules.is_open_weekday(day, policy.open_weekdays):
        return None
    start, end = max(hours[0], policy.day_start), min(hours[1], policy.day_end)
    return (start, end) if start < end else None


def slot_load(
    *, store: Store, starts: Iterable[datetime], exclude_id: int | None = None
) -> dict[datetime, tuple[int, set[int]]]:
    """{slot start: (bookings holding it, advisor ids booked in it)} for the given slot starts (one query)."""
    starts = list(starts)
    if not starts:
        return {}
    # Every booking that was not cancelled holds its place (a car that came or stayed away used it).
    rows = Appointment.objects.filter(store=store, starts_at__in=starts).exclude(status=AppointmentStatus.CANCELLED)
    if exclude_id is not None:
        rows = rows.exclude(pk=exclude_id)
    load: dict[datetime, tuple[int, set[int]]] = {}
    for starts_at, advisor_id, count in rows.values_list("starts_at", "advisor_id").annotate(n=Count("pk")).order_by():
        booked, advisors = load.get(starts_at, (0, set()))
        if advisor_id is not None:
            advisors = advisors | {advisor_id}
        load[starts_at] = (booked + count, advisors)
    return load


def day_slots(*, store: Store, policy: AppointmentPolicy, day: date, now: datetime) -> list[dict]:
    """Every slot of the day with its capacity, bookings and whether it can still be booked."""
    return days_slots(store=store, policy=policy, days=[day], now=now)[day]


def days_slots(*, store: Store, policy: AppointmentPolicy, days: list[date], now: datetime) -> dict[date, list[dict]]:
    """{day: its slots} for several days (the week view) in three queries whatever the number of days: the
    store calendar is built once and the bookings of every slot are counted together."""
    from huifang.calendars.selectors import calendar_for

    tz = ZoneInfo(store.time_zone)
    store_calendar = calendar_for(store=store)
    starts_by_day: dict[date, list[datetime]] = {}
    for day in days:
        hours = opening_hours(store=store, policy=policy, day=day, store_calendar=store_calendar)
        starts_by_day[day] = (
            []
            if hours is None
            else rules.slot_starts(day=day, opens=hours[0], closes=hours[1], slot_minutes=policy.slot_minutes, tz=tz)
        )
    load = slot_load(store=store, starts=[s for starts in starts_by_day.values() for s in starts])
    result: dict[date, list[dict]] = {}
    for day, starts in starts_by_day.items():
        slots = []
        for start in starts:
            booked, _advisors = load.get(start, (0, set()))
            slots.append(
                {
                    "start": start,
                    "label": f"{start:%H:%M}",
                    "booked": booked,
                    "capacity": policy.slot_capacity,
                    "free": max(policy.slot_capacity - booked, 0),
                    "bookable": booked < policy.slot_capacity and start > now,
                }
            )
        result[day] = slots
    return result


def appointments_between(*, store: Store, start: datetime, end: datetime, advisor_id: int | None = None):
    rows = Appointment.objects.filter(store=store, starts_at__gte=start, starts_at__lt=end).select_related(
        "customer", "vehicle", "advisor"
    )
    if advisor_id:
        rows = rows.filter(advisor_id=advisor_id)
    return rows.order_by("starts_at", "id")


def day_bounds(day: date, tz: ZoneInfo, days: int = 1) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, start + timedelta(days=days)


def advisors_of(*, store: Store) -> QuerySet[User]:
    """The store's active service advisors (the people a car can be booked with)."""
    ids = Membership.objects.filter(role=Role.SERVICE_ADVISOR, store=store).values("user")
    return User.objects.filter(pk__in=ids, is_active=True).order_by("display_name", "username")


def appointments_for_customer(*, customer) -> QuerySet[Appointment]:
    return customer.appointments.select_related("vehicle", "advisor").order_by("-starts_at")
