"""Writes of staff notifications (站内通知): in-app rows, idempotent per user and key, plus an e-mail."""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from huifang.accounts.models import Store, User
from huifang.core.links import absolute_url

from .models import Notification

logger = logging.getLogger(__name__)


def _email(*, title: str, body: str, url: str, addresses: list[str]) -> None:
    text = body
    if url:
        link = absolute_url(url)
        text = f"{body}\n\n{link}" if body else link
    for address in addresses:
        try:
            send_mail(title, text, None, [address], fail_silently=False)
        except Exception:
            # A mail server down must not undo the in-app notification; the failure is logged.
            logger.exception("notification e-mail to %s failed", address)


def notify(
    *,
    users: Iterable[User],
    store: Store | None,
    now: datetime,
    title: str,
    body: str = "",
    url: str = "",
    key: str,
    email: bool = True,
) -> int:
    """Notify each user once per `key` (in the app, and by e-mail after commit); returns how many were new.

    Calling again with the same key changes nothing and sends nothing, so sweeps may repeat it safely.
    """
    unique: dict[int, User] = {u.pk: u for u in users if u is not None and u.is_active}
    if not unique:
        return 0
    created: list[User] = []
    with transaction.atomic():
        existing = set(Notification.objects.filter(user__in=list(unique), key=key).values_list("user_id", flat=True))
        for user_id, user in unique.items():
            if user_id in existing:
                continue
            # One savepoint per row: a concurrent sweep inserting the same (user, key) makes ours a no-op.
            try:
                with transaction.atomic():
                    Notification.objects.create(
                        user=user, store=store, created_at=now, title=title[:200], body=body, url=url[:300], key=key
                    )
            except IntegrityError:
                continue
            created.append(user)
        addresses = [u.email for u in created if u.email]
        if email and addresses:
            transaction.on_commit(lambda: _email(title=title, body=body, url=url, addresses=addresses))
    return len(created)


def notification_read(*, notification: Notification, user: User, now: datetime) -> Notification:
    """Mark the user's notification read (a no-op when it already is)."""
    if notification.user_id != user.pk:
        raise PermissionError("not this user's notification")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.refresh_from_db()
    return notification


def notifications_read_all(*, user: User, now: datetime) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now)
