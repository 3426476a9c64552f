import pytest

from registry.models import Camera, Vendor, VendorRestriction
from registry.names import NameResolver
from registry.services import camera_create, load_reference_data, map_spellings
from tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

RESTRICTED = [
    "Huawei",
    "ZTE",
    "Hikvision",
    "Dahua Technology",
    "Hytera",
    "SenseTime",
    "Megvii",
    "Yitu Technology",
    "iFlytek",
    "CloudWalk Technology",
]
WESTERN = [
    "Flock Safety",
    "Motorola Solutions",
    "Genetec",
    "Axis Communications",
    "Avigilon",
    "Leonardo",
    "Rekor Systems",
    "Neology",
    "Verkada",
    "Ubicquia",
    "Axon",
    "SoundThinking",
]


def test_reference_data_ships_every_listed_vendor():
    load_reference_data()

    names = set(Vendor.objects.values_list("name", flat=True))
    assert set(RESTRICTED + WESTERN) <= names


@pytest.mark.parametrize(
    ("name", "wikidata"),
    [
        ("Flock Safety", "Q108485435"),
        ("Motorola Solutions", "Q634815"),
        ("Genetec", "Q30295174"),
        ("Leonardo", "Q910379"),
        ("Axis Communications", "Q2347731"),
        ("SoundThinking", "Q107740188"),
    ],
)
def test_reference_vendors_carry_their_wikidata_ids(name, wikidata):
    load_reference_data()

    assert Vendor.objects.get(name=name).wikidata == wikidata


@pytest.mark.parametrize(
    ("name", "regimes"),
    [
        ("Huawei", {"fcc_covered_list", "ndaa_889", "us_entity_list"}),
        ("ZTE", {"fcc_covered_list", "ndaa_889"}),
        ("Hikvision", {"fcc_covered_list", "ndaa_889", "us_entity_list"}),
        ("Dahua Technology", {"fcc_covered_list", "ndaa_889", "us_entity_list"}),
        ("Hytera", {"fcc_covered_list", "ndaa_889"}),
        ("SenseTime", {"us_entity_list"}),
        ("CloudWalk Technology", {"us_entity_list"}),
        ("Flock Safety", set()),
    ],
)
def test_restrictions_are_rows_with_their_own_source(name, regimes):
    load_reference_data()

    restrictions = VendorRestriction.objects.filter(vendor__name=name)
    assert {r.regime for r in restrictions} == regimes
    assert all(r.source_url.startswith("https://") and r.effective_date for r in restrictions)


def test_entity_list_dates_follow_the_federal_register():
    load_reference_data()

    dates = dict(
        VendorRestriction.objects.filter(regime="us_entity_list").values_list(
            "vendor__name", "effective_date"
        )
    )
    assert str(dates["Huawei"]) == "2019-05-16"
    assert str(dates["Hikvision"]) == "2019-10-09"
    assert str(dates["CloudWalk Technology"]) == "2020-06-05"


def test_loading_twice_changes_nothing():
    load_reference_data()
    before = list(Vendor.objects.order_by("pk").values())

    report = load_reference_data()

    assert (report.vendors_created, report.vendors_updated, report.restrictions_created) == (
        0,
        0,
        0,
    )
    assert list(Vendor.objects.order_by("pk").values()) == before


def test_reload_keeps_a_moderators_correction():
    load_reference_data()
    Vendor.objects.filter(name="Axon").update(website="https://corrected.example/")

    load_reference_data()

    assert Vendor.objects.get(name="Axon").website == "https://corrected.example/"


def test_map_spellings_points_cameras_to_the_vendor_with_history(moderator):
    from django.contrib.gis.geos import Point

    first = camera_create(location=Point(1, 1), actor=None, vendor_raw="Tatile")
    second = camera_create(location=Point(2, 2), actor=None, vendor_raw="TATTILE srl")
    other = camera_create(location=Point(3, 3), actor=None, vendor_raw="Bosch")
    vendor = VendorFactory(name="Tattile")  # added after the cameras came in unmatched

    changed = map_spellings(
        role="vendor", spellings=["Tatile", "TATTILE srl"], target=vendor, actor=moderator
    )

    assert changed == 2
    for camera in (first, second):
        camera.refresh_from_db()
        assert (camera.vendor, camera.version) == (vendor, 2)
        assert camera.revisions.get(version=2).changes == {"vendor": [None, vendor.pk]}
    other.refresh_from_db()
    assert other.vendor is None


def test_mapped_spellings_become_aliases_that_later_imports_match(moderator):
    vendor = VendorFactory(name="Vendor Alpha")

    map_spellings(role="vendor", spellings=["VA Systems Ltd"], target=vendor, actor=moderator)

    vendor.refresh_from_db()
    assert "VA Systems Ltd" in vendor.aliases
    assert NameResolver.for_model(Vendor).resolve("va systems") == vendor.pk


def test_map_spellings_needs_a_spelling():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        map_spellings(role="vendor", spellings=[" "], target=VendorFactory(), actor=None)

    assert Camera.objects.count() == 0


def test_mapped_cameras_show_in_the_changes_feed_time(moderator):
    from django.contrib.gis.geos import Point

    camera = camera_create(location=Point(1, 1), actor=None, vendor_raw="Zeta Cams")
    before = Camera.objects.get(pk=camera.pk).updated_at

    map_spellings(role="vendor", spellings=["Zeta Cams"], target=VendorFactory(), actor=moderator)

    assert Camera.objects.get(pk=camera.pk).updated_at > before
