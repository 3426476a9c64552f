"""Cameras named by their place: the gazetteer's nearest place and the
areas a camera lies in on its page, a place column on the camera list (one
query for the page, whatever its length), and the list around a point
(?near=lon,lat&radius=), read as the API reads them."""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from registry.models import Area, Camera
from registry.places import load_places
from tests.factories import CameraFactory
from tests.places import CITIES, write_gazetteer

pytestmark = pytest.mark.django_db

ILLINOIS = {
    "20": {"geonameid": 4891382, "name": "Evanston", "latitude": 42.04114,
           "longitude": -87.69006, "countrycode": "US", "population": 75430,
           "admin1code": "IL", "alternatenames": []},
    "21": {"geonameid": 4887398, "name": "Chicago", "latitude": 41.85003,
           "longitude": -87.65005, "countrycode": "US", "population": 2720546,
           "admin1code": "IL", "alternatenames": []},
}  # fmt: skip


@pytest.fixture
def gazetteer(tmp_path):
    return load_places(path=write_gazetteer(tmp_path, {**CITIES, **ILLINOIS}))


def at(lon: float, lat: float, **values) -> Camera:
    return CameraFactory(location=Point(lon, lat, srid=4326), **values)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_nearest_place_in_one_query_per_page(gazetteer):
    downtown = at(-87.6901, 42.0420)  # ~100 m from Evanston's point
    north = at(-87.6901, 42.0900)  # ~5.4 km north of it
    loop = at(-87.6298, 41.8781)
    cameras = {camera.pk: camera for camera in Camera.objects.with_nearest_place()}
    assert cameras[downtown.pk].nearest_place["name"] == "Evanston"
    assert cameras[downtown.pk].nearest_place["metres"] == pytest.approx(97, abs=5)
    assert cameras[north.pk].nearest_place["metres"] == pytest.approx(5_430, abs=60)
    assert cameras[loop.pk].nearest_place["name"] == "Chicago"


def test_no_gazetteer_no_place(client):
    camera = at(-87.69, 42.04)
    assert Camera.objects.with_nearest_place().get().nearest_place is None
    html = client.get(f"/cameras/{camera.pk}/").content.decode()
    assert 'id="camera-place"' in html


def test_the_camera_page_names_its_place_and_areas(client, gazetteer):
    Area.objects.create(
        name="Evanston", slug="evanston", level="city", area_km2=20,
        geometry=MultiPolygon(Polygon.from_bbox((-87.74, 42.01, -87.66, 42.10)), srid=4326),
    )  # fmt: skip
    Area.objects.create(
        name="Cook County", slug="cook-county", level="region", area_km2=4_000,
        geometry=MultiPolygon(Polygon.from_bbox((-88.3, 41.4, -87.5, 42.2)), srid=4326),
    )  # fmt: skip
    downtown = at(-87.6901, 42.0420)
    north = at(-87.6901, 42.0900)
    html = client.get(f"/cameras/{downtown.pk}/").content.decode()
    place = re.search(r'<dd id="camera-place">(.*?)</dd>', html, re.S).group(1)
    assert text(place) == "Evanston, Illinois, United States"
    areas = re.search(r'<dd id="camera-areas">(.*?)</dd>', html, re.S).group(1)
    assert areas == (
        '<a href="/areas/evanston/">Evanston</a>, <a href="/areas/cook-county/">Cook County</a>'
    )
    html = client.get(f"/cameras/{north.pk}/").content.decode()
    place = re.search(r'<dd id="camera-place">(.*?)</dd>', html, re.S).group(1)
    assert text(place) == "5.4 km from Evanston, Illinois, United States"
    spanish = client.get(f"/es/cameras/{north.pk}/").content.decode()
    assert "a 5,4 km de Evanston, Illinois, United States" in text(spanish)


def list_rows(response) -> list[str]:
    body = response.content.decode()
    tbody = re.search(r"<tbody>(.*?)</tbody>", body, re.S).group(1)
    return [text(row) for row in re.findall(r"<tr>(.*?)</tr>", tbody, re.S)]


def test_the_list_names_each_cameras_place_in_one_query(
    client, gazetteer, django_assert_max_num_queries
):
    at(-87.6901, 42.0420)
    at(-87.6901, 42.0900)
    at(-87.6298, 41.8781)
    client.get("/cameras/")  # the session and caches, once
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        response = client.get("/cameras/")
    rows = list_rows(response)
    assert rows[0].startswith("#") and "Evanston, Illinois, United States" in rows[0]
    assert "(5.4 km away)" in rows[1]
    assert "Chicago, Illinois, United States (3.5 km away)" in rows[2]
    # Only the page's query looks the places up, and never per camera.
    nearest = [query["sql"] for query in few.captured_queries if "<->" in query["sql"]]
    assert len(nearest) == 1 and "LIMIT" in nearest[0]
    for index in range(60):
        at(-87.6 - index / 1000, 41.9)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/cameras/")
    assert len(list_rows(response)) == 50


def test_cameras_near_a_point_the_nearest_first(client, gazetteer):
    far = at(-87.6900, 42.0800)  # ~4.3 km
    near = at(-87.6900, 42.0500)  # ~980 m
    nearest = at(-87.6900, 42.0420)  # ~100 m
    at(-87.6298, 41.8781)  # ~18 km: outside 5 km
    response = client.get("/cameras/", {"near": "-87.69,42.0412", "radius": "5000"})
    assert [camera.pk for camera in response.context["cameras"]] == [
        nearest.pk,
        near.pk,
        far.pk,
    ]
    rows = list_rows(response)
    assert " 89 m " in f" {rows[0]} " and " 979 m " in rows[1] and " 4.3 km " in rows[2]
    html = response.content.decode()
    assert 'id="near-notice"' in html
    assert "Only the cameras within 5 km of 42.0412, -87.6900, the nearest first." in text(html)
    assert "Cameras, the nearest first (page 1 of 1)" in text(html)
    assert "near=-87.69%2C42.0412&amp;radius=20000" in html  # wider
    assert "near=-87.69%2C42.0412&amp;radius=5000" in html  # the download keeps it
    # Without a radius, within 1 km as in the API; a sort asked for wins.
    default = client.get("/cameras/", {"near": "-87.69,42.0412"})
    assert [camera.pk for camera in default.context["cameras"]] == [nearest.pk, near.pk]
    by_id = client.get("/cameras/", {"near": "-87.69,42.0412", "sort": "-id"})
    assert [camera.pk for camera in by_id.context["cameras"]] == sorted(
        [nearest.pk, near.pk], reverse=True
    )


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"near": "42.04"}, "near"),
        ({"near": "-87.69,142.04"}, "near"),
        ({"near": "east,north"}, "near"),
        ({"near": "1e1,2"}, "near"),
        ({"near": "-87.69,42.04", "radius": "0"}, "radius"),
        ({"near": "-87.69,42.04", "radius": "50001"}, "radius"),
        ({"near": "-87.69,42.04", "radius": "far"}, "radius"),
    ],
)
def test_a_bad_near_or_radius_says_what_the_api_says(client, params, parameter):
    at(-87.69, 42.04)
    response = client.get("/cameras/", params)
    assert response.status_code == 200
    (ignored,) = response.context["ignored"]
    assert (ignored.parameter, ignored.value) == (parameter, params[parameter])
    api = client.get("/api/v1/cameras/", params)
    assert api.status_code == 400
    assert api.json()[parameter] == [ignored.reason]
