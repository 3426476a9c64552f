import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from registry.models import (
    Area,
    Camera,
    Dataset,
    Evidence,
    ModerationAction,
    ModeratorArea,
    Operator,
    Revision,
    Vendor,
    VendorRestriction,
)
from registry.names import NameResolver
from registry.services import camera_create, load_reference_data, map_spellings
from registry.services.areas import area_create, area_update, area_upsert
from registry.services.datasets import dataset_create, dataset_update
from registry.services.evidence import evidence_create, evidence_update
from registry.services.names import spellings_map
from registry.services.organisations import (
    RestrictionChange,
    operator_update,
    vendor_create,
    vendor_update,
)
from registry.services.records import StaleRecord
from tests.factories import OperatorFactory, VendorFactory, VendorRestrictionFactory

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


# ------------------------------------------------- reference records, written


@pytest.fixture
def someone_else_saved():
    """Saves `record` as another session would: its updated_at moves on."""

    def save(record) -> None:
        type(record).objects.filter(pk=record.pk).update(updated_at=timezone.now())

    return save


def test_vendor_update_refuses_a_stale_edit_and_writes_nothing(someone_else_saved):
    vendor = VendorFactory(name="Acme Vision")
    seen = vendor.updated_at
    someone_else_saved(vendor)

    with pytest.raises(StaleRecord, match="after you opened it") as refused:
        vendor_update(vendor=vendor, values={"country": "US"}, expected_updated_at=seen)

    assert refused.value.code == "stale"
    assert Vendor.objects.get(pk=vendor.pk).country == ""


def test_vendor_update_writes_restrictions_and_moves_the_vendors_last_edit():
    vendor = VendorFactory(name="Acme Vision")
    kept, struck = (
        VendorRestrictionFactory(vendor=vendor),
        VendorRestrictionFactory(vendor=vendor, regime="ndaa_889"),
    )
    before = vendor.updated_at

    vendor_update(
        vendor=vendor.pk,
        values={},
        restrictions=[
            RestrictionChange(id=kept.pk, values={"scope": "all models"}),
            RestrictionChange(id=struck.pk, delete=True),
            RestrictionChange(
                values={"regime": "fcc_covered_list", "source_url": "https://www.fcc.gov/"}
            ),
        ],
        expected_updated_at=before,
    )

    rows = {row.regime: row.scope for row in VendorRestriction.objects.filter(vendor=vendor)}
    assert rows == {"us_entity_list": "all models", "fcc_covered_list": ""}
    assert Vendor.objects.get(pk=vendor.pk).updated_at > before


def test_vendor_update_refuses_another_vendors_restriction():
    vendor, other = VendorFactory(), VendorFactory()
    theirs = VendorRestrictionFactory(vendor=other)

    with pytest.raises(ValidationError, match=f"Restriction #{theirs.pk} is not one of"):
        vendor_update(
            vendor=vendor, values={}, restrictions=[RestrictionChange(id=theirs.pk, delete=True)]
        )

    assert VendorRestriction.objects.filter(pk=theirs.pk).exists()


def test_a_refused_restriction_leaves_the_vendor_as_it_was():
    vendor = VendorFactory(name="Acme Vision")

    with pytest.raises(ValidationError, match="restrictions"):
        vendor_update(
            vendor=vendor,
            values={"country": "US"},
            restrictions=[RestrictionChange(values={"regime": "ndaa_889"})],  # no source
        )

    assert Vendor.objects.get(pk=vendor.pk).country == ""
    assert not VendorRestriction.objects.exists()


def test_vendor_create_makes_the_slug_and_validates():
    vendor = vendor_create(values={"name": " Acme Vision "})

    with pytest.raises(ValidationError) as refused:
        vendor_create(values={"name": "Other", "wikidata": "123"})

    assert (vendor.name, vendor.slug) == ("Acme Vision", "acme-vision")
    assert set(refused.value.message_dict) == {"wikidata"}
    assert Vendor.objects.count() == 1


def test_fields_a_service_does_not_write_are_refused():
    with pytest.raises(ValidationError) as refused:
        vendor_create(values={"name": "Acme", "created_at": None})

    assert set(refused.value.message_dict) == {"created_at"}
    assert not Vendor.objects.exists()


def test_operator_update_refuses_a_stale_edit(someone_else_saved):
    operator = OperatorFactory(name="City Police")
    seen = operator.updated_at
    someone_else_saved(operator)

    with pytest.raises(StaleRecord):
        operator_update(
            operator=operator, values={"operator_type": "police"}, expected_updated_at=seen
        )
    updated = operator_update(operator=operator, values={"operator_type": "police"})

    assert updated.operator_type == "police"
    assert Operator.objects.get(pk=operator.pk).operator_type == "police"


def test_dataset_update_sets_only_the_given_fields_on_the_current_row():
    dataset = dataset_create(values={"name": "city-open-data", "licence": "ODbL-1.0"})
    Dataset.objects.filter(pk=dataset.pk).update(attribution="© the city")

    dataset_update(dataset=dataset, values={"url": "https://data.example.org/"})

    dataset.refresh_from_db()
    assert (dataset.licence, dataset.attribution, dataset.url) == (
        "ODbL-1.0",
        "© the city",
        "https://data.example.org/",
    )


def test_evidence_has_one_subject_and_a_source():
    camera = camera_create(location=Point(1, 1, srid=4326), actor=None)
    vendor = VendorFactory()

    evidence = evidence_create(
        values={"kind": "photo", "url": "https://a.example/"}, subject=camera
    )
    with pytest.raises(ValidationError, match="exactly one camera, vendor or operator"):
        evidence_update(evidence=evidence, values={"vendor": vendor})
    with pytest.raises(ValidationError, match="needs a URL or a document"):
        evidence_create(values={"kind": "news"}, subject=vendor)

    assert list(Evidence.objects.values_list("camera", "vendor")) == [(camera.pk, None)]


