"""Exporting to OSM XML or CSV and importing the result into an empty
registry gives the same cameras, field for field, whatever text they hold."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from registry.models import Camera, Changeset, Dataset, Revision
from registry.services import load_reference_data
from tests.factories import CameraFactory

from .importing import run

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "registry" / "data" / "demo" / "chicago.geojson.gz"
FIELDS = (
    "kind", "visibility", "zone", "camera_type", "mount", "directions", "tilt", "height",
    "vendor_id", "vendor_raw", "product", "operator_id", "operator_raw", "last_confirmed",
    "osm_type", "osm_id", "tags",
)  # fmt: skip


def snapshot_by_identity(*, exported: bool) -> dict:
    """Each camera's fields, keyed by its OSM node, or for a camera OSM does
    not have, by the negative id the export gave it (`node/-<camera id>`),
    which the import keeps as the record's id."""
    cameras = {}
    for camera in Camera.objects.all():
        if camera.osm_id is not None:
            key = camera.osm_id
        else:
            key = camera.source_ref if exported else f"node/-{camera.pk}"
        values = {name: getattr(camera, name) for name in FIELDS}

        values["location"] = tuple(round(value, 7) for value in camera.location.coords)
        cameras[key] = values
    return cameras


def empty_the_registry() -> None:
    Revision.objects.all().delete()
    Camera.objects.all().delete()
    Changeset.objects.all().delete()
    Dataset.objects.all().delete()


def test_osm_xml_export_imported_into_an_empty_registry_gives_the_same_cameras(tmp_path):
    load_reference_data()
    run(DEMO, "--source", "demo")
    assert Camera.objects.count() > 2000
    original = snapshot_by_identity(exported=False)
    exported = tmp_path / "cameras.osm"
    call_command(
        "export_cameras",
        "--format=osm",
        "--include-unversioned",
        "-o",
        str(exported),
        stderr=StringIO(),
    )

    empty_the_registry()
    run(exported, "--source", "round-trip")

    again = snapshot_by_identity(exported=True)
    assert again.keys() == original.keys()
    for key, before in original.items():
        after = again[key]
        assert {n: v for n, v in after.items() if n != "tags"} == {
            n: v for n, v in before.items() if n != "tags"
        }, key
        assert_same_tags_within_osm_limits(before["tags"], after["tags"])


def assert_same_tags_within_osm_limits(before: dict, after: dict) -> None:
    """Tags come back as they were, but for two things the export does on
    purpose: it drops what exceeds OSM's 255 characters, and it writes the
    Wikidata ids of the vendor and operator Sightline recognised (tags are
    regenerated from the fields)."""
    kept = {
        k: v
        for k, v in before.items()
        if len(k) <= 255 and len(v) <= 255 and not k.endswith(":wikidata")
    }
    assert {k: after.get(k) for k in kept} == kept
    assert all(k in kept or k.endswith(":wikidata") for k in after)


CSV_FIELDS = (
    "kind", "visibility", "zone", "camera_type", "mount", "directions", "tilt", "height",
    "vendor_raw", "product", "operator_raw", "last_confirmed",
)  # fmt: skip


def test_csv_export_imports_back_without_a_mapping(tmp_path):
    load_reference_data()
    run(DEMO, "--source", "demo")
    original = {
        str(camera.pk): {name: getattr(camera, name) for name in CSV_FIELDS}
        for camera in Camera.objects.all()
    }
    exported = tmp_path / "cameras.csv"
    call_command("export_cameras", "--format=csv", "-o", str(exported), stderr=StringIO())

    empty_the_registry()
    run(exported, "--source", "from-csv")

    again = {
        camera.source_ref: {name: getattr(camera, name) for name in CSV_FIELDS}
        for camera in Camera.objects.all()
    }
    assert again == original


# Text anyone may send that a spreadsheet would run as a formula, and text
# that already starts with the quote the export adds.
HOSTILE = {
    "vendor_raw": '=HYPERLINK("https://attacker.example/","Flock")',
    "operator_raw": "@SUM(1+1)*cmd|' /C calc'!A0",
    "product": "'-2+3",
}


@pytest.mark.parametrize("bom", [False, True], ids=["utf-8", "utf-8 with a bom"])
def test_hostile_text_survives_a_csv_round_trip_exactly(tmp_path, bom):
    load_reference_data()
    camera = CameraFactory(
        location=Point(-87.63, -41.88, srid=4326), tilt=-12.5, directions=[90.0], **HOSTILE
    )
    original = {name: getattr(camera, name) for name in CSV_FIELDS}
    exported = tmp_path / "cameras.csv"
    call_command(
        "export_cameras", "--format=csv", *(["--bom"] if bom else []), "-o", str(exported),
        stderr=StringIO(),
    )  # fmt: skip
    text = exported.read_text(encoding="utf-8")
    assert text.startswith("\ufeff") is bom
    # Protected in the file: a spreadsheet shows the text, runs nothing.
    assert "'" + HOSTILE["vendor_raw"].replace('"', '""') in text
    assert "'@SUM(1+1)" in text and "''-2+3" in text
    assert ",-87.63,-41.88," in text  # coordinates stay numbers

    empty_the_registry()
    out, err = run(exported, "--source", "from-csv")

    assert "0 rejected" in out, err
    again = Camera.objects.get(source_ref=str(camera.pk))
    assert {name: getattr(again, name) for name in CSV_FIELDS} == original
    assert again.location.coords == pytest.approx((-87.63, -41.88))
