"""Who manages a store's robot, and the robot's recent group messages (from the outbox)."""

from django.db.models import OuterRef, QuerySet, Subquery

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.accounts.selectors import stores_where_role
from huifang.messaging.choices import ROBOT_CHANNEL, MessageStatus
from huifang.messaging.models import OutboxMessage

# The store's manager (售后经理) and care director set up the group robot (issue 19 §5).
SETTINGS_ROLES = frozenset({Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN})
RECENT = 10


def robot_stores_for(*, user: User) -> QuerySet[Store]:
    return stores_where_role(user=user, roles=SETTINGS_ROLES).order_by("code")


def recent_messages(*, store: Store, limit: int = RECENT) -> QuerySet[OutboxMessage]:
    """The group's latest messages with their status and reason, newest first."""
    return OutboxMessage.objects.filter(store=store, channel=ROBOT_CHANNEL).order_by("-created_at", "-pk")[:limit]


def robot_store_rows(*, user: User) -> QuerySet[Store]:
    """The stores whose robot the user manages, each with its settings (None until first saved) and its last
    group message sent and last failed (when and why), in one query."""
    robot = OutboxMessage.objects.filter(store=OuterRef("pk"), channel=ROBOT_CHANNEL)
    sent = robot.filter(status=MessageStatus.SENT).order_by("-sent_at", "-pk")
    failed = robot.filter(status=MessageStatus.FAILED).order_by("-created_at", "-pk")
    return (
        Store.objects.filter(pk__in=robot_stores_for(user=user).values("pk"))
        .select_related("robot_settings")
        .annotate(
            last_sent_at=Subquery(sent.values("sent_at")[:1]),
            last_failed_at=Subquery(failed.values("created_at")[:1]),
            last_failed_error=Subquery(failed.values("last_error")[:1]),
        )
        .order_by("code", "pk")
    )
