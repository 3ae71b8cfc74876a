"""Appointment screens: the store's day/week calendar with capacity, booking, moving and cancelling, and the
customer's own signed page to confirm, move or cancel."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from huifang.accounts.selectors import has_role
from huifang.archive.models import Customer
from huifang.core import clock
from huifang.core.form_errors import form_add_validation_errors
from huifang.core.permissions import require_store_role, role_required
from huifang.core.throttle import rate_limited

from . import selectors, services
from .choices import PENDING_STATUSES, AppointmentSource, AppointmentStatus
from .forms import BookingForm, PolicyForm, ReasonForm, RescheduleForm
from .models import Appointment
from .tokens import token_read

PUBLIC_RATE_LIMIT = (30, 600)  # requests per address per 10 minutes, as the survey page


# A day further than this from the page's default is a mistyped year (or 9999-12-31, whose week and next
# day overflow the calendar): the page opens on its default day instead.
DAY_REACH = timedelta(days=3660)


def _day(value: str | None, default: date) -> date:
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    return day if abs(day - default) <= DAY_REACH else default


def _slot_start(day: date, slot: str, tz: ZoneInfo) -> datetime:
    try:
        hour, minute = (int(part) for part in slot.split(":"))
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    except (ValueError, TypeError) as exc:
        raise ValidationError({"slot": _("Choose a time slot.")}) from exc


def _errors(exc: ValidationError) -> list[str]:
    return [m for msgs in exc.message_dict.values() for m in msgs] if hasattr(exc, "error_dict") else exc.messages


@role_required(*selectors.VIEWER_ROLES)
def calendar(request):
    """The front desk's view: a store's day (slots, capacity, bookings) or week, optionally one advisor's."""
    stores = list(selectors.appointment_stores_for(user=request.user))
    if not stores:
        raise Http404
    store = next((s for s in stores if str(s.pk) == request.GET.get("store")), stores[0])
    tz = ZoneInfo(store.time_zone)
    now = clock.now()
    today = now.astimezone(tz).date()
    day = _day(request.GET.get("day"), today)
    week = request.GET.get("view") == "week"
    advisors = list(selectors.advisors_of(store=store))
    advisor_id = next((a.pk for a in advisors if str(a.pk) == request.GET.get("advisor")), None)
    if advisor_id is None and "advisor" not in request.GET and any(a.pk == request.user.pk for a in advisors):
        advisor_id = request.user.pk  # an advisor opens on their own list for the day
    policy = services.policy_for(store=store)
    first = day - timedelta(days=day.weekday()) if week else day
    days = [first + timedelta(days=i) for i in range(7 if week else 1)]
    start, end = selectors.day_bounds(first, tz, days=len(days))
    appointments = list(selectors.appointments_between(store=store, start=start, end=end, advisor_id=advisor_id))
    by_start: dict[datetime, list[Appointment]] = {}
    for appointment in appointments:
        by_start.setdefault(appointment.starts_at, []).append(appointment)
    columns = []
    slots_by_day = selectors.days_slots(store=store, policy=policy, days=days, now=now)
    for d in days:
        slots = slots_by_day[d]
        for slot in slots:
            slot["appointments"] = by_start.get(slot["start"], [])
        # count: the store's bookings that day; shown: those listed (one advisor's when the list is filtered).
        shown = sum(len(s["appointments"]) for s in slots)
        columns.append({"day": d, "slots": slots, "count": sum(s["booked"] for s in slots), "shown": shown})
    context = {
        "store": store,
        "stores": stores,
        "day": day,
        "today": today,
        "week": week,
        "columns": columns,
        "advisors": advisors,
        "advisor_id": advisor_id,
        "appointments": appointments,
        "policy": policy,
        "previous": day - timedelta(days=7 if week else 1),
        "next": day + timedelta(days=7 if week else 1),
        "tomorrow": today + timedelta(days=1),
        "may_book": has_role(user=request.user, store=store, roles=selectors.BOOKING_ROLES),
    }
    return render(request, "appointments/calendar.html", context)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@role_required(*selectors.BOOKING_ROLES)
