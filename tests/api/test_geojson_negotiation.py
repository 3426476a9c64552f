"""A client asking for GeoJSON by name (`Accept: application/geo+json`)
gets it from the endpoints that answer with it, with the same paging and
filters; an error stays plain JSON."""

import json

import pytest
from django.contrib.gis.geos import Point

from tests.area_layouts import make_city, make_districts
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db

GEOJSON = "application/geo+json"


@pytest.fixture
def cameras():
    return [
        CameraFactory(location=Point(-87.63, 41.88, srid=4326), kind="ALPR"),
        CameraFactory(location=Point(-87.62, 41.89, srid=4326), kind="ALPR"),
        CameraFactory(location=Point(-87.0, 41.0, srid=4326), kind="camera"),
    ]


def test_the_camera_list_answers_an_accept_of_geojson(client, cameras):
    first, second, _other = cameras
    response = client.get("/api/v1/cameras/", {"kind": "ALPR", "limit": "1"}, HTTP_ACCEPT=GEOJSON)
    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON
    page = json.loads(response.content)
    assert page["type"] == "FeatureCollection"
    assert [feature["id"] for feature in page["features"]] == [first.pk]
    assert page["next"]  # the same paging: a cursor to the second ALPR
    response = client.get(page["next"], HTTP_ACCEPT=GEOJSON)
    assert [feature["id"] for feature in json.loads(response.content)["features"]] == [second.pk]


@pytest.mark.parametrize(
    "accept",
    [
        "application/geo+json",
        "application/geo+json, application/json;q=0.5",
        "application/json",
        "*/*",
    ],
)
def test_geojson_and_json_are_both_acceptable(client, cameras, accept):
    response = client.get("/api/v1/cameras/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON
    detail = client.get(f"/api/v1/cameras/{cameras[0].pk}/", HTTP_ACCEPT=accept)
    assert detail.status_code == 200
    assert detail["Content-Type"] == GEOJSON
    assert json.loads(detail.content)["type"] == "Feature"


def test_the_schema_adds_no_format_parameter(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    for path in ("/api/v1/cameras/", "/api/v1/cameras/{id}/", "/api/v1/areas/{slug}/"):
        names = [
            parameter["name"] for parameter in schema["paths"][path]["get"].get("parameters", [])
        ]
        assert "format" not in names
        errors = schema["paths"][path]["get"]["responses"]["404" if "{" in path else "400"]
        assert list(errors["content"]) == ["application/json"]


def test_an_error_asked_as_geojson_is_json(client, cameras):
    response = client.get("/api/v1/cameras/", {"bbox": "1,2"}, HTTP_ACCEPT=GEOJSON)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "bbox" in json.loads(response.content)
    missing = client.get("/api/v1/cameras/999999/", HTTP_ACCEPT=GEOJSON)
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"


def test_something_else_is_still_refused(client, cameras):
    response = client.get("/api/v1/cameras/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 406


def test_an_area_answers_an_accept_of_geojson(client):
    city = make_city()
    make_districts(city)
    response = client.get("/api/v1/areas/west-side/", HTTP_ACCEPT=GEOJSON)
    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON
    assert json.loads(response.content)["id"] == "west-side"
