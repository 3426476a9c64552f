import json

import pytest
from django.contrib.gis.geos import Point
from django.urls import URLPattern, get_resolver

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
            **{
                k: detail[k]
                for k in ("slug", "name", "operator_type", "wikidata", "website", "origin")
            },
            "reviewed": True,  # a curator's record
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


# -------------------------------------------------------- what the schema says


def schema_json(client) -> dict:
    return json.loads(client.get("/api/v1/schema/?format=json").content)


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def response_schema(schema: dict, path: str, method: str, status: str, media_type: str) -> dict:
    content = schema["paths"][path][method]["responses"][status]["content"]
    return resolve(schema, content[media_type]["schema"])


def test_cameras_are_typed_geojson_features_field_by_field(client):
    schema = schema_json(client)

    page = response_schema(schema, "/api/v1/cameras/", "get", "200", "application/geo+json")
    feature = resolve(schema, page["properties"]["features"]["items"])
    properties = resolve(schema, feature["properties"]["properties"])
    detail = response_schema(schema, "/api/v1/cameras/{id}/", "get", "200", "application/geo+json")
    detail_properties = resolve(schema, detail["properties"]["properties"])

    assert page["properties"]["next"]["nullable"] is True
    assert resolve(schema, feature["properties"]["geometry"])["properties"]["coordinates"] == {
        "type": "array",
        "items": {"type": "number", "format": "double"},
        "maxItems": 2,
        "minItems": 2,
        "description": "[longitude, latitude], WGS 84 degrees.",
    }
    # Every member of the text registry_camera_feature_text() writes.
    assert set(properties["properties"]) == {
        *("kind", "status", "visibility", "zone", "camera_type", "mount", "directions"),
        *("tilt", "height", "vendor", "vendor_name", "operator", "operator_name"),
        *("last_confirmed", "osm_type", "osm_id", "version", "updated_at"),
        *("verified_by", "verified_at"),
    }
    assert set(properties["required"]) == set(properties["properties"])
    nullable = {name for name, field in properties["properties"].items() if field.get("nullable")}
    assert nullable == {
        *("tilt", "height", "vendor", "vendor_name", "operator", "operator_name"),
        *("last_confirmed", "osm_id", "verified_by", "verified_at"),
    }
    assert {"vendor", "operator", "dataset", "removed_on"} <= {
        name for name, field in detail_properties["properties"].items() if field.get("nullable")
    }
    assert "additionalProperties" not in detail


def test_the_detail_types_each_fields_source(client):
    schema = schema_json(client)
    detail = response_schema(schema, "/api/v1/cameras/{id}/", "get", "200", "application/geo+json")
    properties = resolve(schema, detail["properties"]["properties"])
    described = properties["properties"]["field_sources"]  # a $ref with a description
    sources = resolve(schema, described["allOf"][0])
    one = resolve(schema, sources["properties"]["kind"])

    assert "field_sources" in properties["required"]
    assert {"location", "kind", "height", "vendor", "tags", "capabilities"} <= set(
        sources["properties"]
    )
    assert set(sources["properties"]) - {"location"} <= set(properties["properties"])
    assert "required" not in sources  # only the fields some version has set
    assert set(one["required"]) == {"source", "version", "at"}
    assert one["properties"]["version"] == {
        "type": "integer",
        "minimum": 1,
        "description": "The camera's version that set it (see its history).",
    }
    assert one["properties"]["at"]["format"] == "date-time"


def test_nullable_parents_and_errors_are_typed(client):
    schema = schema_json(client)
    area = schema["components"]["schemas"]["AreaSummary"]["properties"]["parent"]
    vendor = schema["components"]["schemas"]["Vendor"]["properties"]["parent"]
    bad = response_schema(schema, "/api/v1/cameras/", "get", "400", "application/json")
    stale = response_schema(schema, "/api/v1/cameras/{id}/", "patch", "409", "application/json")

    assert area["nullable"] is True and vendor["nullable"] is True
    assert bad["additionalProperties"]["oneOf"][0] == {
        "type": "array",
        "items": {"type": "string"},
    }
    assert set(stale["required"]) == {"detail", "current_version", "changes_since"}


def test_downloads_are_documented_with_the_media_types_they_are_sent_in(client):
    from registry.exports import FORMATS, GEOJSON_PROPERTIES

    schema = schema_json(client)
    paths = {
        "geojson": "cameras.geojson",
        "csv": "cameras.csv",
        "osm": "cameras.osm",
        "osmchange": "cameras.osc",
    }

    for name, export in FORMATS.items():
        documented = schema["paths"][f"/api/v1/downloads/{paths[name]}"]["get"]["responses"]
        sent = export.content_type.split(";")[0]
        assert list(documented["200"]["content"]) == [sent]
    collection = response_schema(
        schema, "/api/v1/downloads/cameras.geojson", "get", "200", "application/geo+json"
    )
    feature = resolve(schema, collection["properties"]["features"]["items"])
    exported = resolve(schema, feature["properties"]["properties"])["properties"]
    listed = schema["components"]["schemas"]["CameraSummary"]["properties"]
    assert collection["properties"]["type"]["$ref"].endswith("FeatureCollectionTypeEnum")
    assert set(exported) == {*listed, *GEOJSON_PROPERTIES}


