"""Sightline's exports imported back: OSM XML, CSV or GeoJSON into an empty
registry gives the same cameras, field for field, whatever text they hold;
CSV or GeoJSON into the registry they came from changes nothing."""

import csv
import io
import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command

from registry.exports import osmchange_chunks
from registry.models import Camera, Changeset, Dataset, Revision, Status, Vendor, VerifiedBy
from registry.services import (
    camera_remove,
    camera_set_status,
    camera_update,
    load_reference_data,
)

from .importing import camera_tags, node_xml, osm_xml, run, summary, way_xml, write_json

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


# Text anyone may send that a spreadsheet would run as a formula, and text
# that already starts with the quote the export adds.
HOSTILE = {
    "vendor_raw": '=HYPERLINK("https://attacker.example/","Flock")',
    "operator_raw": "@SUM(1+1)*cmd|' /C calc'!A0",
    "product": "'-2+3",
}
EVERY_FIELD = (
    "kind", "visibility", "zone", "camera_type", "mount", "directions", "tilt", "height",
    "vendor_id", "vendor_raw", "product", "operator_id", "operator_raw", "last_confirmed",
    "first_seen", "osm_type", "osm_id", "osm_version", "tags", "source_ref",
)  # fmt: skip
IN_PLACE = (Status.REPORTED, Status.VERIFIED)


def a_registry_with_edits(tmp_path: Path, moderator) -> None:
    """The demo extract (cameras OSM gave without ids), OSM nodes with their
    versions and a way, and edits made in Sightline that the raw tags do
    not say: a direction to the last digit, a vendor picked from the list
    with no raw name, a position to 15 decimals, text a spreadsheet would
    run, a camera removed, one verified by a moderator and one by
    independent confirmations."""
    load_reference_data()
    run(DEMO, "--source", "demo")
    extract = tmp_path / "extract.osm"
    extract.write_text(
        osm_xml(
            node_xml(101, -87.62, 41.88, camera_tags(
                "ALPR", manufacturer="Flock", **{"camera:direction": "both", "direction": "355"}
            ), version=4),
            node_xml(102, -87.6312345, 41.9, camera_tags(name="Gate", note="=1+2"), version=1),
            node_xml(201, -87.6, 41.7, {}),
            node_xml(202, -87.601, 41.7, {}),
            node_xml(203, -87.601, 41.701, {}),
            way_xml(300, [201, 202, 203, 201], camera_tags("ALPR")),
        )
    )  # fmt: skip
    run(extract, "--source", "osm")
    first, second, third, fourth, fifth, sixth = Camera.objects.filter(osm_id__isnull=True)[:6]
    camera_update(camera=first, actor=moderator, kind="ALPR", directions=[12.345678901])
    camera_update(
        camera=second, actor=moderator, vendor=Vendor.objects.get(name="Axis Communications"),
        vendor_raw="", location=Point(-87.123456789012345, 41.987654321098765, srid=4326),
        last_confirmed=date(2025, 6, 1), first_seen=date(2021, 2, 3), height=4.25, tilt=-12.5,
    )  # fmt: skip
    camera_update(camera=third, actor=moderator, **HOSTILE)
    camera_remove(camera=fourth, removed_on=date(2025, 1, 1), actor=moderator, reason="gone")
    camera_set_status(camera=fifth, status=Status.VERIFIED, actor=moderator, reason="checked")
    camera_set_status(
        camera=sixth,
        status=Status.VERIFIED,
        actor=None,
        reason="confirmed",
        verified_by=VerifiedBy.CONFIRMATIONS,
    )


def every_camera_in_place() -> list[str]:
    """Each camera in place as the JSON text of its fields and exact
    position, sorted: two registries hold the same cameras when these are
    equal."""
    return sorted(
        json.dumps(
            {
                **{name: getattr(camera, name) for name in EVERY_FIELD},
                "at": camera.location.coords,
            },
            default=str,
            sort_keys=True,
        )
        for camera in Camera.objects.filter(status__in=IN_PLACE)
    )


def export_to(tmp_path: Path, export_format: str) -> Path:
    path = tmp_path / f"cameras.{export_format}"
    call_command("export_cameras", f"--format={export_format}", "-o", str(path), stderr=StringIO())
    return path


@pytest.mark.parametrize("export_format", ["csv", "geojson"])
def test_an_export_imported_into_an_empty_registry_gives_the_same_cameras_field_for_field(
    tmp_path, moderator, export_format
):
    a_registry_with_edits(tmp_path, moderator)
    before = every_camera_in_place()
    exported = export_to(tmp_path, export_format)

    empty_the_registry()
    out, err = run(exported, "--source", "copy")

    count = len(before)
    assert summary(out).startswith(
        f"copy: {count} features: {count} created, 0 updated, 0 unchanged, 0 rejected in"
    ), err
    after = every_camera_in_place()
    assert set(after) - set(before) == set()
    assert after == before
    assert "left out: removed in the registry it was exported from" in err


