"""The areas API: the list, one area with its boundary, and its report, on
the layout of tests/area_layouts.py."""

import json
import math

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from registry.exports import ATTRIBUTION
from registry.services.areas import area_upsert
from tests.area_layouts import make_city, make_districts, make_layout, rectangle_km

pytestmark = pytest.mark.django_db


def get(client, url, **params):
    response = client.get(url, params)
    return response.status_code, json.loads(response.content)


@pytest.fixture
def layout():
    return make_layout()


@pytest.fixture
def districts():
    city = make_city()
    return city, *make_districts(city)


# ------------------------------------------------------------------ the list


def test_the_list_is_paged_by_name_without_boundaries(client, districts):
    status, body = get(client, "/api/v1/areas/", limit=2)

    assert status == 200
    assert body["count"] == 3
    assert [area["slug"] for area in body["results"]] == ["east-side", "testville"]
    assert body["next"].endswith("/api/v1/areas/?limit=2&offset=2")
    assert body["results"][0] == {
        "slug": "east-side",
        "name": "East Side",
        "level": "district",
        "parent": "testville",
        "code": "",
        "area_km2": pytest.approx(1.0, rel=1e-6),
        "surface_km2": None,
        "surface_source": "",
        "population": None,
        "population_source": "",
        "url": "http://testserver/api/v1/areas/east-side/",
        "report_url": "http://testserver/api/v1/areas/east-side/report/",
        "page_url": "http://testserver/areas/east-side/",
    }


