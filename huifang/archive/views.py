"""Customer screens: search, the customer 360 page, phone reveal, edit, vehicle page, statistics."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.accounts.choices import ROLES_THAT_EDIT_ARCHIVE
from huifang.accounts.selectors import has_role, may_reveal_phone, stores_visible_to
from huifang.core import clock
from huifang.core.permissions import require_store_role

from . import merging, selectors, services
from .forms import CustomerForm, StatisticsFilterForm
from .models import Customer, Vehicle
from .statistics import archive_statistics

CHART_KEYS = ("by_model", "by_gender", "by_age", "by_occupation")


@login_required
def customer_search(request):
    """The search page; htmx asks for the results partial only, as the user types."""
    query = request.GET.get("q", "").strip()
    customers = selectors.customer_search(user=request.user, query=query) if query else []
    template = "archive/_search_results.html" if request.htmx else "archive/customer_search.html"
    return render(request, template, {"customers": customers, "q": query})


@login_required
def customer_detail(request, pk: int):
    try:
        context = selectors.customer_360(user=request.user, customer_id=pk)
    except Customer.DoesNotExist:
        raise Http404 from None
    return render(request, "archive/customer_detail.html", context)


@require_POST
@login_required
def phone_reveal(request, pk: int, field: str):
    """The full number, for roles that call customers; the service logs the reveal."""
    customer = get_object_or_404(selectors.customers_visible_to(user=request.user).select_related("store"), pk=pk)
    if field not in services.PHONE_FIELDS:
        raise Http404
    if not may_reveal_phone(user=request.user, store=customer.store):
        raise PermissionDenied
    number = services.phone_reveal(customer=customer, field=field, actor=request.user, now=clock.now())
    return render(request, "archive/_phone_revealed.html", {"number": number})


@require_POST
@login_required
def contact_phone_reveal(request, pk: int, contact_id: int):
    """A company-car contact's full number, under the same rule and log as the customer's own."""
    customer = get_object_or_404(selectors.customers_visible_to(user=request.user).select_related("store"), pk=pk)
    contact = get_object_or_404(customer.contacts.select_related("customer"), pk=contact_id)
    if not may_reveal_phone(user=request.user, store=customer.store):
        raise PermissionDenied
    number = services.contact_phone_reveal(contact=contact, actor=request.user, now=clock.now())
    return render(request, "archive/_phone_revealed.html", {"number": number})


@login_required
def customer_edit(request, pk: int):
    customer = get_object_or_404(selectors.customers_visible_to(user=request.user).select_related("store"), pk=pk)
    require_store_role(user=request.user, store=customer.store, roles=ROLES_THAT_EDIT_ARCHIVE)
    # The form works on a copy: a ModelForm writes its cleaned data into its instance while validating,
    # and the service must see the values from before the edit to record what changed.
    form = CustomerForm(request.POST or None, instance=copy.copy(customer))
    if request.method == "POST":
        if form.is_valid():
            services.customer_update(customer=customer, actor=request.user, now=clock.now(), **form.changed_values())
            return redirect("archive:customer_detail", pk=customer.pk)
        return render(request, "archive/customer_edit.html", {"form": form, "customer": customer}, status=422)
    return render(request, "archive/customer_edit.html", {"form": form, "customer": customer})


@login_required
def vehicle_detail(request, pk: int):
    try:
        context = selectors.vehicle_page(user=request.user, vehicle_id=pk)
    except Vehicle.DoesNotExist:
        raise Http404 from None
    return render(request, "archive/vehicle_detail.html", context)


@login_required
def statistics(request):
    stores = list(stores_visible_to(user=request.user).order_by("code"))
    form = StatisticsFilterForm(request.GET or None, stores=stores)
    chosen = stores
    if form.is_valid() and form.cleaned_data["store"]:
        chosen = [s for s in stores if str(s.pk) == form.cleaned_data["store"]]
    figures = archive_statistics(stores=chosen, today=clock.today()) if chosen else None
    context = {"form": form, "stores": stores, "chosen": chosen, "figures": figures}
    if figures:
        context["blocks"] = [
            {"key": "by_model", "title": _("Retained customers by model"), "column": _("Model")},
            {"key": "by_gender", "title": _("Retained customers by gender"), "column": _("Gender")},
            {"key": "by_age", "title": _("Retained customers by age"), "column": _("Age band")},
            {"key": "by_occupation", "title": _("Retained customers by occupation"), "column": _("Occupation")},
        ]
        for block in context["blocks"]:
            block["rows"] = figures[block["key"]]
        context["chart_data"] = {
            **{key: [{"label": str(r["label"]), "count": r["count"]} for r in figures[key]] for key in CHART_KEYS},
            "months": figures["months"],
            "new_per_month": figures["new_per_month"],
            "lost_per_month": figures["lost_per_month"],
            "text": {"new": _("New customers"), "lost": _("Lost customers")},
        }
    return render(request, "archive/statistics.html", context)


@login_required
def duplicates(request):
    """Customers of one store sharing a mobile or ID number, for the archive keepers to merge."""
    stores = stores_visible_to(user=request.user)
    editable = [s for s in stores if has_role(user=request.user, store=s, roles=ROLES_THAT_EDIT_ARCHIVE)]
    if not editable:
        raise PermissionDenied
    groups = merging.duplicate_groups(customers=Customer.objects.filter(store__in=editable))
    return render(request, "archive/duplicates.html", {"groups": groups})


@require_POST
@login_required
def customers_merge(request):
    """Merge the checked duplicates into the chosen survivor (all of one store the user may edit)."""
    visible = selectors.customers_visible_to(user=request.user).select_related("store")
    survivor_id = request.POST.get("survivor", "")
    if not survivor_id.isdigit():
        raise Http404
    survivor = get_object_or_404(visible, pk=int(survivor_id))
    require_store_role(user=request.user, store=survivor.store, roles=ROLES_THAT_EDIT_ARCHIVE)
    ids = [int(i) for i in request.POST.getlist("merge") if i.isdigit()]
    duplicates_ = list(visible.filter(pk__in=ids))
    if len(duplicates_) != len(set(ids)):
        raise Http404
    try:
        merging.customers_merge(survivor=survivor, duplicates=duplicates_, actor=request.user, now=clock.now())
    except merging.MergeError as exc:
        messages.error(request, str(exc))
        return redirect("archive:duplicates")
    messages.success(request, _("Merged %(n)s customers into %(name)s.") % {"n": len(duplicates_), "name": survivor})
    return redirect("archive:customer_detail", pk=survivor.pk)
