"""Reads of staff notifications: always the user's own."""

from django.db.models import QuerySet

from huifang.accounts.models import User

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
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
