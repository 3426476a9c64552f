"""import_areas from OpenStreetMap extracts: boundary relations assembled by
libosmium (pyosmium), placed under the areas that hold them."""

import bz2
import gzip
from io import StringIO

import osmium
import pytest
from django.contrib.gis.geos import Polygon
from django.core.management import CommandError, call_command
from osmium.osm import mutable

from registry.imports import osm_areas
from registry.models import Area
from registry.services.areas import area_upsert

pytestmark = pytest.mark.django_db

BOUNDARY = {"type": "boundary", "boundary": "administrative"}


class Extract:
    """An OSM file built object by object: rings become ways of fresh
    nodes, in the order (nodes, ways, relations) OSM files keep."""

    def __init__(self):
        self.nodes: list[mutable.Node] = []
        self.ways: list[mutable.Way] = []
        self.relations: list[mutable.Relation] = []

    def way(self, points, tags=None, way_id=None) -> int:
        first = len(self.nodes) + 1
        for offset, (lon, lat) in enumerate(points):
            self.nodes.append(mutable.Node(id=first + offset, location=(lon, lat), version=1))
        node_ids = list(range(first, first + len(points)))
        if points[0] == points[-1]:
            node_ids[-1] = first  # a ring closes on its first node
            self.nodes.pop()
        way_id = way_id or len(self.ways) + 1
        self.ways.append(mutable.Way(id=way_id, nodes=node_ids, tags=tags or {}, version=1))
        return way_id

    def relation(self, relation_id, admin_level, tags, members) -> None:
        self.relations.append(
            mutable.Relation(
                id=relation_id,
                members=members,
                tags=BOUNDARY | {"admin_level": str(admin_level)} | tags,
                version=1,
            )
        )

    def write(self, path):
        with osmium.SimpleWriter(str(path), overwrite=True) as writer:
            for node in self.nodes:
                writer.add_node(node)
            for way in sorted(self.ways, key=lambda way: way.id):
                writer.add_way(way)
            for relation in self.relations:
                writer.add_relation(relation)
        return path


def ring(x0, y0, x1, y1):
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]


def extract(population="5000") -> Extract:
    """A country (admin level 2), a region (4) drawn as two ways, a city (8)
    with a hole, a closed way tagged as a city, a county (6, not asked for),
    a relation cut at the extract's edge, one whose ways do not close and
    one whose ring crosses itself."""
    osm = Extract()
    osm.way([(2, 2), (3, 2)], {"highway": "residential"})  # not a boundary
    country = osm.way(ring(-1, -1, 6, 6))
    osm.relation(1, 2, {"name": "Testland (OSM)", "ISO3166-1": "TL"}, [("w", country, "outer")])
    south_east = osm.way([(0, 0), (4, 0), (4, 4)])
    north_west = osm.way([(4, 4), (0, 4), (0, 0)])
    osm.relation(
        10,
        4,
        {"name": "North Region", "ISO3166-2": "TL-NR", "population": "1,200,000"},
        [("w", south_east, "outer"), ("w", north_west, "outer"), ("n", 1, "admin_centre")],
    )
    outer, inner = osm.way(ring(1, 1, 3, 3)), osm.way(ring(1.5, 1.5, 2.5, 2.5))
    osm.relation(
        20,
        8,
        {"name": "Holeton", "population": population, "ref": "0815"},
        [("w", outer, "outer"), ("w", inner, "inner")],
    )
    osm.way(
        ring(3.2, 3.2, 3.8, 3.8),
        {"boundary": "administrative", "admin_level": "8", "name": "Waytown",
         "population": "about 300"},
        way_id=500,
    )  # fmt: skip
    county = osm.way(ring(0.5, 0.5, 3.5, 3.5))
    osm.relation(30, 6, {"name": "Middle County"}, [("w", county, "outer")])
    half = osm.way([(0.1, 3.1), (0.9, 3.1), (0.9, 3.9)])
    osm.relation(21, 8, {"name": "Brokenburg"}, [("w", half, "outer"), ("w", 999, "outer")])
    osm.relation(22, 8, {"name": "Openville"}, [("w", osm.way([(3.1, 0.1), (3.9, 0.1)]), "")])
    bowtie = osm.way([(0.2, 0.2), (0.8, 0.8), (0.8, 0.2), (0.2, 0.8), (0.2, 0.2)])
    osm.relation(23, 8, {"name": "Twistville"}, [("w", bowtie, "outer")])
    return osm


