"""What a group message (群发) does when the worker queueing it dies (called by background.services).

Every outbox message of a campaign carries the key `campaign-<id>-customer-<id>`, so queueing it again
sends nothing twice; the counters are recounted from the start, because the retried run walks the whole
segment again and meets the messages already queued."""

from datetime import datetime

from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record

from .choices import CampaignStatus
from .models import Campaign

_COUNTERS = ("processed", "queued", "held", "suppressed_consent", "suppressed_cap", "failed")


def _campaign(kwargs: dict) -> Campaign | None:
    campaign_id = kwargs.get("campaign_id")
    return Campaign.objects.filter(pk=campaign_id).first() if campaign_id is not None else None


def task_retrying(*, kwargs: dict, now: datetime) -> int | None:
    """The campaign waits again for the retried task, its counters back at zero."""
    campaign = _campaign(kwargs)
    if campaign is None:
        return None
    if Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.RUNNING).update(
        status=CampaignStatus.PENDING, started_at=None, **dict.fromkeys(_COUNTERS, 0)
    ):
        audit_record(
            obj=campaign,
            action=AuditAction.UPDATE,
            at=now,
            actor=None,
            source="system",
            changes={"status": [CampaignStatus.RUNNING, CampaignStatus.PENDING], "reason": "worker lost; retrying"},
        )
    return campaign.store_id


def task_failed(*, kwargs: dict, reason: str, now: datetime) -> int | None:
    """The campaign stops with the reason; what the outbox already queued stays queued."""
    campaign = _campaign(kwargs)
    if campaign is None:
        return None
    if Campaign.objects.filter(pk=campaign.pk, status__in=(CampaignStatus.RUNNING, CampaignStatus.PENDING)).update(
        status=CampaignStatus.FAILED, error=reason[:2000], finished_at=now
    ):
        audit_record(
            obj=campaign,
            action=AuditAction.UPDATE,
            at=now,
            actor=None,
            source="system",
            changes={"status": [campaign.status, CampaignStatus.FAILED], "reason": reason},
        )
    return campaign.store_id
