"""Rate limits. Exceeding one gives DRF's 429 with a Retry-After header."""

import hashlib
import hmac

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class KeyedAddressMixin:
    """Identifies a client by a keyed hash of its address instead of the
    address: the key changes with SECRET_KEY, so a cache dump cannot be
    matched against addresses without it."""

    def get_ident(self, request) -> str:
        # No REMOTE_ADDR (some test or proxy set-ups) counts as one client.
        return keyed_hash(super().get_ident(request) or "")


class AnonymousRateThrottle(KeyedAddressMixin, AnonRateThrottle):
    """Anonymous clients, counted under a keyed hash of their address that
    lives only in the cache and only as long as the rate's window: the
    address itself is never written anywhere. The key changes with
    SECRET_KEY, so a cache dump cannot be matched against addresses without
    it. The rate is the API_ANON_RATE setting, read per request so it can be
    changed without code."""

    def get_rate(self) -> str:
        return settings.API_ANON_RATE


def keyed_hash(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.blake2b).hexdigest()[:32]