@pytest.fixture
def country():
    return area_upsert(
        name="Testland",
        level="country",
        code="TL",
        source="country-coder",
        population=9_000_000,
        geometry=Polygon(ring(-2, -2, 7, 7), srid=4326),
    )[0]


@pytest.fixture(params=["osm.pbf", "osm", "osm.bz2", "osm.gz"])
def pbf_or_xml(request, tmp_path):
    return extract().write(tmp_path / f"testland.{request.param}")


@pytest.fixture
def pbf(tmp_path):
    return extract().write(tmp_path / "testland.osm.pbf")


def run(*args):
    out = StringIO()
    call_command("import_areas", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def test_boundaries_become_areas_nested_under_the_loaded_country(pbf_or_xml, country):
    output = run(pbf_or_xml, "--admin-levels", "2,4,8")
    assert output.startswith(f"Areas from {pbf_or_xml.name} (admin levels 2, 4, 8): 4 created")
    region = Area.objects.get(name="North Region")
    assert (region.level, region.parent, region.code, region.population) == (
        "region",
        country,
        "TL-NR",
        1_200_000,
    )
    holeton = Area.objects.get(name="Holeton")
    assert (holeton.level, holeton.parent, holeton.code, holeton.population) == (
        "city",
        region,
        "r20",
        5000,
    )
    assert holeton.source == (
        f"OpenStreetMap: {pbf_or_xml.name} (© OpenStreetMap contributors, ODbL 1.0)"
    )
    waytown = Area.objects.get(name="Waytown")
    assert (waytown.parent, waytown.code, waytown.population) == (region, "w500", None)
    assert not Area.objects.filter(name="Middle County").exists()  # admin level 6


def test_a_hole_is_subtracted_and_the_region_joined_from_its_ways(pbf, country):
    run(pbf, "--admin-levels", "4,8")
    holeton = Area.objects.get(name="Holeton")
    assert holeton.geometry.area == pytest.approx(4 - 1)
    assert not holeton.geometry.contains(Polygon(ring(1.9, 1.9, 2.1, 2.1), srid=4326).centroid)
    assert Area.objects.get(name="North Region").geometry.area == pytest.approx(16)


def test_a_ring_crossing_itself_is_built_and_made_valid(pbf):
    run(pbf, "--admin-levels", "8")
    twist = Area.objects.get(name="Twistville")
    assert twist.geometry.valid
    # Two triangles, each a quarter of the 0.6° square.
    assert (twist.geometry.num_geom, twist.geometry.area) == (2, pytest.approx(0.36 / 2))


def test_boundaries_that_cannot_be_built_are_listed_with_their_id_and_reason(pbf, country):
    output = run(pbf, "--admin-levels", "2,4,8")
    assert "3 records not imported" in output
    assert (
        "  not imported: r21 'Brokenburg': 1 of its 2 member ways are not in the extract "
        "(w999): it is cut at the extract's edge\n"
    ) in output
    assert "  not imported: r22 'Openville': its ways do not join into closed rings" in output
    assert (
        "  not imported: r1 'Testland (OSM)': country TL is loaded already (country-coder) "
        "and kept as it is; the areas inside it nest under it\n"
    ) in output
    assert not Area.objects.filter(name__in=["Brokenburg", "Openville"]).exists()
    country.refresh_from_db()
    assert (country.name, country.population) == ("Testland", 9_000_000)


def test_a_country_is_created_where_none_is_loaded_and_holds_the_others(pbf):
    run(pbf, "--admin-levels", "2,4")
    country = Area.objects.get(code="TL")
    assert (country.name, country.level) == ("Testland (OSM)", "country")
    assert Area.objects.get(name="North Region").parent == country
    assert "0 created, 0 updated, 2 unchanged" in run(pbf, "--admin-levels", "2,4")


def test_a_reimport_updates_in_place_and_creates_no_duplicates(tmp_path, country):
    first = extract().write(tmp_path / "first.osm.pbf")
    run(first, "--admin-levels", "4,8")
    before = dict(Area.objects.values_list("code", "pk"))
    assert "0 created, 0 updated, 4 unchanged" in run(first, "--admin-levels", "4,8")
    second = extract(population="5100").write(tmp_path / "second.osm")
    output = run(second, "--admin-levels", "4,8")
    assert "0 created, 4 updated" in output  # the population, and the source's file name
    assert dict(Area.objects.values_list("code", "pk")) == before
    assert Area.objects.get(code="r20").population == 5100


def test_dry_run_reads_everything_and_writes_nothing(pbf, country):
    output = run(pbf, "--admin-levels", "4,8", "--dry-run")
    assert output.startswith("Dry run, nothing written: Areas from testland.osm.pbf")
    assert "4 created" in output
    assert list(Area.objects.all()) == [country]


def test_the_level_map_overrides_the_default(pbf, country):
    run(pbf, "--admin-levels", "4,6,8", "--level-map", "6=region")
    county = Area.objects.get(name="Middle County")
    assert (county.level, county.parent) == ("region", country)
    # A city's parent is the smallest coarser area holding it: the county.
    assert Area.objects.get(name="Holeton").parent == county


def test_the_source_option_keeps_the_attribution(pbf):
    run(pbf, "--admin-levels", "8", "--source", "Geofabrik extract of 2026-12-01")
    assert set(Area.objects.values_list("source", flat=True)) == {
        "Geofabrik extract of 2026-12-01 (© OpenStreetMap contributors, ODbL 1.0)"
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "is an OpenStreetMap extract: say which boundaries to import with --admin-levels"),
        (["--admin-levels", "4,x"], "--admin-levels: 'x' is not an admin level"),
        (["--admin-levels", "1"], "--admin-levels: '1' is not an admin level"),
        (["--admin-levels", "8", "--level-map", "8=town"], "'town' is not a level"),
        (["--admin-levels", "8", "--name-field", "name"], "--name-field is for boundary files"),
        (["--admin-levels", "8", "--parent", "x"], "--parent is for boundary files"),
    ],
)
def test_options_are_checked_before_reading(pbf, args, message):
    with pytest.raises(CommandError, match=message):
        run(pbf, *args)
    assert not Area.objects.exists()


