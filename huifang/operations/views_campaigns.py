"""Group messages (群发): pick a segment, a template and a channel, preview, send through the outbox.

Care directors send; every operations reader sees the list. The store comes from the user's stores
(another store's id → 404) and every campaign through that store."""

import uuid

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from huifang.archive.segments import segment_describe
from huifang.core import clock
from huifang.core.form_errors import form_add_validation_errors
from huifang.core.permissions import role_required

from . import campaigns, selectors
from .choices import CampaignStatus
from .forms import CampaignForm
from .views import READ, _base, _store

# Sending to a whole segment is the director's decision (brief §9: the director runs customer care).
SEND = selectors.EDIT_ROLES


def _form(store, data=None) -> CampaignForm:
    return CampaignForm(
        data,
        levels=selectors.club_levels_for(store=store),
        templates=campaigns.campaign_templates_for(store=store),
        initial={"channel": "sms", "submit_token": uuid.uuid4().hex},
    )


def _level_names(store) -> dict[int, str]:
    return dict(selectors.club_levels_for(store=store).values_list("pk", "name"))


@role_required(*READ)
def campaign_list(request, store_id: int):
    """Every group message of the store with what the outbox decided."""
    store = _store(request, store_id, READ)
    names = _level_names(store)
    rows = [(c, segment_describe(c.segment, level_names=names)) for c in campaigns.campaigns_for(store=store)[:200]]
    return render(request, "operations/campaign_list.html", _base(request, store, rows=rows))


@role_required(*SEND)
def campaign_new(request, store_id: int):
    """The form; "preview" shows the count and a sample message, "send" creates the campaign."""
    store = _store(request, store_id, SEND)
    form = _form(store, request.POST or None)
    preview = None
    if request.method == "POST":
        if form.is_valid():
            try:
                values = {
                    "store": store,
                    "template": form.cleaned_data["template"],
                    "channel": form.cleaned_data["channel"],
                    "segment": form.segment_json(),
                }
                if "send" in request.POST:
                    campaign, _created = campaigns.campaign_create(
                        submit_token=form.cleaned_data["submit_token"],
                        actor=request.user,
                        now=clock.now(),
                        **values,
                    )
                    return redirect("operations:campaign_detail", store_id=store.pk, campaign_id=campaign.pk)
                preview = campaigns.campaign_preview(**values)
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
        if form.errors:
            return render(request, "operations/campaign_new.html", _base(request, store, form=form), status=422)
    return render(request, "operations/campaign_new.html", _base(request, store, form=form, preview=preview))


def _campaign(request, store_id: int, campaign_id: int):
    store = _store(request, store_id, READ)
    return store, get_object_or_404(campaigns.campaigns_for(store=store), pk=campaign_id)


@role_required(*READ)
def campaign_detail(request, store_id: int, campaign_id: int):
    store, campaign = _campaign(request, store_id, campaign_id)
    context = _base(
        request,
        store,
        campaign=campaign,
        segment_text=segment_describe(campaign.segment, level_names=_level_names(store)),
        statuses=CampaignStatus,
    )
    return render(request, "operations/campaign_detail.html", context)


@require_GET
@role_required(*READ)
def campaign_progress(request, store_id: int, campaign_id: int):
    """The progress box alone, polled by htmx while the campaign runs."""
    store, campaign = _campaign(request, store_id, campaign_id)
    return render(
        request,
        "operations/_campaign_progress.html",
        {"store": store, "campaign": campaign, "statuses": CampaignStatus},
    )
