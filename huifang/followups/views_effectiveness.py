"""Reminder effectiveness screen (提醒效果): per reminder kind and month, reminded, returned and the rate."""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huifang.accounts.selectors import stores_where_role
from huifang.core import clock
from huifang.core.permissions import role_required

from .effectiveness import (
    EFFECTIVENESS_ROLES,
    effectiveness_table,
    month_starts,
    reminder_booking_days,
    reminder_effectiveness,
    return_window_days,
    shared_value,
)


class EffectivenessFilterForm(forms.Form):
    store = forms.ChoiceField(label=gettext_lazy("Store"), required=False)

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All my stores")), *[(str(s.pk), str(s)) for s in stores]]


@role_required(*EFFECTIVENESS_ROLES)
def effectiveness(request):
    stores = list(stores_where_role(user=request.user, roles=EFFECTIVENESS_ROLES).order_by("code"))
    form = EffectivenessFilterForm(request.GET or None, stores=stores)
    if form.is_bound and not form.is_valid():
        raise Http404  # a store the user may not see, or no store at all
    chosen = stores
    if form.is_bound and form.cleaned_data["store"]:
        chosen = [s for s in stores if str(s.pk) == form.cleaned_data["store"]]
    months = month_starts(today=clock.today())
    window_days = return_window_days(stores=chosen)
    booking_days = reminder_booking_days(stores=chosen)
    rows = reminder_effectiveness(stores=chosen, months=months, booking_days_by_store=booking_days)
    table = effectiveness_table(rows=rows, months=months)
    chart = {
        "months": [f"{m:%Y-%m}" for m in months],
        "reminded": [c["reminded"] for c in table["months"]],
        "booked": [c["booked"] for c in table["months"]],
        "arrived": [c["arrived"] for c in table["months"]],
        "returned": [c["returned"] for c in table["months"]],
        "rate": [c["rate"] for c in table["months"]],
        "text": {
            "reminded": _("Reminded"),
            "booked": _("Booked"),
            "arrived": _("Arrived"),
            "returned": _("Returned"),
            "rate": _("Return rate (%)"),
        },
    }
    context = {
        "form": form,
        "stores": stores,
        "chosen": chosen,
        "months": months,
        "table": table,
        "window_days": window_days,
        "booking_days": shared_value(booking_days),
        "chart_data": chart,
    }
    return render(request, "followups/effectiveness.html", context)
