"""Bulk downloads under /api/v1/downloads/: GeoJSON, CSV, OSM XML and
osmChange, streamed, with the filters of cameras/."""

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date

import pytest
from django.contrib.gis.geos import Point

from registry.exports import ATTRIBUTION
from registry.models import Status
from tests.area_layouts import at_km, make_city, make_districts
from tests.factories import CameraFactory, VendorFactory

pytestmark = pytest.mark.django_db

DOWNLOADS = "/api/v1/downloads/"
FORMATS = {
    "cameras.geojson": ("application/geo+json", "sightline-cameras.geojson"),
    "cameras.csv": ("text/csv; charset=utf-8", "sightline-cameras.csv"),
    "cameras.osm": ("application/xml", "sightline-cameras.osm"),
    "cameras.osc": ("application/xml", "sightline-new-cameras.osc"),
}


def streamed(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def camera_ids(name: str, body: str) -> list[int]:
    """The cameras a download holds, whatever its format."""
    if name.endswith(".geojson"):
        return [feature["id"] for feature in json.loads(body)["features"]]
    if name.endswith(".csv"):
        return [int(row["id"]) for row in csv.DictReader(io.StringIO(body))]
    return [-int(node.get("id")) for node in ET.fromstring(body).iter("node")]


def download(client, name: str, **params):
    return client.get(DOWNLOADS + name, params)


def test_geojson_download_has_every_visible_camera_and_the_attribution(client):
    shown = CameraFactory(tags={"name": "Gate"})
    removed = CameraFactory(status=Status.REMOVED, removed_on="2025-01-01")
    CameraFactory(status=Status.HIDDEN)

    response = download(client, "cameras.geojson")

    body = json.loads(streamed(response))
    assert response["Content-Type"] == "application/geo+json"
    assert "attachment" in response["Content-Disposition"]
    assert [feature["id"] for feature in body["features"]] == [shown.pk, removed.pk]
    assert body["features"][0]["properties"]["tags"] == {"name": "Gate"}
    assert body["license"] == "ODbL-1.0"
    assert "OpenStreetMap contributors" in body["attribution"]


def test_csv_download_is_one_row_per_camera_with_directions_joined(client):
    vendor = VendorFactory(slug="acme")
    camera = CameraFactory(
        location=Point(-87.5, 41.5, srid=4326), directions=[0.0, 180.0], vendor=vendor
    )

    rows = list(csv.DictReader(io.StringIO(streamed(download(client, "cameras.csv")))))

    assert len(rows) == 1
    row = rows[0]
    assert (row["id"], row["longitude"], row["latitude"]) == (str(camera.pk), "-87.5", "41.5")
    assert (row["directions"], row["vendor"]) == ("0;180", "acme")


@pytest.mark.parametrize("name", FORMATS)
def test_each_download_is_a_streamed_attachment_with_the_attribution(client, name):
    CameraFactory()
    content_type, filename = FORMATS[name]

    response = download(client, name)

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["X-Data-Attribution"] == ATTRIBUTION


def test_osm_download_is_osm_xml_with_ids_versions_and_regenerated_tags(client):
    from_osm = CameraFactory(osm_type="node", osm_id=740239084, osm_version=7, kind="ALPR")
    new = CameraFactory(directions=[90.0], tags={"camera:direction": "N"})
    CameraFactory(status=Status.REMOVED, removed_on=date(2025, 1, 1))

    body = streamed(download(client, "cameras.osm"))

    root = ET.fromstring(body)
    nodes = {int(node.get("id")): node for node in root.iter("node")}
    assert (root.tag, root.get("version"), root.get("generator")) == ("osm", "0.6", "Sightline")
    assert set(nodes) == {from_osm.osm_id, -new.pk}
    assert nodes[from_osm.osm_id].get("version") == "7"
    tags = {tag.get("k"): tag.get("v") for tag in nodes[-new.pk].iter("tag")}
    assert tags["camera:direction"] == "90"
    assert tags["man_made"] == "surveillance"
    assert ATTRIBUTION in body


def test_osmchange_download_creates_only_cameras_without_an_osm_id(client):
    new = CameraFactory()
    CameraFactory(osm_type="node", osm_id=1, osm_version=1)

    body = streamed(download(client, "cameras.osc"))

    root = ET.fromstring(body)
    assert root.tag == "osmChange"
    assert [int(node.get("id")) for node in root.find("create")] == [-new.pk]
    assert ATTRIBUTION in body


@pytest.mark.parametrize("name", FORMATS)
def test_downloads_filter_by_bbox_and_vendor(client, name):
    acme = VendorFactory(slug="acme")
    inside = CameraFactory(location=Point(-87.6, 41.9, srid=4326), vendor=acme)
    CameraFactory(location=Point(-87.6, 41.9, srid=4326))
    CameraFactory(location=Point(2.35, 48.85, srid=4326), vendor=acme)

    response = download(client, name, bbox="-88,41,-87,42", vendor="acme")

    assert camera_ids(name, streamed(response)) == [inside.pk]


@pytest.mark.parametrize("name", FORMATS)
def test_downloads_filter_by_area(client, name):
    west, _east = make_districts(make_city())
    inside = CameraFactory(location=at_km(0.5, 0.5))
    CameraFactory(location=at_km(1.5, 0.5))  # in the east district
    CameraFactory(location=at_km(5, 5))  # outside the city

    response = download(client, name, area=west.slug)

    assert camera_ids(name, streamed(response)) == [inside.pk]


def test_downloads_of_several_areas_hold_the_cameras_of_each(client):
    west, east = make_districts(make_city())
    in_west = CameraFactory(location=at_km(0.5, 0.5))
    in_east = CameraFactory(location=at_km(1.5, 0.5))
    CameraFactory(location=at_km(5, 5))

    response = download(client, "cameras.geojson", area=f"{west.slug},{east.slug}")

    assert sorted(camera_ids("cameras.geojson", streamed(response))) == [in_west.pk, in_east.pk]


def test_a_download_bbox_may_cover_the_world_unlike_a_list_page(client):
    camera = CameraFactory()
    world = {"bbox": "-180,-90,180,90"}

    downloaded = download(client, "cameras.geojson", **world)
    listed = client.get("/api/v1/cameras/", world)

    assert camera_ids("cameras.geojson", streamed(downloaded)) == [camera.pk]
    assert listed.status_code == 400


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"vendor": "nobody"}, "vendor"),
        ({"area": "atlantis"}, "area"),
        ({"kind": "drone"}, "kind"),
        ({"changed_since": "yesterday"}, "changed_since"),
        ({"status": "hidden"}, "status"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(client, name, params, parameter):
    response = download(client, name, **params)

    assert response.status_code == 400
    assert not response.streaming
    assert parameter in json.loads(response.content)


def test_osmchange_refuses_removed_cameras(client):
    response = download(client, "cameras.osc", status="removed")

    assert response.status_code == 400
    assert "osmChange exports only" in json.loads(response.content)["status"][0]


def test_moderators_may_download_hidden_cameras_when_they_ask(client, moderator):
    CameraFactory()
    hidden = CameraFactory(status=Status.HIDDEN)
    client.force_login(moderator)

    response = download(client, "cameras.geojson", status="hidden")

    assert camera_ids("cameras.geojson", streamed(response)) == [hidden.pk]


def test_a_download_is_served_whatever_the_accept_header(client):
    CameraFactory()

    response = client.get(DOWNLOADS + "cameras.osm", HTTP_ACCEPT="application/xml")
    refused = client.get(DOWNLOADS + "cameras.osm?bbox=1", HTTP_ACCEPT="application/xml")

    assert response.status_code == 200
    assert ET.fromstring(streamed(response)).tag == "osm"
    assert refused.status_code == 400
    assert "bbox" in json.loads(refused.content)


def test_the_api_root_links_every_download(client):
    links = client.get("/api/v1/").json()

    assert links["download-osm"].endswith("/api/v1/downloads/cameras.osm")
    assert links["download-osmchange"].endswith("/api/v1/downloads/cameras.osc")


def test_csv_download_quotes_text_a_spreadsheet_would_run_and_keeps_numbers(client):
    camera = CameraFactory(
        location=Point(-87.63, -41.5, srid=4326),
        vendor_raw="=cmd|' /C calc'!A0",
        operator_raw="@SUM(1+1)",
        product="-2+3",
    )

    body = streamed(download(client, "cameras.csv"))

    row = next(csv.DictReader(io.StringIO(body)))
    assert (row["vendor_raw"], row["operator_raw"], row["product"]) == (
        "'=cmd|' /C calc'!A0",
        "'@SUM(1+1)",
        "'-2+3",
    )
    assert (row["id"], row["longitude"], row["latitude"]) == (str(camera.pk), "-87.63", "-41.5")
    assert not body.startswith("\ufeff")


def test_csv_download_starts_with_a_byte_order_mark_when_asked(client):
    camera = CameraFactory()

    marked = b"".join(download(client, "cameras.csv", bom="1").streaming_content)
    plain = b"".join(download(client, "cameras.csv", bom="0").streaming_content)

    assert marked == b"\xef\xbb\xbf" + plain
    assert camera_ids("cameras.csv", plain.decode()) == [camera.pk]


def test_a_bad_bom_value_is_a_400_naming_it(client):
    response = download(client, "cameras.csv", bom="maybe")

    assert response.status_code == 400
    assert "bom" in response.json()


def test_the_schema_documents_the_csv_bom_parameter(client):
    schema = json.loads(client.get("/api/v1/schema/", {"format": "json"}).content)

    parameters = schema["paths"]["/api/v1/downloads/cameras.csv"]["get"]["parameters"]
    bom = next(parameter for parameter in parameters if parameter["name"] == "bom")
    assert bom["in"] == "query"
    assert "byte-order mark" in bom["description"]
