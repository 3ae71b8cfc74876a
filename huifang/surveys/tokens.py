"""The signed token of a survey link: the link id and its random nonce, signed with the secret key."""

from django.core import signing

SALT = "huifang.surveys.link"


def token_make(*, link_id: int, nonce: str) -> str:
    """A URL-safe token for the link (no "/" in it)."""
    # No timestamp in it: the same link always has the same token; the expiry lives in the database.
    return signing.Signer(salt=SALT).sign_object([link_id, nonce])


def token_read(token: str) -> tuple[int, str] | None:
    """(link id, nonce) of a genuine token; None when it was altered or is not a token at all."""
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        return None
    return value[0], value[1]
