"""The API's default rate limit (DEFAULT_THROTTLE_CLASSES names it here);
every rate limit lives in registry/throttles.py, shared with the site."""

from registry.throttles import AnonymousRateThrottle

__all__ = ["AnonymousRateThrottle"]
