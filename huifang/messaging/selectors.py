"""Reading the outbox and templates, scoped to the stores the user manages."""

from django.db.models import QuerySet

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.accounts.selectors import stores_where_role
from huifang.core.phones import mask_phone

from .choices import ROBOT_CHANNEL, MessageChannel, MessageStatus
from .models import MessageTemplate, OutboxMessage

# Who sees the outbox screen, and who edits the wording of the store's templates.
OUTBOX_ROLES = frozenset({Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.GROUP_MANAGER, Role.ADMIN})
TEMPLATE_EDITOR_ROLES = frozenset({Role.CARE_DIRECTOR, Role.ADMIN})


def outbox_stores_for(*, user: User) -> QuerySet[Store]:
    """Stores whose outbox the user may read."""
    return stores_where_role(user=user, roles=OUTBOX_ROLES)


def messages_for_manager(*, user: User, status: str = "", store_id: int | None = None) -> QuerySet[OutboxMessage]:
    """Outbox messages of the user's stores, newest first, optionally of one status or store."""
    messages = OutboxMessage.objects.filter(store__in=outbox_stores_for(user=user)).select_related(
        "store", "customer", "template"
    )
    if status in MessageStatus.values:
        messages = messages.filter(status=status)
    if store_id is not None:
        messages = messages.filter(store_id=store_id)
    return messages.order_by("-created_at", "-pk")


def templates_for_store(*, store: Store) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.filter(store=store).order_by("kind", "channel")


def letters_to_print(*, store: Store, day) -> QuerySet[OutboxMessage]:
    """Letters handed to print on a day (status sent), in the order they were queued."""
    return (
        OutboxMessage.objects.filter(
            store=store, channel=MessageChannel.LETTER, status=MessageStatus.SENT, sent_at__date=day
        )
        .select_related("customer")
        .order_by("pk")
    )


def masked_address(message: OutboxMessage) -> str:
    """The recipient as the outbox screen shows it: 138****5678, z***@example.com, or the city part only."""
    address = message.to_address
    if message.channel == MessageChannel.SMS:
        return mask_phone(address)
    if message.channel == MessageChannel.EMAIL:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}" if domain else "***"
    if message.channel == ROBOT_CHANNEL:
        return address  # the group's name ("钉钉群机器人"), never its webhook
    return (address.splitlines() or [""])[0][:6] + "…" if address else ""
