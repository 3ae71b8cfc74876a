"""Signed one-click unsubscribe links (退订链接): the customer id in a token that never expires.

A customer may act on an old message years later, so the link carries no timestamp; the signature
(SECRET_KEY, own salt) is what stops anyone from guessing another customer's link.
"""

from django.core import signing
from django.urls import reverse

from huifang.core.links import absolute_url

SALT = "huifang.messaging.unsubscribe"


class LinkError(Exception):
    """A token that was changed, cut short or names no customer."""


def unsubscribe_token(*, customer_id: int) -> str:
    return signing.Signer(salt=SALT).sign(str(customer_id))


def unsubscribe_token_read(*, token: str) -> int:
    """The customer id of a token, or LinkError."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature as exc:
        raise LinkError("invalid") from exc
    if not value.isdigit():
        raise LinkError("invalid")
    return int(value)


def unsubscribe_url(*, customer_id: int) -> str:
    """The absolute link put into marketing messages; the base comes from settings.SITE_URL."""
    return absolute_url(reverse("messaging:unsubscribe", kwargs={"token": unsubscribe_token(customer_id=customer_id)}))


# Public page guard: requests per client address per window (a person needs a handful; a scanner many).
RATE_LIMIT = 30
RATE_WINDOW_SECONDS = 3600
