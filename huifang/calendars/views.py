"""The store calendar screen: the year's official holidays and make-up days as the store sees them, and the
store's own dates (closed, or open with special hours). The weekly hours are on the complaint policy screen."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.core import clock
from huifang.core.calendar import official_schedule_known
from huifang.core.permissions import role_required

from . import forms, selectors, services


def _store(request, store_id: int):
    return get_object_or_404(selectors.calendar_stores_for(user=request.user), pk=store_id)


def _days_url(store_id: int, year: int) -> str:
    return f"{reverse('calendars:days', args=[store_id])}?year={year}"


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or clock.today().year)
    except ValueError:
        year = clock.today().year
    return min(max(year, 2004), 2100)


@role_required(*selectors.CALENDAR_EDITOR_ROLES)
def store_days(request, store_id: int):
    """The store's holidays and special days of a year; add or change one."""
    store = _store(request, store_id)
    year = _year(request)
    form = forms.StoreDayForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.store_day_save(store=store, actor=request.user, now=clock.now(), **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Day saved."))
                return redirect(_days_url(store.pk, form.cleaned_data["day"].year))
    cal = selectors.calendar_for(store=store)
    context = {
        "store": store,
        "stores": selectors.calendar_stores_for(user=request.user).order_by("code"),
        "year": year,
        "years": [year - 1, year, year + 1],
        "official_known": official_schedule_known(year),
        "days": cal.official_days(year),
        "own": set(selectors.store_days(store=store, year=year).values_list("day", flat=True)),
        "form": form,
    }
    return render(request, "calendars/store_days.html", context, status=status)


@require_POST
@role_required(*selectors.CALENDAR_EDITOR_ROLES)
def store_day_delete(request, store_id: int):
    """Remove the store's own entry for a date: the official calendar and weekly hours apply again."""
    store = _store(request, store_id)
    form = forms.StoreDayForm(data={"day": request.POST.get("day"), "is_open": "0"})
    if form.is_valid():
        services.store_day_delete(store=store, actor=request.user, now=clock.now(), day=form.cleaned_data["day"])
        messages.success(request, _("The store's entry was removed."))
        return redirect(_days_url(store.pk, form.cleaned_data["day"].year))
    return redirect("calendars:days", store_id=store.pk)
