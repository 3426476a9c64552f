"""/healthz and /metrics."""

import pytest
from django.core.files.storage import default_storage

from registry.views import operations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_healthz_says_every_part_is_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "storage": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_leaves_no_probe_file_behind(client, tmp_path):
    client.get("/healthz")

    assert list(tmp_path.rglob("*.txt")) == []


def test_healthz_names_what_failed_with_a_503(client, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(default_storage, "save", broken)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "cache": "ok", "storage": "failed: OSError"}


def test_healthz_reports_a_database_that_does_not_answer(client, monkeypatch):
    def down():
        raise ConnectionError("no route to host")

    monkeypatch.setitem(operations.CHECKS, "database", down)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "failed: ConnectionError"
    assert "no route to host" not in response.content.decode()


def test_healthz_needs_no_account_and_no_language_prefix(client):
    assert client.get("/es/healthz").status_code == 404
    assert client.get("/healthz").status_code == 200


def test_metrics_answers_a_local_scraper_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    client.get("/healthz")

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "django_http_requests_total_by_method_total" in response.content.decode()


def test_metrics_refuse_other_addresses_even_when_forwarded_as_local(client, settings):
    settings.METRICS_TOKEN = ""

    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")

    assert response.status_code == 403
    assert "django_http" not in response.content.decode()


def test_with_a_token_metrics_need_it_from_everyone(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert (
        client.get(
            "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION="Bearer wrong"
        ).status_code
        == 403
    )
    response = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-secret"
    )
    assert response.status_code == 200
