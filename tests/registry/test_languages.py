"""Tiles are the same in every language, so caches in front of Sightline
(nginx, a CDN) keep one copy of each: no Vary: Accept-Language and no
Content-Language on them, while pages keep both."""

import pytest

from tests.registry.test_tiles import CHICAGO, camera_at, lonlat_in, tile_of

pytestmark = pytest.mark.django_db


def tile_url(tile: tuple[int, int, int]) -> str:
    z, x, y = tile
    return f"/tiles/cameras/{z}/{x}/{y}.mvt"


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_tile_does_not_vary_by_language(client, language):
    camera_at(*CHICAGO)

    response = client.get(tile_url(tile_of(*CHICAGO, 16)), HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert "accept-language" not in response.get("Vary", "").lower()
    assert not response.has_header("Content-Language")


def test_an_empty_tile_does_not_vary_by_language(client):
    response = client.get(tile_url(tile_of(*CHICAGO, 16)), HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 204
    assert "accept-language" not in response.get("Vary", "").lower()


def test_other_headers_in_vary_are_kept(client):
    tile = tile_of(*CHICAGO, 16)
    for n in range(40):  # enough for a tile worth compressing
        camera_at(*lonlat_in(tile, 0.1 + n / 50, 0.5))

    response = client.get(tile_url(tile), HTTP_ACCEPT_ENCODING="gzip")

    assert response["Content-Encoding"] == "gzip"
    assert response["Vary"] == "Accept-Encoding"


def test_pages_still_vary_by_language(client):
    response = client.get("/about/", HTTP_ACCEPT_LANGUAGE="es")

    assert "Accept-Language" in response["Vary"]
    assert response["Content-Language"] == "en"
