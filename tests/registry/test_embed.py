"""/embed/: the one page other sites may frame, with the filters, area or
camera it is given, and the snippets that offer it."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from registry.services import camera_create, camera_hide
from registry.services.areas import area_upsert

pytestmark = pytest.mark.django_db


def config(response) -> dict:
    found = re.search(
        r'<script id="embed-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def directive(response, name: str) -> str:
    policy = response["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith(name))


@pytest.fixture
def evanston():
    square = Polygon.from_bbox((-87.70, 42.02, -87.66, 42.06))
    area, _outcome = area_upsert(
        name="Evanston", level="city", geometry=MultiPolygon(square, srid=4326)
    )
    return area


def test_the_embed_may_be_framed_by_any_site_and_nothing_else_may(client):
    embed = client.get("/embed/")
    page = client.get("/")

    assert embed.status_code == 200
    assert directive(embed, "frame-ancestors") == "frame-ancestors *"
    assert "X-Frame-Options" not in embed
    assert directive(page, "frame-ancestors") == "frame-ancestors 'none'"
    assert page["X-Frame-Options"] == "DENY"


def test_the_embed_carries_the_filters_to_its_tiles_and_its_link(client):
    response = client.get("/embed/", {"kind": "ALPR", "restricted": "1"})

    settings = config(response)
    assert settings["query"] == "kind=ALPR&restricted=1"
    assert settings["mapUrl"] == "http://testserver/?kind=ALPR&restricted=1"
    assert "OpenStreetMap" in settings["dataAttribution"]
    assert 'target="_blank"' in response.content.decode()


def test_an_area_embed_holds_its_outline(client, evanston):
    response = client.get("/embed/", {"area": evanston.slug})

    outline = config(response)["boundary"]
    assert outline["type"] == "MultiPolygon"
    assert "Surveillance cameras in Evanston" in response.content.decode()


def test_a_camera_embed_centres_on_it_and_a_hidden_one_is_not_found(client):
    camera = camera_create(location=Point(-87.68, 42.04, srid=4326), actor=None, kind="ALPR")

    shown = config(client.get("/embed/", {"camera": camera.pk}))["camera"]
    camera_hide(camera=camera, actor=None, reason="a private driveway")
    hidden = client.get("/embed/", {"camera": camera.pk})

    assert shown == {"lat": 42.04, "lon": -87.68}
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"kind": "spaceship"}, "kind"),
        ({"camera": "twelve"}, "camera"),
        ({"camera": "1", "area": "evanston"}, "camera"),
    ],
)
def test_a_value_not_understood_is_refused_naming_it(client, query, named):
    response = client.get("/embed/", query)

    assert response.status_code == 400
    assert response.content.decode().startswith(f"Bad value for {named}")


def test_an_unknown_area_is_not_found(client):
    assert client.get("/embed/", {"area": "atlantis"}).status_code == 404


def test_the_map_and_area_pages_offer_the_code_to_paste(client, evanston):
    map_page = client.get("/", {"kind": "ALPR"}).content.decode()
    area_page = client.get(f"/areas/{evanston.slug}/").content.decode()

    assert "&lt;iframe src=&quot;http://testserver/embed/?kind=ALPR&quot;" in map_page
    assert "data-follow-location" in map_page
    assert f"&lt;iframe src=&quot;http://testserver/embed/?area={evanston.slug}&quot;" in area_page


def test_a_camera_page_offers_the_code_to_paste_for_its_own_map(client):
    camera = camera_create(location=Point(-87.68, 42.04, srid=4326), actor=None, kind="ALPR")

    page = client.get(f"/cameras/{camera.pk}/").content.decode()

    assert f"&lt;iframe src=&quot;http://testserver/embed/?camera={camera.pk}&quot;" in page
