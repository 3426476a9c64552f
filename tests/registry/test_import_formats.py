"""Every format import_cameras reads, recognised by content; and what each
does with bad input."""

import bz2
import gzip

import pytest
from django.core.management.base import CommandError

from registry.models import Camera, Changeset, Dataset, Status
from registry.services import load_reference_data

from .importing import (
    camera_tags,
    node_xml,
    osm_xml,
    osmchange_xml,
    run,
    summary,
    way_xml,
    write_json,
    write_pbf,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reference_data():
    load_reference_data()


EXTRACT = osm_xml(
    node_xml(1, -87.6, 41.8, camera_tags("ALPR", manufacturer="Flock Safety"), version=3),
    node_xml(2, -87.61, 41.81, {"surveillance:type": "camera", "camera:direction": "90"}),
    node_xml(3, -87.62, 41.82, {"surveillance": "public"}),
    node_xml(4, -87.63, 41.83, {"man_made": "tower"}),  # not surveillance
    node_xml(5, -87.64, 41.84, {}),
    node_xml(6, -87.641, 41.84, {}),
    node_xml(7, -87.641, 41.841, {}),
    node_xml(8, -87.64, 41.841, {}),
    way_xml(50, [5, 6, 7, 8, 5], {"man_made": "surveillance", "surveillance:type": "camera"}),
    node_xml(-9, -87.65, 41.85, camera_tags()),  # new in JOSM: no OSM identity
)


def by_osm(osm_type, osm_id):
    return Camera.objects.get(osm_type=osm_type, osm_id=osm_id)


@pytest.mark.parametrize("compression", ["", "gz", "bz2"])
def test_osm_xml_imports_surveillance_nodes_ways_at_their_centroid_and_new_nodes(
    tmp_path, compression
):
    data = EXTRACT.encode()
    data = {"": data, "gz": gzip.compress(data), "bz2": bz2.compress(data)}[compression]
    path = tmp_path / "extract.dat"  # the name says nothing: content decides
    path.write_bytes(data)

    out, err = run(path, "--source", "osm")

    assert summary(out).startswith("osm: 5 features: 5 created")
    assert set(Camera.objects.values_list("osm_type", "osm_id")) == {
        ("node", 1),
        ("node", 2),
        ("node", 3),
        ("way", 50),
        ("", None),
    }
    alpr = by_osm("node", 1)
    assert (alpr.kind, alpr.vendor.slug, alpr.osm_version) == ("ALPR", "flock-safety", 3)
    assert by_osm("node", 2).directions == [90.0]
    way = by_osm("way", 50)
    assert way.location.x == pytest.approx(-87.6405) and way.location.y == pytest.approx(41.8405)
    assert "(way/50): a closed area: imported at its centroid" in err
    assert Camera.objects.get(osm_id=None).source_ref == "node/-9"
    assert Dataset.objects.get(name="osm").licence == "ODbL-1.0"


def test_escaped_characters_in_osm_tags_come_back_exactly(tmp_path):
    value = "https://example.org/player?alias=x&autoplay=0%25\"<,=>' end"
    path = tmp_path / "escapes.osm"
    path.write_text(osm_xml(node_xml(70, 1.0, 2.0, camera_tags(**{"contact:webcam": value}))))

    out, _err = run(path, "--source", "osm")

    assert summary(out).startswith("osm: 1 features: 1 created")
    assert by_osm("node", 70).tags["contact:webcam"] == value


def test_pbf_is_recognised_by_content_whatever_its_name(tmp_path):
    pbf = write_pbf(
        tmp_path / "x.osm.pbf",
        [
            (10, 2.35, 48.85, camera_tags("camera", operator="Préfecture de police")),
            (11, 2.36, 48.86, {"amenity": "bench"}),
        ],
    )
    renamed = pbf.rename(tmp_path / "cameras.json")

    out, _err = run(renamed, "--source", "paris")

    assert summary(out).startswith("paris: 1 features: 1 created")
    assert by_osm("node", 10).operator_raw == "Préfecture de police"


def test_overpass_json_nodes_and_centres_of_ways(tmp_path):
    path = write_json(
        tmp_path / "overpass.json",
        {
            "version": 0.6,
            "generator": "Overpass API",
            "osm3s": {"copyright": "The data included here is from www.openstreetmap.org."},
            "elements": [
                {"type": "node", "id": 21, "lat": 51.5, "lon": -0.12, "version": 4,
                 "tags": camera_tags("camera", **{"camera:mount": "wall"})},
                {"type": "node", "id": 22, "lat": 51.6, "lon": -0.13},  # a way's member
                {"type": "way", "id": 23, "center": {"lat": 51.7, "lon": -0.14},
                 "nodes": [22], "tags": camera_tags("ALPR")},
                {"type": "way", "id": 24, "nodes": [22], "tags": camera_tags()},
            ],
        },
    )  # fmt: skip

    out, err = run(path, "--source", "overpass")

    assert summary(out).startswith(
        "overpass: 3 features: 2 created, 0 updated, 0 unchanged, 1 rejected"
    )
    assert (by_osm("node", 21).mount, by_osm("node", 21).osm_version) == ("wall", 4)
    assert by_osm("way", 23).location.coords == pytest.approx((-0.14, 51.7))
    assert "(way/24): geometry: a way without `center`: query it with `out center`" in err
    assert "from www.openstreetmap.org" in Dataset.objects.get(name="overpass").attribution


def test_osmtogeojson_output_with_ids_versions_and_polygons(tmp_path):
    polygon = [[[4.0, 50.0], [4.002, 50.0], [4.002, 50.002], [4.0, 50.002], [4.0, 50.0]]]
    path = write_json(
        tmp_path / "export.geojson",
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "id": "node/31",
                 "properties": {"@id": "node/31", "@version": "7",
                                **camera_tags("gunshot_detector")},
                 "geometry": {"type": "Point", "coordinates": [4.35, 50.85]}},
                {"type": "Feature", "id": "way/32",
                 "properties": {"@id": "way/32", **camera_tags()},
                 "geometry": {"type": "Polygon", "coordinates": polygon}},
            ],
        },
    )  # fmt: skip

    out, err = run(path, "--source", "brussels")

    assert summary(out).startswith("brussels: 2 features: 2 created")
    detector = by_osm("node", 31)
    assert (detector.kind, detector.osm_version) == ("gunshot_detector", 7)
    assert "@id" not in detector.tags
    assert by_osm("way", 32).location.coords == pytest.approx((4.001, 50.001))
    assert "(way/32): a closed area: imported at its centroid" in err


