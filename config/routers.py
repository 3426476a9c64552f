"""Read replicas: reads of read-only requests go to a replica, everything
else to the primary (`default`).

When DATABASE_REPLICA_URLS names replicas, the settings add them as
`replica_1`, `replica_2`, ... (DATABASE_REPLICAS lists the aliases), install
ReplicaRouter and put ReadOnlyRequestMiddleware in front of the others.

A request is read-only when it is a GET or HEAD outside the paths where a
client follows its own writes or moderates (READ_YOUR_WRITES_PATHS). Its
reads go to a replica, except:

- once the request itself has written (the router sees the write), so that
  it reads back what it wrote;
- for a client that sent a POST, PUT, PATCH or DELETE in the last
  DATABASE_REPLICA_LAG_SECONDS: such a request sets a short-lived signed
  cookie, and while it is valid that client reads from the primary, so a
  replica that lags never hides its own contribution from it.

Streamed downloads keep the request's choice while they are sent. Raw SQL
follows the router where the code asks it (the map tiles, registry/tiles.py);
what runs on `django.db.connection` itself (the exposure analysis, imports)
stays on the primary, as do writes, migrations and everything outside a
request (management commands)."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

RECENT_WRITE_COOKIE = "sightline_recent_write"
_SALT = "sightline.routers.recent-write"
# Where a client reads what it has just done, or a moderator decides: always
# the primary, with or without an optional language prefix.
READ_YOUR_WRITES_PATHS = re.compile(
    r"^/(?:[a-z]{2}(?:-[a-z]+)?/)?(?:admin|moderation|accounts|receipts|thanks|submit)/"
    r"|^/api/v1/challenge/"
)
SAFE_METHODS = {"GET", "HEAD"}


@dataclass
class _RequestState:
    read_only: bool = False
    wrote: bool = False


_state: ContextVar[_RequestState | None] = ContextVar("sightline_request_db", default=None)


def replica_for_read() -> str:
    """The alias reads should use now: a replica inside a read-only request
    that has not written, else the primary."""
    state = _state.get()
    replicas = getattr(settings, "DATABASE_REPLICAS", ())
    if state is None or not state.read_only or state.wrote or not replicas:
        return "default"
    return random.choice(replicas)


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        return replica_for_read()

    def db_for_write(self, model, **hints) -> str:
        state = _state.get()
        if state is not None:
            state.wrote = True
        return "default"

    def allow_relation(self, first, second, **hints) -> bool:
        # Every alias holds the same data.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == "default"


def _routed_as(state: _RequestState, content: Iterator[bytes]) -> Iterator[bytes]:
    iterator = iter(content)
    while True:
        token = _state.set(state)
        try:
            chunk = next(iterator, None)
        finally:
            _state.reset(token)
        if chunk is None:
            return
        yield chunk


class ReadOnlyRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = _RequestState(read_only=self._read_only(request))
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if response.streaming and not response.is_async:
            # A streamed download reads as it is sent, after this returns.
            response.streaming_content = _routed_as(state, response.streaming_content)
        if request.method not in SAFE_METHODS and request.method != "OPTIONS":
            response.set_signed_cookie(
                RECENT_WRITE_COOKIE,
                "1",
                salt=_SALT,
                max_age=settings.DATABASE_REPLICA_LAG_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def _read_only(self, request) -> bool:
        if request.method not in SAFE_METHODS or READ_YOUR_WRITES_PATHS.match(request.path_info):
            return False
        try:
            request.get_signed_cookie(
                RECENT_WRITE_COOKIE, salt=_SALT, max_age=settings.DATABASE_REPLICA_LAG_SECONDS
            )
        except (KeyError, signing.BadSignature):
            return True
        return False
