"""Per-client-address request limits for the public pages customers open without a login (survey link,
unsubscribe, event sign-up), counted in the shared cache."""

from django.core.cache import cache


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limited(request, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count this request against its address in `scope`; True once more than `limit` came within the
    window that the address's first request opened."""
    key = f"{scope}:rl:{client_address(request)}"
    cache.add(key, 0, timeout=window_seconds)  # atomic: only the window's first request creates the counter
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count > limit
