"""import_areas: boundary files through GDAL into named areas, and the
countries Sightline loads from country-coder's borders."""

import json
import shutil
import subprocess
import zipfile
from io import StringIO

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.management import CommandError, call_command

from registry.imports.countries import load_countries
from registry.models import Area
from registry.services.areas import area_upsert

pytestmark = pytest.mark.django_db

# A 1° by 0.5° cell at the equator: 111.32 km along the equator (WGS 84's
# equatorial circumference / 360) by 55.3 km of meridian arc (0.5° at the
# equator, where a degree of latitude is 110.57 km) = about 6,154 km².
HALF_DEGREE_CELL_KM2 = 6154


def square(x0, y0, x1, y1):
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


def feature(properties, coordinates, kind="Polygon"):
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": kind, "coordinates": coordinates},
    }


def write_geojson(path, *features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


@pytest.fixture
def districts(tmp_path):
    return write_geojson(
        tmp_path / "districts.geojson",
        feature({"NAME": "North", "POP": "12,000", "ID": 1}, square(0, 0.5, 1, 1)),
        feature({"NAME": "South", "POP": 800, "ID": 2}, square(0, 0, 1, 0.5)),
    )


@pytest.fixture
def city(tmp_path):
    path = write_geojson(
        tmp_path / "city.geojson", feature({"name": "Testville"}, square(-0.1, -0.1, 1.1, 1.1))
    )
    call_command(
        "import_areas", path, "--name-field", "name", "--level", "city", stdout=StringIO()
    )
    return Area.objects.get(name="Testville")


def run(*args):
    out = StringIO()
    call_command("import_areas", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def test_imports_names_populations_codes_and_areas_on_the_ellipsoid(districts):
    output = run(districts, "--name-field", "NAME", "--population-field", "POP",
                 "--code-field", "ID", "--level", "district")  # fmt: skip
    assert "2 created" in output
    north = Area.objects.get(name="North")
    assert (north.slug, north.level, north.code, north.population) == (
        "north",
        "district",
        "1",
        12000,
    )
    assert north.area_km2 == pytest.approx(HALF_DEGREE_CELL_KM2, rel=0.005)
    assert isinstance(north.geometry, MultiPolygon)


def test_areas_are_placed_in_the_smallest_coarser_area_holding_them(districts, city):
    run(districts, "--name-field", "NAME")
    assert set(Area.objects.filter(parent=city).values_list("name", "level")) == {
        ("North", "district"),
        ("South", "district"),
    }


def test_an_area_no_existing_area_holds_is_a_country_by_default(districts):
    run(districts, "--name-field", "NAME")
    assert set(Area.objects.values_list("level", flat=True)) == {"country"}
    assert not Area.objects.exclude(parent=None).exists()


def test_parent_and_level_given_on_the_command_line(districts, city):
    run(districts, "--name-field", "NAME", "--parent", city.slug, "--level", "ward")
    assert Area.objects.get(name="North").parent == city
    assert Area.objects.get(name="North").level == "ward"


def test_an_unknown_parent_is_an_error_naming_it(districts):
    with pytest.raises(CommandError, match="--parent nowhere: no area has this slug"):
        run(districts, "--name-field", "NAME", "--parent", "nowhere")


def test_reimporting_the_same_file_changes_nothing(districts, city):
    run(districts, "--name-field", "NAME", "--population-field", "POP")
    before = list(Area.objects.order_by("pk").values_list("pk", "slug", "updated_at"))
    output = run(districts, "--name-field", "NAME", "--population-field", "POP")
    assert "0 created, 0 updated, 2 unchanged" in output
    assert list(Area.objects.order_by("pk").values_list("pk", "slug", "updated_at")) == before


def test_a_reimport_updates_boundary_and_population_and_keeps_the_slug(districts, tmp_path, city):
    run(districts, "--name-field", "NAME", "--population-field", "POP")
    north = Area.objects.get(name="North")
    changed = write_geojson(
        tmp_path / "districts-2025.geojson",
        feature({"NAME": "North", "POP": 13000}, square(0, 0.5, 1, 0.75)),
    )
    assert "1 updated" in run(changed, "--name-field", "NAME", "--population-field", "POP")
    north.refresh_from_db()
    assert (north.pk, north.slug, north.population) == (north.pk, "north", 13000)
    assert north.area_km2 == pytest.approx(HALF_DEGREE_CELL_KM2 / 2, rel=0.005)


def test_matching_by_code_lets_an_area_be_renamed(districts):
    run(districts, "--name-field", "NAME", "--code-field", "ID", "--level", "district")
    renamed = write_geojson(
        districts.with_name("renamed.geojson"),
        feature({"NAME": "Northside", "ID": 1}, square(0, 0.5, 1, 1)),
    )
    run(renamed, "--name-field", "NAME", "--code-field", "ID", "--level", "district")
    assert list(Area.objects.filter(code="1").values_list("name", "slug")) == [
        ("Northside", "north")
    ]


def test_records_that_cannot_be_used_are_listed_and_the_others_imported(tmp_path):
    path = write_geojson(
        tmp_path / "mixed.geojson",
        feature({"NAME": "Good", "POP": 5}, square(0, 0, 1, 1)),
        feature({"NAME": "", "POP": 1}, square(2, 0, 3, 1)),
        feature({"NAME": "Counted", "POP": "many"}, square(4, 0, 5, 1)),
        feature({"NAME": "Spot", "POP": 1}, [6, 0], kind="Point"),
    )
    output = run(path, "--name-field", "NAME", "--population-field", "POP")
    assert "1 created" in output and "3 records not imported" in output
    assert "record 2: no name in field 'NAME'" in output
    assert "record 3: 'Counted': population 'many' is not a whole number" in output
    assert "record 4: 'Spot': A boundary must be a (multi)polygon, not a Point." in output
    assert list(Area.objects.values_list("name", flat=True)) == ["Good"]


def test_a_self_intersecting_boundary_is_repaired_not_refused(tmp_path):
    bowtie = [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
    run(write_geojson(tmp_path / "bowtie.geojson", feature({"NAME": "Bowtie"}, bowtie)),
        "--name-field", "NAME")  # fmt: skip
    area = Area.objects.get()
    assert area.geometry.valid
    # Two triangles, each a quarter of the 1° square (about 12,309 km²).
    assert area.area_km2 == pytest.approx(2 * 12309 / 4, rel=0.01)


def test_records_of_the_same_name_become_one_multipart_area(tmp_path):
    path = write_geojson(
        tmp_path / "islands.geojson",
        feature({"NAME": "Isles", "POP": 10}, square(0, 0, 1, 1)),
        feature({"NAME": "Isles", "POP": 5}, square(3, 0, 4, 1)),
    )
    assert "1 records joined to another of the same name" in run(
        path, "--name-field", "NAME", "--population-field", "POP"
    )
    area = Area.objects.get()
    assert (area.geometry.num_geom, area.population) == (2, 15)


def test_projected_coordinates_in_geojson_are_refused_with_the_reason(tmp_path):
    path = write_geojson(
        tmp_path / "utm.geojson",
        feature({"NAME": "Projected"}, square(500000, 4649776, 501000, 4650776)),
    )
    with pytest.raises(CommandError) as error:
        run(path, "--name-field", "NAME")
    assert "outside longitude/latitude range" in str(error.value)
    assert "give --srid" in str(error.value)
    assert not Area.objects.exists()


def test_a_missing_field_is_an_error_listing_the_fields(districts):
    with pytest.raises(
        CommandError,
        match="--name-field: the layer has no field 'name'; its fields are: NAME, POP, ID",
    ):
        run(districts, "--name-field", "name")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not a boundary file GDAL can read"),
        (b"this is not a map", "not a boundary file GDAL can read"),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feat',
            "not a boundary file GDAL can read",
        ),
    ],
)
def test_a_file_gdal_cannot_read_writes_nothing(tmp_path, content, expected):
    path = tmp_path / "broken.geojson"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=expected):
        run(path, "--name-field", "NAME")
    assert not Area.objects.exists()