def test_a_valid_direction_is_read_when_camera_direction_is_unreadable_with_a_warning(tmp_path):
    path = tmp_path / "extract.osm"
    tags = camera_tags("ALPR", **{"camera:direction": "both", "direction": "355"})
    path.write_text(osm_xml(node_xml(41, -87.6, 41.8, tags)))

    _out, err = run(path, "--source", "osm")

    camera = by_osm("node", 41)
    assert (camera.directions, camera.tags) == ([355.0], tags)
    assert "warning feature 0 (node/41): camera:direction='both': " in err


def test_a_change_file_creates_modifies_and_removes_the_sources_cameras(tmp_path):
    run(write_text(tmp_path / "a.osm", EXTRACT), "--source", "osm")
    change = osmchange_xml(
        create=[node_xml(60, -87.7, 41.9, camera_tags("ALPR"))],
        modify=[
            node_xml(1, -87.6, 41.8, camera_tags("ALPR", manufacturer="Flock Safety",
                                                  **{"camera:direction": "180"}), version=4),
            node_xml(2, -87.61, 41.81, {"highway": "street_lamp"}, version=2),
            node_xml(999, 1.0, 1.0, {"highway": "street_lamp"}, version=2),
        ],
        delete=[node_xml(3, -87.62, 41.82, {}, version=2), node_xml(777, 0, 0, {}, version=2)],
    )  # fmt: skip

    out, err = run(write_text(tmp_path / "diff.osc.gz", change, compress=True), "--source", "osm")

    assert summary(out).startswith("osm: 2 features: 1 created, 1 updated")
    assert ", 2 removed" in summary(out)
    assert by_osm("node", 60).kind == "ALPR"
    assert (by_osm("node", 1).directions, by_osm("node", 1).osm_version) == ([180.0], 4)
    untagged, deleted = by_osm("node", 2), by_osm("node", 3)
    assert (untagged.status, untagged.status_note) == (
        Status.REMOVED,
        "no longer tagged as surveillance in osm",
    )
    assert (deleted.status, deleted.status_note) == (Status.REMOVED, "deleted in osm")
    assert deleted.removed_on is not None
    assert "node/777: deleted in the change file, but Sightline has no camera" in err
    assert "999" not in err  # unrelated nodes of a replication diff are not listed


