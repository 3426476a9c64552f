"""DeFlock's published ALPR lists, both shapes, read from real records
(tests/registry/data/README.md says where they come from)."""

import gzip
import json
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from registry.models import Camera, Dataset
from registry.services import load_reference_data

from .importing import camera_tags, node_xml, osm_xml, run, summary

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"
REGIONS = json.loads((DATA / "deflock-regions-sample.json").read_text())
NATIONAL = json.loads((DATA / "deflock-maps-sample.json").read_text())


@pytest.fixture(autouse=True)
def reference_data():
    load_reference_data()


def write(path: Path, records: list) -> Path:
    path.write_text(json.dumps(records))
    return path


def by_node(osm_id: int) -> Camera:
    return Camera.objects.get(osm_type="node", osm_id=osm_id)


def test_a_region_file_imports_each_record_as_its_osm_node_tagged_as_an_alpr(tmp_path):
    path = write(tmp_path / "download", REGIONS)  # no name to go by: content decides

    out, _err = run(path, "--source", "deflock")

    assert summary(out).startswith("deflock: 25 features: 25 created, 0 updated, 0 unchanged, 0 r")
    camera = by_node(13014215672)
    assert (camera.kind, camera.vendor.slug, camera.vendor_raw, camera.directions) == (
        "ALPR",
        "flock-safety",
        "Flock Safety",
        [230.0],
    )
    assert camera.tags == {
        "man_made": "surveillance",
        "surveillance:type": "ALPR",
        "manufacturer": "Flock Safety",
        "direction": "230",
    }
    assert by_node(13381217001).directions == [189.0, 45.0]
    assert by_node(13339231601).directions == [172.5]  # the middle of 150-195
    assert by_node(588181445).tags == {"man_made": "surveillance", "surveillance:type": "ALPR"}
    assert by_node(12566221515).operator_raw == "Radford Police Department"
    assert Camera.objects.filter(kind="ALPR", osm_type="node").count() == 25
    dataset = Dataset.objects.get(name="deflock")
    assert (dataset.licence, "OpenStreetMap contributors" in dataset.attribution) == (
        "ODbL-1.0",
        True,
    )


def test_the_national_file_maps_deflocks_fields_to_osm_keys(tmp_path):
    path = write(tmp_path / "alprs.json", NATIONAL)

    out, _err = run(path, "--source", "deflock-maps")

    assert summary(out).startswith("deflock-maps: 25 features: 25 created, 0 updated")
    camera = by_node(12386582474)
    assert camera.tags == {
        "man_made": "surveillance",
        "surveillance:type": "ALPR",
        "manufacturer": "Genetec",
        "operator": "West University Place Police Dept",
        "direction": "270",
        "surveillance:zone": "traffic",
        "camera:mount": "pole",
    }
    assert (camera.vendor_raw, camera.zone, camera.mount, camera.directions) == (
        "Genetec",
        "traffic",
        "pole",
        [270.0],
    )
    # The raw direction tag, where DeFlock has no number for it.
    assert by_node(13356163301).tags["direction"] == "56-101"
    assert by_node(13356163301).directions == [78.5]
    # `other` stands for a value DeFlock does not list: no tag says it.
    other = by_node(8307654686).tags
    assert "surveillance:zone" not in other and "camera:mount" not in other


def test_the_national_file_spells_deflocks_words_as_osm_does(tmp_path):
    records = [
        {"osmId": 1, "osmType": "node", "lat": 30.0, "lon": -85.0, "mountType": "street_light",
         "ref": "ALPR-7", "startDate": "2024-03", "model": "Falcon", "direction": 90},
    ]  # fmt: skip
    path = write(tmp_path / "alprs.json", records)

    run(path, "--source", "deflock")

    camera = by_node(1)
    assert (camera.mount, camera.directions, camera.product) == ("street_lamp", [90.0], "Falcon")
    assert (camera.tags["ref"], camera.tags["start_date"]) == ("ALPR-7", "2024-03")


