"""POST /api/v1/exposure/: GeoJSON bodies and uploads (GeoJSON and GPX), the
400s naming what is wrong, the rate limit, and the endpoint's schema. The
analysis itself is tested in tests/registry/test_exposure.py."""

import json
import math

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from api.exposure import ExposureResultSerializer
from tests.factories import VendorFactory
from tests.registry.exposure_layout import STREET, camera, dome, lonlat, square

pytestmark = pytest.mark.django_db

URL = "/api/v1/exposure/"
HALF_CHORD = math.sqrt(30**2 - 10**2)  # a 30 m circle 10 m from the street


@pytest.fixture(autouse=True)
def generous_rate(settings):
    settings.EXPOSURE_ANON_RATE = "100000/minute"
    cache.clear()


def post_json(client, document, content_type="application/geo+json"):
    response = client.post(URL, json.dumps(document), content_type=content_type)
    return response, json.loads(response.content)


def upload(client, name: str, data: bytes):
    response = client.post(URL, {"file": SimpleUploadedFile(name, data)})
    return response, json.loads(response.content)


def test_a_geojson_route_gets_the_share_and_the_cameras(client):
    vendor = VendorFactory(name="Acme")
    seer = dome(0, 10, vendor=vendor)

    response, body = post_json(client, STREET)

    assert response.status_code == 200
    assert (body["measure"], body["unit"], body["total"]) == ("length", "m", 200.0)
    assert body["covered"] == pytest.approx(2 * HALF_CHORD, abs=0.2)
    assert body["share"] == pytest.approx(2 * HALF_CHORD / 200, abs=0.001)
    (camera,) = body["cameras"]
    assert camera["id"] == seer.pk
    assert camera["url"] == f"http://testserver/cameras/{seer.pk}/"
    assert camera["vendor"] == {"slug": "acme", "name": "Acme", "restricted": False}
    assert body["by_vendor"][0]["slug"] == "acme"
    assert body["covered_geometry"]["type"] == "MultiLineString"


def test_application_json_and_a_feature_collection_are_accepted(client):
    dome(0, 10)
    document = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"name": "walk"}, "geometry": STREET}],
    }

    response, body = post_json(client, document, content_type="application/json")

    assert response.status_code == 200
    assert len(body["cameras"]) == 1


def test_an_area_is_measured_in_square_metres(client):
    dome(50, 50)

    response, body = post_json(client, square(0, 0, 100, 100))

    assert response.status_code == 200
    assert (body["measure"], body["unit"]) == ("area", "m2")
    assert body["covered"] == pytest.approx(math.pi * 900, rel=0.005)


def test_no_camera_in_view_is_a_200_with_a_share_of_zero(client):
    response, body = post_json(client, STREET)

    assert response.status_code == 200
    assert (body["covered"], body["share"], body["cameras"]) == (0.0, 0.0, [])


def test_an_uploaded_geojson_file(client):
    dome(0, 10)

    response, body = upload(client, "walk.geojson", json.dumps(STREET).encode())

    assert response.status_code == 200
    assert body["covered"] == pytest.approx(2 * HALF_CHORD, abs=0.2)


def test_an_uploaded_gpx_track(client):
    dome(0, 10)
    points = "".join(
        '<trkpt lat="{1}" lon="{0}"/>'.format(*lonlat(x, 0)) for x in (-100, -20, 50, 100)
    )
    gpx = (
        '<?xml version="1.0"?><gpx version="1.1" creator="test" '
        'xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>walk</name><trkseg>{points}</trkseg></trk></gpx>"
    )

    response, body = upload(client, "walk.gpx", gpx.encode())

    assert response.status_code == 200
    assert body["total"] == pytest.approx(200, abs=0.1)
    assert body["geometry"]["type"] == "LineString"
    assert body["covered"] == pytest.approx(2 * HALF_CHORD, abs=0.2)