@pytest.mark.parametrize("export_format", ["csv", "geojson"])
def test_an_export_imported_into_the_registry_it_came_from_changes_nothing(
    tmp_path, moderator, export_format
):
    a_registry_with_edits(tmp_path, moderator)
    before = every_camera_in_place()
    versions = dict(Camera.objects.values_list("pk", "version"))
    revisions = Revision.objects.count()
    exported = export_to(tmp_path, export_format)

    out, err = run(exported, "--source", "demo")

    count = len(before)
    assert summary(out).startswith(
        f"demo: {count} features: 0 created, 0 updated, {count} unchanged, 0 rejected in"
    ), err
    assert every_camera_in_place() == before
    assert dict(Camera.objects.values_list("pk", "version")) == versions
    assert Revision.objects.count() == revisions


@pytest.mark.parametrize("export_format", ["csv", "geojson"])
def test_a_copy_imported_again_from_the_same_export_changes_nothing(
    tmp_path, moderator, export_format
):
    a_registry_with_edits(tmp_path, moderator)
    exported = export_to(tmp_path, export_format)
    empty_the_registry()
    run(exported, "--source", "copy")
    before = every_camera_in_place()

    out, _err = run(exported, "--source", "copy")

    count = len(before)
    assert f"{count} features: 0 created, 0 updated, {count} unchanged, 0 rejected in" in out
    assert every_camera_in_place() == before


# Sightline's names of columns and properties that are no OSM keys (`operator`,
# `height` are both).
BOOKKEEPING = {
    "id", "status", "removed_on", "version", "updated_at", "osm_type", "osm_id",
    "osm_version", "source_ref", "vendor", "vendor_raw", "vendor_name", "operator_raw",
    "operator_name", "directions", "tilt", "kind", "zone", "mount", "visibility",
    "camera_type", "product", "last_confirmed", "longitude", "latitude", "tags",
    "verified_by", "verified_at",
}  # fmt: skip


@pytest.mark.parametrize("export_format", ["csv", "geojson"])
def test_bookkeeping_never_becomes_tags_and_osm_objects_are_never_offered_to_osm(
    tmp_path, moderator, export_format
):
    a_registry_with_edits(tmp_path, moderator)
    exported = export_to(tmp_path, export_format)
    empty_the_registry()

    run(exported, "--source", "copy")

    keys = {key for tags in Camera.objects.values_list("tags", flat=True) for key in tags}
    assert keys & BOOKKEEPING == set()
    offered = ET_nodes("".join(osmchange_chunks(Camera.objects.all())))
    without_osm_id = Camera.objects.filter(osm_id__isnull=True, status__in=IN_PLACE)
    assert set(offered) == {-pk for pk in without_osm_id.values_list("pk", flat=True)}
    assert {key for tags in offered.values() for key in tags} & BOOKKEEPING == set()


def ET_nodes(text: str) -> dict[int, dict[str, str]]:
    import xml.etree.ElementTree as ET

    return {
        int(node.get("id")): {tag.get("k"): tag.get("v") for tag in node.iter("tag")}
        for node in ET.fromstring(text).iter("node")
    }


OLD_CSV_HEADER = (
    "id,longitude,latitude,kind,status,visibility,zone,camera_type,mount,directions,tilt,"
    "height,vendor,vendor_raw,product,operator,operator_raw,last_confirmed,removed_on,"
    "osm_type,osm_id,version,updated_at\n"
)


def test_a_csv_export_from_before_it_carried_the_tags_imports_with_identities_and_fields(
    tmp_path,
):
    load_reference_data()
    path = tmp_path / "old.csv"
    path.write_text(
        OLD_CSV_HEADER
        + "7,-87.6,41.8,ALPR,verified,,,,pole,90;180,,,flock-safety,Flock,,,,2025-03-01,,"
        "node,12345,3,2025-05-01T10:00:00+00:00\n"
        + "8,-87.7,41.9,camera,reported,,,,,,,5.5,,,,,,,,,,2,2025-05-01T10:00:00+00:00\n"
        + "9,-87.8,41.9,camera,removed,,,,,,,,,,,,,,2025-04-01,,,2,2025-05-01T10:00:00+00:00\n"
    )

    out, err = run(path, "--source", "old")

    assert summary(out).startswith("old: 2 features: 2 created, 0 updated, 0 unchanged, 0 rej")
    node = Camera.objects.get(osm_type="node", osm_id=12345)
    assert (node.kind, node.mount, node.directions, node.vendor.slug, node.vendor_raw) == (
        "ALPR", "pole", [90.0, 180.0], "flock-safety", "Flock",
    )  # fmt: skip
    assert (node.source_ref, node.last_confirmed) == ("", date(2025, 3, 1))
    # Tags that say what the fields say, as a fresh camera's; no bookkeeping.
    assert node.tags == {
        "man_made": "surveillance",
        "surveillance:type": "ALPR",
        "camera:mount": "pole",
        "camera:direction": "90;180",
        "manufacturer": "Flock",
        "check_date": "2025-03-01",
    }
    other = Camera.objects.get(osm_id__isnull=True)
    assert (other.source_ref, other.height, other.osm_type) == ("8", 5.5, "")
    assert "(line 4, 9): left out: removed in the registry it was exported from" in err


