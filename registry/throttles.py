"""Rate limits, for the site's forms and the API alike. Exceeding one gives
a 429 with a Retry-After header (DRF's in the API, a page of its own on the
site).

Nothing here keeps anything about the client: an anonymous client is counted
under a keyed hash of its address, in the cache only, for the length of the
rate's window."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle


def keyed_hash(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.blake2b).hexdigest()[:32]


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
    address itself is never written anywhere. The rate is the API_ANON_RATE
    setting, read per request so it can be changed without code."""

    def get_rate(self) -> str:
        return settings.API_ANON_RATE


class ContributionThrottle(KeyedAddressMixin, SimpleRateThrottle):
    """Writes per client: an account by its id, an anonymous client by a
    keyed hash of its address, counted in the cache for the rate's window."""

    scope = "contributions"

    def get_rate(self) -> str:
        return settings.CONTRIBUTION_RATE

    def get_cache_key(self, request, view) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class GlobalContributionThrottle(SimpleRateThrottle):
    """All anonymous writes together: a ceiling a flood from many addresses
    still hits."""

    scope = "contributions-all"

    def get_rate(self) -> str:
        return settings.CONTRIBUTION_GLOBAL_RATE

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": "anonymous"}


class WithoutProofThrottle(SimpleRateThrottle):
    """Anonymous contributions sent from the site's forms without a proof of
    work (a browser without JavaScript), all together: they wait for a
    moderator, and this keeps their queue from being flooded."""

    scope = "without-proof"

    def get_rate(self) -> str:
        return settings.NOSCRIPT_SUBMISSIONS_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": "all"}


class LoginThrottle(KeyedAddressMixin, SimpleRateThrottle):
    """Sign-in attempts per client, counted under a keyed hash of its
    address in the cache only: guessing passwords costs time."""

    scope = "login"

    def get_rate(self) -> str:
        return settings.LOGIN_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttle_wait(request, throttles) -> float | None:
    """Seconds to wait if one of the limits is reached, else None; a request
    that passes is counted by each of them."""
    for throttle in throttles:
        if not throttle.allow_request(request, None):
            return throttle.wait() or 0.0
    return None
