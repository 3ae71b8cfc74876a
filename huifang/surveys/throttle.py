"""A per-client-address request limit for the public survey pages (no login there), kept in the cache."""

from django.core.cache import cache

from . import defaults


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(request, *, now_ts: float) -> bool:
    """Count this request against its address's window; False once the window's limit is passed."""
    window = int(now_ts // defaults.RATE_LIMIT_WINDOW_SECONDS)
    key = f"surveys:rl:{client_address(request)}:{window}"
    # add() is atomic: the first request of a window creates the counter, the others increment it.
    if cache.add(key, 1, timeout=defaults.RATE_LIMIT_WINDOW_SECONDS + 5):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=defaults.RATE_LIMIT_WINDOW_SECONDS + 5)
        return True
    return count <= defaults.RATE_LIMIT_REQUESTS
