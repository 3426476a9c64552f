"""GET /api/v1/places/: the place search through the API, its 400s, and the
geocoder asked about street addresses (a local server, never the network)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from registry.places import load_places
from tests.places import write_gazetteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def gazetteer(tmp_path):
    return load_places(path=write_gazetteer(tmp_path))


def test_the_best_matches_first(client, gazetteer):
    response = client.get("/api/v1/places/", {"q": "Лондон"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "Лондон"
    assert "GeoNames" in body["attribution"]
    assert body["results"] == [
        {
            "kind": "place",
            "name": "London",
            "label": "London, ENG, United Kingdom",
            "position": [-0.12574, 51.50853],
            "bbox": None,
            "url": "",
            "slug": "",
            "filter": {},
            "country_code": "GB",
            "population": 8961989,
        }
    ]
    names = [r["label"] for r in client.get("/api/v1/places/", {"q": "YORK"}).json()["results"]]
    assert names[:2] == ["York, ENG, United Kingdom", "York, Pennsylvania, United States"]
    limited = client.get("/api/v1/places/", {"q": "york", "limit": "1"}).json()["results"]
    assert len(limited) == 1


def test_each_answer_says_what_it_is_and_where_to_go(client, gazetteer):
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon

    from registry.models import Area
    from tests.factories import CameraFactory, OperatorFactory

    Area.objects.create(
        name="München", slug="munchen", level="city", area_km2=310,
        geometry=MultiPolygon(Polygon.from_bbox((11.36, 48.06, 11.72, 48.25)), srid=4326),
    )  # fmt: skip
    operator = OperatorFactory(name="Münchner Verkehrsgesellschaft", slug="mvg")
    CameraFactory(location=Point(11.5, 48.1, srid=4326), operator=operator)
    CameraFactory(location=Point(11.6, 48.2, srid=4326), tags={"addr:street": "Münchner Straße"})
    results = client.get("/api/v1/places/", {"q": "munch"}).json()["results"]
    by_kind = {result["kind"]: result for result in results}
    assert set(by_kind) == {"place", "area", "operator", "address"}
    assert by_kind["place"]["position"] == [11.57549, 48.13743]
    area = by_kind["area"]
    assert (area["slug"], area["filter"]) == ("munchen", {"area": "munchen"})
    assert area["url"] == "http://testserver/areas/munchen/"
    assert area["bbox"] == pytest.approx([11.36, 48.06, 11.72, 48.25])
    operator = by_kind["operator"]
    assert (operator["slug"], operator["filter"]) == ("mvg", {"operator": "mvg"})
    assert operator["url"] == "http://testserver/operators/mvg/"
    address = by_kind["address"]
    assert address["label"] == "Münchner Straße" and address["position"] == [11.6, 48.2]
    assert (address["slug"], address["filter"]) == ("", {})


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x" * 101}, "q"),
        ({"q": "york", "limit": "0"}, "limit"),
        ({"q": "york", "limit": "21"}, "limit"),
        ({"q": "york", "limit": "2.0"}, "limit"),
        ({"q": "york", "limit": ""}, "limit"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(client, gazetteer, params, parameter):
    response = client.get("/api/v1/places/", params)
    assert response.status_code == 400
    assert parameter in response.json()


def test_a_control_character_is_a_400(client, gazetteer):
    response = client.get("/api/v1/places/?q=york%00")
    assert response.status_code == 400
    assert "q" in json.dumps(response.json())


class Nominatim(BaseHTTPRequestHandler):
    """Answers /search as Nominatim does (format=jsonv2) and keeps the queries."""

    queries: list[dict] = []
    answer: bytes = b"[]"

    def do_GET(self):
        parts = urlsplit(self.path)
        type(self).queries.append({"path": parts.path, **parse_qs(parts.query)})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim():
    Nominatim.queries = []
    Nominatim.answer = json.dumps(
        [
            {
                "lat": "51.5033",
                "lon": "-0.1276",
                "name": "10 Downing Street",
                "display_name": "10, Downing Street, Westminster, London, SW1A 2AA, UK",
                "boundingbox": ["51.5032", "51.5034", "-0.1277", "-0.1275"],
            },
            {"name": "no position"},
        ]
    ).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Nominatim)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_street_addresses_are_asked_of_the_geocoder(client, gazetteer, nominatim, settings):
    settings.GEOCODER_URL = nominatim + "/"
    results = client.get("/api/v1/places/", {"q": "10 Downing Street"}).json()["results"]
    assert results == [
        {
            "kind": "geocoder",
            "name": "10 Downing Street",
            "label": "10, Downing Street, Westminster, London, SW1A 2AA, UK",
            "position": [-0.1276, 51.5033],
            "bbox": [-0.1277, 51.5032, -0.1275, 51.5034],
            "url": "",
            "slug": "",
            "filter": {},
            "country_code": "",
            "population": None,
        }
    ]
    (query,) = Nominatim.queries
    assert query["path"] == "/search"
    assert query["q"] == ["10 Downing Street"] and query["format"] == ["jsonv2"]
    # A place name alone is not an address: the geocoder is not asked.
    client.get("/api/v1/places/", {"q": "london"})
    assert len(Nominatim.queries) == 1


def test_a_geocoder_that_fails_gives_no_answers_not_an_error(client, gazetteer, settings):
    from tests.servers import free_port

    settings.GEOCODER_URL = f"http://127.0.0.1:{free_port()}"
    response = client.get("/api/v1/places/", {"q": "10 Downing Street"})
    assert response.status_code == 200 and response.json()["results"] == []


def test_no_geocoder_by_default(client, gazetteer, nominatim, settings):
    assert settings.GEOCODER_URL == ""
    client.get("/api/v1/places/", {"q": "10 Downing Street"})
    assert Nominatim.queries == []


def test_a_camera_names_its_nearest_place(client, gazetteer):
    from django.contrib.gis.geos import Point

    from tests.factories import CameraFactory

    camera = CameraFactory(location=Point(-1.08, 53.99, srid=4326))
    response = client.get(f"/api/v1/cameras/{camera.pk}/")
    place = response.json()["properties"]["place"]
    assert {key: place[key] for key in ("name", "label", "country_code", "geonameid")} == {
        "name": "York",
        "label": "York, ENG, United Kingdom",
        "country_code": "GB",
        "geonameid": 2633352,
    }
    assert place["distance_m"] == pytest.approx(3_600, abs=50)


def test_no_gazetteer_no_place(client):
    from tests.factories import CameraFactory

    camera = CameraFactory()
    assert client.get(f"/api/v1/cameras/{camera.pk}/").json()["properties"]["place"] is None
