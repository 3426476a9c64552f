"""The areas page finds an area by its name, accents and case ignored, or
by a place in it: the gazetteer's places named like the search, each
linking to the areas that hold it (?at=lon,lat, what the search box sets)."""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from registry.models import Area
from registry.places import load_places
from tests.places import write_gazetteer

pytestmark = pytest.mark.django_db


def box(west, south, east, north):
    return MultiPolygon(Polygon.from_bbox((west, south, east, north)), srid=4326)


@pytest.fixture
def areas(tmp_path):
    load_places(path=write_gazetteer(tmp_path))
    germany = Area.objects.create(
        name="Deutschland", slug="deutschland", level="country", area_km2=357_000,
        geometry=box(5.9, 47.3, 15.0, 55.1),
    )  # fmt: skip
    bavaria = Area.objects.create(
        name="Bayern", slug="bayern", level="region", area_km2=70_000, parent=germany,
        geometry=box(9.0, 47.3, 13.8, 50.6),
    )  # fmt: skip
    Area.objects.create(
        name="Landeshauptstadt München", slug="munchen", level="city", area_km2=310,
        parent=bavaria, geometry=box(11.36, 48.06, 11.72, 48.25),
    )  # fmt: skip
    Area.objects.create(
        name="São Paulo", slug="sao-paulo", level="city", area_km2=1_521,
        geometry=box(-46.83, -24.0, -46.36, -23.36),
    )  # fmt: skip


def names(html: str, list_id: str = "") -> list[str]:
    section = html
    if list_id:
        section = re.search(rf'<ul class="area-results" id="{list_id}">(.*?)</ul>', html, re.S)[1]
    return re.findall(r'<a href="/areas/[^"]+/">([^<]+)</a>', section)


def test_an_area_by_its_name_accents_and_case_ignored(client, areas):
    html = client.get("/areas/", {"q": "MUNCHEN"}).content.decode()
    assert "Landeshauptstadt München" in names(html)
    html = client.get("/areas/", {"q": "sao paulo"}).content.decode()
    assert "São Paulo" in names(html)
    html = client.get("/areas/", {"q": "ünch"}).content.decode()
    assert "Landeshauptstadt München" in names(html)


def test_a_place_leads_to_the_areas_that_hold_it(client, areas):
    html = client.get("/areas/", {"q": "Monaco di Baviera"}).content.decode()
    assert "No area has a name like this." in html
    # The gazetteer knows Munich by that name: a link to the areas there.
    assert '<a href="/areas/?at=11.57549%2C48.13743">Munich, Germany</a>' in html
    html = client.get("/areas/", {"at": "11.57549,48.13743"}).content.decode()
    assert "Areas holding Munich, Germany" in html
    assert names(html, "at-areas") == ["Landeshauptstadt München", "Bayern", "Deutschland"]
    html = client.get("/areas/", {"at": "-30,-30"}).content.decode()
    assert "No area recorded in Sightline holds this place." in html
    spanish = client.get("/es/areas/", {"at": "11.5755,48.1374"}).content.decode()
    assert "Zonas que contienen Munich, Germany" in spanish


def test_a_bad_point_is_ignored_with_a_notice(client, areas):
    response = client.get("/areas/", {"at": "48.1,211.5"})
    assert response.status_code == 200
    (ignored,) = response.context["ignored"]
    assert (ignored.parameter, ignored.value) == ("at", "48.1,211.5")
    assert ignored.reason == "Latitude 211.5 is outside -90..90."


def test_the_search_box(client, areas):
    html = client.get("/areas/").content.decode()
    assert 'id="area-search-input" type="text" role="combobox"' in html
    assert "Find an area by its name or by a place in it" in html
    assert "registry/build/area-list.js" in html
    assert 'id="area-search-form"' in html  # without JavaScript, the plain form