def test_in_a_change_file_the_last_version_of_an_object_counts(tmp_path):
    run(write_text(tmp_path / "a.osm", EXTRACT), "--source", "osm")
    change = osmchange_xml(
        modify=[node_xml(1, -87.6, 41.8, camera_tags("ALPR", height="3"), version=4)],
        delete=[node_xml(1, -87.6, 41.8, {}, version=5)],
        create=[node_xml(1, -87.6, 41.8, camera_tags("ALPR", height="6"), version=6)],
    )

    run(write_text(tmp_path / "diff.osc", change), "--source", "osm")

    camera = by_osm("node", 1)
    assert (camera.status, camera.height, camera.osm_version) == (Status.REPORTED, 6.0, 6)


def test_full_sync_is_refused_for_a_change_file(tmp_path):
    run(write_text(tmp_path / "a.osm", EXTRACT), "--source", "osm")
    change = osmchange_xml(modify=[node_xml(1, -87.6, 41.8, camera_tags("ALPR"), version=4)])

    with pytest.raises(CommandError, match="it holds changes, not the whole source"):
        run(write_text(tmp_path / "d.osc", change), "--source", "osm", "--full")

    assert not Camera.objects.filter(status=Status.REMOVED).exists()


def test_a_change_file_does_not_remove_another_datasets_camera(tmp_path):
    run(write_text(tmp_path / "a.osm", EXTRACT), "--source", "osm")
    change = osmchange_xml(delete=[node_xml(1, -87.6, 41.8, {}, version=4)])

    _out, err = run(write_text(tmp_path / "d.osc", change), "--source", "other")

    assert by_osm("node", 1).status == Status.REPORTED
    assert "belongs to another dataset; left as it is" in err


# ------------------------------------------------------------------ CSV


def write_text(path, text, *, encoding="utf-8", compress=False):
    data = text.encode(encoding)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def test_csv_with_common_column_names_needs_no_mapping(tmp_path):
    path = write_text(
        tmp_path / "list.csv",
        "ID,Latitude,Longitude,Type,Direction,Operator,Location Name\n"
        "CAM-1,41.88,-87.63,ALPR,N,City of Chicago,5th & Main\n"
        "CAM-2,41.89,-87.64,camera,90;270,City of Chicago,Oak St\n",
    )

    out, _err = run(path, "--source", "chicago", "--map", "kind=Type,direction=Direction")

    assert summary(out).startswith("chicago: 2 features: 2 created")
    first = Camera.objects.get(source_ref="CAM-1")
    assert (first.kind, first.directions, first.operator_raw) == ("ALPR", [0.0], "City of Chicago")
    assert first.location.coords == pytest.approx((-87.63, 41.88))
    assert first.tags["Location Name"] == "5th & Main"  # kept raw: nothing lost
    assert Camera.objects.get(source_ref="CAM-2").directions == [90.0, 270.0]


