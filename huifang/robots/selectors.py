"""Who manages a store's robot, and the robot's recent group messages (from the outbox)."""

from django.db.models import QuerySet

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.accounts.selectors import stores_where_role
from huifang.messaging.choices import ROBOT_CHANNEL
from huifang.messaging.models import OutboxMessage

# The store's manager (售后经理) and care director set up the group robot (issue 19 §5).
SETTINGS_ROLES = frozenset({Role.SERVICE_MANAGER, Role.CARE_DIRECTOR, Role.ADMIN})
RECENT = 10


def robot_stores_for(*, user: User) -> QuerySet[Store]:
    return stores_where_role(user=user, roles=SETTINGS_ROLES).order_by("code")


def recent_messages(*, store: Store, limit: int = RECENT) -> QuerySet[OutboxMessage]:
    """The group's latest messages with their status and reason, newest first."""
    return OutboxMessage.objects.filter(store=store, channel=ROBOT_CHANNEL).order_by("-created_at", "-pk")[:limit]
