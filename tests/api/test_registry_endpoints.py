import json

import pytest
from django.contrib.gis.geos import Point

from registry.models import Status, Vendor
from registry.services import load_reference_data
from tests.factories import CameraFactory, OperatorFactory, VendorFactory

pytestmark = pytest.mark.django_db


def body(client, url, **params):
    response = client.get(url, params)
    return response.status_code, json.loads(response.content)


def test_vendors_list_with_restrictions_and_camera_counts(client):
    load_reference_data()
    CameraFactory(vendor=Vendor.objects.get(slug="hikvision"))

    status, vendors = body(client, "/api/v1/vendors/")

    by_slug = {vendor["slug"]: vendor for vendor in vendors}
    assert status == 200
    assert by_slug["hikvision"]["camera_count"] == 1
    assert {r["regime"] for r in by_slug["hikvision"]["restrictions"]} == {
        "fcc_covered_list",
        "ndaa_889",
        "us_entity_list",
    }
    assert by_slug["flock-safety"]["wikidata"] == "Q108485435"


def test_vendor_detail_counts_cameras_by_kind(client):
    vendor = VendorFactory(slug="acme")
    CameraFactory(vendor=vendor, kind="ALPR")
    CameraFactory(vendor=vendor, kind="ALPR")
    CameraFactory(vendor=vendor, kind="")
    CameraFactory(vendor=vendor, kind="camera", status=Status.HIDDEN)

    status, data = body(client, "/api/v1/vendors/acme/")

    assert status == 200
    assert data["cameras_by_kind"] == {"ALPR": 2, "unknown": 1}


def test_operator_endpoints(client):
    operator = OperatorFactory(slug="cpd", operator_type="police")
    CameraFactory(operator=operator, kind="gunshot_detector")

    _status, operators = body(client, "/api/v1/operators/")
    status, detail = body(client, "/api/v1/operators/cpd/")

    assert operators == [
        {
            **{k: detail[k] for k in ("slug", "name", "operator_type", "wikidata", "website")},
            "camera_count": 1,
        }
    ]
    assert (status, detail["cameras_by_kind"]) == (200, {"gunshot_detector": 1})


@pytest.mark.parametrize("url", ["/api/v1/vendors/nope/", "/api/v1/operators/nope/"])
def test_unknown_slugs_are_a_404(client, url):
    assert client.get(url).status_code == 404


def test_stats_for_a_bbox(client):
    flock = VendorFactory(slug="flock-safety")
    CameraFactory(location=Point(1, 1, srid=4326), kind="ALPR", vendor=flock)
    CameraFactory(location=Point(1.1, 1.1, srid=4326), kind="ALPR", vendor=flock)
    CameraFactory(location=Point(1.2, 1.2, srid=4326), kind="camera")
    CameraFactory(location=Point(9, 9, srid=4326), kind="camera")

    status, stats = body(client, "/api/v1/stats/", bbox="0,0,2,2")

    assert status == 200
    assert stats == {
        "total": 3,
        "by_kind": {"ALPR": 2, "camera": 1},
        "by_status": {"reported": 3},
        "by_vendor": {"flock-safety": 2, "unknown": 1},
        "by_operator": {"unknown": 3},
    }


def test_stats_reject_bad_parameters(client):
    status, errors = body(client, "/api/v1/stats/", bbox="2,2,0,0")

    assert status == 400 and "bbox" in errors


def test_schema_is_valid_openapi_and_documents_the_filters(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = json.loads(response.content)
    parameters = {p["name"] for p in schema["paths"]["/api/v1/cameras/"]["get"]["parameters"]}
    assert schema["openapi"].startswith("3.")
    assert {
        "bbox",
        "near",
        "radius",
        "kind",
        "vendor",
        "operator",
        "restricted",
        "capability",
        "status",
        "camera_type",
        "confirmed_since",
        "changed_since",
        "q",
        "limit",
        "cursor",
    } <= parameters


def test_schema_generates_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))

    assert "/api/v1/cameras/{id}/history/" in (tmp_path / "s.yml").read_text()


def test_docs_are_served_from_local_static_files(client):
    html = client.get("/api/v1/docs/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_list_counts_leave_hidden_cameras_out(client):
    vendor = VendorFactory(slug="acme")
    operator = OperatorFactory(slug="cpd")
    CameraFactory(vendor=vendor, operator=operator)
    CameraFactory(vendor=vendor, operator=operator, status=Status.HIDDEN)

    _status, vendors = body(client, "/api/v1/vendors/")
    _status, operators = body(client, "/api/v1/operators/")

    assert vendors[0]["camera_count"] == 1
    assert operators[0]["camera_count"] == 1