def test_csv_semicolons_decimal_commas_and_a_detected_encoding(tmp_path):
    path = write_text(
        tmp_path / "liste.csv",
        "nr;breite;länge;betreiber\n1;48,137;11,575;Polizeipräsidium München\n",
        encoding="cp1252",
    )

    out, err = run(
        path, "--source", "muenchen", "--map", "ref=nr,lat=breite,lon=länge,operator=betreiber"
    )

    assert summary(out).startswith("muenchen: 1 features: 1 created")
    camera = Camera.objects.get()
    assert camera.operator_raw == "Polizeipräsidium München"
    assert camera.location.coords == pytest.approx((11.575, 48.137))
    assert "not UTF-8; read as" in err


def test_csv_mapping_file_with_constant_tags_and_projected_coordinates(tmp_path):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[columns]\nx = "EASTING"\ny = "NORTHING"\nref = "ASSET"\n\n'
        '[tags]\n"surveillance:type" = "camera"\noperator = "Transport for London"\n\n'
        "[file]\nsrid = 27700\n"
    )
    path = write_text(tmp_path / "tfl.csv", "ASSET,EASTING,NORTHING\nT1,530000,180000\n")

    out, _err = run(path, "--source", "tfl", "--map", str(mapping))

    assert summary(out).startswith("tfl: 1 features: 1 created")
    camera = Camera.objects.get()
    assert camera.operator_raw == "Transport for London"
    assert camera.location.x == pytest.approx(-0.1290, abs=1e-3)
    assert camera.location.y == pytest.approx(51.5040, abs=1e-3)


@pytest.mark.parametrize("location", ['"POINT (-73.98 40.75)"', '"(40.75, -73.98)"'])
def test_csv_location_column_as_wkt_or_pair(tmp_path, location):
    path = write_text(tmp_path / "nyc.csv", f"camera_id,location\nA,{location}\n")

    out, _err = run(path, "--source", "nyc")

    assert summary(out).startswith("nyc: 1 features: 1 created")
    assert Camera.objects.get().location.coords == pytest.approx((-73.98, 40.75))


def test_csv_without_coordinate_columns_names_the_columns_it_has(tmp_path):
    path = write_text(tmp_path / "bad.csv", "id,street,owner\n1,Main St,City\n")

    with pytest.raises(CommandError) as raised:
        run(path, "--source", "bad")

    assert "no coordinate columns found (columns: id, street, owner)" in str(raised.value)
    assert "Nothing was imported" in str(raised.value)
    assert not Dataset.objects.exists()


def test_a_mapping_naming_a_missing_column_is_refused(tmp_path):
    path = write_text(tmp_path / "list.csv", "lat,lon\n1,2\n")

    with pytest.raises(CommandError) as raised:
        run(path, "--source", "x", "--map", "lat=lat,lon=lon,ref=CAMERA_ID")

    assert "names column 'CAMERA_ID' for ref, but the file has no such column" in str(raised.value)
    assert not Camera.objects.exists()


def test_swapped_and_out_of_range_coordinates_reject_their_rows_only(tmp_path):
    path = write_text(
        tmp_path / "list.csv",
        "id,lat,lon\nok,41.88,-87.63\nswapped,139.76,35.68\nfar,12,200\nnan,abc,1\n",
    )

    out, err = run(path, "--source", "list")

    assert summary(out).startswith(
        "list: 4 features: 1 created, 0 updated, 0 unchanged, 3 rejected"
    )
    assert (
        "(line 3, swapped): coordinates: latitude 139.76 is outside -90..90 "
        "(are longitude and latitude swapped?)" in err
    )
    assert "(line 4, far): coordinates: longitude 200.0 is outside -180..180" in err
    assert "(line 5, nan): coordinates: lat 'abc' is not a number" in err
    assert Camera.objects.get().source_ref == "ok"


