"""Signed sign-up links (django.core.signing.TimestampSigner): event and member in the token, expiry checked."""

from dataclasses import dataclass

from django.core import signing

SALT = "huifang.operations.event-signup"


class LinkError(Exception):
    """A link that is expired or was tampered with; `reason` is 'expired' or 'invalid'."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LinkTarget:
    event_id: int
    member_id: int


def signup_token(*, event_id: int, member_id: int) -> str:
    """A URL-safe token naming the event and the member, stamped with the signing time."""
    return signing.TimestampSigner(salt=SALT).sign(f"{event_id}.{member_id}")


def signup_token_read(*, token: str, max_age_days: int) -> LinkTarget:
    """The event and member of a token, or LinkError('expired' / 'invalid')."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign(token, max_age=max_age_days * 86400)
    except signing.SignatureExpired as exc:
        raise LinkError("expired") from exc
    except signing.BadSignature as exc:
        raise LinkError("invalid") from exc
    event_id, _sep, member_id = value.partition(".")
    if not (event_id.isdigit() and member_id.isdigit()):
        raise LinkError("invalid")
    return LinkTarget(event_id=int(event_id), member_id=int(member_id))
