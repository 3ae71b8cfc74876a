"""Messaging services: queue a message (consent, opt-out, cap, quiet hours), deliver it, release the outbox."""

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q

from huifang.accounts.models import Store
from huifang.archive.models import Customer
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record, field_changes
from huifang.core.phones import PhoneError, parse_phone

from . import consent, defaults, rules
from .choices import (
    CAP_COUNTED_STATUSES,
    OPTOUT_TO_CONSENT_SOURCE,
    PENDING_STATUSES,
    ConsentSource,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    OptOutScope,
    TemplateKind,
)
from .models import ChannelOptOut, MessageTemplate, MessagingPolicy, OutboxMessage
from .templating import TemplateError, render, validate_template
from .unsubscribe import unsubscribe_url

logger = logging.getLogger("huifang.messaging")

# The release sweep enqueues at most this many deliveries per transaction.
BATCH_SIZE = 500
# The line appended to every marketing message (SMS, e-mail, letter).
UNSUBSCRIBE_LINE = "退订 / Unsubscribe: {url}"


def policy_for(*, store: Store) -> MessagingPolicy:
    """The store's messaging rules, created with the defaults the first time they are asked for."""
    policy, _ = MessagingPolicy.objects.get_or_create(store=store)
    return policy


def templates_ensure_defaults(*, store: Store) -> int:
    """Create the seed 003 default templates the store does not have yet; returns how many were added."""
    before = MessageTemplate.objects.filter(store=store).count()
    MessageTemplate.objects.bulk_create(
        [
            MessageTemplate(store=store, kind=kind, channel=channel, purpose=purpose, subject=subject, body=body)
            for kind, channel, purpose, subject, body in defaults.TEMPLATES
        ],
        ignore_conflicts=True,
    )
    return MessageTemplate.objects.filter(store=store).count() - before


def template_for(*, store: Store, kind: str, channel: str) -> MessageTemplate | None:
    """The store's active template of a kind on a channel (defaults created on first use)."""
    template = MessageTemplate.objects.filter(store=store, kind=kind, channel=channel).first()
    if template is None:
        templates_ensure_defaults(store=store)
        template = MessageTemplate.objects.filter(store=store, kind=kind, channel=channel).first()
    return template if template is not None and template.active else None


def template_update(
    *, template: MessageTemplate, actor, now: datetime, subject: str, body: str, active: bool = True
) -> MessageTemplate:
    """Change a template's text; an unknown or malformed placeholder is refused with a clear message."""
    try:
        validate_template(subject, body)
    except TemplateError as exc:
        raise ValidationError({"body": str(exc)}) from exc
    before = {"subject": template.subject, "body": template.body, "active": template.active}
    after = {"subject": subject, "body": body, "active": active}
    with transaction.atomic():
        MessageTemplate.objects.filter(pk=template.pk).update(updated_at=now, **after)
        audit_record(obj=template, action=AuditAction.UPDATE, at=now, actor=actor, changes=field_changes(before, after))
    template.refresh_from_db()
    return template


def optout_record(
    *,
    customer: Customer,
    channel: str,
    purpose: str = OptOutScope.ALL,
    source: str,
    actor=None,
    now: datetime,
) -> ChannelOptOut:
    """Record that the customer wants no (marketing) messages on a channel; recording it twice changes nothing.

    The opt-out is also a withdrawal of consent, appended to the consent history (consent.py).
    """
    with transaction.atomic():
        optout, created = ChannelOptOut.objects.get_or_create(
            customer=customer,
            channel=channel,
            purpose=purpose,
            defaults={"store_id": customer.store_id, "at": now, "source": source, "recorded_by": actor},
        )
        if created:
            audit_record(
                obj=optout,
                action=AuditAction.CREATE,
                at=now,
                actor=actor,
                changes={"channel": channel, "purpose": purpose, "source": source},
            )
        consent.consent_withdraw_for_optout(
            customer=customer,
            channel=channel,
            scope=purpose,
            source=OPTOUT_TO_CONSENT_SOURCE.get(source, ConsentSource.OTHER),
            actor=actor,
            now=now,
        )
    return optout


