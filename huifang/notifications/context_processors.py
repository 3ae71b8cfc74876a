"""The header bell's unread count on every page of a signed-in user (one COUNT query)."""

from . import selectors


def notification_bell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": selectors.unread_count(user=user)}
