"""The signed token of a customer's appointment link: the appointment id and its nonce, signed with the secret key."""

from django.core import signing

SALT = "huifang.appointments.link"


def token_make(*, appointment_id: int, nonce: str) -> str:
    return signing.Signer(salt=SALT).sign_object([appointment_id, nonce])


def token_read(token: str) -> tuple[int, str] | None:
    """(appointment id, nonce) of a genuine token; None when it was altered or is not a token at all."""
    try:
        value = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int) and isinstance(value[1], str)):
        return None
    return value[0], value[1]
