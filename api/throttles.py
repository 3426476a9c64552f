"""Rate limits. Exceeding one gives DRF's 429 with a Retry-After header."""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousRateThrottle(AnonRateThrottle):
    """Anonymous clients, keyed by address for the counter only (never stored
    with any contribution); the rate is the API_ANON_RATE setting, read per
    request so it can be changed without code."""

    def get_rate(self) -> str:
        return settings.API_ANON_RATE
