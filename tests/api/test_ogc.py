"""OGC API - Features at /ogc/ against real PostGIS: the documents the
standard requires, paging, filters and their refusals, CRS, and GDAL's own
OAPIF driver reading from a live server."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.signals import request_started
from openapi_spec_validator import validate

from registry.models import Camera
from tests.factories import CameraFactory, OperatorFactory, VendorFactory

pytestmark = pytest.mark.django_db

OGC = "/ogc/"
ITEMS = "/ogc/collections/cameras/items"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
OAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
CRS_BY_REFERENCE = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"
OGRINFO = shutil.which("ogrinfo")
OGR2OGR = shutil.which("ogr2ogr")


def get(client, url, **params):
    response = client.get(url, params)
    return response, json.loads(response.content)


def at(lon, lat, **values):
    return CameraFactory(location=Point(lon, lat, srid=4326), **values)


def links(document, rel) -> list[dict]:
    return [link for link in document["links"] if link["rel"] == rel]


def href(document, rel) -> str:
    (found,) = links(document, rel)
    return found["href"]


def ids(body) -> list[int]:
    return [feature["id"] for feature in body["features"]]


def changed_at(camera, moment: datetime) -> None:
    Camera.objects.filter(pk=camera.pk).update(updated_at=moment)


# The documents


def test_the_landing_page_links_itself_its_definition_conformance_and_data(client):
    response, body = get(client, OGC)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert body["title"]
    assert href(body, "self") == "http://testserver/ogc/"
    service = links(body, "service-desc")[0]
    assert service["href"] == "http://testserver/ogc/api"
    assert service["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert href(body, "conformance") == "http://testserver/ogc/conformance"
    assert href(body, "data") == "http://testserver/ogc/collections"


def test_conformance_declares_core_geojson_openapi_and_crs(client):
    _response, body = get(client, "/ogc/conformance")

    assert set(body["conformsTo"]) == {CORE, GEOJSON, OAS30, CRS_BY_REFERENCE}


def test_the_api_definition_is_valid_openapi_3_and_lists_the_queryables(client):
    response, body = get(client, "/ogc/api")

    assert response["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    validate(body)
    items = body["paths"]["/collections/cameras/items"]["get"]
    names = {parameter["$ref"].rsplit("/", 1)[1] for parameter in items["parameters"]}
    assert {"limit", "bbox", "datetime", "crs", "kind", "vendor", "operator", "status"} <= names
    assert body["components"]["parameters"]["limit"]["schema"]["maximum"] == 10_000
    assert body["servers"] == [{"url": "http://testserver/ogc"}]


def test_the_collection_gives_the_extent_of_visible_cameras_and_its_crs(client):
    at(-87.7, 41.8)
    at(-87.6, 41.9)
    at(10.0, 50.0, status="hidden")
    Camera.objects.update(updated_at=datetime(2026, 3, 1, 12, tzinfo=UTC))

    _response, body = get(client, "/ogc/collections/cameras")

    assert body["id"] == "cameras"
    assert body["itemType"] == "feature"
    assert body["crs"] == [CRS84, EPSG_4326, EPSG_3857]
    assert body["extent"]["spatial"]["bbox"] == [[-87.7, 41.8, -87.6, 41.9]]
    assert body["extent"]["spatial"]["crs"] == CRS84
    assert body["extent"]["temporal"]["interval"] == [
        ["2026-03-01T12:00:00Z", "2026-03-01T12:00:00Z"]
    ]
    assert href(body, "self") == "http://testserver/ogc/collections/cameras"
    items = links(body, "items")[0]
    assert items["href"] == "http://testserver/ogc/collections/cameras/items"
    assert items["type"] == "application/geo+json"


def test_the_collections_list_the_cameras_with_the_whole_world_when_empty(client):
    _response, body = get(client, "/ogc/collections")

    assert href(body, "self") == "http://testserver/ogc/collections"
    (collection,) = body["collections"]
    assert collection["id"] == "cameras"
    assert collection["extent"]["spatial"]["bbox"] == [[-180.0, -90.0, 180.0, 90.0]]
    assert collection["extent"]["temporal"]["interval"] == [[None, None]]
    assert links(collection, "items")


def test_another_collection_or_path_is_a_json_404(client):
    for url in ("/ogc/collections/vendors", "/ogc/collections/vendors/items", "/ogc/nothing"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"


def test_any_accept_header_gets_the_one_representation(client):
    response = client.get(ITEMS, HTTP_ACCEPT="application/geo+json, application/json")
    assert response.status_code == 200
    response = client.get("/ogc/api", HTTP_ACCEPT="application/vnd.oai.openapi+json;version=3.0")
    assert response.status_code == 200


# Items and paging


def test_items_are_a_feature_collection_with_counts_time_and_links(client):
    camera = at(-87.63, 41.88, kind="ALPR")

    response, body = get(client, ITEMS)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert response["Content-Crs"] == f"<{CRS84}>"
    assert body["type"] == "FeatureCollection"
    assert ids(body) == [camera.pk]
    assert body["features"][0]["geometry"] == {"type": "Point", "coordinates": [-87.63, 41.88]}
    assert body["features"][0]["properties"]["kind"] == "ALPR"
    assert body["numberMatched"] == 1
    assert body["numberReturned"] == 1
    assert datetime.fromisoformat(body["timeStamp"]).tzinfo is not None
    assert href(body, "self") == "http://testserver/ogc/collections/cameras/items"
    assert not links(body, "next")


def test_next_links_walk_every_camera_exactly_once(client):
    cameras = [at(-87.6 + n * 0.001, 41.88) for n in range(23)]
    at(-87.5, 41.88, status="hidden")

    seen, pages, url = [], 0, f"{ITEMS}?limit=5"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        body = json.loads(response.content)
        seen += ids(body)
        assert body["numberReturned"] == len(body["features"])
        pages += 1
        following = links(body, "next")
        assert following == [] or following[0]["type"] == "application/geo+json"
        url = following[0]["href"] if following else None

    assert seen == [camera.pk for camera in cameras]
    assert pages == 5


def test_next_links_keep_the_filters(client):
    for n in range(4):
        at(-87.6 + n * 0.001, 41.88, kind="ALPR")
    at(-87.6, 41.881, kind="camera")

    _response, body = get(client, ITEMS, kind="ALPR", limit=3)
    next_query = parse_qs(urlsplit(href(body, "next")).query)
    _response, second = get(client, href(body, "next"))

    assert next_query["kind"] == ["ALPR"] and next_query["limit"] == ["3"]
    assert body["numberMatched"] == 4
    assert len(second["features"]) == 1
    assert "numberMatched" not in second  # counted on the first page only


def test_limit_is_refused_outside_its_range(client):
    for value in ("0", "10001", "ten", "5.0", ""):
        response, body = get(client, ITEMS, limit=value)
        assert response.status_code == 400, value
        assert "limit" in body


def test_unknown_and_repeated_parameters_are_refused_by_name(client):
    response, body = get(client, ITEMS, colour="red")
    assert response.status_code == 400
    assert "colour" in body

    response = client.get(f"{ITEMS}?limit=5&limit=6")
    assert response.status_code == 400
    assert "limit" in json.loads(response.content)


def test_f_json_is_served_and_other_formats_refused(client):
    assert client.get(ITEMS, {"f": "json"}).status_code == 200
    assert client.get(OGC, {"f": "json"}).status_code == 200
    response, body = get(client, ITEMS, f="html")
    assert response.status_code == 400 and "f" in body


def test_a_bad_cursor_is_refused(client):
    response, body = get(client, ITEMS, cursor="not a cursor")
    assert response.status_code == 400 and "cursor" in body


# Filters


def test_bbox_keeps_the_cameras_inside(client):
    inside = at(-87.63, 41.88)
    at(-87.0, 41.88)
    at(-87.62, 41.87, status="hidden")

    _response, body = get(client, ITEMS, bbox="-87.7,41.8,-87.6,41.9")

    assert ids(body) == [inside.pk]
    assert body["numberMatched"] == 1


def test_bbox_with_heights_ignores_them(client):
    inside = at(-87.63, 41.88)

    _response, body = get(client, ITEMS, bbox="-87.7,41.8,0,-87.6,41.9,100")

    assert ids(body) == [inside.pk]


def test_bbox_across_the_antimeridian_keeps_both_sides(client):
    east = at(179.5, -17.0)
    west = at(-179.5, -17.0)
    at(0.0, -17.0)

    _response, body = get(client, ITEMS, bbox="179,-18,-179,-16")

    assert sorted(ids(body)) == sorted([east.pk, west.pk])


def test_bbox_in_web_mercator_and_in_epsg_4326_order(client):
    inside = at(-87.63, 41.88)
    at(-87.0, 41.88)

    # -87.7,41.8,-87.6,41.9 in metres, and latitude first.
    mercator = "-9762720.8,5133341.0,-9751588.9,5148267.6"
    _response, in_metres = get(client, ITEMS, bbox=mercator, **{"bbox-crs": EPSG_3857})
    _response, lat_first = get(
        client, ITEMS, bbox="41.8,-87.7,41.9,-87.6", **{"bbox-crs": EPSG_4326}
    )

    assert ids(in_metres) == [inside.pk]
    assert ids(lat_first) == [inside.pk]


def test_bad_bboxes_are_refused_naming_bbox(client):
    for value in ("1,2,3", "a,b,c,d", "-87,42,-86,41", "-87,41,-87,42", "nan,1,2,3", "1, 2,3,4"):
        response, body = get(client, ITEMS, bbox=value)
        assert response.status_code == 400, value
        assert "bbox" in body, value


def test_bbox_crs_must_be_known_and_come_with_a_bbox(client):
    response, body = get(client, ITEMS, bbox="1,2,3,4", **{"bbox-crs": "EPSG:2154"})
    assert response.status_code == 400 and "bbox-crs" in body
    response, body = get(client, ITEMS, **{"bbox-crs": EPSG_3857})
    assert response.status_code == 400 and "bbox-crs" in body


def test_datetime_selects_by_the_last_change(client):
    old, middle, recent = (at(-87.6 + n * 0.001, 41.88) for n in range(3))
    changed_at(old, datetime(2025, 1, 10, 8, tzinfo=UTC))
    changed_at(middle, datetime(2025, 6, 1, 12, tzinfo=UTC))
    changed_at(recent, datetime(2026, 2, 1, 0, tzinfo=UTC))

    def selected(value):
        return ids(get(client, ITEMS, datetime=value)[1])

    assert selected("2025-06-01T12:00:00Z") == [middle.pk]
    assert selected("2025-06-01T14:00:00+02:00") == [middle.pk]
    assert selected("2025-06-01") == [middle.pk]
    assert selected("2025-02-01T00:00:00Z/2025-12-31T00:00:00Z") == [middle.pk]
    assert selected("2025-06-01/..") == [middle.pk, recent.pk]
    assert selected("../2025-06-01") == [old.pk, middle.pk]
    assert selected("/2025-01-10") == [old.pk]
    assert selected("../..") == [old.pk, middle.pk, recent.pk]


def test_bad_datetimes_are_refused_naming_datetime(client):
    for value in (
        "yesterday",
        "2025-06-01T12:00:00",
        "2026-01-01/2025-01-01",
        "a/b/c",
        "2025-13-01",
    ):
        response, body = get(client, ITEMS, datetime=value)
        assert response.status_code == 400, value
        assert "datetime" in body, value


def test_queryables_filter_like_the_camera_list(client):
    vendor, operator = VendorFactory(slug="flock-safety"), OperatorFactory(slug="city")
    alpr = at(-87.63, 41.88, kind="ALPR", vendor=vendor, operator=operator)
    camera = at(-87.62, 41.88, kind="camera")
    removed = at(-87.61, 41.88, status="removed", removed_on="2026-01-01")

    def selected(**query):
        return ids(get(client, ITEMS, **query)[1])

    assert selected() == [alpr.pk, camera.pk]  # in place by default, like cameras/
    assert selected(kind="ALPR") == [alpr.pk]
    assert selected(kind="ALPR,camera") == [alpr.pk, camera.pk]
    assert selected(vendor="flock-safety") == [alpr.pk]
    assert selected(operator="city") == [alpr.pk]
    assert selected(status="removed") == [removed.pk]


def test_bad_queryables_are_refused_by_name_and_hidden_is_never_listed(client):
    at(-87.63, 41.88, status="hidden")
    for query, name in (
        ({"kind": "drone"}, "kind"),
        ({"vendor": "nobody"}, "vendor"),
        ({"operator": "not a slug"}, "operator"),
        ({"status": "hidden"}, "status"),
    ):
        response, body = get(client, ITEMS, **query)
        assert response.status_code == 400, query
        assert name in body, query


def test_moderators_do_not_see_hidden_cameras_here_either(client, moderator):
    at(-87.63, 41.88, status="hidden")
    client.force_login(moderator)

    _response, body = get(client, ITEMS)
    response, _body = get(client, ITEMS, status="hidden")

    assert body["features"] == []
    assert response.status_code == 400


# One camera, and CRS


def test_one_camera_by_id_and_404_for_hidden_unknown_or_not_a_number(client):
    camera = at(-87.63, 41.88, kind="ALPR")
    hidden = at(-87.62, 41.88, status="hidden")

    response, body = get(client, f"{ITEMS}/{camera.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert body["type"] == "Feature" and body["id"] == camera.pk
    assert body["geometry"]["coordinates"] == [-87.63, 41.88]
    assert href(body, "self") == f"http://testserver{ITEMS}/{camera.pk}"
    assert href(body, "collection") == "http://testserver/ogc/collections/cameras"
    for missing in (hidden.pk, camera.pk + 1000, "abc", "1" * 30):
        response = client.get(f"{ITEMS}/{missing}")
        assert response.status_code == 404, missing
        assert response["Content-Type"] == "application/json"


def test_crs_3857_transforms_the_coordinates(client):
    camera = at(-87.63, 41.88, kind="ALPR")

    response, body = get(client, ITEMS, crs=EPSG_3857)
    item_response, item = get(client, f"{ITEMS}/{camera.pk}", crs=EPSG_3857)

    assert response["Content-Crs"] == f"<{EPSG_3857}>"
    x, y = body["features"][0]["geometry"]["coordinates"]
    # Web Mercator's own formulas, on the WGS 84 semi-major axis.
    assert x == pytest.approx(6378137 * math.radians(-87.63), abs=0.01)
    assert y == pytest.approx(
        6378137 * math.log(math.tan(math.pi / 4 + math.radians(41.88) / 2)), abs=0.01
    )
    _response, in_crs84 = get(client, ITEMS)
    # The same properties, in the same order, as the stored feature's.
    properties = body["features"][0]["properties"]
    assert list(properties.items()) == list(in_crs84["features"][0]["properties"].items())
    assert item_response["Content-Crs"] == f"<{EPSG_3857}>"
    assert item["geometry"]["coordinates"] == [x, y]


def test_crs_4326_puts_latitude_first(client):
    at(-87.63, 41.88)

    response, body = get(client, ITEMS, crs=EPSG_4326)

    assert response["Content-Crs"] == f"<{EPSG_4326}>"
    assert body["features"][0]["geometry"]["coordinates"] == [41.88, -87.63]


def test_an_unknown_crs_is_refused(client):
    response, body = get(client, ITEMS, crs="http://www.opengis.net/def/crs/EPSG/0/2154")
    assert response.status_code == 400 and "crs" in body


def test_ogc_answers_to_any_origin(client):
    response = client.get(ITEMS, HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"


# GDAL's own OAPIF driver against a live server


def gdal(*command: str) -> str:
    finished = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"GDAL_HTTP_TIMEOUT": "60"},
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


@contextmanager
def requests_served():
    """(path, query string) of each request the live server starts."""
    served: list[tuple[str, str]] = []

    def record(sender, environ, **kwargs):
        served.append((environ["PATH_INFO"], environ.get("QUERY_STRING", "")))

    request_started.connect(record)
    try:
        yield served
    finally:
        request_started.disconnect(record)


def feature_count(report: str) -> int:
    (line,) = [line for line in report.splitlines() if line.startswith("Feature Count:")]
    return int(line.split(":")[1])


@pytest.mark.skipif(not OGRINFO or not OGR2OGR, reason="GDAL's command-line tools are missing")
@pytest.mark.django_db(transaction=True)  # committed: the live server answers from another thread
def test_gdal_reads_the_registry_by_bbox_and_whole_across_pages(live_server, tmp_path):
    vendor = VendorFactory(slug="flock-safety")
    for n in range(120):
        at(-87.70 + (n % 12) * 0.01, 41.80 + (n // 12) * 0.01, kind="ALPR" if n % 3 else "camera",
           vendor=vendor if n % 2 else None)  # fmt: skip
    for n in range(7):
        at(-87.65 + n * 0.001, 41.85, status="hidden")
    at(-87.64, 41.86, status="removed", removed_on="2026-01-01")
    url = f"OAPIF:{live_server.url}/ogc/"
    box = (-87.655, 41.825, -87.605, 41.875)
    public_in_box = Camera.objects.filter(status__in=["reported", "verified"]).in_bbox(box)

    whole = gdal(OGRINFO, "-ro", "-so", "-oo", "PAGE_SIZE=50", url, "cameras")
    with requests_served() as served:
        in_box = gdal(
            OGRINFO, "-ro", "-so", "-oo", "PAGE_SIZE=50", "-spat", *map(str, box), url, "cameras"
        )
    assert any("bbox=" in query for path, query in served if path == ITEMS)  # asked the server
    output = tmp_path / "cameras.geojson"
    with requests_served() as served:
        gdal(
            OGR2OGR,
            "-f",
            "GeoJSON",
            "-preserve_fid",
            "-oo",
            "PAGE_SIZE=50",
            str(output),
            url,
            "cameras",
        )
    pages = [query for path, query in served if path == ITEMS and "limit=50" in query]

    assert feature_count(whole) == 120
    assert feature_count(in_box) == public_in_box.count() > 0
    read = json.loads(output.read_text())["features"]
    assert sorted(feature["id"] for feature in read) == sorted(
        Camera.objects.filter(status__in=["reported", "verified"]).values_list("id", flat=True)
    )
    # The first page (read once for the layer's fields, again for its
    # features), then two more by cursor.
    assert len([query for query in pages if "cursor=" in query]) == 2


@pytest.mark.skipif(not OGRINFO, reason="GDAL's command-line tools are missing")
@pytest.mark.django_db(transaction=True)
def test_gdal_passes_the_queryables_to_the_server(live_server):
    for n in range(9):
        at(-87.70 + n * 0.01, 41.80, kind="ALPR" if n % 3 else "camera")

    url = f"OAPIF:{live_server.url}/ogc/"
    with requests_served() as served:
        report = gdal(OGRINFO, "-ro", "-so", "-where", "kind = 'ALPR'", url, "cameras")

    assert feature_count(report) == 6
    assert any("kind=ALPR" in query for path, query in served if path == ITEMS)


def test_the_data_page_links_the_ogc_api_in_both_languages(client):
    english = client.get("/data/").content.decode()
    spanish = client.get("/es/data/").content.decode()

    assert '<a href="/ogc/">OGC API – Features, for QGIS and GDAL</a>' in english
    assert '<a href="/ogc/">OGC API – Features, para QGIS y GDAL</a>' in spanish


def test_anonymous_clients_are_rate_limited_like_the_api(client, settings):
    settings.API_ANON_RATE = "3/minute"
    cache.clear()

    statuses = [client.get(ITEMS).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert int(client.get(OGC)["Retry-After"]) > 0
    cache.clear()
