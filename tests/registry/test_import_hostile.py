"""Hostile or broken records in imported files: every reader's positions are
checked against the globe, every tag's text as any other input, and a
compressed file that would decompress past IMPORT_MAX_DECOMPRESSED_BYTES is
refused before it is read whole. A bad record is refused with a message
naming it and what is wrong; the good records beside it are imported."""

from __future__ import annotations

import gzip
import json

import pytest
from django.core.management.base import CommandError

from registry.models import Camera, Changeset

from .importing import node_xml, osm_xml, osmchange_xml, run, summary

pytestmark = pytest.mark.django_db

ALPR = {"man_made": "surveillance", "surveillance:type": "ALPR"}


def test_osm_xml_nodes_off_the_globe_are_refused_and_the_others_imported(tmp_path):
    path = tmp_path / "extract.osm"
    path.write_text(
        osm_xml(
            node_xml(1, -87.63, 41.88, ALPR),
            node_xml(2, -87.63, 91.0, ALPR),
            node_xml(3, 200.0, 41.88, ALPR),
        )
    )

    out, err = run(path, "--source", "osm")

    assert summary(out).startswith("osm: 3 features: 1 created")
    assert "(node/2): location: latitude 91 is outside -90..90" in err
    assert "(node/3): location: longitude 200 is outside -180..180" in err
    assert list(Camera.objects.values_list("osm_id", flat=True)) == [1]


def test_an_osmchange_node_off_the_globe_is_refused(tmp_path):
    path = tmp_path / "change.osc"
    path.write_text(osmchange_xml(create=[node_xml(7, -87.63, -95.0, ALPR)]))

    _out, err = run(path, "--source", "osm")

    assert "(node/7): location: latitude -95 is outside -90..90" in err
    assert not Camera.objects.exists()


def geojson(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def point(lon: float, lat: float, **tags) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {**ALPR, **tags},
    }


@pytest.mark.parametrize(
    "tags, message",
    [
        ({"operator": "Police\x00"}, "operator: contains a NUL character"),
        ({"operator": "Police\x07"}, "tag operator: contains the control character U+0007"),
        ({"note\x1b": "x"}, "tag note\\x1b: contains the control character U+001B"),
        ({"k" * 300: "x"}, "is 300 characters long; the limit is 255"),
        ({"note": "x" * 10_001}, "tag note: is 10001 characters long; the limit is 10000"),
    ],
)
def test_a_record_whose_tags_hold_refused_text_is_refused_naming_the_key(tmp_path, tags, message):
    path = tmp_path / "cameras.geojson"
    path.write_text(geojson(point(-87.63, 41.88), point(-87.64, 41.89, **tags)))

    out, err = run(path, "--source", "city")

    assert summary(out).startswith("city: 2 features: 1 created")
    assert message in err
    assert Camera.objects.count() == 1


def test_line_breaks_in_a_tag_value_are_text(tmp_path):
    path = tmp_path / "cameras.geojson"
    path.write_text(geojson(point(-87.63, 41.88, note="first line\nsecond line")))

    run(path, "--source", "city")

    assert Camera.objects.get().tags["note"] == "first line\nsecond line"


def test_a_compressed_file_past_the_limit_is_refused_and_writes_nothing(tmp_path, settings):
    settings.IMPORT_MAX_DECOMPRESSED_BYTES = 5_000_000
    path = tmp_path / "bomb.geojson.gz"
    path.write_bytes(gzip.compress(b"{" + b" " * 20_000_000 + b"}"))
    before = (Camera.objects.count(), Changeset.objects.count())

    with pytest.raises(CommandError) as refused:
        run(path, "--source", "bomb")

    assert "decompresses to more than 5 MB, the most Sightline imports" in str(refused.value)
    assert "IMPORT_MAX_DECOMPRESSED_BYTES" in str(refused.value)
    assert (Camera.objects.count(), Changeset.objects.count()) == before
