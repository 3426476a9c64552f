"""The headers every page carries: a Content-Security-Policy with a nonce
and no 'unsafe-inline', and the other protections."""

import re

import pytest

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


def test_a_map_page_has_a_policy_with_the_nonce_of_its_inline_script(client):
    response = client.get("/")

    policy = directives(response)
    nonce = re.search(r'<script nonce="([^"]+)"', response.content.decode()).group(1)
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_each_response_gets_its_own_nonce(client):
    first = directives(client.get("/"))["script-src"]
    second = directives(client.get("/"))["script-src"]

    assert first != second


def test_the_policy_closes_everything_else(client):
    policy = directives(client.get("/cameras/"))

    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["img-src"][:2] == ["'self'", "data:"]


def test_the_admin_and_the_api_docs_are_covered_too(client, admin_client):
    for response in (admin_client.get("/admin/"), client.get("/api/v1/docs/")):
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert "'nonce-" in response["Content-Security-Policy"] or "<script>" not in (
            response.content.decode()
        )


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("/static/registry/blank-tile.png", ""),
    ],
)
def test_the_base_map_host_is_the_one_outside_image_source(url, origin):
    from config.settings.base import content_security_policy

    images = content_security_policy(url)["DIRECTIVES"]["img-src"]

    assert images == ["'self'", "data:", "blob:", *([origin] if origin else [])]


def test_other_protective_headers(client):
    response = client.get("/about/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    assert "camera=()" in permissions
    assert "microphone=()" in permissions
    assert "geolocation=(self)" in permissions
