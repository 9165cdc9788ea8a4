"""Rate limits for what the public can repeat (self-lookups, subscribing), counted in Django's
cache (shared by every process with MINGJING_REDIS_URL, else per process). The client's address
is kept only as a keyed hash, and only there, never in the database.

A window starts at a client's first request and lasts `seconds` (the counter's expiry is set
once; incrementing keeps it), so no calendar boundary resets a client in the middle of a burst.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils.crypto import salted_hmac


def client_key(client: str | None) -> str:
    return salted_hmac("mingjing.portal.client", client or "-").hexdigest()[:32]


def over_limit(scope: str, client: str | None, *, limit: int, seconds: int) -> int:
    """Count one request of `client` in `scope`: how far over `limit` it is (0: within it)."""
    key = f"portal:rate:{scope}:{client_key(client)}"
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr: this request starts a new one
        cache.set(key, 1, timeout=seconds)
        count = 1
    return max(0, count - limit)
