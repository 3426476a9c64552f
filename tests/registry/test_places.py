"""The gazetteer's loader and the place search: keys, ranking, accents and
case, alternate names, the registry's areas, operators and streets."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.management import call_command

from registry.models import Area, Place, PlaceName
from registry.places import load_places, search, search_key
from tests.factories import CameraFactory, OperatorFactory
from tests.places import CITIES, write_gazetteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def gazetteer(tmp_path):
    return load_places(path=write_gazetteer(tmp_path))


def labels(results):
    return [result.label for result in results]


def test_search_key_folds_case_accents_and_punctuation():
    assert search_key("São  Paulo") == "sao paulo"
    assert search_key("MÜNCHEN") == "munchen"
    assert search_key("Nueva-York!") == "nueva york"
    assert search_key("Łódź") == "lodz"
    assert search_key("Straße") == "strasse"
    assert search_key("東京") == "東京"
    assert search_key(" ,;") == ""


def test_loader_loads_every_place_with_its_keys_and_is_idempotent(tmp_path):
    path = write_gazetteer(tmp_path)
    report = load_places(path=path)
    assert report.places == Place.objects.count() == len(CITIES)
    london = Place.objects.get(geonameid=2643743)
    assert (london.country_code, london.admin1_code, london.population) == ("GB", "ENG", 8961989)
    assert london.location.coords == pytest.approx((-0.12574, 51.50853))
    assert "Лондон" in london.alternate_names
    keys = dict(PlaceName.objects.filter(place=london).values_list("key", "word"))
    assert keys["london"] == 0 and keys["лондон"] == 1
    nyc = set(PlaceName.objects.filter(place__geonameid=5128581).values_list("key", flat=True))
    assert {"new york city", "york city", "city", "nueva york", "york"} <= nyc
    keys_before = PlaceName.objects.count()

    again = load_places(path=path)
    assert again.skipped and Place.objects.count() == len(CITIES)
    forced = load_places(path=path, force=True)
    assert not forced.skipped
    assert Place.objects.count() == len(CITIES) and PlaceName.objects.count() == keys_before


def test_load_places_command_loads_the_shipped_gazetteer():
    call_command("load_places")
    assert Place.objects.count() > 140_000
    assert labels(search("Москва", limit=1)) == ["Moscow, Russia"]


def test_exact_names_first_then_the_larger(gazetteer):
    assert labels(search("york")) == [
        "York, ENG, United Kingdom",
        "York, Pennsylvania, United States",
        "New York City, New York, United States",
    ]
    assert labels(search("London"))[:3] == [
        "London, ENG, United Kingdom",
        "London, Canada",
        "Londonderry County Borough, NIR, United Kingdom",
    ]


def test_prefixes_accents_and_case(gazetteer):
    assert labels(search("lond"))[0] == "London, ENG, United Kingdom"
    assert labels(search("SAO PAU")) == ["São Paulo, Brazil"]
    assert labels(search("sâo paulo")) == ["São Paulo, Brazil"]
    assert labels(search("munchen")) == ["Munich, Germany"]
    assert labels(search("MÜNCH")) == ["Munich, Germany"]
    assert search("tokyo")[0].name == "Tokyo"


def test_alternate_names_in_other_scripts(gazetteer):
    assert labels(search("Лондон")) == ["London, ENG, United Kingdom"]
    assert labels(search("мюн")) == ["Munich, Germany"]
    assert labels(search("東京")) == ["Tokyo, Japan"]
    assert labels(search("サンパウロ")) == ["São Paulo, Brazil"]
    assert labels(search("derry")) == ["Londonderry County Borough, NIR, United Kingdom"]
    assert search("nothing like it") == []
    assert search("%_") == []


def test_each_result_has_a_position(gazetteer):
    (munich,) = search("München")
    assert munich.kind == "place" and munich.country_code == "DE"
    assert munich.position == pytest.approx((11.57549, 48.13743))


def square(x, y, size=0.1):
    return MultiPolygon(Polygon.from_bbox((x, y, x + size, y + size)), srid=4326)


def test_areas_operators_and_streets_of_the_registry(gazetteer):
    Area.objects.create(
        name="Yorkshire Ward", slug="yorkshire-ward", level="ward",
        geometry=square(-1.1, 53.9), area_km2=80,
    )  # fmt: skip
    operator = OperatorFactory(name="York Transit Police", slug="york-transit-police")
    CameraFactory(location=Point(-1.08, 53.95, srid=4326), operator=operator)
    CameraFactory(
        location=Point(-1.07, 53.96, srid=4326),
        tags={"addr:street": "Yorkgate Road", "addr:housenumber": "12", "addr:city": "Leeds"},
    )
    CameraFactory(
        location=Point(-1.06, 53.96, srid=4326),
        tags={"addr:street": "Yorkgate Road", "addr:housenumber": "14", "addr:city": "Leeds"},
    )
    results = search("york")
    by_kind = {result.kind: result for result in results}
    # Exact names of the gazetteer first, then the registry's own.
    assert [result.kind for result in results[:2]] == ["place", "place"]
    assert by_kind["area"].label == "Yorkshire Ward"
    assert by_kind["area"].bbox == pytest.approx((-1.1, 53.9, -1.0, 54.0))
    assert by_kind["area"].url == "/areas/yorkshire-ward/"
    assert by_kind["operator"].label == "York Transit Police"
    assert by_kind["operator"].bbox == pytest.approx((-1.08, 53.95, -1.08, 53.95))
    assert by_kind["address"].label == "Yorkgate Road, Leeds"
    assert by_kind["address"].extra["cameras"] == 2
    (street,) = [result for result in search("12 yorkgate") if result.kind == "address"]
    assert street.label == "12 Yorkgate Road, Leeds"
    assert street.position == pytest.approx((-1.07, 53.96))


def test_hidden_cameras_give_no_street(gazetteer):
    CameraFactory(tags={"addr:street": "Secret Lane"}, status="hidden")
    assert search("secret lane") == []


def test_the_registrys_names_ignore_accents_and_case(gazetteer):
    Area.objects.create(
        name="São Paulo", slug="sao-paulo-city", level="city",
        geometry=square(-46.7, -23.6), area_km2=1521,
    )  # fmt: skip
    Area.objects.create(
        name="Landkreis München", slug="landkreis-munchen", level="district",
        geometry=square(11.5, 48.0), area_km2=664,
    )  # fmt: skip
    Area.objects.create(
        name="Grünwald", slug="grunwald", level="district",
        geometry=square(11.5, 48.0), area_km2=28,
    )  # fmt: skip
    operator = OperatorFactory(name="Polizei MÜNCHEN", slug="polizei-munchen")
    CameraFactory(location=Point(11.57, 48.13, srid=4326), operator=operator)
    CameraFactory(
        location=Point(-46.63, -23.55, srid=4326),
        tags={"addr:street": "Avenida São João", "addr:housenumber": "439"},
    )

    def own(text, kind):
        return [result.label for result in search(text) if result.kind == kind]

    assert own("sao paulo", "area") == ["São Paulo"]
    assert own("SÃO PAU", "area") == ["São Paulo"]
    assert own("Munchen", "area") == ["Landkreis München"]  # a later word
    assert own("munchen", "operator") == ["Polizei MÜNCHEN"]
    assert own("polizei münchen", "operator") == ["Polizei MÜNCHEN"]
    assert own("grunw", "area") == ["Grünwald"]
    assert own("avenida sao joao", "address") == ["Avenida São João"]
    assert own("439 AVENIDA SÃO", "address") == ["439 Avenida São João"]
    # The start of a word, not any part of one.
    assert own("unchen", "area") == own("aulo", "area") == own("venida", "address") == []
    assert own("sao-paulo", "area") == ["São Paulo"]  # punctuation is a space


def test_an_exact_name_comes_before_a_longer_one(gazetteer):
    for name, km2 in (("Yorkton Heights", 5), ("York", 270), ("North York", 176)):
        Area.objects.create(
            name=name, slug=name.lower().replace(" ", "-"), level="city",
            geometry=square(-1.1, 53.9), area_km2=km2,
        )  # fmt: skip
    areas = [result.label for result in search("york", limit=20) if result.kind == "area"]
    assert areas == ["York", "Yorkton Heights", "North York"]


def test_operators_bbox_in_one_query(gazetteer, django_assert_max_num_queries):
    for index in range(3):
        operator = OperatorFactory(name=f"Yorvik Operator {index}", slug=f"yorvik-{index}")
        CameraFactory(location=Point(-1.0 - index, 53.0, srid=4326), operator=operator)
        CameraFactory(location=Point(-1.5 - index, 53.5, srid=4326), operator=operator)
    OperatorFactory(name="Yorvik Without Cameras", slug="yorvik-none")
    with django_assert_max_num_queries(8):
        results = [result for result in search("yorvik") if result.kind == "operator"]
    assert [result.slug for result in results] == ["yorvik-0", "yorvik-1", "yorvik-2"]
    assert results[1].bbox == pytest.approx((-2.5, 53.0, -2.0, 53.5))
    assert results[1].filter == {"operator": "yorvik-1"}