def test_the_list_filters_by_level_parent_and_name(client, districts):
    assert [a["slug"] for a in get(client, "/api/v1/areas/", level="city")[1]["results"]] == [
        "testville"
    ]
    children = get(client, "/api/v1/areas/", parent="testville")[1]["results"]
    assert [a["slug"] for a in children] == ["east-side", "west-side"]
    assert [a["slug"] for a in get(client, "/api/v1/areas/", q="WEST")[1]["results"]] == [
        "west-side"
    ]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"level": "planet"}, "level"),
        ({"parent": "atlantis"}, "parent"),
        ({"parent": "not a slug"}, "parent"),
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"limit": "5000"}, "limit"),
        ({"limit": "²"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"offset": "99999999999999999999999"}, "offset"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_a_bad_list_parameter_is_a_400_naming_it(client, districts, params, parameter):
    status, body = get(client, "/api/v1/areas/", **params)

    assert status == 400
    assert list(body) == [parameter]


# ------------------------------------------------------------------ one area


def test_an_area_is_a_geojson_feature_with_its_boundary(client, districts):
    response = client.get("/api/v1/areas/west-side/")
    feature = json.loads(response.content)

    assert response["Content-Type"] == "application/geo+json"
    assert feature["type"] == "Feature"
    assert feature["id"] == "west-side"
    assert feature["geometry"]["type"] == "MultiPolygon"
    assert len(feature["geometry"]["coordinates"][0][0]) == 5
    assert feature["bbox"][0] == pytest.approx(-87.70)
    properties = feature["properties"]
    assert properties["ancestors"] == [{"slug": "testville", "name": "Testville", "level": "city"}]
    assert properties["children"] == []
    assert properties["population"] == 500
    assert properties["pdf_url"] == "http://testserver/areas/west-side/report.pdf"


def test_an_area_lists_its_children(client, districts):
    _status, feature = get(client, "/api/v1/areas/testville/")

    assert [child["slug"] for child in feature["properties"]["children"]] == [
        "east-side",
        "west-side",
    ]
    assert feature["properties"]["ancestors"] == []


def test_simplify_reduces_the_boundary(client):
    # A ring of 100 vertices about 1 km across.
    angles = [2 * math.pi * k / 100 for k in range(100)]
    ring = [(-87.7 + 0.006 * math.cos(a), 41.9 + 0.0045 * math.sin(a)) for a in angles]
    area_upsert(
        name="Round Park",
        level="district",
        geometry=MultiPolygon(Polygon([*ring, ring[0]]), srid=4326),
    )

    full = get(client, "/api/v1/areas/round-park/")[1]
    simple = get(client, "/api/v1/areas/round-park/", simplify="0.002")[1]

    assert len(full["geometry"]["coordinates"][0][0]) == 101
    assert 4 <= len(simple["geometry"]["coordinates"][0][0]) < 20


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf", "5"])
def test_a_bad_simplify_is_a_400_naming_it(client, districts, value):
    status, body = get(client, "/api/v1/areas/testville/", simplify=value)

    assert status == 400
    assert list(body) == ["simplify"]


def test_an_unknown_area_is_a_404(client):
    assert client.get("/api/v1/areas/atlantis/").status_code == 404
    assert client.get("/api/v1/areas/atlantis/report/").status_code == 404


# ---------------------------------------------------------------- the report


def test_the_report_has_the_figures_of_the_page(client, layout):
    status, report = get(client, "/api/v1/areas/testville/report/")

    assert status == 200
    assert report["area"]["slug"] == "testville"
    assert report["empty"] is False
    assert report["totals"] == {
        "cameras": 4,
        "in_place": 3,
        "removed": 1,
        "verified": 1,
        "verified_by_moderator": 1,
        "verified_by_confirmations": 0,
        "restricted": 2,
        "restricted_in_place": 2,
    }
    assert report["density"]["per_km2"] == pytest.approx(1.5, rel=1e-6)
    assert report["density"]["per_1000_residents"] == pytest.approx(1.5)
    assert report["by_kind"][0] == {
        "value": "camera",
        "label": "camera (CCTV)",
        "cameras": 2,
        "in_place": 2,
        "removed": 0,
    }
    assert [v["restricted"] for v in report["by_vendor"]] == [False, True]
    assert report["by_capability"][0]["value"] == "face_recognition"


def test_the_report_names_each_restriction_and_its_source(client, layout):
    report = get(client, "/api/v1/areas/testville/report/")[1]

    (vendor,) = report["restricted_vendors"]
    assert vendor["slug"] == "hikvision"
    assert vendor["restrictions"][0]["regime"] == "us_entity_list"
    assert vendor["restrictions"][0]["effective_date"] == "2019-10-09"
    assert vendor["restrictions"][0]["source_title"] == "84 FR 54002"


def test_the_report_has_months_sub_areas_sources_and_downloads(client, layout):
    report = get(client, "/api/v1/areas/testville/report/")[1]

    assert report["monthly"][:3] == [
        {"month": "2026-01", "added": 4, "removed": 0, "confirmed": 0},
        {"month": "2026-02", "added": 0, "removed": 0, "confirmed": 2},
        {"month": "2026-03", "added": 0, "removed": 1, "confirmed": 0},
    ]
    assert [sub["slug"] for sub in report["sub_areas"]] == ["west-side", "east-side"]
    assert report["sub_areas"][0]["density"]["per_1000_residents"] == pytest.approx(4.0)
    assert report["sources_total"] == 4
    assert report["sources"][0]["kind"] == "contract"
    assert report["attribution"] == ATTRIBUTION
    assert report["downloads"]["pdf"] == "http://testserver/areas/testville/report.pdf"
    assert report["downloads"]["csv"]["by-kind"] == "http://testserver/areas/testville/by-kind.csv"


def test_the_report_of_an_area_without_cameras(client):
    area_upsert(name="Quiet Town", level="city", geometry=rectangle_km(10, 10, 11, 11))

    status, report = get(client, "/api/v1/areas/quiet-town/report/")

    assert status == 200
    assert report["empty"] is True
    assert report["totals"]["cameras"] == 0
    assert report["by_kind"] == report["monthly"] == []
    assert report["density"] == {"per_km2": 0.0, "per_1000_residents": None}


def test_the_schema_documents_the_area_endpoints(client):
    schema = json.loads(client.get("/api/v1/schema/", {"format": "json"}).content)

    for path in ("/api/v1/areas/", "/api/v1/areas/{slug}/", "/api/v1/areas/{slug}/report/"):
        assert "get" in schema["paths"][path]
    detail = schema["paths"]["/api/v1/areas/{slug}/"]["get"]
    assert "simplify" in [parameter["name"] for parameter in detail["parameters"]]
    listing = schema["paths"]["/api/v1/areas/"]["get"]
    assert {"level", "parent", "q", "limit", "offset"} <= {
        p["name"] for p in listing["parameters"]
    }
    assert "examples" in json.dumps(schema["paths"]["/api/v1/areas/{slug}/report/"])
