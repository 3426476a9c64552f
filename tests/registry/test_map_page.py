"""The map page as the server renders it: the filter form from the URL, the
notice for what it could not read, and the configuration the browser uses."""

import json

import pytest
from django.test import override_settings
from django.utils import translation

from registry.cones import FIELD_OF_VIEW_DEFAULTS
from tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


def config_of(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="map-config" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


def test_the_map_page_renders_without_a_query(client):
    response = client.get("/")
    assert response.status_code == 200
    config = config_of(response)
    assert config["tileUrl"] == "/tiles/cameras/{z}/{x}/{y}.mvt"
    assert config["cameraUrl"] == "/cameras/{id}/"
    assert config["query"] == ""
    assert config["cones"] == FIELD_OF_VIEW_DEFAULTS
    assert b'id="map-ignored"' not in response.content
    # Leaflet and the map's bundle come from our own static files.
    assert b"/static/leaflet/leaflet.js" in response.content
    assert b"/static/registry/build/map.js" in response.content
    assert b"//unpkg.com" not in response.content and b"cdn" not in response.content.lower()


def test_the_form_and_the_tiles_get_the_filters_of_the_url(client):
    vendor = VendorFactory(slug="flock-safety", name="Flock Safety")
    response = client.get(f"/?kind=ALPR&vendor={vendor.slug}&restricted=1")
    html = response.content.decode()
    assert '<input type="checkbox" name="kind" value="ALPR" checked>' in html
    assert '<option value="flock-safety" selected>Flock Safety</option>' in html
    assert 'name="restricted" value="1" checked' in html
    assert config_of(response)["query"] == "kind=ALPR&vendor=flock-safety&restricted=1"


def test_unknown_values_are_listed_in_a_notice_and_not_sent_to_the_tiles(client):
    response = client.get("/?kind=ALPR,spaceship&confirmed_since=yesterday")
    assert response.status_code == 200
    html = response.content.decode()
    notice = html[html.index('id="map-ignored"') : html.index("</div>", html.index("map-ignored"))]
    assert "spaceship" in notice
    assert "yesterday" in notice
    assert '<div id="map-ignored" class="notice" role="status">' in html
    assert config_of(response)["query"] == "kind=ALPR"


@override_settings(MAP_DEFAULT_VIEW=(48.85, 2.35, 12))
def test_the_default_view_is_a_setting(client):
    assert config_of(client.get("/"))["view"] == [48.85, 2.35, 12]


def test_the_spanish_map_links_to_spanish_pages(client):
    response = client.get("/es/")
    assert response.status_code == 200
    config = config_of(response)
    assert config["cameraUrl"] == "/es/cameras/{id}/"
    assert config["language"] == "es"
    with translation.override("es"):
        assert config["labels"]["strings"]["legend"] == translation.gettext("Legend")