def test_columns_added_to_a_csv_export_are_tags_and_a_bad_value_names_its_field(tmp_path):
    load_reference_data()
    path = tmp_path / "edited.csv"
    path.write_text(
        OLD_CSV_HEADER.replace("\n", ",tags,survey\n")
        + '1,-87.6,41.8,camera,reported,,,,,,,,,,,,,,,node,1,1,2025-01-01,"{""a"":""b""}",yes\n'
        + "2,-87.6,41.8,camera,reported,,,,,,steep,,,,,,,,,,,1,2025-01-01,,\n"
        + "3,-87.6,41.8,camera,reported,,,,,,,,,,,,,,,node,x,1,2025-01-01,,\n"
    )

    _out, err = run(path, "--source", "edited")

    assert Camera.objects.get().tags == {"a": "b", "survey": "yes"}
    assert "rejected feature 2 (line 3, 2): tilt: 'steep' is not a number" in err
    assert "rejected feature 3 (line 4): osm_id: osm_type 'node' with osm_id 'x' is not" in err


def sightline_feature(pk: int, **properties) -> dict:
    return {
        "type": "Feature",
        "id": pk,
        "geometry": {"type": "Point", "coordinates": [-87.6 - pk / 1000, 41.8]},
        "properties": {"kind": "camera", "status": "reported", "tags": {}, **properties},
    }


def test_a_record_id_shared_by_records_of_other_datasets_names_none_of_them(tmp_path):
    path = write_json(
        tmp_path / "cameras.geojson",
        {
            "type": "FeatureCollection",
            "features": [
                sightline_feature(1, source_ref="K1"),
                sightline_feature(2, source_ref="K1"),
                sightline_feature(3, source_ref="K2"),
            ],
        },
    )

    out, err = run(path, "--source", "copy")

    assert summary(out).startswith("copy: 3 features: 3 created")
    assert sorted(Camera.objects.values_list("source_ref", flat=True)) == ["", "", "K2"]
    assert "warning feature 1 (K1): imported without its record id 'K1'" in err


def test_a_camera_as_the_api_writes_it_imports_with_its_vendor_record(tmp_path):
    load_reference_data()
    axis = Vendor.objects.get(name="Axis Communications")
    feature = sightline_feature(
        5, vendor={"slug": axis.slug, "name": axis.name}, vendor_raw="", osm_url="", dataset="x",
        evidence=[], capabilities=[], revision_count=3, created_at="2025-01-01T00:00:00Z",
    )  # fmt: skip
    path = write_json(
        tmp_path / "camera.geojson", {"type": "FeatureCollection", "features": [feature]}
    )

    run(path, "--source", "api")

    camera = Camera.objects.get()
    assert (camera.vendor, camera.vendor_raw, camera.tags, camera.source_ref) == (
        axis,
        "",
        {},
        "5",
    )


@pytest.mark.parametrize("bom", [False, True], ids=["utf-8", "utf-8 with a bom"])
def test_hostile_text_survives_a_csv_round_trip_exactly(tmp_path, moderator, bom):
    load_reference_data()
    camera = camera_create_at(Point(-87.63, -41.88, srid=4326), moderator)
    original = {name: getattr(camera, name) for name in EVERY_FIELD}
    exported = tmp_path / "cameras.csv"
    call_command(
        "export_cameras", "--format=csv", *(["--bom"] if bom else []), "-o", str(exported),
        stderr=StringIO(),
    )  # fmt: skip
    text = exported.read_text(encoding="utf-8")
    assert text.startswith("\ufeff") is bom
    # Protected in the file: a spreadsheet shows the text, runs nothing.
    row = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert row["vendor_raw"] == "'" + HOSTILE["vendor_raw"]
    assert (row["operator_raw"], row["product"]) == ("'" + HOSTILE["operator_raw"], "''-2+3")
    assert (row["longitude"], row["latitude"], row["tilt"]) == ("-87.63", "-41.88", "-12.5")

    empty_the_registry()
    out, err = run(exported, "--source", "from-csv")

    assert "0 rejected" in out, err
    again = Camera.objects.get()
    assert {name: getattr(again, name) for name in EVERY_FIELD} == original
    assert again.location.coords == (-87.63, -41.88)


def camera_create_at(location: Point, moderator) -> Camera:
    from registry.services import camera_create

    return camera_create(
        location=location, actor=moderator, tilt=-12.5, directions=[90.0],
        source_ref="K-1", **HOSTILE,
    )  # fmt: skip
