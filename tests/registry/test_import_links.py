"""Exact duplicates link themselves: a record at the very position of a camera
without an OSM id that another source brought, of the same kind and with no
describing tag saying otherwise, is that camera. It gains the record's OSM
identity and is counted as linked; only genuine near-duplicates are left to
moderators. And a second source leaves the first one's bookkeeping alone."""

from __future__ import annotations

import pytest

from registry.models import Camera, MergeCandidate, Revision

from .importing import camera_tags, node_xml, osm_xml, run, summary

pytestmark = pytest.mark.django_db

CSV_HEADER = "id,latitude,longitude,kind,manufacturer\n"


def city_file(tmp_path, *rows: str):
    path = tmp_path / "city.csv"
    path.write_text(CSV_HEADER + "".join(rows))
    return path


def extract(tmp_path, name: str, *nodes: str):
    path = tmp_path / f"{name}.osm"
    path.write_text(osm_xml(*nodes))
    return path


def test_an_osm_node_at_a_city_camera_is_that_camera(tmp_path):
    run(city_file(tmp_path, "A1,41.88,-87.63,ALPR,Flock Safety\n"), "--source", "city")
    node = node_xml(9, -87.63, 41.88, camera_tags("ALPR", manufacturer="Flock Safety"), version=3)

    out, _err = run(extract(tmp_path, "osm", node), "--source", "osm")

    camera = Camera.objects.get()
    assert (camera.osm_type, camera.osm_id, camera.osm_version) == ("node", 9, 3)
    assert (camera.dataset.name, camera.source_ref) == ("city", "A1")
    assert "0 created" in summary(out) and "1 linked" in summary(out)
    assert not MergeCandidate.objects.exists()


def test_a_linked_camera_stays_one_camera_when_either_source_comes_again(tmp_path):
    city = city_file(tmp_path, "A1,41.88,-87.63,ALPR,Flock Safety\n")
    osm = extract(tmp_path, "osm", node_xml(9, -87.63, 41.88, camera_tags("ALPR")))
    run(city, "--source", "city")
    run(osm, "--source", "osm")

    run(city, "--source", "city")
    out, _err = run(osm, "--source", "osm")

    assert Camera.objects.count() == 1
    assert Camera.objects.get().osm_id == 9
    assert "0 created" in summary(out)


def test_a_contradicting_tag_makes_another_device_a_possible_duplicate(tmp_path):
    run(city_file(tmp_path, "A1,41.88,-87.63,ALPR,Flock Safety\n"), "--source", "city")
    node = node_xml(9, -87.63, 41.88, camera_tags("ALPR", manufacturer="Motorola"))

    out, _err = run(extract(tmp_path, "osm", node), "--source", "osm")

    assert Camera.objects.count() == 2
    assert "linked" not in summary(out)
    assert MergeCandidate.objects.get().distance == pytest.approx(0, abs=0.01)


def test_a_camera_a_metre_away_is_a_possible_duplicate_not_a_link(tmp_path):
    run(city_file(tmp_path, "A1,41.88,-87.63,ALPR,\n"), "--source", "city")
    node = node_xml(9, -87.63, 41.88001, camera_tags("ALPR"))  # 1.1 m north

    run(extract(tmp_path, "osm", node), "--source", "osm")

    assert Camera.objects.count() == 2
    assert MergeCandidate.objects.get().distance == pytest.approx(1.11, abs=0.02)


def test_linking_can_be_turned_off(tmp_path, settings):
    settings.IMPORT_LINK_METRES = 0
    run(city_file(tmp_path, "A1,41.88,-87.63,ALPR,\n"), "--source", "city")

    run(
        extract(tmp_path, "osm", node_xml(9, -87.63, 41.88, camera_tags("ALPR"))),
        "--source",
        "osm",
    )

    assert Camera.objects.count() == 2


def test_a_second_source_without_versions_keeps_the_osm_version(tmp_path):
    tags = camera_tags("ALPR", operator="Springfield Police")
    run(extract(tmp_path, "osm", node_xml(9, -87.63, 41.88, tags, version=5)), "--source", "osm")
    other = extract(
        tmp_path, "other", node_xml(9, -87.63, 41.88, {**tags, "ref": "X"}, version=None)
    )

    run(other, "--source", "deflock")

    camera = Camera.objects.get()
    assert camera.osm_version == 5
    assert camera.tags["ref"] == "X"


def test_two_sources_disagreeing_on_a_tag_do_not_flip_it_back_and_forth(tmp_path):
    osm = extract(
        tmp_path, "osm", node_xml(9, -87.63, 41.88, camera_tags("ALPR", operator="Police"))
    )
    other = extract(
        tmp_path, "other", node_xml(9, -87.63, 41.88, camera_tags("ALPR", operator="Sheriff"))
    )
    run(osm, "--source", "osm")
    run(other, "--source", "deflock")
    camera = Camera.objects.get()
    assert (camera.operator_raw, camera.tags["operator"]) == ("Police", "Police")
    versions = Revision.objects.filter(camera=camera).count()

    run(osm, "--source", "osm")
    run(other, "--source", "deflock")

    assert Revision.objects.filter(camera=camera).count() == versions


def test_a_possible_duplicate_is_found_far_from_the_equator_too(tmp_path):
    # At 70° north, 4 m east is 0.000105° of longitude: several grid cells.
    run(city_file(tmp_path, "A1,70.0,25.0,ALPR,\n"), "--source", "city")

    run(extract(tmp_path, "b", node_xml(2, 25.000105, 70.0, camera_tags("ALPR"))), "--source", "b")

    assert MergeCandidate.objects.get().distance == pytest.approx(4.0, abs=0.1)
