"""Signed, URL-safe tokens for the links customers open without a login (survey, appointment): a record id and
its random nonce, signed with the secret key under a salt of the link's kind. No timestamp in them: the same
link always has the same token, and its expiry lives in the database."""

from django.core import signing


def token_make(*, salt: str, record_id: int, nonce: str) -> str:
    return signing.Signer(salt=salt).sign_object([record_id, nonce])


def token_read(*, salt: str, token: str) -> tuple[int, str] | None:
    """(record id, nonce) of a genuine token; None when it was altered or is not a token at all."""
    try:
        value = signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        return None
    return value[0], value[1]
