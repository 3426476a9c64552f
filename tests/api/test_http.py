"""HTTP behaviour of the read API: CORS, ETags, gzip, rate limits."""

import pytest
from django.core.cache import cache

from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db

CAMERAS = "/api/v1/cameras/"


def test_reads_are_open_to_any_origin(client):
    response = client.get(CAMERAS, HTTP_ORIGIN="https://council.example")

    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_admin_is_not_opened_to_other_origins(client):
    response = client.get("/admin/login/", HTTP_ORIGIN="https://council.example")

    assert "Access-Control-Allow-Origin" not in response


def test_an_unchanged_list_answers_304_to_its_etag(client):
    CameraFactory()
    first = client.get(CAMERAS)

    again = client.get(CAMERAS, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first["ETag"]
    assert again.status_code == 304
    assert again.content == b""


def test_a_change_gives_a_new_etag(client):
    camera = CameraFactory(height=3.0)
    first = client.get(CAMERAS)
    camera.height = 4.0
    camera.save()

    again = client.get(CAMERAS, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200


def test_responses_are_gzipped_when_the_client_accepts_it(client):
    for _n in range(30):
        CameraFactory()

    response = client.get(CAMERAS, HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"


def test_anonymous_clients_over_the_limit_get_429_with_retry_after(client, settings):
    settings.API_ANON_RATE = "3/minute"
    cache.clear()

    statuses = [client.get("/api/v1/vendors/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert int(client.get("/api/v1/vendors/")["Retry-After"]) > 0
    cache.clear()


def test_the_limit_is_configurable(client, settings):
    settings.API_ANON_RATE = "5/minute"
    cache.clear()

    statuses = [client.get("/api/v1/vendors/").status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]
    cache.clear()


def test_the_rate_limit_keeps_no_client_address_in_the_cache(client, settings):
    settings.API_ANON_RATE = "5/minute"
    cache.clear()

    client.get("/api/v1/vendors/", REMOTE_ADDR="203.0.113.7")
    client.get("/api/v1/vendors/", REMOTE_ADDR="198.51.100.9")

    keys = list(cache._cache.keys())  # the local-memory cache the tests use
    assert len([key for key in keys if "throttle" in key]) == 2
    assert not [key for key in keys if "203.0.113.7" in key or "198.51.100.9" in key]
    assert not [value for value in cache._cache.values() if b"203.0.113" in value]
    cache.clear()