def test_a_broken_unicode_escape_rejects_its_feature_only(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]},'
        ' "properties": {"operator": "bad \\ud800 text"}},'
        '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [3, 4]},'
        ' "properties": {"operator": "good"}}]}'
    )

    out, err = run(path, "--source", "x")

    assert summary(out).startswith("x: 2 features: 1 created, 0 updated, 0 unchanged, 1 rejected")
    assert "feature 0: tags: contains text that is not valid Unicode" in err
    assert Camera.objects.get().operator_raw == "good"


def test_a_line_the_csv_module_cannot_parse_writes_nothing(tmp_path):
    huge = "x" * 200_000  # over the csv module's field size limit
    path = write_text(tmp_path / "list.csv", f"lat,lon,note\n1,2,ok\n3,4,{huge}\n")

    with pytest.raises(CommandError) as raised:
        run(path, "--source", "x")

    assert "line 3: not readable as CSV (field larger than field limit" in str(raised.value)
    assert "Nothing was imported" in str(raised.value)
    assert (Camera.objects.count(), Dataset.objects.count()) == (0, 0)


def test_a_wrong_declared_encoding_is_a_clear_error(tmp_path):
    path = write_text(tmp_path / "list.csv", "lat,lon,name\n1,2,Café\n", encoding="cp1252")

    with pytest.raises(CommandError) as raised:
        run(path, "--source", "x", "--encoding", "utf-8")

    assert "line 2 is not valid utf-8" in str(raised.value)
    assert not Camera.objects.exists()


def test_a_csv_record_keeps_its_identity_when_it_moves(tmp_path):
    run(write_text(tmp_path / "a.csv", "id,lat,lon\nK1,10.0,20.0\n"), "--source", "list")
    camera = Camera.objects.get()

    out, _err = run(
        write_text(tmp_path / "b.csv", "id,lat,lon\nK1,10.001,20.0\n"), "--source", "list"
    )

    assert summary(out).startswith("list: 1 features: 0 created, 1 updated")
    camera.refresh_from_db()
    assert (camera.location.y, camera.version) == (pytest.approx(10.001), 2)


def test_a_repeated_record_id_refuses_each_of_its_rows_on_first_import(tmp_path):
    path = write_text(
        tmp_path / "list.csv",
        "id,lat,lon\nK1,41.88,-87.63\nK2,41.89,-87.64\nK1,41.9,-87.65\nK1,41.91,-87.66\n",
    )

    out, err = run(path, "--source", "list")

    assert summary(out).startswith(
        "list: 4 features: 1 created, 0 updated, 0 unchanged, 3 rejected"
    )
    message = (
        "id: the id 'K1' (column 'id') is on lines 2, 4 and 5: an id names one record, "
        "so none of these rows is imported"
    )
    for line in (2, 4, 5):
        assert f"(line {line}, K1): {message}" in err
    assert list(Camera.objects.values_list("source_ref", flat=True)) == ["K2"]


def test_a_repeated_record_id_on_re_import_leaves_its_camera_as_it_was(tmp_path):
    run(
        write_text(tmp_path / "a.csv", "id,lat,lon\nK1,10.0,20.0\nK2,11.0,21.0\n"),
        "--source",
        "list",
    )
    camera = Camera.objects.get(source_ref="K1")
    again = write_text(
        tmp_path / "b.csv", "id,lat,lon\nK1,10.5,20.0\nK2,11.0,21.0\nK1,10.7,20.0\n"
    )

    out, err = run(again, "--source", "list")

    assert summary(out).startswith(
        "list: 3 features: 0 created, 0 updated, 1 unchanged, 2 rejected"
    )
    assert "the id 'K1' (column 'id') is on lines 2 and 4" in err
    camera.refresh_from_db()
    assert (camera.location.y, camera.version) == (pytest.approx(10.0), 1)


