"""The signed token of a survey link: the link id and its random nonce (core.signed_tokens)."""

from huifang.core import signed_tokens

SALT = "huifang.surveys.link"


def token_make(*, link_id: int, nonce: str) -> str:
    """A URL-safe token for the link (no "/" in it)."""
    return signed_tokens.token_make(salt=SALT, record_id=link_id, nonce=nonce)


def token_read(token: str) -> tuple[int, str] | None:
    """(link id, nonce) of a genuine token; None when it was altered or is not a token at all."""
    return signed_tokens.token_read(salt=SALT, token=token)
