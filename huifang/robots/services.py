"""Robot services: the store's settings (audited, secrets sealed), and putting one group message in the outbox."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from huifang.accounts.models import Store
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.messaging import services as messaging
from huifang.messaging.choices import CAP_COUNTED_STATUSES, ROBOT_CHANNEL, MessagePurpose
from huifang.messaging.models import OutboxMessage

from . import defaults, rules, sealing
from .choices import AlertKind, Platform
from .models import RobotSettings

# Fields saved as given; the webhook and secret are sealed, and only "changed" reaches the audit trail.
PLAIN_FIELDS = ("enabled", "platform", "post_brief", "brief_time", "post_escalations", "post_major", "post_hot")
# How the group shows in the outbox's "to" column (the webhook itself is never written there).
GROUP_NAMES = {Platform.DINGTALK: "钉钉群机器人", Platform.WECOM: "企业微信群机器人"}


def settings_for(*, store: Store) -> RobotSettings:
    """The store's robot settings, created (off) the first time they are asked for."""
    robot, _created = RobotSettings.objects.get_or_create(store=store)
    return robot


def _base(platform: str) -> str:
    return settings.ROBOT_DINGTALK_BASE if platform == Platform.DINGTALK else settings.ROBOT_WECOM_BASE


def settings_update(
    *,
    store: Store,
    actor,
    now: datetime,
    enabled: bool,
    platform: str,
    post_brief: bool,
    brief_time: time,
    post_escalations: bool,
    post_major: bool,
    post_hot: bool,
    webhook: str = "",
    secret: str = "",
    clear_secret: bool = False,
) -> RobotSettings:
    """Save the store's robot. An empty webhook or secret keeps the stored one; errors name the field and
    nothing is saved. The audit entry says a webhook or secret changed, never what it is."""
    robot = settings_for(store=store)
    errors: dict[str, str] = {}
    if platform not in Platform.values:
        errors["platform"] = _("Choose DingTalk or WeCom.")
    webhook = (webhook or "").strip()
    secret = (secret or "").strip()
    if webhook and platform in Platform.values:
        try:
            webhook = rules.check_webhook(platform, webhook, base=_base(platform))
        except rules.WebhookError as exc:
            errors["webhook"] = _("Paste the robot's webhook address as the group settings show it: %(example)s") % {
                "example": str(exc)
            }
    elif not webhook and platform != robot.platform and robot.configured:
        errors["webhook"] = _("A robot of another platform needs its own webhook address.")
    if enabled and not webhook and not robot.configured:
        # Named on both inputs: turning it on is refused, and the webhook is what would let it.
        errors["webhook"] = errors["enabled"] = _("Paste the robot's webhook address before turning it on.")
    if secret and platform == Platform.WECOM:
        errors["secret"] = _("WeCom group robots have no signing secret: the key is in the webhook address.")
    elif secret and not (secret.startswith("SEC") and len(secret) <= 200):
        errors["secret"] = _("DingTalk's signing secret (加签) starts with SEC.")
    if errors:
        raise ValidationError(errors)

    before = {field: getattr(robot, field) for field in PLAIN_FIELDS}
    after = {
        "enabled": enabled,
        "platform": platform,
        "post_brief": post_brief,
        "brief_time": brief_time,
        "post_escalations": post_escalations,
        "post_major": post_major,
        "post_hot": post_hot,
    }
    changes = {
        field: [str(before[field]), str(after[field])] for field in PLAIN_FIELDS if before[field] != after[field]
    }
    update: dict = dict(after)
    if webhook:
        update["webhook_sealed"] = sealing.seal(webhook)
        changes["webhook"] = "changed"
    if platform == Platform.WECOM and robot.secret_sealed:
        update["secret_sealed"] = ""
        changes["secret"] = "removed"
    elif secret:
        update["secret_sealed"] = sealing.seal(secret)
        changes["secret"] = "changed"
    elif clear_secret and robot.secret_sealed:
        update["secret_sealed"] = ""
        changes["secret"] = "removed"
    if not changes:
        return robot
    with transaction.atomic():
        RobotSettings.objects.filter(pk=robot.pk).update(updated_at=now, **update)
        audit_record(obj=robot, action=AuditAction.UPDATE, at=now, actor=actor, changes=changes)
    robot.refresh_from_db()
    return robot


def masked_webhook(robot: RobotSettings) -> str:
    """The stored webhook as the screen shows it (token hidden), or a note that it cannot be read any more."""
    try:
        return rules.masked_webhook(sealing.unseal(robot.webhook_sealed))
    except sealing.Unreadable:
        return _("(unreadable: paste it again)")


def _escape(text: str) -> str:
    """The outbox fills {placeholders}; a group message is final text, so its braces are kept as they are."""
    return text.replace("{", "{{").replace("}", "}}")


def robot_post(
    *,
    store: Store,
    kind: str,
    key: str,
    title: str,
    lines: list[str],
    now: datetime,
    related: models.Model | None = None,
    robot: RobotSettings | None = None,
) -> OutboxMessage | None:
    """Queue ONE group message for `key` (the outbox's idempotency key), or nothing when the store's robot is
    off or does not post this kind. Call it inside the transaction of the alert itself: the message exists
    exactly when the alert does, and the outbox delivers it with its retries."""
    robot = robot or RobotSettings.objects.filter(store=store).first()
    if robot is None or not robot.posts(kind):
        return None
    # Pacing (defaults.SPACING_SECONDS): after the latest group message of the store still within the window.
    spacing = timedelta(seconds=defaults.SPACING_SECONDS)
    # (Sent or about to be: the outbox's (status, not_before) index finds the few rows in the window.)
    latest = OutboxMessage.objects.filter(
        status__in=CAP_COUNTED_STATUSES, not_before__gt=now - spacing, store=store, channel=ROBOT_CHANNEL
    ).aggregate(latest=Max("not_before"))["latest"]
    text = rules.fit("\n".join([f"#### {title}", *lines, "", f"> {defaults.KEYWORD} · {store.name}"]))
    return messaging.message_queue(
        store=store,
        customer=None,
        channel=ROBOT_CHANNEL,
        purpose=MessagePurpose.SERVICE,
        subject=_escape(title[:200]),
        body=_escape(text),
        to_address=GROUP_NAMES.get(robot.platform, robot.platform),
        now=now,
        idempotency_key=f"robot:{key}"[:200],
        related=related,
        not_before=rules.paced(now, latest, spacing),
    )


def robot_test(*, store: Store, actor, now: datetime) -> OutboxMessage:
    """Send a test message now (the "send test message" button) and return its outbox row with the outcome."""
    robot = settings_for(store=store)
    if not robot.configured:
        raise ValidationError({"webhook": _("Paste the robot's webhook address first.")})
    if not robot.enabled:
        raise ValidationError({"enabled": _("Turn the robot on first.")})
    with transaction.atomic():
        message = robot_post(
            store=store,
            kind=AlertKind.TEST,
            key=f"test:{now.timestamp():.0f}",
            title="测试消息",
            lines=[f"{store.name} 的回访系统已连接到本群。", f"发送人：{actor}"],
            now=now,
            robot=robot,
        )
        audit_record(obj=robot, action=AuditAction.UPDATE, at=now, actor=actor, changes={"test_message": message.pk})
    # Delivered in the request, so the screen can say at once whether the group got it (and why not).
    return messaging.message_deliver(message_id=message.pk, now=now)