def test_cells_quoted_for_spreadsheets_read_back_as_they_were_and_a_bom_is_accepted(tmp_path):
    path = write_text(
        tmp_path / "list.csv",
        "\ufeffid,lat,lon,operator,product,note\n'=1,41.88,-87.63,'=1+2,'quoted,'@cmd\n",
    )

    out, _err = run(path, "--source", "list", "--encoding", "utf-8")

    assert summary(out).startswith("list: 1 features: 1 created")
    camera = Camera.objects.get()
    assert (camera.source_ref, camera.operator_raw, camera.product) == ("=1", "=1+2", "'quoted")
    assert camera.tags["note"] == "@cmd"


# ------------------------------------------------------------ bad files


def test_a_truncated_pbf_keeps_what_was_read_and_says_where_it_broke(tmp_path):
    nodes = [(i, i / 1000, 1.0, camera_tags()) for i in range(1, 30001)]
    whole = write_pbf(tmp_path / "whole.osm.pbf", nodes).read_bytes()
    truncated = tmp_path / "cut.osm.pbf"
    truncated.write_bytes(whole[: len(whole) * 2 // 3])

    with pytest.raises(CommandError) as raised:
        run(truncated, "--source", "osm", "--full")

    message = str(raised.value)
    imported = Camera.objects.count()
    assert 0 < imported < 30000
    assert f"the file is truncated or corrupt after {imported} objects" in message
    assert "--full removal was not applied" in message


def test_full_sync_removes_nothing_when_the_file_is_broken(tmp_path):
    run(write_text(tmp_path / "a.osm", EXTRACT), "--source", "osm")
    broken = write_text(tmp_path / "b.osm", EXTRACT[: len(EXTRACT) // 3])

    with pytest.raises(CommandError, match="truncated or corrupt"):
        run(broken, "--source", "osm", "--full")

    assert not Camera.objects.filter(status=Status.REMOVED).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (gzip.compress(b'{"type": "FeatureCollection", "features": [')[:-8], "cannot be read"),
        (b'{"elements": [{"type": "node", "id": 1', "invalid JSON at line 1 column 39"),
        (b"", "the file is empty"),
    ],
)
def test_files_that_cannot_be_parsed_write_nothing(tmp_path, content, message):
    path = tmp_path / "bad"
    path.write_bytes(content)

    with pytest.raises(CommandError) as raised:
        run(path, "--source", "x")

    assert message in str(raised.value)
    assert (Camera.objects.count(), Dataset.objects.count(), Changeset.objects.count()) == (
        0,
        0,
        0,
    )


def test_csv_options_on_the_command_line(tmp_path):
    path = write_text(
        tmp_path / "alpr.txt",
        "nr|ost|nord|hersteller\n7|531000|181000|Vidsys\n",
        encoding="latin-1",
    )

    out, _err = run(
        path,
        "--source", "alpr",
        "--map", "ref=nr,x=ost,y=nord,vendor=hersteller",
        "--delimiter", "|",
        "--encoding", "latin-1",
        "--srid", "27700",
        "--tag", "surveillance:type=ALPR",
        "--tag", "operator=Metropolitan Police",
    )  # fmt: skip

    assert summary(out).startswith("alpr: 1 features: 1 created")
    camera = Camera.objects.get()
    assert (camera.kind, camera.operator_raw, camera.vendor_raw, camera.source_ref) == (
        "ALPR",
        "Metropolitan Police",
        "Vidsys",
        "7",
    )
    assert camera.location.x == pytest.approx(-0.1136, abs=1e-3)


def test_tag_option_gives_every_geojson_feature_the_tags_it_lacks(tmp_path):
    path = write_json(
        tmp_path / "alprs.geojson",
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "id": "a", "properties": {"note": "gate"},
                 "geometry": {"type": "Point", "coordinates": [-87.6, 41.8]}},
                {"type": "Feature", "id": "b", "properties": {"operator": "Oak Park PD"},
                 "geometry": {"type": "Point", "coordinates": [-87.7, 41.9]}},
            ],
        },
    )  # fmt: skip

    out, _err = run(
        path, "--source", "alprs",
        "--tag", "surveillance:type=ALPR", "--tag", "operator=Chicago Police Department",
    )  # fmt: skip

    assert summary(out).startswith("alprs: 2 features: 2 created")
    first, second = Camera.objects.get(source_ref="a"), Camera.objects.get(source_ref="b")
    assert (first.kind, first.operator_raw) == ("ALPR", "Chicago Police Department")
    assert first.tags == {
        "surveillance:type": "ALPR",
        "operator": "Chicago Police Department",
        "note": "gate",
    }
    # A record's own value wins over the shared one.
    assert (second.kind, second.operator_raw) == ("ALPR", "Oak Park PD")


