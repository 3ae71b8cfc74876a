"""Pure decisions of the team board: what a wall screen may show of a name, how codes are compared."""

import hashlib
from datetime import datetime, timedelta

MASK = "**"


def mask_name(name: str) -> str:
    """张** for 张三 and 张三丰 alike: the family name only, never the length of the rest (wall screen, PIPL)."""
    name = (name or "").strip()
    return name[:1] + MASK if name else "—"


def digest(secret: str) -> str:
    """The stored form of a pairing code or screen secret (SHA-256, hex)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_code(typed: str) -> str:
    """A pairing code as typed: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())


def time_left_band(left: timedelta | None, *, soon: timedelta) -> str:
    """overdue / soon / later / none for a complaint's time left to its deadline."""
    if left is None:
        return "none"
    if left <= timedelta(0):
        return "overdue"
    return "soon" if left < soon else "later"


def pairing_usable(*, expires_at: datetime | None, revoked_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and revoked_at is None and now < expires_at