def test_a_file_with_no_usable_record_writes_nothing(tmp_path):
    path = write_geojson(
        tmp_path / "points.geojson", feature({"NAME": "Spot"}, [6, 0], kind="Point")
    )
    with pytest.raises(CommandError, match="no usable boundary in the file"):
        run(path, "--name-field", "NAME")
    assert not Area.objects.exists()


def test_dry_run_reads_everything_and_writes_nothing(districts):
    output = run(districts, "--name-field", "NAME", "--dry-run")
    assert output.startswith("Dry run, nothing written:") and "2 created" in output
    assert not Area.objects.exists()


def test_a_finer_parent_is_refused_for_the_record(districts, city):
    output = run(districts, "--name-field", "NAME", "--parent", city.slug, "--level", "region")
    assert "A region cannot be part of a city (Testville)" in output
    assert Area.objects.count() == 1


def test_slugs_stay_unique_within_different_parents(tmp_path):
    first = area_upsert(
        name="Springfield", level="city", geometry=Polygon(square(0, 0, 1, 1)[0], srid=4326)
    )[0]
    region = area_upsert(
        name="Ohio", level="region", geometry=Polygon(square(5, 0, 7, 2)[0], srid=4326)
    )[0]
    second = area_upsert(
        name="Springfield",
        level="city",
        parent=region,
        geometry=Polygon(square(5, 0, 6, 1)[0], srid=4326),
    )[0]
    assert (first.slug, second.slug) == ("springfield", "ohio-springfield")