# ------------------------------------------------ what the schema refuses, refused


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/cameras/?confirmed_since=", "confirmed_since"),
        ("/api/v1/cameras/?changed_since=", "changed_since"),
        ("/api/v1/cameras/?radius=&near=1,1", "radius"),
        ("/api/v1/cameras/?restricted=", "restricted"),
        ("/api/v1/cameras/?bbox=", "bbox"),
        ("/api/v1/cameras/?bbox=1e0,0,2,1", "bbox"),
        ("/api/v1/cameras/?bbox=%2B1,0,2,1", "bbox"),
        ("/api/v1/cameras/?bbox=%201,0,2,1", "bbox"),
        ("/api/v1/cameras/?bbox=01,0,2,1", "bbox"),
        ("/api/v1/cameras/?near=1_0,1", "near"),
        ("/api/v1/cameras/?kind=", "kind"),
        ("/api/v1/cameras/?kind=ALPR,,camera", "kind"),
        ("/api/v1/cameras/?kind=%20ALPR", "kind"),
        ("/api/v1/cameras/?vendor=", "vendor"),
        ("/api/v1/cameras/?limit=", "limit"),
        ("/api/v1/cameras/?limit=5.0", "limit"),
        ("/api/v1/cameras/?cursor=", "cursor"),
        ("/api/v1/stats/?area=", "area"),
        ("/api/v1/downloads/cameras.csv?operator=", "operator"),
        ("/api/v1/changes/?since=2026-01-01T00:00:00Z&limit=", "limit"),
        ("/api/v1/areas/?offset=", "offset"),
        ("/api/v1/areas/?parent=", "parent"),
        ("/api/v1/areas/?level=", "level"),
    ],
)
def test_a_parameter_outside_its_schema_is_a_400_naming_it(client, url, parameter):
    response = client.get(url)

    assert response.status_code == 400, response.content
    assert parameter in json.loads(response.content)


def test_an_area_parameter_outside_its_schema_is_a_400_naming_it(client):
    load_reference_data()
    from tests.area_layouts import make_city

    city = make_city()

    response = client.get(f"/api/v1/areas/{city.slug}/?simplify=")

    assert response.status_code == 400 and "simplify" in json.loads(response.content)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"latitude": "41.9"}, "latitude"),
        ({"receipt": 0}, "receipt"),
        ({"vendor": 5}, "vendor"),
        ({"directions": ["90"]}, "directions"),
        ({"capabilities": "audio"}, "capabilities"),
    ],
)
def test_a_json_value_of_another_type_is_a_400_naming_it(moderator, body, field):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(moderator)
    report = {"latitude": 41.9, "longitude": -87.6, "kind": "ALPR", **body}

    response = client.post("/api/v1/submissions/", report, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_an_empty_idempotency_key_is_a_400(moderator):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(moderator)
    report = {"latitude": 41.9, "longitude": -87.6, "kind": "ALPR"}

    response = client.post("/api/v1/submissions/", report, format="json", HTTP_IDEMPOTENCY_KEY="")

    assert response.status_code == 400 and "idempotency_key" in response.json()


def test_a_path_the_api_does_not_have_is_a_json_404(client):
    for url in ("/api/v1/cameras/not-a-number/", "/api/v1/vendors/no%20slug/", "/api/v1/x/"):
        response = client.get(url)

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
    assert client.get("/api/v1/cameras").status_code == 301


def test_a_suggested_vendor_is_named_by_its_slug(moderator):
    from rest_framework.test import APIClient

    load_reference_data()
    camera = CameraFactory()
    flock = Vendor.objects.get(slug="flock-safety")
    client = APIClient()
    client.force_authenticate(moderator)

    response = client.post(
        f"/api/v1/cameras/{camera.pk}/edit-suggestions/",
        {"changes": {"vendor": "flock-safety"}},
        format="json",
    )
    unknown = client.post(
        f"/api/v1/cameras/{camera.pk}/edit-suggestions/",
        {"changes": {"vendor": "nobody", "colour": "red"}},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["changes"] == {"vendor": [None, flock.pk]}
    assert unknown.status_code == 400
    assert set(unknown.json()) == {"vendor", "colour"}


def test_a_moderators_edit_takes_json_values_of_their_own_type(moderator):
    from rest_framework.test import APIClient

    camera = CameraFactory(height=3.0)
    client = APIClient()
    client.force_authenticate(moderator)

    response = client.patch(
        f"/api/v1/cameras/{camera.pk}/", {"version": 1, "height": "4"}, format="json"
    )

    assert response.status_code == 400 and "height" in response.json()


def test_the_api_root_links_every_endpoint_that_takes_no_identifier(client):
    api = get_resolver().url_patterns
    namespace = next(pattern for pattern in api if getattr(pattern, "namespace", None) == "api")
    fixed = {
        pattern.name
        for pattern in namespace.url_patterns
        if isinstance(pattern, URLPattern)
        and not pattern.pattern.regex.groupindex
        and pattern.name not in {"root", "not-found"}
    }

    links = client.get("/api/v1/").json()

    assert set(links) == fixed
