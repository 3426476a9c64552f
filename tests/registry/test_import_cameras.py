import gzip
import json
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from registry.imports.cameras import import_features
from registry.imports.geojson import open_geojson
from registry.models import Camera, Changeset, Dataset, Revision
from registry.services import camera_update, load_reference_data

from .importing import run, summary

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "registry" / "data" / "demo" / "chicago.geojson.gz"


def point(lon, lat, **tags):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": tags,
    }


def write(path: Path, features, **members) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **members}))
    return path


FLOCK = point(
    -87.62,
    41.88,
    **{
        "id": 101,
        "data_source": "planet_osm",
        "man_made": "surveillance",
        "surveillance:type": "ALPR",
        "surveillance": "public",
        "surveillance:zone": "traffic",
        "camera:type": "fixed",
        "camera:mount": "pole",
        "camera:direction": "N",
        "height": "4 m",
        "manufacturer": "Flock Safety",
        "manufacturer:wikidata": "Q108485435",
        "operator": "Chicago Police Department",
        "check_date": "2025-06-01",
        "pe_external_orgs": "x" * 300,
    },
)


def test_import_maps_tags_to_fields_and_keeps_the_raw_tags(tmp_path):
    load_reference_data()
    path = write(tmp_path / "city.geojson", [FLOCK])

    out, _err = run(path, "--source", "city")

    camera = Camera.objects.get()
    assert summary(out).startswith(
        "city: 1 features: 1 created, 0 updated, 0 unchanged, 0 rejected"
    )
    assert (camera.kind, camera.visibility, camera.zone) == ("ALPR", "public", "traffic")
    assert (camera.camera_type, camera.mount, camera.directions) == ("fixed", "pole", [0.0])
    assert (camera.height, str(camera.last_confirmed)) == (4.0, "2025-06-01")
    assert camera.vendor.name == "Flock Safety"
    assert camera.operator.name == camera.operator_raw == "Chicago Police Department"
    assert not camera.operator.reviewed  # made from the data
    assert (camera.osm_type, camera.osm_id) == ("node", 101)
    assert camera.tags == {k: v for k, v in FLOCK["properties"].items() if k != "id"}
    assert (camera.location.x, camera.location.y) == (-87.62, 41.88)
    assert camera.dataset.name == "city"


def test_import_leaves_one_changeset_and_a_revision_per_camera(tmp_path):
    path = write(tmp_path / "a.geojson", [FLOCK, point(1, 2, **{"surveillance:type": "camera"})])

    run(path, "--source", "a")

    changeset = Changeset.objects.get()
    assert changeset.actor == "import: a"
    assert Revision.objects.filter(changeset=changeset, version=1).count() == 2
    assert Revision.objects.get(camera__osm_id=101).changes["kind"] == [None, "ALPR"]


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    features = [FLOCK, point(1, 2, **{"surveillance:type": "camera"}), point(3, 4)]
    path = write(tmp_path / "a.geojson", features)
    run(path, "--source", "a")
    before = list(Camera.objects.order_by("pk").values("pk", "version", "updated_at"))

    out, _err = run(path, "--source", "a")

    assert "0 created, 0 updated, 3 unchanged, 0 rejected" in summary(out)
    assert list(Camera.objects.order_by("pk").values("pk", "version", "updated_at")) == before
    assert Revision.objects.count() == 3
    assert Changeset.objects.count() == 1


def test_a_changed_tag_updates_the_camera_with_a_revision_of_the_change(tmp_path):
    run(write(tmp_path / "a.geojson", [FLOCK]), "--source", "a")
    changed = json.loads(json.dumps(FLOCK))
    changed["properties"]["camera:direction"] = "E"

    out, _err = run(write(tmp_path / "b.geojson", [changed]), "--source", "a")

    camera = Camera.objects.get()
    assert "0 created, 1 updated" in summary(out)
    assert (camera.directions, camera.version) == ([90.0], 2)
    changes = camera.revisions.get(version=2).changes
    assert changes["directions"] == [[0.0], [90.0]]
    assert set(changes) == {"directions", "tags"}


def test_features_without_osm_id_match_by_position_and_kind(tmp_path):
    two_on_one_pole = [
        point(5, 5, **{"surveillance:type": "camera", "camera:direction": "90"}),
        point(5, 5, **{"surveillance:type": "camera", "camera:direction": "270"}),
    ]
    path = write(tmp_path / "a.geojson", two_on_one_pole)
    run(path, "--source", "a")

    out, _err = run(path, "--source", "a")

    assert Camera.objects.count() == 2
    assert "2 unchanged" in summary(out)