def suppression_reason(*, customer: Customer, channel: str, purpose: str) -> str:
    """Why the customer must not get this message ('' when they may), from the consent state of the channel."""
    if consent.consent_given(customer=customer, channel=channel, purpose=purpose):
        return ""
    if purpose == MessagePurpose.MARKETING:
        return "顾客未同意通过该渠道接收营销信息 / no marketing consent on this channel"
    return "顾客已退订该渠道 / customer opted out of this channel"


def address_for(*, customer: Customer, channel: str) -> str:
    """Where a message to the customer goes: a mobile number, an e-mail address or a postal address block."""
    if channel == MessageChannel.SMS:
        if not customer.mobile:
            return ""
        try:
            phone = parse_phone(customer.mobile)
        except PhoneError:
            return ""
        return phone.e164 if phone.is_mobile else ""
    if channel == MessageChannel.EMAIL:
        return customer.email
    if channel == MessageChannel.LETTER:
        return f"{customer.address}\n{customer.name} 收" if customer.address else ""
    return ""


def base_context(*, store: Store, customer: Customer | None) -> dict[str, str]:
    """The placeholder values every message has: the customer's name and the store's name and phone."""
    return {
        "customer_name": customer.name if customer else "",
        "store_name": store.name,
        "store_phone": store.phone,
    }


def _enqueue_delivery(message_id: int) -> None:
    from .tasks import deliver_message_task

    deliver_message_task.enqueue(message_id=message_id)


def _marketing_count(*, customer: Customer, since: datetime) -> int:
    return OutboxMessage.objects.filter(
        customer=customer,
        purpose=MessagePurpose.MARKETING,
        status__in=CAP_COUNTED_STATUSES,
        created_at__gte=since,
    ).count()


