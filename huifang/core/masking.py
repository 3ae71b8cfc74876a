"""Masks for personal identifiers shown on screens and in the API (PIPL: display only what is needed)."""


def mask_id_number(value: str) -> str:
    """An ID card number as 440***********1234: the region and the last four for telling people apart."""
    value = (value or "").strip()
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
