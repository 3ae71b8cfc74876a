from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huifang.accounts.models import Store
from huifang.archive.models import Customer

from . import defaults, rules
from .choices import (
    OUTBOX_CHANNEL_CHOICES,
    ConsentChannel,
    ConsentPurpose,
    ConsentSource,
    ConsentState,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    OptOutScope,
    OptOutSource,
    TemplateKind,
)


class MessagingPolicy(models.Model):
    """Per-store messaging rules (quiet hours, marketing cap, retries), seeded with the defaults."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="messaging_policy")
    quiet_hours = models.JSONField(
        _("quiet hours"),
        default=defaults.quiet_hours,
        help_text=_('Windows in store time, e.g. [["21:00", "09:00"], ["12:00", "14:00"]]; may cross midnight.'),
    )
    marketing_cap_count = models.PositiveSmallIntegerField(
        _("marketing messages allowed per customer"), default=defaults.MARKETING_CAP_COUNT
    )
    marketing_cap_days = models.PositiveSmallIntegerField(
        _("marketing cap period (days)"), default=defaults.MARKETING_CAP_DAYS
    )
    max_attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=defaults.MAX_DELIVERY_ATTEMPTS)
    retry_backoff_minutes = models.PositiveSmallIntegerField(
        _("first retry after (minutes, doubling)"), default=defaults.RETRY_BACKOFF_MINUTES
    )
    sms_sender = models.CharField(_("SMS sender name"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("messaging policy")
        verbose_name_plural = _("messaging policies")

    def __str__(self) -> str:
        return f"{self.store} messaging policy"

    def clean(self) -> None:
        try:
            rules.validate_windows(self.quiet_hours)
        except rules.QuietHoursError as exc:
            raise ValidationError({"quiet_hours": str(exc)}) from exc


class MessageTemplate(models.Model):
    """A message template (短信/邮件/信函模板) with {placeholders}, one per store, kind and channel."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="message_templates")
    kind = models.CharField(_("kind"), max_length=30, choices=TemplateKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=MessagePurpose.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["store", "kind", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "channel"], name="message_template_unique_kind_channel")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_channel_display()}"


class ChannelOptOut(models.Model):
    """A customer's opt-out (退订/免打扰) of one channel, for every message or for marketing only."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="channel_opt_outs")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="channel_opt_outs")
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    purpose = models.CharField(_("covers"), max_length=10, choices=OptOutScope.choices, default=OptOutScope.ALL)
    at = models.DateTimeField(_("at"))
    source = models.CharField(_("source"), max_length=10, choices=OptOutSource.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("channel opt-out")
        verbose_name_plural = _("channel opt-outs")
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel", "purpose"], name="channel_opt_out_unique")
        ]

    def __str__(self) -> str:
        return f"{self.customer} · {self.get_channel_display()} · {self.get_purpose_display()}"


class OutboxMessage(models.Model):
    """One message in the outbox (发送记录): every message is kept with its status, sent or not."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="outbox_messages")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="outbox_messages"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=OUTBOX_CHANNEL_CHOICES)
    purpose = models.CharField(_("purpose"), max_length=10, choices=MessagePurpose.choices)
    template = models.ForeignKey(
        MessageTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    to_address = models.CharField(_("to"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    not_before = models.DateTimeField(_("not before"))
    # When a delivery task was last enqueued; the release sweep enqueues only rows not enqueued since not_before.
    enqueued_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When a worker claimed it for sending; a row left in SENDING long after this lost its worker.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    related_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    related_id = models.PositiveBigIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["store", "idempotency_key"], name="outbox_unique_idempotency_key")
        ]
        indexes = [
            models.Index(fields=["status", "not_before"]),
            models.Index(fields=["store", "status", "created_at"]),
            models.Index(fields=["customer", "purpose", "created_at"]),
            models.Index(fields=["related_type", "related_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk} · {self.get_status_display()}"


class ConsentRecord(models.Model):
    """One statement of consent (授权记录) for a channel and purpose; append-only, the latest one counts."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="consent_records")
    # Served by the (customer, purpose, channel, id) index below.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consent_records", db_index=False)
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=ConsentPurpose.choices)
    state = models.CharField(_("state"), max_length=10, choices=ConsentState.choices)
    source = models.CharField(_("source"), max_length=20, choices=ConsentSource.choices)
    at = models.DateTimeField(_("at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["customer", "purpose", "channel", "id"])]

    def __str__(self) -> str:
        # No customer name here: the audit trail stores this text, and consent history must not leak names.
        return f"#{self.pk} {self.get_channel_display()} · {self.get_purpose_display()} · {self.get_state_display()}"