needs_ogr2ogr = pytest.mark.skipif(not shutil.which("ogr2ogr"), reason="gdal-bin is not installed")


@needs_ogr2ogr
def test_a_zipped_shapefile_in_a_projected_system_is_read_and_converted(districts, tmp_path):
    folder = tmp_path / "shape"
    subprocess.run(
        ["ogr2ogr", "-f", "ESRI Shapefile", "-t_srs", "EPSG:3857", folder, districts],
        check=True,
    )
    archive = tmp_path / "districts.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for part in folder.iterdir():
            bundle.write(part, part.name)
    run(archive, "--name-field", "NAME")
    north = Area.objects.get(name="North")
    assert north.geometry.extent == pytest.approx((0, 0.5, 1, 1), abs=1e-6)


@needs_ogr2ogr
def test_a_shapefile_without_a_coordinate_system_needs_srid(districts, tmp_path):
    folder = tmp_path / "shape"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", folder, districts], check=True)
    next(folder.glob("*.prj")).unlink()
    shapefile = next(folder.glob("*.shp"))
    with pytest.raises(CommandError, match="does not say which coordinate system"):
        run(shapefile, "--name-field", "NAME")
    run(shapefile, "--name-field", "NAME", "--srid", "4326")
    assert Area.objects.count() == 2


@needs_ogr2ogr
def test_a_geopackage_with_several_layers_needs_the_layer_named(districts, tmp_path):
    package = tmp_path / "areas.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", package, districts, "-nln", "wards"], check=True)
    subprocess.run(["ogr2ogr", "-update", package, districts, "-nln", "precincts"], check=True)
    with pytest.raises(CommandError, match=r"holds 2 layers .*; name one with --layer"):
        run(package, "--name-field", "NAME")
    run(package, "--name-field", "NAME", "--layer", "precincts")
    assert Area.objects.count() == 2


def test_countries_are_the_union_of_their_parts_and_load_idempotently(tmp_path, settings):
    borders = write_geojson(
        tmp_path / "borders.json",
        feature({"iso1A2": "GB", "nameEn": "United Kingdom"}, None) | {"geometry": None},
        feature({"nameEn": "England", "country": "GB"}, square(0, 0, 1, 1)),
        feature({"nameEn": "Scotland", "country": "GB"}, square(0, 1, 1, 2)),
        feature({"iso1A2": "FR", "nameEn": "France"}, square(2, 0, 3, 1)),
        feature({"nameEn": "Bir Tawil"}, square(5, 0, 6, 1)),
    )
    settings.COUNTRY_BORDERS_FILE = borders
    assert str(load_countries()) == "2 created, 0 updated, 0 unchanged"
    uk = Area.objects.get(code="GB")
    assert (uk.name, uk.level, uk.geometry.extent) == ("United Kingdom", "country", (0, 0, 1, 2))
    assert str(load_countries()) == "0 created, 0 updated, 2 unchanged"


def test_load_countries_says_what_to_install_when_the_borders_are_missing(tmp_path, settings):
    settings.COUNTRY_BORDERS_FILE = tmp_path / "missing.json"
    with pytest.raises(CommandError, match=r"installs them with the JavaScript dependencies"):
        call_command("load_countries", stdout=StringIO())


def test_an_admin_edit_of_a_boundary_measures_it_again(client, moderator):
    area = area_upsert(
        name="Plot", level="city", geometry=Polygon(square(0, 0, 1, 1)[0], srid=4326)
    )[0]
    client.force_login(moderator)
    url = f"/admin/registry/area/{area.pk}/change/"
    assert client.get(url).status_code == 200
    smaller = json.dumps({"type": "MultiPolygon", "coordinates": [square(0, 0, 1, 0.5)]})
    data = {"name": "Plot", "slug": "plot", "level": "city", "parent": "", "code": "",
            "geometry": smaller, "population": "42", "source": "",
            "seen_updated_at": area.updated_at.isoformat()}  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    area.refresh_from_db()
    assert (area.population, round(area.area_km2)) == (
        42,
        pytest.approx(HALF_DEGREE_CELL_KM2, rel=0.005),
    )