def test_tag_option_applies_to_osm_files_and_a_new_value_updates_unchanged_nodes(tmp_path):
    path = tmp_path / "extract.osm"
    path.write_text(osm_xml(node_xml(51, -87.6, 41.8, {"man_made": "surveillance"})))

    run(path, "--source", "osm", "--tag", "operator=Chicago Police Department")
    again, _err = run(path, "--source", "osm", "--tag", "operator=Chicago Police Department")
    changed, _err = run(path, "--source", "osm", "--tag", "operator=Cook County Sheriff")

    assert "0 created, 0 updated, 1 unchanged" in summary(again)
    assert "0 created, 1 updated, 0 unchanged" in summary(changed)
    assert by_osm("node", 51).tags == {
        "man_made": "surveillance",
        "operator": "Cook County Sheriff",
    }


def test_a_tag_option_that_is_not_key_equals_value_is_refused(tmp_path):
    path = tmp_path / "extract.osm"
    path.write_text(osm_xml(node_xml(52, -87.6, 41.8, camera_tags())))

    with pytest.raises(CommandError, match="--tag 'operator': expected KEY=VALUE"):
        run(path, "--source", "osm", "--tag", "operator")

    assert not Camera.objects.exists()


def test_a_json_mapping_file_works_like_a_toml_one(tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        '{"columns": {"lat": "Y", "lon": "X"}, "tags": {"surveillance:type": "camera"}}'
    )
    path = write_text(tmp_path / "list.csv", "X;Y\n2,35;48,85\n")

    out, _err = run(path, "--source", "paris", "--map", str(mapping))

    assert summary(out).startswith("paris: 1 features: 1 created")
    assert Camera.objects.get().location.coords == pytest.approx((2.35, 48.85))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[colums]\nlat = "a"\n', "unknown section 'colums'"),
        ('[file]\nsrid = "north"\n', "srid must be a number"),
        ("[columns\n", "cannot be read"),
        ('[file]\nquote = "x"\n', "[file] has no option 'quote'"),
    ],
)
def test_a_bad_mapping_file_is_refused_with_the_reason(tmp_path, text, message):
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(text)
    path = write_text(tmp_path / "list.csv", "lat,lon\n1,2\n")

    with pytest.raises(CommandError) as raised:
        run(path, "--source", "x", "--map", str(mapping))

    assert message in str(raised.value)
    assert not Dataset.objects.exists()


def test_an_inline_mapping_must_be_target_equals_column(tmp_path):
    path = write_text(tmp_path / "list.csv", "lat,lon\n1,2\n")

    with pytest.raises(CommandError, match="'lat' is not target=column"):
        run(path, "--source", "x", "--map", "lat")


def test_a_conversion_that_fails_is_reported_not_read_half_in_silence(tmp_path, monkeypatch):
    from registry.imports import osm

    def no_space_left(file, target):
        target.write_text("n1 v1 dV Tman_made=surveillance x1.0 y2.0\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(osm, "_filter_to_opl", no_space_left)
    path = write_text(tmp_path / "a.osm", EXTRACT)

    with pytest.raises(CommandError) as raised:
        run(path, "--source", "osm", "--full")

    assert "cannot convert the file ([Errno 28] No space left on device)" in str(raised.value)
    assert "--full removal was not applied" in str(raised.value)
