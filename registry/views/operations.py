"""What the machines around Sightline ask it: /healthz for a load balancer or
systemd's watchdog, /metrics for Prometheus."""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_prometheus.exports import ExportToDjangoView

logger = logging.getLogger(__name__)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    found = cache.get(key)
    cache.delete(key)
    if found != "1":
        raise RuntimeError("a value written was not read back")
    # The failover cache keeps the site working on per-process memory while
    # Redis is down: worth saying, not worth taking the site out of service.
    if getattr(cache, "using_fallback", False):
        return "degraded: Redis unreachable, using per-process memory"
    return "ok"


def check_storage() -> str:
    name = default_storage.save(f"healthz/probe-{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        if not default_storage.exists(name):
            raise RuntimeError("a file written is missing")
    finally:
        default_storage.delete(name)
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """{"database": "ok", "cache": "ok", "storage": "ok"} with a 200, or a 503
    whose body names what failed (the error's type only: details go to the
    log, not to whoever asks)."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as error:  # any failure is the answer
            logger.exception("health check %s failed", name)
            results[name] = f"failed: {type(error).__name__}"
    healthy = not any(value.startswith("failed") for value in results.values())
    return JsonResponse(results, status=200 if healthy else 503)


def metrics_allowed(request: HttpRequest) -> bool:
    if settings.METRICS_TOKEN:
        sent = request.headers.get("Authorization", "")
        expected = f"Bearer {settings.METRICS_TOKEN}"
        return hmac.compare_digest(sent.encode(), expected.encode())
    # Only the address of the connection itself: a forwarded one is whatever
    # the client wrote.
    return request.META.get("REMOTE_ADDR", "") in settings.METRICS_ALLOWED_IPS


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format: requests, latencies, responses by status,
    database and cache use (django-prometheus), per process or, with
    PROMETHEUS_MULTIPROC_DIR set, summed over gunicorn's workers."""
    if not metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return ExportToDjangoView(request)