def book(request):
    """Book a slot for a customer: from a call task, the customer page or a complaint (?customer=&task=&complaint=)."""
    from huifang.complaints.selectors import complaints_visible_to
    from huifang.followups.models import FollowUpTask

    stores = selectors.appointment_stores_for(user=request.user, roles=selectors.BOOKING_ROLES)
    params = request.POST if request.method == "POST" else request.GET
    customer = get_object_or_404(Customer.objects.filter(store__in=stores), pk=params.get("customer") or 0)
    store = customer.store
    require_store_role(user=request.user, store=store, roles=selectors.BOOKING_ROLES)
    task = None
    if params.get("task"):
        task = get_object_or_404(FollowUpTask.objects.filter(store=store, customer=customer), pk=params["task"])
    complaint = None
    if params.get("complaint"):
        complaint = get_object_or_404(
            complaints_visible_to(user=request.user).filter(store=store), pk=params["complaint"]
        )
    tz = ZoneInfo(store.time_zone)
    now = clock.now()
    policy = services.policy_for(store=store)
    vehicles = list(customer.vehicles.filter(store=store).order_by("plate"))
    advisors = list(selectors.advisors_of(store=store))
    default_day = now.astimezone(tz).date() + timedelta(days=1)
    initial = {
        "day": _day(params.get("day"), default_day),
        "vehicle": params.get("vehicle")
        or (vehicles[0].pk if len(vehicles) == 1 else (task.vehicle_id if task else None)),
        "service": params.get("service") or _service_for(task),
        "advisor": params.get("advisor"),
    }
    form = BookingForm(request.POST or None, initial=initial, vehicles=vehicles, advisors=advisors)
    errors: list[str] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            starts_at = _slot_start(data["day"], data["slot"], tz)
            appointment = services.appointment_book(
                store=store,
                customer=customer,
                vehicle=next((v for v in vehicles if v.pk == data["vehicle"]), None),
                service=data["service"],
                starts_at=starts_at,
                advisor=next((a for a in advisors if a.pk == data["advisor"]), None),
                note=data["note"],
                actor=request.user,
                now=now,
                source=_source(task, complaint),
                task=task,
                complaint=complaint,
            )
        except ValidationError as exc:
            errors, status = _errors(exc), 422
        else:
            messages.success(
                request,
                _("Booked %(day)s %(time)s; the confirmation goes to the customer.")
                % {
                    "day": f"{appointment.starts_at.astimezone(tz):%Y-%m-%d}",
                    "time": f"{appointment.starts_at.astimezone(tz):%H:%M}",
                },
            )
            return redirect(_next_url(request, f"/appointments/{appointment.pk}/"))
    elif request.method == "POST":
        status = 422
    day = form.cleaned_data.get("day") if form.is_bound and form.is_valid() else initial["day"]
    context = {
        "store": store,
        "customer": customer,
        "task": task,
        "complaint": complaint,
        "form": form,
        "errors": errors,
        "day": day,
        "slots": selectors.day_slots(store=store, policy=policy, day=day, now=now),
        "chosen": params.get("slot", ""),
        "next": _next_url(request, ""),
        "upcoming": selectors.appointments_for_customer(customer=customer).filter(
            status__in=PENDING_STATUSES, starts_at__gte=now
        ),
    }
    return render(request, "appointments/book.html", context, status=status)


def _service_for(task) -> str:
    from huifang.followups.choices import RuleKind

    from .choices import ServiceKind

    if task is None:
        return ServiceKind.MAINTENANCE
    return {
        RuleKind.FIRST_SERVICE_REMINDER: ServiceKind.FIRST_SERVICE,
        RuleKind.INSURANCE_RENEWAL: ServiceKind.INSURANCE,
        RuleKind.WARRANTY_EXPIRY: ServiceKind.CLAIM,
        RuleKind.COMPLAINT_FOLLOW_UP: ServiceKind.REPAIR,
    }.get(task.kind, ServiceKind.MAINTENANCE)


def _source(task, complaint) -> str:
    if task is not None:
        return AppointmentSource.CALL
    if complaint is not None:
        return AppointmentSource.COMPLAINT
    return AppointmentSource.CUSTOMER_PAGE


def _appointment_for(request, pk: int) -> Appointment:
    return get_object_or_404(selectors.appointments_visible_to(user=request.user), pk=pk)


@role_required(*selectors.VIEWER_ROLES)
def detail(request, pk: int):
    appointment = _appointment_for(request, pk)
    tz = ZoneInfo(appointment.store.time_zone)
    day = _day(request.GET.get("day"), appointment.starts_at.astimezone(tz).date())
    policy = services.policy_for(store=appointment.store)
    pending = appointment.status in PENDING_STATUSES
    context = {
        "appointment": appointment,
        "events": appointment.events.select_related("actor"),
        "may_change": pending and has_role(user=request.user, store=appointment.store, roles=selectors.BOOKING_ROLES),
        "day": day,
        "slots": selectors.day_slots(store=appointment.store, policy=policy, day=day, now=clock.now())
        if pending
        else [],
        "cancel_form": ReasonForm(),
        "link": services.link_url(appointment) if pending else "",
    }
    return render(request, "appointments/detail.html", context)


