"""A request the database cannot answer because it is unreachable (a
restart, a failover, the server not yet accepting connections) is a 503
with Retry-After, not a 500: the outage is temporary, and load balancers,
caches and clients treat a 503 as "try again", where a 500 says the code is
broken. Measured by bench/load.py: a PostgreSQL restart under load (1.3 s)
failed ~70 requests, all of them this way, some inside a tile's query.

Only a lost connection counts (no SQLSTATE: the client could not connect or
the connection broke; class 08, connection exceptions; 57P01-57P03, the
server shutting down or starting). A statement timeout, a deadlock or a
constraint stays what it is."""

from __future__ import annotations

import logging
from collections.abc import Callable

import psycopg
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
SHUTDOWN_STATES = {"57P01", "57P02", "57P03"}
MESSAGE = "Sightline's database is not answering right now: please try again in a few seconds."


def database_unreachable(error: BaseException) -> bool:
    """Django's OperationalError wraps the driver's; the tile and exposure
    queries run on psycopg's own cursors, whose errors arrive unwrapped."""
    if isinstance(error, OperationalError):
        error = error.__cause__
    if not isinstance(error, psycopg.OperationalError):
        return False
    state = error.sqlstate
    return state is None or state.startswith("08") or state in SHUTDOWN_STATES


class DatabaseUnavailableMiddleware:
    """Turns a view's lost database connection into a 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unreachable(exception):
            return None
        logger.warning(
            "Database unreachable (%s): answered 503", type(exception.__cause__).__name__
        )
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"detail": MESSAGE, "code": "database_unavailable"}, status=503
            )
        else:
            response = HttpResponse(MESSAGE + "\n", status=503, content_type="text/plain")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