def test_the_same_camera_from_osm_and_from_deflock_is_one_camera(tmp_path):
    extract = tmp_path / "extract.osm"
    tags = camera_tags("ALPR", manufacturer="Flock Safety", direction="230")
    extract.write_text(osm_xml(node_xml(13014215672, -90.1757807, 32.3299266, tags, version=2)))
    run(extract, "--source", "osm")

    out, _err = run(write(tmp_path / "regions.json", REGIONS), "--source", "deflock")

    assert summary(out).startswith("deflock: 25 features: 24 created, 0 updated, 1 unchanged")
    assert Camera.objects.filter(osm_type="node", osm_id=13014215672).count() == 1
    assert Camera.objects.count() == 25


def test_a_way_in_the_national_file_is_that_way_with_a_note(tmp_path):
    records = [{"osmId": 77, "osmType": "way", "lat": 30.0, "lon": -85.0, "brand": "Flock"}]
    path = write(tmp_path / "alprs.json", records)

    _out, err = run(path, "--source", "deflock")

    camera = Camera.objects.get(osm_type="way", osm_id=77)
    assert camera.location.coords == pytest.approx((-85.0, 30.0))
    assert "warning feature 0 (way/77): a way: imported where DeFlock places it" in err


@pytest.mark.parametrize(
    ("records", "index", "broken", "message"),
    [
        (REGIONS, 3, "not a record", "rejected feature 3: record: not an object"),
        (REGIONS, 4, {"id": "abc", "lat": 1.0, "lon": 1.0, "tags": {}},
         "rejected feature 4 (id 'abc'): id: not an OSM node id"),
        (REGIONS, 5, {"id": 99, "lat": 95.0, "lon": 1.0, "tags": {}},
         "rejected feature 5 (node/99): position: latitude 95.0 is outside -90..90"),
        (REGIONS, 6, {"id": 98, "lat": 1.0, "lon": 1.0, "tags": ["direction"]},
         "rejected feature 6 (node/98): tags: not an object of tags"),
        (NATIONAL, 7, {"osmId": 97, "osmType": "area", "lat": 1.0, "lon": 1.0},
         "rejected feature 7 (area/97): osmId: osmType 'area' with osmId 97 is not an OSM object"),
        (NATIONAL, 8, {"osmId": 96, "osmType": "node", "lon": 1.0},
         "rejected feature 8 (node/96): position: latitude None is not a number"),
        (NATIONAL, 9, {"osmId": 95, "osmType": "node", "lat": 1.0, "lon": 1.0, "direction": [9]},
         "rejected feature 9 (node/95): direction: [9] is not a direction"),
        (NATIONAL, 10, {"osmId": 94, "osmType": "node", "lat": 1.0, "lon": 1.0, "brand": {}},
         "rejected feature 10 (node/94): brand: {} is not text"),
    ],
)  # fmt: skip
def test_a_malformed_record_is_refused_naming_its_index_and_id_and_the_others_land(
    tmp_path, records, index, broken, message
):
    records = [*records[:index], broken, *records[index + 1 :]]
    path = write(tmp_path / "deflock.json", records)

    out, err = run(path, "--source", "deflock")

    assert summary(out).startswith("deflock: 25 features: 24 created, 0 updated, 0 unchanged, 1")
    assert message in err
    assert Camera.objects.count() == 24


def test_a_compressed_deflock_file_is_recognised_and_a_reimport_changes_nothing(tmp_path):
    path = tmp_path / "regions.dat"
    path.write_bytes(gzip.compress(json.dumps(REGIONS).encode()))
    run(path, "--source", "deflock")

    out, _err = run(path, "--source", "deflock")

    assert summary(out).startswith("deflock: 25 features: 0 created, 0 updated, 25 unchanged")


def test_a_list_that_is_none_of_deflocks_is_refused_and_nothing_imported(tmp_path):
    path = write(tmp_path / "list.json", [{"name": "a"}, {"name": "b"}])

    with pytest.raises(CommandError, match="not a GeoJSON FeatureCollection"):
        run(path, "--source", "list")

    assert not Camera.objects.exists()
