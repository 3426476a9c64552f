"""Sources side by side: a second source bringing the same OSM objects with
fewer tags, or other values, never blanks what the first set; where they
disagree, IMPORT_SOURCE_PRECEDENCE decides and the value kept is an import
conflict for moderators."""

from __future__ import annotations

import pytest

from registry.models import Camera, ImportConflict, Revision

from .importing import node_xml, osm_xml, run

pytestmark = pytest.mark.django_db

FULL = {
    "man_made": "surveillance",
    "surveillance:type": "ALPR",
    "surveillance:zone": "traffic",
    "camera:mount": "pole",
    "camera:direction": "90",
    "operator": "Springfield Police",
}


def extract(tmp_path, name: str, tags: dict) -> object:
    path = tmp_path / f"{name}.osm"
    path.write_text(osm_xml(node_xml(7, -87.63, 41.88, tags)))
    return path


def test_a_second_source_with_fewer_tags_blanks_nothing(tmp_path):
    run(extract(tmp_path, "osm", FULL), "--source", "osm")
    sparse = {"man_made": "surveillance", "surveillance:type": "ALPR", "ref": "7"}

    run(extract(tmp_path, "deflock", sparse), "--source", "deflock")

    camera = Camera.objects.get(osm_id=7)
    assert (camera.kind, camera.zone, camera.mount, camera.directions) == (
        "ALPR",
        "traffic",
        "pole",
        [90.0],
    )
    assert camera.operator_raw == "Springfield Police"
    assert camera.tags == {**FULL, "ref": "7"}  # merged: nothing the first source said is lost
    assert not ImportConflict.objects.exists()


def test_a_second_source_disagreeing_keeps_the_first_value_as_a_conflict(tmp_path):
    run(extract(tmp_path, "osm", FULL), "--source", "osm")

    out, _err = run(
        extract(tmp_path, "deflock", {**FULL, "operator": "Springfield Sheriff"}),
        "--source",
        "deflock",
    )

    camera = Camera.objects.get(osm_id=7)
    assert camera.operator_raw == "Springfield Police"
    conflict = ImportConflict.objects.get(field="operator_raw")
    assert (conflict.dataset.name, conflict.local_value, conflict.source_value) == (
        "deflock",
        "Springfield Police",
        "Springfield Sheriff",
    )
    assert "conflicts for moderators" in out


def test_the_configured_precedence_lets_a_source_win(tmp_path, settings):
    settings.IMPORT_SOURCE_PRECEDENCE = ["moderator", "survey", "deflock", "*"]
    run(extract(tmp_path, "osm", FULL), "--source", "osm")

    run(
        extract(tmp_path, "deflock", {**FULL, "operator": "Springfield Sheriff"}),
        "--source",
        "deflock",
    )

    assert Camera.objects.get(osm_id=7).operator_raw == "Springfield Sheriff"
    assert not ImportConflict.objects.exists()


def test_a_source_may_blank_its_own_values(tmp_path):
    run(extract(tmp_path, "osm", FULL), "--source", "osm")
    without_zone = {k: v for k, v in FULL.items() if k != "surveillance:zone"}

    run(extract(tmp_path, "osm-again", without_zone), "--source", "osm")

    assert Camera.objects.get(osm_id=7).zone == ""


def test_each_field_knows_who_set_it(tmp_path):
    run(extract(tmp_path, "osm", FULL), "--source", "osm")
    run(
        extract(tmp_path, "deflock", {"man_made": "surveillance", "ref": "7"}),
        "--source",
        "deflock",
    )
    camera = Camera.objects.get(osm_id=7)

    sources = Revision.objects.field_sources([camera.pk])[camera.pk]

    assert sources["kind"]["source"] == "osm"
    assert sources["tags"]["source"] == "deflock"


def test_a_second_source_fills_a_field_the_first_left_empty(tmp_path):
    without_operator = {k: v for k, v in FULL.items() if k != "operator"}
    run(extract(tmp_path, "osm", without_operator), "--source", "osm")

    run(extract(tmp_path, "deflock", FULL), "--source", "deflock")

    assert Camera.objects.get(osm_id=7).operator_raw == "Springfield Police"
    assert not ImportConflict.objects.exists()


def test_a_moderator_edit_beats_an_import_unless_the_precedence_says_otherwise(
    tmp_path, settings, moderator
):
    from registry.services import camera_update

    run(extract(tmp_path, "osm", FULL), "--source", "osm")
    camera = Camera.objects.get(osm_id=7)
    camera_update(camera=camera, actor=moderator, expected_version=1, zone="town")
    run(extract(tmp_path, "osm-again", {**FULL, "camera:mount": "wall"}), "--source", "osm")
    assert Camera.objects.get(osm_id=7).zone == "town"  # the moderator's, as a conflict
    assert ImportConflict.objects.filter(field="zone").exists()

    settings.IMPORT_SOURCE_PRECEDENCE = ["osm", "moderator", "survey", "*"]
    run(extract(tmp_path, "osm-third", {**FULL, "camera:mount": "ceiling"}), "--source", "osm")

    assert Camera.objects.get(osm_id=7).zone == "traffic"