def test_the_same_camera_in_another_dataset_links_to_the_first(tmp_path):
    path = write(tmp_path / "a.geojson", [point(5, 5, **{"surveillance:type": "camera"})])
    run(path, "--source", "a")

    out, _err = run(path, "--source", "b")

    assert Camera.objects.count() == 1
    assert "0 created" in summary(out) and "1 linked" in summary(out)


def test_another_kind_at_the_same_position_in_another_dataset_is_a_separate_camera(tmp_path):
    run(
        write(tmp_path / "a.geojson", [point(5, 5, **{"surveillance:type": "camera"})]),
        "--source",
        "a",
    )

    run(
        write(tmp_path / "b.geojson", [point(5, 5, **{"surveillance:type": "ALPR"})]),
        "--source",
        "b",
    )

    assert Camera.objects.count() == 2


@pytest.mark.parametrize(
    "identity",
    [
        {"feature_id": "node/7"},
        {"@id": "node/7"},
        {"osm_type": "node", "osm_id": 7},
        {"id": 7, "data_source": "planet_osm"},
    ],
)
def test_osm_identity_is_read_from_every_common_form(tmp_path, identity):
    feature = point(1, 1, **{k: v for k, v in identity.items() if k != "feature_id"})
    if "feature_id" in identity:
        feature["id"] = identity["feature_id"]

    run(write(tmp_path / "a.geojson", [feature]), "--source", "a")

    camera = Camera.objects.get()
    assert (camera.osm_type, camera.osm_id) == ("node", 7)
    assert not {"@id", "osm_type", "osm_id", "id"} & set(camera.tags)


def test_a_moderators_vendor_survives_a_reimport(tmp_path, moderator):
    from tests.factories import VendorFactory

    path = write(
        tmp_path / "a.geojson",
        [point(1, 1, id=9, data_source="planet_osm", manufacturer="Acme Cams")],
    )
    run(path, "--source", "a")
    acme = VendorFactory(name="Totally Different Name")
    camera_update(camera=Camera.objects.get(), actor=moderator, vendor=acme)

    out, _err = run(path, "--source", "a")

    assert "1 unchanged" in summary(out)
    assert Camera.objects.get().vendor == acme


@pytest.mark.parametrize(
    ("feature", "field", "message"),
    [
        ({"type": "Feature", "geometry": None, "properties": {}}, "geometry", "missing"),
        (
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "GeometryCollection", "geometries": []},
            },
            "geometry",
            "is a GeometryCollection; only points, lines and areas are imported",
        ),
        (point(200, 10), "geometry", "longitude 200 is outside -180..180"),
        (point(10, -95), "geometry", "latitude -95 is outside -90..90"),
        (point("10", 5), "geometry", "longitude '10' is not a number"),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [1]},
                "properties": {},
            },
            "geometry",
            "a Point needs [longitude, latitude] coordinates",
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [1, 1]},
                "properties": ["camera"],
            },
            "properties",
            "must be an object of tags",
        ),
        ({"type": "Nonsense"}, "type", "not a GeoJSON Feature"),
    ],
)
def test_bad_features_are_rejected_with_a_reason_and_good_ones_still_land(
    tmp_path, feature, field, message
):
    feature = {**feature, "id": "node/55"} if feature.get("type") == "Feature" else feature
    path = write(tmp_path / "a.geojson", [FLOCK, feature, point(3, 3)])

    out, err = run(path, "--source", "a")

    assert Camera.objects.count() == 2
    assert "2 created, 0 updated, 0 unchanged, 1 rejected" in summary(out)
    assert "rejected feature 1" in err
    assert f"{field}: {message}" in err


def test_the_rejection_names_the_osm_object(tmp_path):
    bad = {"type": "Feature", "id": "node/55", "geometry": None, "properties": {}}

    _out, err = run(write(tmp_path / "a.geojson", [bad]), "--source", "a")

    assert "rejected feature 0 (node/55): geometry: missing" in err


def test_a_second_feature_for_the_same_osm_object_is_rejected(tmp_path):
    path = write(tmp_path / "a.geojson", [FLOCK, FLOCK])

    _out, err = run(path, "--source", "a")

    assert Camera.objects.count() == 1
    assert "rejected feature 1 (node/101): id: the same OSM object as feature 0" in err


@pytest.mark.parametrize(
    ("tags", "field", "warning"),
    [
        ({"camera:direction": "sideways"}, "directions", "camera:direction='sideways'"),
        ({"height": "tall"}, "height", "height='tall'"),
        ({"camera:angle": "360"}, "tilt", "camera:angle='360'"),
    ],
)
def test_an_unreadable_number_keeps_the_feature_and_says_so(tmp_path, tags, field, warning):
    path = write(tmp_path / "a.geojson", [point(1, 1, **{"surveillance:type": "camera", **tags})])

    _out, err = run(path, "--source", "a")

    camera = Camera.objects.get()
    assert getattr(camera, field) in ([], None)
    assert camera.tags == {"surveillance:type": "camera", **tags}
    assert f"warning feature 0: {warning}" in err


