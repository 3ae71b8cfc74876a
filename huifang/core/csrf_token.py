"""The {{ csrf_token }} of a page, masked with a few Python calls instead of Django's ~500 (issue 18).

Django masks the cookie's secret afresh for each response (BREACH): 32 characters drawn one by one with
secrets.choice, then a per-character index() and join. This does the same sum with one draw from the same
CSPRNG: a number below 62**32 read as 32 base-62 digits is 32 independent, uniform mask characters; each
token character is (secret + mask) mod 62, as django.middleware.csrf._mask_cipher_secret makes it, so
CsrfViewMiddleware unmasks it unchanged. One token per template render, as Django's context processor
(lazy, evaluated once per render): never kept across responses.

When the request has no secret yet (a first visit) Django's own get_token makes one and sets the cookie.
"""

import secrets

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils.functional import SimpleLazyObject

_BASE = len(CSRF_ALLOWED_CHARS)
_MASKS = _BASE**CSRF_SECRET_LENGTH
_INDEX = {char: i for i, char in enumerate(CSRF_ALLOWED_CHARS)}


def masked_token(secret: str) -> str:
    """A fresh token for `secret`: a uniform random mask, then the secret shifted by it character by character."""
    n = secrets.randbelow(_MASKS)
    mask = cipher = ""
    for char in secret:  # operators only: no Python call per character
        digit = n % _BASE
        n //= _BASE
        mask += CSRF_ALLOWED_CHARS[digit]
        cipher += CSRF_ALLOWED_CHARS[(_INDEX[char] + digit) % _BASE]
    return mask + cipher


def request_token(request) -> str:
    """What django.middleware.csrf.get_token returns, with the masking above."""
    meta = request.META
    secret = meta.get("CSRF_COOKIE")
    if secret is None or len(secret) != CSRF_SECRET_LENGTH:
        return get_token(request)
    meta["CSRF_COOKIE_NEEDS_UPDATE"] = True  # the cookie is used: sent again to renew its expiry, as Django does
    return masked_token(secret)


def csrf(request) -> dict:
    """Context processor replacing Django's built-in one (listed after it, so its value wins)."""
    return {"csrf_token": SimpleLazyObject(lambda: request_token(request))}
