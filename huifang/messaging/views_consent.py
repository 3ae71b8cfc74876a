"""Consent screens: the panel on the customer page (front desk) and the public unsubscribe page (退订)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from huifang.accounts.choices import ROLES_THAT_EDIT_ARCHIVE
from huifang.accounts.selectors import has_role
from huifang.archive.models import Customer
from huifang.archive.selectors import customers_visible_to
from huifang.core import clock
from huifang.core.form_errors import form_add_validation_errors
from huifang.core.throttle import rate_limited

from . import consent, unsubscribe
from .choices import ConsentChannel, ConsentPurpose, ConsentSource, ConsentState
from .forms import ConsentForm, UnsubscribeForm, consent_key

HISTORY_SHOWN = 50


def _matrix(states: dict) -> list[dict]:
    """Rows per channel with the state of each purpose, for the panel and the public page."""
    return [
        {
            "channel": channel,
            "label": label,
            "purposes": [
                {"purpose": purpose, "label": purpose_label, "given": states[(channel, purpose)]}
                for purpose, purpose_label in ConsentPurpose.choices
            ],
        }
        for channel, label in ConsentChannel.choices
    ]


def _panel(request, customer: Customer, form: ConsentForm | None = None, status: int = 200):
    may_edit = has_role(user=request.user, store=customer.store, roles=ROLES_THAT_EDIT_ARCHIVE)
    context = {
        "customer": customer,
        "consent_loaded": True,
        "rows": _matrix(consent.consent_states(customer=customer)),
        "history": list(consent.consent_history(customer=customer)[:HISTORY_SHOWN]),
        "may_edit_consent": may_edit,
        "consent_form": form or ConsentForm(),
        "purposes": ConsentPurpose.choices,
    }
    return render(request, "messaging/_customer_consent.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def customer_consent(request, customer_id: int):
    """GET: the consent panel of a customer; POST: staff who edit the archive record a front-desk change."""
    customer = get_object_or_404(customers_visible_to(user=request.user).select_related("store"), pk=customer_id)
    if request.method == "GET":
        return _panel(request, customer)
    if not has_role(user=request.user, store=customer.store, roles=ROLES_THAT_EDIT_ARCHIVE):
        raise PermissionDenied
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _panel(request, customer, form, status=422)
    try:
        consent.consent_record(
            customer=customer, source=ConsentSource.FRONT_DESK, actor=request.user, now=clock.now(), **form.cleaned_data
        )
    except ValidationError as exc:
        form_add_validation_errors(form, exc)
        return _panel(request, customer, form, status=422)
    if not request.htmx:  # a plain form post (no JavaScript) goes back to the customer page
        return redirect("archive:customer_detail", customer.pk)
    return _panel(request, customer)


def _rate_limited(request) -> bool:
    return rate_limited(
        request,
        scope="messaging:unsubscribe",
        limit=unsubscribe.RATE_LIMIT,
        window_seconds=unsubscribe.RATE_WINDOW_SECONDS,
    )


@require_http_methods(["GET", "POST"])
def unsubscribe_page(request, token: str):
    """The public page a marketing message links to: no login; the customer switches channels off and on."""
    if _rate_limited(request):
        return render(request, "messaging/unsubscribe.html", {"state": "limited"}, status=429)
    try:
        customer_id = unsubscribe.unsubscribe_token_read(token=token)
    except unsubscribe.LinkError:
        return render(request, "messaging/unsubscribe.html", {"state": "invalid"}, status=400)
    customer = Customer.objects.select_related("store").filter(pk=customer_id).first()
    if customer is None:
        return render(request, "messaging/unsubscribe.html", {"state": "invalid"}, status=400)
    states = consent.consent_states(customer=customer)
    if request.method == "POST":
        form = UnsubscribeForm(request.POST)
        form.is_valid()  # every field is an optional box: always valid
        if request.POST.get("all_marketing_off"):
            wanted = {key: (given and key[1] != ConsentPurpose.MARKETING) for key, given in states.items()}
        else:
            wanted = {key: bool(form.cleaned_data.get(consent_key(*key))) for key in states}
        changes = [
            consent.ConsentChange(channel, purpose, ConsentState.GRANTED if given else ConsentState.WITHDRAWN)
            for (channel, purpose), given in wanted.items()
            if given != states[(channel, purpose)]
        ]
        consent.consent_record_many(
            customer=customer, changes=changes, source=ConsentSource.UNSUBSCRIBE_PAGE, actor=None, now=clock.now()
        )
        return redirect(f"{request.path}?saved=1")
    form = UnsubscribeForm(initial={consent_key(*key): given for key, given in states.items()})
    rows = [
        {**row, "boxes": [form[consent_key(row["channel"], p["purpose"])] for p in row["purposes"]]}
        for row in _matrix(states)
    ]
    context = {
        "state": "saved" if request.GET.get("saved") else "open",
        "store": customer.store,
        "rows": rows,
        "purposes": ConsentPurpose.choices,
        "form": form,
    }
    return render(request, "messaging/unsubscribe.html", context)