def test_a_self_intersecting_polygon_is_a_400_under_geometry(client):
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [lonlat(0, 0), lonlat(100, 100), lonlat(100, 0), lonlat(0, 100), lonlat(0, 0)]
        ],
    }

    response, body = post_json(client, bow_tie)

    assert response.status_code == 400
    (message,) = body["geometry"]
    assert message.startswith("The area is not a valid polygon: self-intersection at")


def test_a_bad_upload_is_a_400_under_file(client):
    response, body = upload(client, "empty.gpx", b"")

    assert response.status_code == 400
    assert body == {"file": ["The file is empty."]}


def test_a_wrong_crs_is_named(client):
    document = {**STREET, "crs": {"type": "name", "properties": {"name": "EPSG:26916"}}}

    response, body = post_json(client, document)

    assert response.status_code == 400
    assert "“EPSG:26916”" in body["geometry"][0]


def test_a_body_that_is_not_json_is_a_400(client):
    response = client.post(URL, "route please", content_type="application/json")

    assert response.status_code == 400
    assert json.loads(response.content)["geometry"][0].startswith(
        "This is neither GeoJSON nor GPX: it is not valid JSON"
    )


def test_an_empty_body_is_a_400(client):
    response = client.post(URL, "", content_type="application/json")

    assert response.status_code == 400
    assert "The request body is empty" in json.loads(response.content)["geometry"][0]


def test_a_multipart_request_without_file_is_a_400(client):
    response = client.post(URL, {"name": "walk"})

    assert response.status_code == 400
    assert json.loads(response.content) == {
        "file": ["No file was sent: upload the route or area as the multipart field “file”."]
    }


def test_an_oversized_body_is_refused_before_it_is_read(client, settings):
    settings.EXPOSURE_MAX_UPLOAD_BYTES = 1_000_000
    document = {**STREET, "properties": "x" * 1_200_000}

    response, body = post_json(client, document)

    assert response.status_code == 400
    assert body == {"geometry": ["The file is 1.2 MB; Sightline reads files of up to 1.0 MB."]}


def test_a_route_over_the_limit_is_a_400(client, settings):
    settings.EXPOSURE_MAX_ROUTE_KM = 0.1

    response, body = post_json(client, STREET)

    assert response.status_code == 400
    assert body["geometry"][0].startswith("The route is 0.2 km long")


def test_anonymous_clients_need_no_csrf_token_nor_account(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    response = strict.post(URL, json.dumps(STREET), content_type="application/geo+json")

    assert response.status_code == 200


def test_analyses_have_their_own_rate_limit(client, settings):
    settings.EXPOSURE_ANON_RATE = "2/minute"
    cache.clear()

    statuses = [post_json(client, STREET)[0].status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_the_response_has_the_documented_fields(client):
    dome(0, 10, vendor=VendorFactory())
    camera(0, -10, camera_type="fixed")

    _response, body = post_json(client, STREET)

    documented = ExposureResultSerializer()
    assert set(body) == set(documented.fields)
    camera_fields = documented.fields["cameras"].child.fields
    assert set(body["cameras"][0]) == set(camera_fields)
    assert set(body["by_vendor"][0]) == set(documented.fields["by_vendor"].child.fields)
    assert set(body["by_operator"][0]) == set(documented.fields["by_operator"].child.fields)
    nearby_fields = documented.fields["direction_unknown"].child.fields
    assert set(body["direction_unknown"][0]) == set(nearby_fields)


def test_the_schema_documents_the_endpoint_and_the_defaults(client):
    response = client.get("/api/v1/schema/?format=json")

    operation = json.loads(response.content)["paths"]["/api/v1/exposure/"]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "application/geo+json",
        "application/json",
        "multipart/form-data",
    }
    assert "| view angle, `camera:type=dome` | 90° |" in operation["description"]
    assert "| range, `surveillance:type=ALPR` | 40 m |" in operation["description"]
    assert "direction_unknown" in operation["description"]
    assert {"200", "400", "429"} <= set(operation["responses"])
