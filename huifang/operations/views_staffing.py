"""The director edits the buckets (rows and columns) of the staffing table on its own screen."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from huifang.core import clock
from huifang.core.permissions import role_required

from . import selectors, services
from .forms import BucketFormSet
from .staffing import BucketInput, staffing_buckets_update
from .views import EDIT, _base, _store


def _initial(cells) -> tuple[list[dict], list[dict]]:
    rows = {c.row: c for c in cells}
    columns = {c.column: c for c in cells}
    throughput = [
        {"label": c.throughput_label, "low": c.throughput_min, "high": c.throughput_max, "origin": r}
        for r, c in sorted(rows.items())
    ]
    sales = [
        {"label": c.sales_label, "low": c.sales_min, "high": c.sales_max, "origin": k}
        for k, c in sorted(columns.items())
    ]
    return throughput, sales


def _inputs(formset) -> list[BucketInput]:
    kept = [f for f in formset.forms if not f.cleaned_data.get("DELETE") and not f.is_blank()]
    return [
        BucketInput(
            label=f.cleaned_data["label"] or "",
            low=f.cleaned_data["low"],
            high=f.cleaned_data["high"],
            origin=f.cleaned_data["origin"],
        )
        for f in kept
    ], kept


@role_required(*EDIT)
def staffing_buckets_edit(request, store_id: int):
    """Rename, add, remove buckets and move their edges (increasing, no gaps, no overlaps)."""
    store = _store(request, store_id, EDIT)
    services.staffing_cells_ensure_defaults(store=store)
    throughput_initial, sales_initial = _initial(selectors.staffing_cells_for(store=store))
    data = request.POST if request.method == "POST" else None
    throughput = BucketFormSet(data, prefix="throughput", initial=throughput_initial)
    sales = BucketFormSet(data, prefix="sales", initial=sales_initial)
    status = 200
    if request.method == "POST":
        if throughput.is_valid() and sales.is_valid():
            rows, row_forms = _inputs(throughput)
            columns, column_forms = _inputs(sales)
            try:
                written = staffing_buckets_update(
                    store=store, throughput=rows, sales=columns, actor=request.user, now=clock.now()
                )
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    axis, _sep, index = key.partition("-")
                    forms_of = row_forms if axis == "throughput" else column_forms
                    formset = throughput if axis == "throughput" else sales
                    if index.isdigit() and int(index) < len(forms_of):
                        forms_of[int(index)].add_error(None, errors)
                    else:
                        formset._non_form_errors = formset.error_class(errors)
            else:
                messages.success(request, _("Buckets saved.") if written else _("Nothing changed."))
                return redirect("operations:staffing", store_id=store.pk)
        status = 422
    context = _base(
        request,
        store,
        throughput=throughput,
        sales=sales,
        back=reverse("operations:staffing", args=[store.pk]),
    )
    return render(request, "operations/staffing_buckets.html", context, status=status)
