"""The signed token of a customer's appointment link: the appointment id and its nonce (core.signed_tokens)."""

from huifang.core import signed_tokens

SALT = "huifang.appointments.link"


def token_make(*, appointment_id: int, nonce: str) -> str:
    return signed_tokens.token_make(salt=SALT, record_id=appointment_id, nonce=nonce)


def token_read(token: str) -> tuple[int, str] | None:
    """(appointment id, nonce) of a genuine token; None when it was altered or is not a token at all."""
    return signed_tokens.token_read(salt=SALT, token=token)
