"""The pages around the place search: the camera list narrowed by ?bbox= and
?area= (as the API's list), the search box on the map and the list, the
gazetteer's attribution and what the privacy page says is sent where; in
English and Spanish."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from registry.models import Area
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cameras():
    york = CameraFactory(location=Point(-1.08, 53.96, srid=4326), kind="camera")
    chicago = CameraFactory(location=Point(-87.63, 41.88, srid=4326), kind="camera")
    Area.objects.create(
        name="Old York", slug="old-york", level="city", area_km2=100,
        geometry=MultiPolygon(Polygon.from_bbox((-1.2, 53.9, -1.0, 54.0)), srid=4326),
    )  # fmt: skip
    return york, chicago


def listed(response) -> set[int]:
    return {camera.pk for camera in response.context["cameras"]}


def test_the_camera_list_honours_bbox_and_area(client, cameras):
    york, chicago = cameras
    assert listed(client.get("/cameras/")) == {york.pk, chicago.pk}
    response = client.get("/cameras/", {"bbox": "-1.2,53.9,-1.0,54.0", "kind": "camera"})
    assert listed(response) == {york.pk}
    html = response.content.decode()
    assert 'id="within-notice"' in html
    assert 'href="/cameras/?kind=camera"' in html  # the filters kept, the place dropped
    assert "bbox=-1.2%2C53.9%2C-1%2C54" in html  # in the sorting and download links
    response = client.get("/cameras/", {"area": "old-york"})
    assert listed(response) == {york.pk}
    assert "Only the cameras in Old York." in response.content.decode()


@pytest.mark.parametrize("bbox", ["1,2", "a,b,c,d", "10,0,5,1", "0,0,200,1"])
def test_a_bad_bbox_or_area_is_ignored_with_a_notice(client, cameras, bbox):
    response = client.get("/cameras/", {"bbox": bbox, "area": "atlantis"})
    assert len(listed(response)) == 2
    ignored = {(item.parameter, item.value) for item in response.context["ignored"]}
    assert ignored == {("bbox", bbox), ("area", "atlantis")}


def test_the_search_box_on_the_map_and_the_list(client):
    for path, box in (("/", "map-search"), ("/cameras/", "list-search")):
        html = client.get(path).content.decode()
        assert f'id="{box}-input" type="text" role="combobox"' in html
        assert f'aria-controls="{box}-list"' in html
        assert 'data-api="/api/v1/places/"' in html
    spanish = client.get("/es/cameras/").content.decode()
    assert "Buscar un lugar" in spanish and "Lugares encontrados" in spanish
    assert "choose it with the arrow keys" not in spanish


def test_attribution_and_privacy(client, settings):
    assert "GeoNames</a>, CC BY 4.0" in client.get("/about/").content.decode()
    assert "nomenclátor de <a" in client.get("/es/about/").content.decode()
    html = client.get("/privacy/").content.decode()
    assert "No outside geocoder is asked" in html
    settings.GEOCODER_URL = "https://nominatim.example.org/"
    html = client.get("/privacy/").content.decode()
    assert "to the geocoder at nominatim.example.org" in html
    assert "geocodificador de nominatim.example.org" in client.get("/es/privacy/").content.decode()
    spanish = client.get("/es/cameras/", {"bbox": "-1.2,53.9,-1.0,54.0"}).content.decode()
    assert "Solo las cámaras del lugar elegido" in spanish