@require_POST
@role_required(*selectors.BOOKING_ROLES)
def cancel(request, pk: int):
    appointment = _appointment_for(request, pk)
    require_store_role(user=request.user, store=appointment.store, roles=selectors.BOOKING_ROLES)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"reason": _("Say why the appointment is cancelled.")})
        services.appointment_cancel(
            appointment=appointment, actor=request.user, now=clock.now(), reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("The appointment is cancelled."))
    return redirect("appointments:detail", pk=appointment.pk)


@require_POST
@role_required(*selectors.BOOKING_ROLES)
def reschedule(request, pk: int):
    appointment = _appointment_for(request, pk)
    require_store_role(user=request.user, store=appointment.store, roles=selectors.BOOKING_ROLES)
    form = RescheduleForm(request.POST)
    tz = ZoneInfo(appointment.store.time_zone)
    try:
        if not form.is_valid():
            raise ValidationError({"slot": _("Choose a day and a time slot.")})
        services.appointment_reschedule(
            appointment=appointment,
            starts_at=_slot_start(form.cleaned_data["day"], form.cleaned_data["slot"], tz),
            actor=request.user,
            now=clock.now(),
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("The appointment is moved; the customer gets a new confirmation."))
    return redirect("appointments:detail", pk=appointment.pk)


@never_cache
def customer_link(request, token: str):
    """The customer's phone page: see the booking, confirm it, move it to another free slot or cancel it."""
    if rate_limited(request, scope="appointments", limit=PUBLIC_RATE_LIMIT[0], window_seconds=PUBLIC_RATE_LIMIT[1]):
        return render(request, "appointments/link_closed.html", {"state": "throttled"}, status=429)
    parsed = token_read(token)
    appointment = None
    if parsed is not None:
        appointment = (
            Appointment.objects.select_related("store", "customer", "vehicle", "advisor")
            .filter(pk=parsed[0], link_nonce=parsed[1])
            .first()
        )
    if appointment is None:
        return render(request, "appointments/link_closed.html", {"state": "invalid"}, status=400)
    now = clock.now()
    store = appointment.store
    tz = ZoneInfo(store.time_zone)
    if appointment.status not in PENDING_STATUSES or appointment.starts_at <= now:
        return render(
            request,
            "appointments/link_closed.html",
            {"state": "closed", "appointment": appointment, "tz": tz},
            status=410,
        )
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                services.appointment_confirm(appointment=appointment, now=now)
            elif action == "cancel":
                services.appointment_cancel(
                    appointment=appointment,
                    actor=None,
                    now=now,
                    by_customer=True,
                    reason=request.POST.get("reason", "")[:300] or _("Cancelled by the customer"),
                )
            elif action == "reschedule":
                day = _day(request.POST.get("day"), now.astimezone(tz).date())
                services.appointment_reschedule(
                    appointment=appointment,
                    actor=None,
                    now=now,
                    by_customer=True,
                    starts_at=_slot_start(day, request.POST.get("slot", ""), tz),
                    reason=request.POST.get("reason", "")[:300] or _("Moved by the customer"),
                )
            else:
                raise ValidationError(_("Choose what to do."))
        except ValidationError as exc:
            errors, status = _errors(exc), 422
        else:
            return redirect("appointments_public:customer_link", token=token)
    day = _day(request.GET.get("day") or request.POST.get("day"), appointment.starts_at.astimezone(tz).date())
    policy = services.policy_for(store=store)
    context = {
        "appointment": appointment,
        "store": store,
        "local": appointment.starts_at.astimezone(tz),
        "day": day,
        "slots": [s for s in selectors.day_slots(store=store, policy=policy, day=day, now=now) if s["bookable"]],
        "errors": errors,
        "confirmed": appointment.status == AppointmentStatus.CONFIRMED,
        "token": token,
    }
    return render(request, "appointments/link.html", context, status=status)


@role_required(*selectors.SETTINGS_ROLES)
def settings(request):
    """The store's slots, capacity, hours, reminder time and message texts (care director, service manager)."""
    stores = list(selectors.appointment_stores_for(user=request.user, roles=selectors.SETTINGS_ROLES))
    if not stores:
        raise Http404
    store = next((s for s in stores if str(s.pk) == (request.POST or request.GET).get("store")), stores[0])
    policy = services.policy_for(store=store)
    form = PolicyForm(request.POST or None, instance=policy)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = {f: form.cleaned_data[f] for f in services.POLICY_FIELDS}
            try:
                services.policy_update(store=store, actor=request.user, now=clock.now(), **values)
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
            else:
                messages.success(request, _("Appointment settings saved."))
                return redirect(f"{request.path}?store={store.pk}")
        status = 422
    context = {"store": store, "stores": stores, "form": form}
    return render(request, "appointments/settings.html", context, status=status)
