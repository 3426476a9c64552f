"""The cache against a real Redis (Debian's redis-server, started here on a
socket of its own): shared while Redis answers, per process while it does
not, and never a 500 either way."""

import shutil
import threading

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from registry import failover_cache
from registry.failover_cache import FailoverCache
from tests.factories import CameraFactory
from tests.pow import fetch_and_solve
from tests.servers import RedisServer

pytestmark = pytest.mark.skipif(
    not shutil.which("redis-server"), reason="redis-server is not installed: make test installs it"
)


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def failover(redis_server):
    settings = {
        "default": {
            "BACKEND": "registry.failover_cache.FailoverCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=settings):
        yield cache


def test_values_are_shared_through_redis(failover, redis_server):
    failover.set("shared", "yes", 60)
    assert failover.get("shared") == "yes"
    assert any(b"shared" in key for key in redis_server.client().keys("*"))
    assert not _backend(failover).using_fallback


def test_while_redis_is_down_the_process_cache_stands_in(failover, redis_server, caplog):
    backend = _backend(failover)
    redis_server.stop()
    failover.set("counter", 1, 60)  # no exception: the fallback takes it
    assert failover.incr("counter") == 2
    assert failover.add("once", True, 60) and not failover.add("once", True, 60)
    assert backend.using_fallback
    assert "Redis is not answering" in caplog.text


def test_redis_is_used_again_once_it_answers(failover, redis_server, monkeypatch):
    backend = _backend(failover)
    redis_server.stop()
    failover.set("while-down", 1, 60)
    assert backend.using_fallback
    redis_server.start()
    monkeypatch.setattr(failover_cache, "RETRY_SECONDS", 0.0)
    backend._down_until = 0.0  # the retry interval has passed
    failover.set("after", "back", 60)
    assert redis_server.client().keys("*after*")
    assert not backend.using_fallback


@pytest.mark.django_db
def test_requests_and_rate_limits_keep_working_without_redis(failover, redis_server, settings):
    settings.CONTRIBUTION_RATE = "2/hour"
    redis_server.stop()
    client = APIClient(REMOTE_ADDR="203.0.113.9")
    camera = CameraFactory()
    assert client.get(f"/api/v1/cameras/{camera.pk}/").status_code == 200
    report = {"latitude": 41.88, "longitude": -87.63, "kind": "camera"}
    codes = [
        client.post(
            "/api/v1/submissions/", {**report, "altcha": fetch_and_solve(client)}, format="json"
        ).status_code
        for _ in range(3)
    ]
    # The per-client limit still holds, counted in this process's own cache.
    assert codes == [201, 201, 429]


def test_while_redis_is_down_every_thread_of_a_process_shares_one_fallback(failover, redis_server):
    """Django makes a cache object per thread: the fallback is the process's,
    so a rate limit counted in one request's thread holds in the next's."""
    redis_server.stop()
    failover.set("counted", 1, 60)
    seen = []

    def other_thread():
        from django.core.cache import caches

        seen.append(caches["default"].get("counted"))

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()

    assert seen == [1]


def _backend(django_cache) -> FailoverCache:
    """The FailoverCache behind django.core.cache.cache (a proxy)."""
    from django.core.cache import caches

    backend = caches["default"]
    assert isinstance(backend, FailoverCache)
    return backend