def test_a_file_without_those_levels_is_an_error(pbf):
    with pytest.raises(CommandError, match=r"no boundary=administrative relation .* levels 9"):
        run(pbf, "--admin-levels", "9")


def test_a_truncated_extract_writes_nothing(tmp_path, pbf):
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(pbf.read_bytes()[:-40])
    with pytest.raises(CommandError, match="libosmium cannot read it"):
        run(cut, "--admin-levels", "4,8")
    assert not Area.objects.exists()


def test_a_change_file_is_refused(tmp_path):
    path = tmp_path / "changes.osc"
    path.write_text('<osmChange version="0.6"><create/></osmChange>')
    with pytest.raises(CommandError, match="an osmChange file holds edits, not whole boundaries"):
        run(path, "--admin-levels", "8")


def test_a_compressed_pbf_is_refused_with_the_reason(tmp_path, pbf):
    path = tmp_path / "testland.osm.pbf.gz"
    path.write_bytes(gzip.compress(pbf.read_bytes()))
    with pytest.raises(CommandError, match="a compressed PBF; PBF is compressed already"):
        run(path, "--admin-levels", "8")


def test_more_boundaries_than_the_limit_are_refused(pbf, monkeypatch):
    monkeypatch.setattr(osm_areas, "MAX_BOUNDARIES", 2)
    with pytest.raises(CommandError, match="more than 2 boundaries at admin levels 4, 8"):
        run(pbf, "--admin-levels", "4,8")
    assert not Area.objects.exists()


def test_a_compressed_xml_extract_is_read_by_content_not_name(tmp_path):
    plain = extract().write(tmp_path / "plain.osm")
    renamed = tmp_path / "boundaries.download"
    renamed.write_bytes(bz2.compress(plain.read_bytes()))
    assert "4 created" in run(renamed, "--admin-levels", "4,8")


def test_a_boundary_file_without_name_field_says_which_fields_it_has(tmp_path):
    path = tmp_path / "areas.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"NAME": "A"}, "geometry": {"type": "Polygon", '
        '"coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}}]}'
    )
    with pytest.raises(CommandError, match=r"--name-field is needed .* fields are: NAME"):
        run(path)
    with pytest.raises(CommandError, match="--admin-levels is only for OpenStreetMap extracts"):
        run(path, "--name-field", "NAME", "--admin-levels", "8")
