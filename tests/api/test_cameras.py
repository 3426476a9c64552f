"""The camera endpoints against real PostGIS, with answers known from the
cameras each test writes."""

import json
from datetime import datetime

import pytest
from django.contrib.gis.geos import Point
from rest_framework.test import APIClient

from registry.models import Camera, CameraCapability, Revision, Status
from tests.area_layouts import at_km, make_city, make_districts
from tests.factories import CameraFactory, OperatorFactory, VendorFactory, VendorRestrictionFactory
from tests.registry.importing import camera_tags, node_xml, osm_xml, run

pytestmark = pytest.mark.django_db

CAMERAS = "/api/v1/cameras/"


def get_json(client, url, **params):
    response = client.get(url, params)
    return response, json.loads(response.content)


def ids(body) -> list[int]:
    return [feature["id"] for feature in body["features"]]


def at(lon, lat, **values):
    return CameraFactory(location=Point(lon, lat, srid=4326), **values)


def test_list_is_a_geojson_feature_collection(client):
    camera = at(-87.63, 41.88, kind="ALPR", directions=[0.0, 90.0], height=4.0)

    response, body = get_json(client, CAMERAS)

    assert response["Content-Type"] == "application/geo+json"
    assert body["type"] == "FeatureCollection"
    feature = body["features"][0]
    assert feature["id"] == camera.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": [-87.63, 41.88]}
    assert feature["properties"]["kind"] == "ALPR"
    assert feature["properties"]["directions"] == [0.0, 90.0]
    assert body["next"] is None


def test_bbox_keeps_cameras_inside(client):
    inside = at(-87.63, 41.88)
    at(-87.0, 41.88)

    _response, body = get_json(client, CAMERAS, bbox="-87.7,41.8,-87.6,41.9")

    assert ids(body) == [inside.pk]


def test_near_orders_by_distance_within_the_radius(client):
    far = at(-87.6300, 41.8830)  # ~333 m north
    near = at(-87.6300, 41.8810)  # ~111 m north
    at(-87.6300, 41.8900)  # ~1.1 km: outside

    _response, body = get_json(client, CAMERAS, near="-87.63,41.88", radius=500)

    assert ids(body) == [near.pk, far.pk]


def test_area_filter_lists_the_cameras_inside_and_on_the_boundary(client):
    west, _east = make_districts(make_city())
    inside = CameraFactory(location=at_km(0.5, 0.5))
    on_boundary = CameraFactory(location=at_km(1, 0.5))  # the line west and east share
    CameraFactory(location=at_km(1.5, 0.5))

    _response, body = get_json(client, CAMERAS, area=west.slug)

    assert sorted(ids(body)) == [inside.pk, on_boundary.pk]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "ALPR"}, {"alpr"}),
        ({"kind": "ALPR,gunshot_detector"}, {"alpr", "gunshot"}),
        ({"camera_type": "dome"}, {"dome"}),
        ({"vendor": "flock-safety"}, {"alpr"}),
        ({"vendor": "flock-safety,hikvision"}, {"alpr", "dome"}),
        ({"operator": "city-police"}, {"gunshot"}),
        ({"restricted": "true"}, {"dome"}),
        ({"restricted": "false"}, {"alpr", "gunshot"}),
        ({"capability": "face_recognition"}, {"dome"}),
        ({"confirmed_since": "2025-01-01"}, {"alpr"}),
        ({"q": "shotspotter"}, {"gunshot"}),
        ({"q": "Hikvision"}, {"dome"}),
        ({"status": "removed"}, {"removed"}),
        ({"status": "reported,removed"}, {"alpr", "dome", "gunshot", "removed"}),
    ],
)
def test_filters(client, params, expected):
    flock = VendorFactory(name="Flock Safety", slug="flock-safety")
    hikvision = VendorFactory(name="Hikvision", slug="hikvision")
    VendorRestrictionFactory(vendor=hikvision)
    police = OperatorFactory(name="City Police", slug="city-police")
    named = {
        "alpr": at(1, 1, kind="ALPR", vendor=flock, last_confirmed="2025-06-01"),
        "dome": at(1, 1, kind="camera", camera_type="dome", vendor=hikvision),
        "gunshot": at(
            1,
            1,
            kind="gunshot_detector",
            operator=police,
            tags={"surveillance:brand": "ShotSpotter"},
        ),
        "removed": at(1, 1, kind="camera", status=Status.REMOVED, removed_on="2025-01-01"),
    }
    CameraCapability.objects.create(camera=named["dome"], capability="face_recognition")

    _response, body = get_json(client, CAMERAS, **params)

    assert set(ids(body)) == {named[name].pk for name in expected}