def message_queue(
    *,
    store: Store,
    customer: Customer | None,
    channel: str,
    purpose: str,
    now: datetime,
    idempotency_key: str,
    template: MessageTemplate | None = None,
    body: str | None = None,
    subject: str = "",
    context: Mapping[str, object] | None = None,
    related: models.Model | None = None,
    to_address: str = "",
    not_before: datetime | None = None,
) -> OutboxMessage:
    """Put one message in the outbox (once per idempotency key), suppressed, held or queued for delivery.

    `not_before` (default `now`) lets a channel pace its messages; the release sweep sends it when due."""
    existing = OutboxMessage.objects.filter(store=store, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    if template is not None:
        if template.store_id != store.pk or template.channel != channel:
            raise ValueError(f"template {template.pk} is not a {channel} template of store {store.pk}")
        subject, body = template.subject, template.body
    if body is None:
        raise ValueError("message_queue needs a template or a body")

    policy = policy_for(store=store)
    status, error = MessageStatus.QUEUED, ""
    not_before = max(not_before or now, now)
    try:
        values = base_context(store=store, customer=customer) | dict(context or {})
        subject, body = render(subject, values), render(body, values)
    except TemplateError as exc:
        status, error = MessageStatus.FAILED, str(exc)
    if purpose == MessagePurpose.MARKETING and customer is not None:
        # Brief §8 / issue 8 §5: every marketing message carries its one-click unsubscribe link.
        body = f"{body.rstrip()}\n{UNSUBSCRIBE_LINE.format(url=unsubscribe_url(customer_id=customer.pk))}"
    address = to_address or (address_for(customer=customer, channel=channel) if customer else "")

    with transaction.atomic():
        if status == MessageStatus.FAILED:
            pass
        elif customer is not None and (
            reason := suppression_reason(customer=customer, channel=channel, purpose=purpose)
        ):
            status, error = MessageStatus.SUPPRESSED_OPT_OUT, reason
        elif not address:
            status, error = MessageStatus.FAILED, f"顾客没有可用的地址 / no {channel} address for this customer"
        elif customer is not None and purpose == MessagePurpose.MARKETING:
            # Lock the customer so two marketing messages queued at once cannot both slip under the cap.
            Customer.objects.select_for_update().filter(pk=customer.pk).first()
            since = rules.cap_period_start(now, policy.marketing_cap_days)
            if rules.cap_reached(_marketing_count(customer=customer, since=since), policy.marketing_cap_count):
                status = MessageStatus.SUPPRESSED_CAP
                error = f"{policy.marketing_cap_days} 天内营销信息已达 {policy.marketing_cap_count} 条 / marketing cap reached"
        if status == MessageStatus.QUEUED and channel in defaults.QUIET_HOURS_CHANNELS:
            allowed = rules.next_allowed_time(not_before, policy.quiet_hours, ZoneInfo(store.time_zone))
            if allowed != not_before:
                not_before = allowed
                status = MessageStatus.HELD_QUIET_HOURS
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(
                    store=store,
                    customer=customer,
                    channel=channel,
                    purpose=purpose,
                    template=template,
                    to_address=address,
                    subject=subject[:200],
                    body=body,
                    status=status,
                    not_before=not_before,
                    enqueued_at=now if status == MessageStatus.QUEUED else None,
                    last_error=error,
                    created_at=now,
                    related_type=ContentType.objects.get_for_model(type(related)) if related is not None else None,
                    related_id=related.pk if related is not None else None,
                    idempotency_key=idempotency_key,
                )
        except IntegrityError:
            # Another worker queued the same logical message a moment ago; theirs is the one.
            return OutboxMessage.objects.get(store=store, idempotency_key=idempotency_key)
        if status == MessageStatus.QUEUED:
            transaction.on_commit(lambda: _enqueue_delivery(message.pk))
    return message


def _sender(*, store: Store, policy: MessagingPolicy) -> str:
    from django.conf import settings

    return policy.sms_sender or settings.SMS_SENDER or store.name


def message_deliver(*, message_id: int, now: datetime) -> OutboxMessage:
    """Send one due message through its channel's provider; a failure is retried with backoff, then failed."""
    from . import providers

    message = OutboxMessage.objects.select_related("store").get(pk=message_id)
    if message.status not in PENDING_STATUSES or message.not_before > now:
        return message
    policy = policy_for(store=message.store)
    pending = OutboxMessage.objects.filter(pk=message_id, status__in=PENDING_STATUSES)
    if message.channel in defaults.QUIET_HOURS_CHANNELS:
        allowed = rules.next_allowed_time(now, policy.quiet_hours, ZoneInfo(message.store.time_zone))
        if allowed != now:
            # Late in the queue and now inside quiet hours: hold it; the release sweep sends it afterwards.
            pending.update(status=MessageStatus.HELD_QUIET_HOURS, not_before=allowed)
            message.refresh_from_db()
            return message
    claimed = pending.filter(not_before__lte=now).update(
        status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        message.refresh_from_db()
        return message  # another worker has it, or it changed meanwhile
    message.refresh_from_db()
    sending = OutboxMessage.objects.filter(pk=message_id, status=MessageStatus.SENDING)
    try:
        provider = providers.provider_for(message.channel)
        provider_id = provider.send(message, sender=_sender(store=message.store, policy=policy))
    except Exception as exc:  # any provider failure must end as a retry or a failure, never stuck in SENDING
        error = str(exc) if isinstance(exc, providers.DeliveryError) else f"{type(exc).__name__}: {exc}"
        logger.warning("delivery of message %s failed (attempt %s): %s", message_id, message.attempts, error)
        if not isinstance(exc, providers.DeliveryRefused) and rules.retry_or_fail(
            message.attempts, policy.max_attempts
        ):
            retry_at = now + rules.retry_delay(message.attempts, policy.retry_backoff_minutes)
            if message.channel in defaults.QUIET_HOURS_CHANNELS:
                retry_at = rules.next_allowed_time(retry_at, policy.quiet_hours, ZoneInfo(message.store.time_zone))
            sending.update(status=MessageStatus.QUEUED, not_before=retry_at, last_error=error)
        else:
            sending.update(status=MessageStatus.FAILED, last_error=error)
    else:
        sending.update(status=MessageStatus.SENT, sent_at=now, provider_message_id=provider_id[:200], last_error="")
    message.refresh_from_db()
    return message


def _reclaim_stale_sending(*, now: datetime) -> None:
    """Messages whose worker died while sending: retry them (the gateway id is the same), or fail them."""
    stale = OutboxMessage.objects.filter(
        status=MessageStatus.SENDING, claimed_at__lt=now - timedelta(minutes=defaults.STALE_SENDING_MINUTES)
    )
    error = "发送中断 / the worker stopped while sending"
    stale.filter(attempts__gte=F("store__messaging_policy__max_attempts")).update(
        status=MessageStatus.FAILED, last_error=error
    )
    stale.update(status=MessageStatus.QUEUED, not_before=now, last_error=error)


def outbox_release_due(*, now: datetime) -> int:
    """Enqueue delivery of every due queued or held message not yet enqueued since it became due; returns the count."""
    due = Q(status__in=PENDING_STATUSES, not_before__lte=now) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("not_before"))
    )
    _reclaim_stale_sending(now=now)  # those go back to queued and are enqueued below
    released = 0
    while True:
        with transaction.atomic():
            ids = list(
                OutboxMessage.objects.filter(due)
                .order_by("not_before", "pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:BATCH_SIZE]
            )
            if not ids:
                return released
            OutboxMessage.objects.filter(due, pk__in=ids).update(status=MessageStatus.QUEUED, enqueued_at=now)
            transaction.on_commit(lambda ids=ids: [_enqueue_delivery(pk) for pk in ids])
            released += len(ids)


def sms_follow_up_for_unreachable(
    *, task_store: Store, customer: Customer, now: datetime, related: models.Model | None
) -> OutboxMessage | None:
    """Queue the repair follow-up SMS (维修回访型) for a customer a call task could not reach.

    Nothing is queued without a mobile number or an active template; an opted-out customer gets a
    suppressed outbox row (so the manager sees why nothing went out). Calling it twice queues once.
    """
    if not address_for(customer=customer, channel=MessageChannel.SMS):
        return None
    template = template_for(store=task_store, kind=TemplateKind.REPAIR_FOLLOW_UP, channel=MessageChannel.SMS)
    if template is None:
        return None
    if related is not None:
        ct = ContentType.objects.get_for_model(type(related))
        key = f"unreachable-sms:{ct.app_label}.{ct.model}:{related.pk}"
    else:
        key = f"unreachable-sms:customer:{customer.pk}:{now.date().isoformat()}"
    vehicle = getattr(related, "vehicle", None)
    advisor = getattr(related, "advisor", None) or getattr(related, "assignee", None)
    context = {
        "plate": getattr(vehicle, "plate", "") or "",
        "advisor_name": str(advisor) if advisor else "",
    }
    return message_queue(
        store=task_store,
        customer=customer,
        channel=MessageChannel.SMS,
        purpose=template.purpose,
        template=template,
        context=context,
        now=now,
        idempotency_key=key,
        related=related,
    )


def quiet_hours_update(*, store: Store, actor, now: datetime, windows: list[list[str]]) -> MessagingPolicy:
    """Set the store's quiet hours ([["21:00", "09:00"], …], store time): no call is offered and no SMS or
    e-mail leaves inside them. Refused when unreadable or covering the whole day; audited."""
    try:
        rules.validate_windows(windows)
    except rules.QuietHoursError as exc:
        raise ValidationError({"quiet_hours": str(exc)}) from exc
    policy = policy_for(store=store)
    before = policy.quiet_hours
    if before == windows:
        return policy
    with transaction.atomic():
        MessagingPolicy.objects.filter(pk=policy.pk).update(quiet_hours=windows)
        audit_record(
            obj=policy, action=AuditAction.UPDATE, at=now, actor=actor, changes={"quiet_hours": [before, windows]}
        )
    policy.refresh_from_db()
    return policy
