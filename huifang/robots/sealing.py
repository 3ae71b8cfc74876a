"""Robot webhooks and secrets are sealed at rest (Fernet, AES-128-CBC + HMAC) under a key from the settings.

The key is ROBOT_SEAL_KEY when set, else derived from SECRET_KEY: a copy of the database alone does not
give away the group's webhook. Rotating the key makes the stored ones unreadable: the settings screen then
says so and the manager pastes them again (nothing is sent meanwhile).
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class Unreadable(ValueError):
    """A sealed value that the current key does not open (the key changed since it was saved)."""


def _fernet() -> Fernet:
    material = getattr(settings, "ROBOT_SEAL_KEY", "") or settings.SECRET_KEY
    key = hashlib.sha256(f"huifang.robots.seal:{material}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def unseal(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise Unreadable("the robot's webhook or secret was sealed under another key") from exc
