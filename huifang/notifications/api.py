"""JSON API of the notifications app: my notifications and marking one read."""

from datetime import datetime

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from huifang.core import clock
from huifang.core.api_errors import ErrorOut
from huifang.core.api_params import MAX_OFFSET

from . import selectors, services

router = Router(tags=["notifications 站内通知"])

PAGE_MAX = 100


class NotificationOut(Schema):
    id: int
    created_at: datetime
    title: str
    body: str
    url: str
    store_id: int | None
    read_at: datetime | None


class NotificationPage(Schema):
    count: int
    unread: int
    items: list[NotificationOut]


class NotificationFilter(Schema):
    unread: bool = False
    limit: int = 20
    offset: int = 0


@router.get("/", response=NotificationPage, summary="My notifications, newest first")
def notification_list(request, filters: Query[NotificationFilter]):
    """The caller's own notifications (`unread=true` for unread only); nobody sees another person's."""
    rows = selectors.notifications_for(user=request.auth, unread_only=filters.unread)
    limit = max(1, min(filters.limit, PAGE_MAX))
    offset = max(0, min(filters.offset, MAX_OFFSET))
    return {
        "count": rows.count(),
        "unread": selectors.unread_count(user=request.auth),
        "items": list(rows[offset : offset + limit]),
    }


@router.post(
    "/{notification_id}/read", response={200: NotificationOut, 404: ErrorOut}, summary="Mark a notification read"
)
def notification_read(request, notification_id: int):
    """Mark one of the caller's notifications read; another person's answers 404."""
    notification = get_object_or_404(selectors.notifications_for(user=request.auth), pk=notification_id)
    return services.notification_read(notification=notification, user=request.auth, now=clock.now())
