"""A cache that keeps working when Redis does not.

Sightline's cache holds rate-limit counters, used proofs of work and cached
tables. With Redis (REDIS_URL) every process shares them; when Redis stops
answering, each process falls back to its own in-memory cache, so reads and
writes go on (rate limits then count per process: a looser but still real
limit) instead of failing with a 500. Redis is tried again after
`RETRY_SECONDS`, and used again as soon as it answers.

Short socket timeouts (set in the settings) keep a dead Redis from holding a
request: measured on this machine, a refused connection fails in under a
millisecond and a silent one after the connect timeout."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# How long to use the fallback before trying Redis again.
RETRY_SECONDS = 5.0
OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "set_many",
    "delete_many",
    "has_key",
    "incr",
    "decr",
    "clear",
)


class FailoverCache(BaseCache):
    """RedisCache first, a per-process LocMemCache while Redis is down."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.primary = RedisCache(server, params)
        fallback_params = {key: value for key, value in params.items() if key != "OPTIONS"}
        # Django makes one cache object per thread; LocMemCache keeps its
        # values per name, so one name gives the whole process one fallback
        # (per object, each thread would count rate limits on its own).
        self.fallback = LocMemCache(f"sightline-fallback-{server}", fallback_params)
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def using_fallback(self) -> bool:
        return time.monotonic() < self._down_until

    def _call(self, operation: str, *args: Any, **kwargs: Any) -> Any:
        if not self.using_fallback:
            try:
                return getattr(self.primary, operation)(*args, **kwargs)
            except (RedisError, OSError) as error:
                self._mark_down(error)
        return getattr(self.fallback, operation)(*args, **kwargs)

    def _mark_down(self, error: Exception) -> None:
        with self._lock:
            if not self.using_fallback:
                # The error names Redis's address, never a client's.
                logger.warning(
                    "Redis is not answering (%s); using this process's own cache for %s s.",
                    type(error).__name__,
                    RETRY_SECONDS,
                )
            self._down_until = time.monotonic() + RETRY_SECONDS

    def close(self, **kwargs: Any) -> None:
        self.primary.close(**kwargs)


def _delegate(operation: str):
    def method(self: FailoverCache, *args: Any, **kwargs: Any) -> Any:
        return self._call(operation, *args, **kwargs)

    method.__name__ = operation
    return method


for _operation in OPERATIONS:
    setattr(FailoverCache, _operation, _delegate(_operation))
