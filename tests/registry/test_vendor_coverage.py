"""Vendors that cover the field: the reference vendors seen in real data,
with their owners; a brand's cameras counted for its owner on request; an
owner's restrictions shown on its brands; placeholders that name no vendor."""

import json

import pytest
from django.contrib.gis.geos import Point

from registry.models import Camera, Kind, Vendor
from registry.names import NameResolver
from registry.reference_data import VENDORS
from registry.services import camera_create, load_reference_data
from tests.factories import CameraFactory, VendorFactory, VendorRestrictionFactory
from tests.registry.importing import camera_tags, run, summary, write_json

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------ reference data


@pytest.mark.parametrize(
    ("brand", "owner"),
    [
        ("Vigilant Solutions", "Motorola Solutions"),
        ("Avigilon", "Motorola Solutions"),
        ("Pelco", "Motorola Solutions"),
        ("Axis Communications", "Canon"),
        ("Ring", "Amazon"),
        ("Mobotix", "Konica Minolta"),
    ],
)
def test_reference_vendors_know_their_owners(brand, owner):
    load_reference_data()

    assert Vendor.objects.get(name=brand).parent.name == owner


@pytest.mark.parametrize("name", ["Hikvision", "Dahua Technology", "Flock Safety"])
def test_reference_vendors_that_are_their_own_owners_have_no_parent(name):
    load_reference_data()

    assert Vendor.objects.get(name=name).parent is None


def test_reference_vendors_know_the_kinds_they_make():
    load_reference_data()

    assert Vendor.objects.get(name="Vigilant Solutions").kinds == ["ALPR"]
    assert Vendor.objects.get(name="SoundThinking").kinds == ["gunshot_detector"]


def test_every_reference_vendor_names_kinds_the_model_knows():
    assert all(set(entry.get("kinds", [])) <= set(Kind.values) for entry in VENDORS)


def test_loading_parents_and_kinds_twice_changes_nothing():
    load_reference_data()
    before = list(Vendor.objects.order_by("pk").values())

    report = load_reference_data()

    assert (report.vendors_created, report.vendors_updated) == (0, 0)
    assert list(Vendor.objects.order_by("pk").values()) == before


def test_reload_fills_an_older_registrys_vendors_and_keeps_a_moderators_parent():
    other = VendorFactory(name="Some Holding")
    VendorFactory(name="Avigilon", slug="avigilon", parent=other)
    VendorFactory(name="Pelco", slug="pelco")

    load_reference_data()

    assert Vendor.objects.get(slug="avigilon").parent == other
    pelco = Vendor.objects.get(slug="pelco")
    assert (pelco.parent.name, pelco.kinds) == ("Motorola Solutions", ["camera"])


@pytest.mark.parametrize(
    ("spelling", "vendor"),
    [
        ("Ekin", "Ekin"),
        ("Insight LPR", "Insight LPR"),
        ("LiveView Technologies", "LiveView Technologies"),
        ("Obvio", "Obvio"),
        ("Mobotix", "Mobotix"),
        ("Flock Saftey", "Flock Safety"),
        ("Flock Safety's", "Flock Safety"),
        ("Vigilant", "Vigilant Solutions"),
        ("Motorola Solutions(Vigilant)", "Vigilant Solutions"),
        ("Motorola/Vigilant", "Vigilant Solutions"),
        ("Ring Inc", "Ring"),
        ("Wisenet;Samsung", "Hanwha Vision"),
        ("wikidata=Q108485435", "Flock Safety"),
    ],
)
def test_spellings_met_in_real_data_resolve(spelling, vendor):
    load_reference_data()

    assert NameResolver.for_model(Vendor).resolve(spelling) == Vendor.objects.get(name=vendor).pk


# ----------------------------------------------------------------- imports


def features(*vendors: str) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-87.6 + n / 100, 41.8]},
                "properties": camera_tags("ALPR", manufacturer=vendor),
            }
            for n, vendor in enumerate(vendors)
        ],
    }


def test_an_import_counts_placeholders_apart_and_keeps_them_raw(tmp_path):
    load_reference_data()
    path = write_json(tmp_path / "a.geojson", features("Unknown", "unkwn", "other", "Ekin"))

    out, _err = run(path)

    assert "3 named no vendor (placeholder values such as unknown)" in summary(out)
    assert sorted(Camera.objects.filter(vendor=None).values_list("vendor_raw", flat=True)) == [
        "Unknown",
        "other",
        "unkwn",
    ]
    assert Camera.objects.get(vendor_raw="Ekin").vendor.name == "Ekin"


