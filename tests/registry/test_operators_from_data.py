"""Operators from the data: an import or a contribution that names an
operator no record matches makes one, marked as from the data and not
reviewed; placeholders make none; a second import reuses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from registry.models import Camera, Operator, OperatorOrigin, OperatorType, Revision
from registry.names import is_placeholder
from registry.reference_data import OPERATOR_TYPES
from registry.services import camera_create
from registry.services.operators import operator_type_of
from tests.factories import OperatorFactory

from .importing import run, summary

pytestmark = pytest.mark.django_db


def point(lon: float, lat: float, **tags: str) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"man_made": "surveillance", "surveillance:type": "camera", **tags},
    }


def write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def cameras_of(name: str) -> list[dict]:
    return [point(-87.62 + i / 1000, 41.88, operator=name) for i in range(3)]


def test_an_import_makes_one_operator_per_distinct_string(tmp_path):
    path = write(
        tmp_path / "city.geojson",
        [
            *cameras_of("Chicago Police Department"),
            point(-87.7, 41.9, operator="chicago police department"),
            point(-87.71, 41.9, operator="Cook County Sheriff", **{"operator:type": "government"}),
        ],
    )

    out, _err = run(path, "--source", "city")

    assert "2 operators made from the data, to review" in summary(out)
    police = Operator.objects.get(name="Chicago Police Department")
    assert (police.origin, police.reviewed, police.first_source) == (
        OperatorOrigin.DATA,
        False,
        "city",
    )
    assert police.cameras.count() == 4
    assert Operator.objects.get(name="Cook County Sheriff").operator_type == "government"
    # The first revision names the record, as any other camera's does.
    revision = Revision.objects.get(camera__operator_raw="Cook County Sheriff")
    assert revision.changes["operator"] == [
        None,
        Operator.objects.get(name="Cook County Sheriff").pk,
    ]


def test_a_second_import_reuses_the_operators_the_first_made(tmp_path):
    run(write(tmp_path / "a.geojson", cameras_of("Chicago Police Department")), "--source", "a")
    first = Operator.objects.get()

    out, _err = run(
        write(
            tmp_path / "b.geojson",
            [
                point(-87.5, 41.7, operator="Chicago Police Department"),
                point(-87.4, 41.7, operator="CHICAGO POLICE DEPARTMENT"),
            ],
        ),
        "--source",
        "b",
    )

    assert "operators made" not in summary(out)
    assert Operator.objects.get() == first
    assert first.cameras.count() == 5


def test_a_curated_operator_matches_by_wikidata_name_alias_and_near_spelling(tmp_path):
    cpd = OperatorFactory(name="Chicago Police Department", aliases=["CPD"], wikidata="Q1072140")
    path = write(
        tmp_path / "city.geojson",
        [
            point(-87.60, 41.88, operator="Polizei", **{"operator:wikidata": "Q1072140"}),
            point(-87.61, 41.88, operator="cpd"),
            point(-87.62, 41.88, operator="Chicago Police Departmnt"),
        ],
    )

    run(path)

    assert Operator.objects.count() == 1
    assert set(Camera.objects.values_list("operator", flat=True)) == {cpd.pk}


def test_a_new_string_keeps_its_wikidata_id_and_shares_it(tmp_path):
    path = write(
        tmp_path / "city.geojson",
        [
            point(-87.60, 41.88, operator="Metra", **{"operator:wikidata": "Q1889420"}),
            point(-87.61, 41.88, operator="Metra Rail", **{"operator:wikidata": "Q1889420"}),
            point(-87.62, 41.88, operator="Pace", **{"operator:wikidata": "not an id"}),
        ],
    )

    run(path)

    metra = Operator.objects.get(wikidata="Q1889420")
    assert metra.cameras.count() == 2
    assert Operator.objects.get(name="Pace").wikidata == ""


@pytest.mark.parametrize("value", ["unknown", "N/A", "Other", "?", "none", "-"])
def test_placeholders_make_no_operator(tmp_path, value):
    run(write(tmp_path / "city.geojson", [point(-87.6, 41.88, operator=value)]))

    assert not Operator.objects.exists()
    camera = Camera.objects.get()
    assert camera.operator is None and camera.operator_raw == value


def test_a_spelling_two_records_share_makes_none(tmp_path):
    OperatorFactory(name="Transit", aliases=["Metro"])
    OperatorFactory(name="Metro Transit", aliases=["metro"])

    run(write(tmp_path / "city.geojson", [point(-87.6, 41.88, operator="METRO")]))

    assert Operator.objects.count() == 2
    assert Camera.objects.get().operator is None


def test_a_name_in_another_script_gets_a_slug(tmp_path):
    run(write(tmp_path / "a.geojson", [point(30.3, 59.9, operator="Большой брат")]))

    operator = Operator.objects.get()
    assert operator.slug.startswith("operator-") and operator.name == "Большой брат"


def test_operators_of_updated_cameras_are_made_too(tmp_path):
    path = tmp_path / "city.geojson"
    run(write(path, [point(-87.6, 41.88, id=7)]), "--source", "city")
    assert not Operator.objects.exists()

    run(write(path, [point(-87.6, 41.88, id=7, operator="Ward 42")]), "--source", "city")

    assert Camera.objects.get().operator == Operator.objects.get(name="Ward 42")
    revision = Revision.objects.get(camera=Camera.objects.get(), version=2)
    assert revision.changes["operator"] == [None, Operator.objects.get().pk]


def test_an_import_into_a_registry_in_use_makes_them_too(tmp_path):
    run(write(tmp_path / "a.geojson", [point(-87.0, 41.0, operator="Town of A")]))

    out, _err = run(
        write(
            tmp_path / "b.geojson",
            [point(-87.1, 41.1 + i / 100, operator=f"Town {i}") for i in range(5)],
        )
    )

    assert "5 operators made" in summary(out)
    assert Operator.objects.count() == 6
    assert not Camera.objects.filter(operator__isnull=True).exists()


def test_a_dry_run_makes_no_operator(tmp_path):
    run(write(tmp_path / "a.geojson", cameras_of("Village of Oak Park")), "--dry-run")

    assert not Operator.objects.exists()


def test_a_contribution_naming_a_new_operator_makes_one():
    camera = camera_create(
        location=Point(-87.6, 41.88, srid=4326),
        actor=None,
        kind="camera",
        operator_raw="Oak Park Police",
    )

    operator = camera.operator
    assert (operator.name, operator.origin, operator.reviewed, operator.first_source) == (
        "Oak Park Police",
        OperatorOrigin.DATA,
        False,
        "contribution",
    )
    again = camera_create(
        location=Point(-87.61, 41.88, srid=4326),
        actor=None,
        kind="camera",
        operator_raw="oak park police",
    )
    assert again.operator == operator


def test_a_contribution_with_a_placeholder_makes_none():
    camera = camera_create(
        location=Point(-87.6, 41.88, srid=4326), actor=None, kind="camera", operator_raw="n/a"
    )

    assert camera.operator is None
    assert not Operator.objects.exists()


def test_operator_types_read_osm_values_and_their_spellings():
    assert operator_type_of("Government") == "government"
    assert operator_type_of("local_authority") == "government"
    assert operator_type_of("university") == "school"
    assert operator_type_of("governmentw") == ""


def test_the_reference_types_are_the_choices_with_their_labels():
    choices = dict(OperatorType.choices)
    assert {entry["value"]: entry["label"] for entry in OPERATOR_TYPES} == {
        entry["value"]: str(choices[entry["value"]]) for entry in OPERATOR_TYPES
    }


def test_placeholders():
    assert is_placeholder("Unknown") and is_placeholder("n/a") and is_placeholder("  ")
    assert not is_placeholder("Chicago Police Department")


def test_the_summary_counts_new_operators_once(tmp_path):
    out, _err = run(write(tmp_path / "a.geojson", cameras_of("Evanston")))

    assert "1 operators made from the data, to review" in summary(out)
