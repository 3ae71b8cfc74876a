"""Reads of staff notifications: always the user's own."""

from django.db.models import QuerySet

from huifang.accounts.models import User
from huifang.core.hand_sql import fetch_all

from .models import Notification


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (unread only on request)."""
    if not user.is_authenticated:
        return Notification.objects.none()
    rows = Notification.objects.filter(user=user).select_related("store")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    """How many notifications the user has not read (the bell's badge)."""
    if not user.is_authenticated:
        return 0
    # On every page of a signed-in user (the bell): hand SQL, nothing to compile.
    return fetch_all(UNREAD_SQL, [user.pk])[0][0]


UNREAD_SQL = f"SELECT COUNT(*) FROM {Notification._meta.db_table} WHERE user_id = %s AND read_at IS NULL"