def test_placeholders_are_no_unmatched_spellings(client, moderator):
    for n, raw in enumerate(["Unknown", "unkwn", "other", "n/a", "?", "Acme Cams"]):
        camera_create(location=Point(n, n, srid=4326), actor=None, vendor_raw=raw)
    client.force_login(moderator)

    response = client.get("/moderation/spellings/")

    vendors = response.context["roles"][0]
    assert [shown["group"].label for shown in vendors["groups"]] == ["Acme Cams"]


# ------------------------------------------- a brand's cameras for its owner


@pytest.fixture
def family():
    owner = VendorFactory(name="Motorola Solutions", slug="motorola-solutions")
    VendorRestrictionFactory(
        vendor=owner, regime="other", regime_detail="Example ban", source_url="https://a.example/"
    )
    brand = VendorFactory(name="Vigilant Solutions", slug="vigilant-solutions", parent=owner)
    CameraFactory(vendor=owner, kind="camera")
    CameraFactory(vendor=brand, kind="ALPR")
    CameraFactory(vendor=brand, kind="ALPR")
    return owner, brand


def api(client, url, **params):
    response = client.get(url, params)
    return response.status_code, json.loads(response.content)


def test_the_api_counts_an_owners_own_cameras_by_default(client, family):
    status, data = api(client, "/api/v1/vendors/motorola-solutions/")

    assert status == 200
    assert data["cameras_by_kind"] == {"camera": 1}
    assert (data["brands"], data["brands_included"]) == (["vigilant-solutions"], False)


@pytest.mark.parametrize("value", ["1", "true"])
def test_the_api_counts_the_brands_cameras_with_the_owner_on_request(client, family, value):
    status, data = api(client, "/api/v1/vendors/motorola-solutions/", include_brands=value)

    assert status == 200
    assert data["cameras_by_kind"] == {"camera": 1, "ALPR": 2}
    assert data["brands_included"] is True


def test_the_api_refuses_a_bad_include_brands(client, family):
    status, data = api(client, "/api/v1/vendors/motorola-solutions/", include_brands="maybe")

    assert status == 400 and "include_brands" in data


def test_the_api_lists_the_owners_restrictions_on_the_brand_as_the_owners(client, family):
    _status, data = api(client, "/api/v1/vendors/vigilant-solutions/")

    assert data["restrictions"] == []
    assert data["parent"] == "motorola-solutions"
    [restriction] = data["owner_restrictions"]
    assert (restriction["owner"], restriction["owner_name"]) == (
        "motorola-solutions",
        "Motorola Solutions",
    )
    assert restriction["regime_detail"] == "Example ban"


def test_the_vendor_page_counts_the_brands_cameras_on_request(client, family):
    own = client.get("/vendors/motorola-solutions/")
    with_brands = client.get("/vendors/motorola-solutions/", {"include_brands": "1"})

    assert (own.context["total"], with_brands.context["total"]) == (1, 3)
    assert "Count the cameras of its brand too" in own.content.decode()
    assert "include the cameras of its brand." in with_brands.content.decode()
    assert with_brands.context["filter_query"]["vendor"].split(",") == [
        "motorola-solutions",
        "vigilant-solutions",
    ]


def test_the_brands_page_shows_its_owners_restrictions_labelled_as_the_owners(client, family):
    page = client.get("/vendors/vigilant-solutions/").content.decode()

    assert "Restrictions on its owner, Motorola Solutions" in page
    assert "its owner Motorola Solutions is under a legal restriction" in page
    assert "Example ban" in page


def test_a_brands_cameras_count_as_restricted_through_its_owner(client, family):
    _status, restricted = api(client, "/api/v1/cameras/", restricted="true")
    _status, others = api(client, "/api/v1/cameras/", restricted="false")
    listed = client.get("/cameras/", {"restricted": "1"})
    vendors = client.get("/vendors/")
    brand_page = client.get("/vendors/vigilant-solutions/").content.decode()

    assert len(restricted["features"]) == 3 and others["features"] == []
    assert len(listed.context["cameras"]) == 3
    assert vendors.context["restricted_count"] == 2
    assert "through its owner Motorola Solutions" in vendors.content.decode()
    # The brand's own restrictions are none: only its owner's badge shows.
    assert "under a legal restriction</span>" not in brand_page.replace(
        "is under a legal restriction</span>", ""
    )


def test_a_first_load_reports_vendors_created_not_updated():
    report = load_reference_data()

    assert (report.vendors_created, report.vendors_updated) == (len(VENDORS), 0)