def test_hidden_cameras_are_never_listed_for_the_public(client):
    at(1, 1, status=Status.HIDDEN)

    _response, body = get_json(client, CAMERAS)

    assert body["features"] == []


def test_moderators_can_list_hidden_cameras(client, moderator):
    hidden = at(1, 1, status=Status.HIDDEN)
    client.force_login(moderator)

    _response, body = get_json(client, CAMERAS, status="hidden")

    assert ids(body) == [hidden.pk]


def test_cursor_pages_cover_everything_once(client):
    cameras = [at(1, 1) for _ in range(5)]

    seen, url, pages = [], CAMERAS + "?limit=2", 0
    while url:
        body = json.loads(client.get(url).content)
        seen += ids(body)
        url, pages = body["next"], pages + 1

    assert seen == [camera.pk for camera in cameras]
    assert pages == 3


def test_cursor_pages_ordered_by_distance(client):
    cameras = [at(-87.63, 41.88 + i * 0.0005) for i in range(5)]

    seen, url = [], CAMERAS + "?near=-87.63,41.88&radius=1000&limit=2"
    while url:
        body = json.loads(client.get(url).content)
        seen += ids(body)
        url = body["next"]

    assert seen == [camera.pk for camera in cameras]


@pytest.mark.parametrize(
    ("params", "parameter", "message"),
    [
        ({"bbox": "1,2,0,3"}, "bbox", "min below max"),
        ({"bbox": "1,2,3"}, "bbox", "needs 4 comma-separated numbers"),
        ({"bbox": "a,b,c,d"}, "bbox", "must be numbers"),
        ({"bbox": "0,0,1,nan"}, "bbox", "finite"),
        ({"bbox": "-200,0,1,1"}, "bbox", "outside -180..180"),
        ({"bbox": "-180,-90,180,90"}, "bbox", "square degrees"),
        ({"near": "1"}, "near", "needs 2"),
        ({"near": "1,95"}, "near", "outside -90..90"),
        ({"near": "1,1", "radius": "0"}, "radius", "greater than or equal to 1"),
        ({"near": "1,1", "radius": "999999"}, "radius", "less than or equal to 50000"),
        ({"near": "1,1", "radius": "far"}, "radius", "number"),
        ({"kind": "CCTV"}, "kind", "Unknown value 'CCTV'"),
        ({"status": "deleted"}, "status", "Unknown value 'deleted'"),
        ({"status": "hidden"}, "status", "only for moderators"),
        ({"vendor": "no-such-vendor"}, "vendor", "Unknown slug 'no-such-vendor'"),
        ({"operator": "nobody"}, "operator", "Unknown slug 'nobody'"),
        ({"area": "atlantis"}, "area", "Unknown area 'atlantis'"),
        ({"area": "no slug!"}, "area", "is not a slug"),
        ({"restricted": "maybe"}, "restricted", ""),
        ({"confirmed_since": "yesterday"}, "confirmed_since", "date"),
        ({"changed_since": "2025-13-45"}, "changed_since", ""),
        ({"limit": "0"}, "limit", "greater than or equal to 1"),
        ({"limit": "1000000"}, "limit", "At most 10000"),
        ({"limit": "many"}, "limit", "integer"),
        ({"cursor": "not-a-cursor"}, "cursor", "Invalid cursor"),
        ({"cursor": "eyJpZCI6ICJ4In0"}, "cursor", "Invalid cursor"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(client, params, parameter, message):
    response, body = get_json(client, CAMERAS, **params)

    assert response.status_code == 400
    assert parameter in body
    assert message in " ".join(body[parameter])


def test_a_distance_cursor_on_a_plain_list_is_refused(client):
    at(1, 1)
    at(1, 1.0001)
    first = json.loads(client.get(CAMERAS + "?near=1,1&radius=100&limit=1").content)
    cursor = first["next"].split("cursor=")[1]

    response, body = get_json(client, CAMERAS, cursor=cursor.replace("%3D", "="))

    # A distance cursor carries an id too, so a plain list may use it; a plain
    # cursor on a distance list is what cannot work.
    assert response.status_code == 200
    plain = json.loads(client.get(CAMERAS + "?limit=1").content)["next"].split("cursor=")[1]
    response, body = get_json(client, CAMERAS, near="1,1", radius=100, cursor=plain)
    assert response.status_code == 400
    assert "cursor" in body


def test_detail_is_one_feature_with_everything(client):
    vendor = VendorFactory(name="Hikvision", slug="hikvision")
    VendorRestrictionFactory(vendor=vendor, regime="us_entity_list")
    camera = at(
        -87.63,
        41.88,
        kind="camera",
        vendor=vendor,
        osm_type="node",
        osm_id=5,
        tags={"man_made": "surveillance"},
    )

    response, body = get_json(client, f"{CAMERAS}{camera.pk}/")

    properties = body["properties"]
    assert response.status_code == 200
    assert body["type"] == "Feature" and body["id"] == camera.pk
    assert body["geometry"]["coordinates"] == [-87.63, 41.88]
    assert properties["vendor"]["slug"] == "hikvision"
    assert properties["vendor"]["restrictions"][0]["regime"] == "us_entity_list"
    assert properties["tags"] == {"man_made": "surveillance"}
    assert properties["osm_url"] == "https://www.openstreetmap.org/node/5"
    assert properties["revision_count"] == 0


def import_osm_camera(tmp_path, **tags: str) -> Camera:
    path = tmp_path / "extract.osm"
    path.write_text(osm_xml(node_xml(7, -87.63, 41.88, camera_tags("ALPR", **tags))))
    run(path, "--source", "osm")
    return Camera.objects.get(osm_id=7)


def test_detail_names_the_dataset_an_imported_field_came_from(client, tmp_path):
    camera = import_osm_camera(tmp_path, height="5")

    _response, body = get_json(client, f"{CAMERAS}{camera.pk}/")

    sources = body["properties"]["field_sources"]
    kind = sources["kind"]
    assert set(kind) == {"source", "version", "at"}
    assert (kind["source"], kind["version"]) == ("osm", 1)
    assert datetime.fromisoformat(kind["at"]) == Revision.objects.get(camera=camera).created_at
    assert {sources[name]["source"] for name in ("location", "height", "tags")} == {"osm"}
    assert "tilt" not in sources  # never set, so no one's


def test_a_moderators_edit_is_the_source_of_the_fields_it_changed(tmp_path, moderator):
    camera = import_osm_camera(tmp_path, height="5")
    client = APIClient()
    client.force_authenticate(moderator)

    edited = client.patch(
        f"{CAMERAS}{camera.pk}/",
        {"version": 1, "height": 6.0, "reason": "measured"},
        format="json",
    )
    read = client.get(f"{CAMERAS}{camera.pk}/")

    for response in (edited, read):
        sources = json.loads(response.content)["properties"]["field_sources"]
        assert (sources["height"]["source"], sources["height"]["version"]) == ("moderator", 2)
        assert (sources["kind"]["source"], sources["kind"]["version"]) == ("osm", 1)


def test_field_sources_name_only_fields_the_detail_shows(client):
    from registry.services import camera_create

    camera = camera_create(location=Point(1, 1, srid=4326), actor=None, kind="camera")
    Revision.objects.filter(camera=camera).update(
        changes={"kind": [None, "camera"], "not_a_public_field": [None, 1]}
    )

    _response, body = get_json(client, f"{CAMERAS}{camera.pk}/")

    sources = body["properties"]["field_sources"]
    assert set(sources) == {"kind"}
    assert sources["kind"]["source"] == "survey"  # a resident's report, not an import


def test_camera_lists_carry_no_field_sources(client):
    from registry.services import camera_create

    camera_create(location=Point(1, 1, srid=4326), actor=None, kind="camera")

    _response, body = get_json(client, CAMERAS)

    assert "field_sources" not in body["features"][0]["properties"]


def test_hidden_camera_detail_is_a_404_for_the_public(client):
    camera = at(1, 1, status=Status.HIDDEN)

    assert client.get(f"{CAMERAS}{camera.pk}/").status_code == 404
    assert client.get(f"{CAMERAS}{camera.pk}/history/").status_code == 404


def test_history_lists_revisions_newest_first(client):
    from registry.services import camera_create, camera_update

    camera = camera_create(location=Point(1, 1, srid=4326), actor=None, kind="camera")
    camera_update(camera=camera, actor=None, reason="measured", height=5.0)

    _response, body = get_json(client, f"{CAMERAS}{camera.pk}/history/")

    assert [revision["version"] for revision in body] == [2, 1]
    assert body[0]["changes"] == {"height": [None, 5.0]}
    assert (body[0]["actor"], body[0]["comment"]) == ("anonymous", "measured")


def test_unknown_camera_is_a_404(client):
    assert client.get(f"{CAMERAS}999999/").status_code == 404


def test_a_moderators_api_token_lists_hidden_cameras(client, moderator):
    from rest_framework.authtoken.models import Token

    hidden = at(1, 1, status=Status.HIDDEN)
    token = Token.objects.create(user=moderator)

    response = client.get(CAMERAS, {"status": "hidden"}, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert ids(json.loads(response.content)) == [hidden.pk]


def test_a_wrong_token_is_a_401(client):
    response = client.get(CAMERAS, HTTP_AUTHORIZATION="Token not-a-real-token")

    assert response.status_code == 401


@pytest.mark.parametrize("value", ["%s", "100%", "%(x)s", "camera,%d"])
def test_percent_signs_in_values_are_a_400_not_a_500(client, value):
    response, body = get_json(client, CAMERAS, kind=value)

    assert response.status_code == 400
    assert "Unknown value" in body["kind"][0]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"vendor": "acme\x00"}, "vendor"),
        ({"operator": "a b"}, "operator"),
        ({"q": "flock\x00"}, "q"),
        ({"kind": "ALPR\x00"}, "kind"),
        ({"cursor": "\x00"}, "cursor"),
    ],
)
def test_nul_bytes_and_malformed_slugs_are_a_400(client, params, parameter):
    response, body = get_json(client, CAMERAS, **params)

    assert response.status_code == 400
    assert parameter in body


@pytest.mark.parametrize(
    "value",
    ["0843-08-30T16:25:14.193+21:21", "0001-01-01T00:00:00-05:00", "9999-12-31T23:59:59-12:00"],
)
def test_times_postgresql_cannot_hold_are_a_400_or_answered(client, value):
    response = client.get(CAMERAS, {"changed_since": value})

    assert response.status_code in (200, 400)


def test_changed_since_with_a_far_offset_is_compared_in_utc(client):
    camera = at(1, 1)

    _response, body = get_json(client, CAMERAS, changed_since="2000-01-01T00:00:00+21:21")

    assert ids(body) == [camera.pk]
