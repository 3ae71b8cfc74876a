"""Privacy screens: data rights of one customer, the retention list, the access log.

Every view is for care directors and administrators; stores and customers are fetched among the stores where
the user holds that role, so another store's id answers 404."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_entry, audit_record_many
from huifang.core import clock
from huifang.core.permissions import role_required

from . import defaults, selectors, services
from .choices import LOGGED_ACTIONS
from .forms import AccessLogFilterForm, EraseForm, ExportForm, PrivacyPolicyForm, RetentionEraseForm
from .logexport import access_log_xlsx

ROLES = selectors.PRIVACY_ROLES
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SH = ZoneInfo("Asia/Shanghai")


def _customer(request, customer_id: int):
    return get_object_or_404(selectors.customers_for(user=request.user), pk=customer_id)


def _store(request, store_id: int):
    return get_object_or_404(selectors.privacy_stores_for(user=request.user), pk=store_id)


@role_required(*ROLES)
def index(request):
    return redirect("privacy:access_log")


@role_required(*ROLES)
def customer_rights(request, customer_id: int):
    """The customer's data-rights page: export, erase, earlier requests."""
    customer = _customer(request, customer_id)
    context = {
        "customer": customer,
        "export_form": ExportForm(),
        "erase_form": EraseForm(),
        "requests": selectors.requests_for_customer(customer=customer),
    }
    return render(request, "privacy/customer_rights.html", context)


@require_POST
@role_required(*ROLES)
def customer_export(request, customer_id: int):
    customer = _customer(request, customer_id)
    form = ExportForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    content, filename = services.customer_export(customer=customer, actor=request.user, now=clock.now(), reason=reason)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@role_required(*ROLES)
def customer_erase(request, customer_id: int):
    customer = _customer(request, customer_id)
    form = EraseForm(request.POST)
    if not form.is_valid():
        context = {
            "customer": customer,
            "export_form": ExportForm(),
            "erase_form": form,
            "requests": selectors.requests_for_customer(customer=customer),
        }
        return render(request, "privacy/customer_rights.html", context, status=422)
    counts = services.customer_erase(
        customer=customer, reason=form.cleaned_data["reason"], actor=request.user, now=clock.now()
    )
    rows = sum(n for key, n in counts.items() if not key.startswith("masked:"))
    messages.success(request, _("Customer anonymised: %(rows)s records changed.") % {"rows": rows})
    return redirect("privacy:customer", customer_id=customer.pk)


@role_required(*ROLES)
def retention(request, store_id: int):
    """Customers without activity for longer than the store's retention period, for review and erasure."""
    store = _store(request, store_id)
    now = clock.now()
    candidates = selectors.retention_candidates(store=store, now=now)
    form = RetentionEraseForm(candidates=candidates)
    policy = services.policy_for(store=store)
    if request.method == "POST":
        form = RetentionEraseForm(request.POST, candidates=candidates)
        if form.is_valid():
            chosen = list(form.cleaned_data["customers"])
            try:
                services.customers_erase(
                    customers=chosen, reason=form.cleaned_data["reason"], actor=request.user, now=now
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("%(n)s customers anonymised.") % {"n": len(chosen)})
                return redirect("privacy:retention", store_id=store.pk)
    page = Paginator(candidates, defaults.RETENTION_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "store": store,
        "stores": selectors.privacy_stores_for(user=request.user),
        "page": page,
        "form": form,
        "policy": policy,
        "policy_form": PrivacyPolicyForm(instance=policy),
    }
    return render(request, "privacy/retention.html", context, status=422 if form.errors else 200)


@require_POST
@role_required(*ROLES)
def policy_edit(request, store_id: int):
    store = _store(request, store_id)
    policy = services.policy_for(store=store)
    form = PrivacyPolicyForm(request.POST, instance=policy)
    if form.is_valid():
        services.policy_update(
            policy=policy, retention_years=form.cleaned_data["retention_years"], actor=request.user, now=clock.now()
        )
        messages.success(request, _("Retention period saved."))
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("privacy:retention", store_id=store.pk)


@role_required(*ROLES)
def retention_index(request):
    store = selectors.privacy_stores_for(user=request.user).first()
    if store is None:
        raise Http404
    return redirect("privacy:retention", store_id=store.pk)


def _log_filters(request):
    stores = selectors.privacy_stores_for(user=request.user)
    form = AccessLogFilterForm(request.GET or None, stores=stores, actors=selectors.log_actors(user=request.user))
    entries = selectors.access_log_for(user=request.user, tz=SH, **form.selector_kwargs())
    return form, entries, stores


@role_required(*ROLES)
def access_log(request):
    """Who revealed a full number, exported or erased what, and when; filterable and paged."""
    form, entries, _stores = _log_filters(request)
    page = Paginator(entries, defaults.LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "labels": LOGGED_ACTIONS}
    return render(request, "privacy/access_log.html", context)


@role_required(*ROLES)
def access_log_export(request):
    """The filtered access log as XLSX; the export is logged in every store it covers."""
    form, entries, stores = _log_filters(request)
    content = access_log_xlsx(entries, tz=SH)
    covered = (
        [form.cleaned_data["store"]]
        if form.is_bound and form.is_valid() and form.cleaned_data.get("store")
        else list(stores)
    )
    now = clock.now()
    logged = []
    for store in covered:
        entry = audit_entry(
            obj=store,
            action=AuditAction.EXPORT,
            at=now,
            actor=request.user,
            changes={"access_log": request.GET.urlencode()},
        )
        entry.store = store  # a store has no store_id of its own, and the log is filtered by this column
        logged.append(entry)
    audit_record_many(logged)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="access-log-{now:%Y%m%d-%H%M}.xlsx"'
    return response