def test_unrecognised_values_are_counted_in_the_summary(tmp_path):
    features = [
        point(1, 1, **{"surveillance": "Камера", "camera:type": "CCTV"}),
        point(2, 2, surveillance="Камера"),
    ]

    out, _err = run(write(tmp_path / "a.geojson", features), "--source", "a")

    assert "unrecognised surveillance: 2 values kept raw ('Камера' x2)" in out
    assert "unrecognised camera:type: 1 values kept raw ('CCTV' x1)" in out
    assert Camera.objects.filter(visibility="", camera_type="").count() == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"type": "Feature', "not valid JSON: invalid JSON at line 1 column 10"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "neither OSM XML nor osmChange"),
        (b'{"type": "Topology"}', "not a GeoJSON FeatureCollection (found 'Topology')"),
        (b'{"type": "FeatureCollection"}', "needs a 'features' list"),
        (b"\x1f\x8b\x08broken", "cannot be read"),
        (b"\xff\xfe\x00", "is not valid utf-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a format Sightline reads"),
    ],
)
def test_a_file_that_is_not_geojson_writes_nothing(tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_bytes(content)

    with pytest.raises(CommandError, match="Nothing was imported") as raised:
        run(path, "--source", "a")

    assert message in str(raised.value)
    assert (Camera.objects.count(), Dataset.objects.count(), Changeset.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run(tmp_path / "nope.geojson")


def test_gzip_is_recognised_by_content_not_by_name(tmp_path):
    path = tmp_path / "cameras.json"
    path.write_bytes(
        gzip.compress(json.dumps({"type": "FeatureCollection", "features": [FLOCK]}).encode())
    )

    out, _err = run(path)

    assert "cameras: 1 features: 1 created" in summary(out)


def test_dry_run_reports_what_would_happen_and_writes_nothing(tmp_path):
    path = write(tmp_path / "a.geojson", [FLOCK, point(1, 1)])

    out, _err = run(path, "--source", "a", "--dry-run")

    assert "2 created" in summary(out)
    assert summary(out).endswith("(dry run: nothing was written)")
    assert (Camera.objects.count(), Dataset.objects.count(), Revision.objects.count()) == (0, 0, 0)


def test_dataset_licence_and_attribution_come_from_the_file(tmp_path):
    path = write(
        tmp_path / "a.geojson",
        [FLOCK],
        license="ODbL-1.0",
        attribution="© OpenStreetMap contributors",
    )

    run(path, "--source", "osm")

    dataset = Dataset.objects.get(name="osm")
    assert (dataset.licence, dataset.attribution) == ("ODbL-1.0", "© OpenStreetMap contributors")


def test_demo_extract_imports_completely_and_idempotently():
    load_reference_data()
    source = open_geojson(DEMO)
    first = import_features(
        features=source.items, dataset_name="demo", dataset_metadata=source.metadata
    )
    assert (first.features, first.created, len(first.rejected)) == (2503, 2503, 0)

    second = import_features(features=open_geojson(DEMO).items, dataset_name="demo")

    assert (second.created, second.updated, second.unchanged) == (0, 0, 2503)
    assert Camera.objects.count() == 2503
    assert Camera.objects.filter(vendor__name="Flock Safety").count() > 1000
    assert Dataset.objects.get(name="demo").licence == "ODbL-1.0"


def test_a_reimport_never_touches_sightlines_own_status(tmp_path):
    from datetime import date

    from registry.services import camera_remove

    run(write(tmp_path / "a.geojson", [FLOCK]), "--source", "a")
    camera_remove(
        camera=Camera.objects.get(), removed_on=date(2026, 1, 5), actor=None, reason="gone"
    )
    changed = json.loads(json.dumps(FLOCK))
    changed["properties"]["height"] = "6"

    run(write(tmp_path / "b.geojson", [changed]), "--source", "a")

    camera = Camera.objects.get()
    assert (camera.height, camera.version) == (6.0, 3)
    assert (camera.status, camera.removed_on, camera.status_note) == (
        "removed",
        date(2026, 1, 5),
        "gone",
    )


def test_a_nul_character_in_a_tag_rejects_that_feature_only(tmp_path):
    bad = point(2, 2, **{"surveillance:type": "camera", "name": "cam\u0000era"})

    out, err = run(write(tmp_path / "a.geojson", [FLOCK, bad]), "--source", "a")

    assert Camera.objects.count() == 1
    assert "rejected feature 1: name: contains a NUL character" in err
    assert "1 created, 0 updated, 0 unchanged, 1 rejected" in summary(out)
