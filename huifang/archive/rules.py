"""Pure archive decisions: no ORM, no clock."""


def is_sensitive_occupation(occupation: str, words: str) -> bool:
    """Press, media, lawyers, government (seed 000: note the owner's trade before calling)."""
    text = (occupation or "").strip().lower()
    if not text:
        return False
    return any(w.strip().lower() in text for w in (words or "").split(",") if w.strip())
