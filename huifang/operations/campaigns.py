"""Group messages (群发): a message template to every customer of a seed 002 segment, through the outbox.

The outbox (messaging.services.message_queue) decides per customer — consent and opt-outs, the marketing
cap, quiet hours — and keeps the suppressed rows; each message carries the idempotency key
`campaign-<id>-customer-<id>`, so running a campaign again sends nothing twice. A campaign is created in
the request and queued by a background task in batches, its progress counted on the row."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from huifang.accounts.models import Store
from huifang.archive.models import Customer
from huifang.archive.segments import segment_clean, segment_customers, segment_kwargs
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.messaging.choices import MessagePurpose, MessageStatus
from huifang.messaging.models import MessageTemplate
from huifang.messaging.selectors import templates_for_store
from huifang.messaging.services import base_context, message_queue
from huifang.messaging.templating import TemplateError, render

from .choices import CampaignStatus
from .models import Campaign, ClubLevel

# Customers handed to the outbox per batch; progress is written after each batch.
BATCH_SIZE = 200
# Group messages use the store's templates meant for customers at large.
CAMPAIGN_PURPOSES = (MessagePurpose.MARKETING, MessagePurpose.SERVICE)

# Outbox status → the campaign counter it adds to.
_COUNTERS = {
    MessageStatus.QUEUED: "queued",
    MessageStatus.SENDING: "queued",
    MessageStatus.SENT: "queued",
    MessageStatus.HELD_QUIET_HOURS: "held",
    MessageStatus.SUPPRESSED_OPT_OUT: "suppressed_consent",
    MessageStatus.SUPPRESSED_CAP: "suppressed_cap",
    MessageStatus.FAILED: "failed",
}


def campaign_templates_for(*, store: Store) -> QuerySet[MessageTemplate]:
    """The store's active templates a group message may use."""
    return templates_for_store(store=store).filter(active=True, purpose__in=CAMPAIGN_PURPOSES)


def campaigns_for(*, store: Store) -> QuerySet[Campaign]:
    return Campaign.objects.filter(store=store).select_related("template", "created_by")


def _club_level_ids(store: Store) -> set[int]:
    return set(ClubLevel.objects.filter(store=store).values_list("pk", flat=True))


def _render_sample(template: MessageTemplate, store: Store, customer: Customer | None) -> tuple[str, str]:
    values = base_context(store=store, customer=customer)
    return render(template.subject, values), render(template.body, values)


def _check_template(*, store: Store, template: MessageTemplate, channel: str) -> None:
    if template.store_id != store.pk or not template.active or template.purpose not in CAMPAIGN_PURPOSES:
        raise ValidationError({"template": _("Choose an active template of this store.")})
    if template.channel != channel:
        raise ValidationError({"template": _("This template is not for the chosen channel.")})
    try:
        _render_sample(template, store, None)
    except TemplateError as exc:
        raise ValidationError(
            {"template": _("A group message cannot fill this template's placeholders: %(error)s") % {"error": exc}}
        ) from exc


@dataclass(frozen=True)
class CampaignPreview:
    count: int
    sample_customer: str
    subject: str
    body: str


def campaign_preview(*, store: Store, template: MessageTemplate, channel: str, segment: dict) -> CampaignPreview:
    """How many customers the segment holds and the message the first of them would read (two queries)."""
    segment = segment_clean(segment, club_levels=_club_level_ids(store))
    _check_template(store=store, template=template, channel=channel)
    customers = segment_customers(store=store, **segment_kwargs(segment))
    count = customers.count()
    first = customers.order_by("name", "pk").first()
    subject, body = _render_sample(template, store, first)
    return CampaignPreview(count=count, sample_customer=first.name if first else "", subject=subject, body=body)


def campaign_create(
    *,
    store: Store,
    template: MessageTemplate,
    channel: str,
    segment: dict,
    submit_token: str,
    actor,
    now: datetime,
) -> tuple[Campaign, bool]:
    """Record the group message and start queueing it in the background; the same form submitted twice
    (same token) returns the first campaign and starts nothing. Returns (campaign, created)."""
    if not submit_token or len(submit_token) > 40:
        raise ValidationError({"submit_token": _("The form expired; open it again.")})
    segment = segment_clean(segment, club_levels=_club_level_ids(store))
    _check_template(store=store, template=template, channel=channel)
    with transaction.atomic():
        existing = Campaign.objects.select_for_update().filter(store=store, submit_token=submit_token).first()
        if existing is not None:
            return existing, False
        total = segment_customers(store=store, **segment_kwargs(segment)).count()
        campaign = Campaign.objects.create(
            store=store,
            template=template,
            channel=channel,
            purpose=template.purpose,
            segment=segment,
            submit_token=submit_token,
            total=total,
            created_by=actor,
            created_at=now,
        )
        audit_record(
            obj=campaign,
            action=AuditAction.CREATE,
            at=now,
            actor=actor,
            changes={"template": template.pk, "channel": channel, "segment": segment, "total": total},
        )
        transaction.on_commit(lambda: _enqueue(campaign.pk))
    return campaign, True


def _enqueue(campaign_id: int) -> None:
    from .tasks import send_campaign_task

    send_campaign_task.enqueue(campaign_id=campaign_id)


def campaign_send(*, campaign_id: int, now: datetime) -> Campaign:
    """Queue the campaign's messages (claimed once by a guarded update), batch by batch with progress."""
    claimed = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.PENDING).update(
        status=CampaignStatus.RUNNING, started_at=now
    )
    campaign = Campaign.objects.select_related("store", "template").get(pk=campaign_id)
    if not claimed:
        return campaign
    store, template = campaign.store, campaign.template
    customers = segment_customers(store=store, **segment_kwargs(campaign.segment)).order_by("pk")
    last = 0
    try:
        while True:
            batch = list(customers.filter(pk__gt=last)[:BATCH_SIZE])
            if not batch:
                break
            counts = dict.fromkeys(set(_COUNTERS.values()), 0)
            # One outbox call per customer: consent, cap and quiet hours are per-customer decisions.
            for customer in batch:
                message = message_queue(
                    store=store,
                    customer=customer,
                    channel=campaign.channel,
                    purpose=campaign.purpose,
                    now=now,
                    idempotency_key=f"campaign-{campaign.pk}-customer-{customer.pk}",
                    template=template,
                    related=campaign,
                )
                counts[_COUNTERS.get(message.status, "failed")] += 1
            last = batch[-1].pk
            Campaign.objects.filter(pk=campaign.pk).update(
                processed=F("processed") + len(batch), **{key: F(key) + n for key, n in counts.items() if n}
            )
    except Exception as exc:  # the row says why it stopped; the outbox keeps what was queued
        Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.FAILED, error=str(exc)[:2000])
        raise
    Campaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.DONE, finished_at=now)
    campaign.refresh_from_db()
    audit_record(
        obj=campaign,
        action=AuditAction.UPDATE,
        at=now,
        actor=None,
        source="system",
        changes={
            "status": CampaignStatus.DONE,
            "queued": campaign.queued,
            "held": campaign.held,
            "suppressed_consent": campaign.suppressed_consent,
            "suppressed_cap": campaign.suppressed_cap,
            "failed": campaign.failed,
        },
    )
    return campaign