def test_evidence_update_refuses_a_stale_edit(someone_else_saved):
    evidence = evidence_create(
        values={"kind": "news", "url": "https://n.example/"}, subject=VendorFactory()
    )
    seen = evidence.updated_at
    someone_else_saved(evidence)

    with pytest.raises(StaleRecord):
        evidence_update(evidence=evidence, values={"title": "Mine"}, expected_updated_at=seen)

    assert Evidence.objects.get().title == ""


SQUARE = Polygon(((0, 0), (1, 0), (1, 1), (0, 1), (0, 0)), srid=4326)
HALF = Polygon(((0, 0), (1, 0), (1, 0.5), (0, 0.5), (0, 0)), srid=4326)


def test_area_update_measures_a_new_boundary_and_refuses_a_stale_edit(someone_else_saved):
    area = area_upsert(name="Plot", level="city", geometry=SQUARE)[0]
    seen = area.updated_at

    updated = area_update(area=area, values={"geometry": HALF}, expected_updated_at=seen)
    with pytest.raises(StaleRecord):
        area_update(area=area, values={"population": 7}, expected_updated_at=seen)

    assert updated.area_km2 == pytest.approx(area.area_km2 / 2, rel=0.01)
    assert Area.objects.get(pk=area.pk).population is None


def test_area_update_keeps_the_hierarchy_in_order():
    region = area_upsert(name="Region", level="region", geometry=SQUARE)[0]
    area_upsert(name="Town", level="city", geometry=HALF, parent=region)

    with pytest.raises(ValidationError, match="cannot contain a city"):
        area_update(area=region, values={"level": "district"})

    assert Area.objects.get(pk=region.pk).level == "region"


def test_area_create_makes_the_boundary_valid_and_the_slug():
    area = area_create(values={"name": "Plot", "level": "city", "geometry": SQUARE})

    assert (area.slug, area.geometry.geom_type) == ("plot", "MultiPolygon")
    assert area.area_km2 > 0


# ------------------------------------------------------ spellings, mapped


def test_spellings_map_makes_the_new_record_and_maps_in_one_step(moderator):
    camera = camera_create(location=Point(1, 1), actor=None, vendor_raw="Tatile")

    record, changed = spellings_map(
        role="vendor", spellings=["Tatile"], new_name="Tattile", actor=moderator
    )

    camera.refresh_from_db()
    assert (record.name, record.slug, changed) == ("Tattile", "tattile", 1)
    assert camera.vendor == record
    assert record.aliases == ["Tatile"]


def test_spellings_map_is_one_changeset_and_one_entry_in_the_moderation_log(moderator):
    cameras = [
        camera_create(location=Point(1, 1), actor=None, vendor_raw=raw)
        for raw in ("Tatile", "Tattile srl", "Tatile")
    ]
    tattile = VendorFactory(name="Tattile")

    spellings_map(
        role="vendor", spellings=["Tatile", "Tattile srl"], target=tattile, actor=moderator
    )

    entry = ModerationAction.objects.get()
    changesets = set(
        Revision.objects.filter(camera__in=cameras, version=2).values_list("changeset", flat=True)
    )
    assert (entry.moderator, entry.action, entry.subject) == (
        moderator,
        ModerationAction.Action.MAP,
        f"vendor:{tattile.pk}",
    )
    assert entry.reason == "Mapped “Tatile”, “Tattile srl” to “Tattile” (3 cameras)."
    assert changesets == {entry.changeset_id}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"spellings": ["Tatile"]}, "target"),
        ({"spellings": ["Tatile"], "target": 987654}, "target"),
        ({"spellings": [], "new_name": "Tattile"}, "spellings"),
        ({"spellings": ["Tatile"], "new_name": "ACME"}, "new_name"),
        ({"spellings": ["Tatile"], "new_name": "Tattile", "target": "acme"}, "new_name"),
        ({"role": "camera", "spellings": ["Tatile"], "new_name": "Tattile"}, "role"),
    ],
)
def test_spellings_map_says_which_field_is_wrong_and_writes_nothing(moderator, arguments, field):
    camera = camera_create(location=Point(1, 1), actor=None, vendor_raw="Tatile")
    acme = VendorFactory(name="Acme")
    if arguments.get("target") == "acme":
        arguments = {**arguments, "target": acme}

    with pytest.raises(ValidationError) as refused:
        spellings_map(**{"role": "vendor", **arguments, "actor": moderator})

    assert set(refused.value.message_dict) == {field}
    assert list(Vendor.objects.values_list("name", flat=True)) == ["Acme"]
    assert Camera.objects.get(pk=camera.pk).version == 1


def test_spellings_map_is_for_moderators_of_every_area(django_user_model):
    vendor = VendorFactory()
    scoped = django_user_model.objects.create_user(username="local")
    scoped.user_permissions.add(
        *Permission.objects.filter(codename__in=["moderate", "change_vendor"])
    )
    area = area_upsert(name="Plot", level="city", geometry=SQUARE)[0]
    ModeratorArea.objects.create(user=scoped, area=area)
    scoped = django_user_model.objects.get(pk=scoped.pk)
    camera = camera_create(location=Point(0.5, 0.5), actor=None, vendor_raw="Tatile")

    with pytest.raises(PermissionDenied, match="limited to some areas"):
        spellings_map(role="vendor", spellings=["Tatile"], target=vendor, actor=scoped)

    assert Camera.objects.get(pk=camera.pk).vendor is None
