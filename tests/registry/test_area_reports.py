"""Area reports against answers worked out by hand on the small literal
layout of tests/area_layouts.py (a city of 2 km² with six cameras)."""

import csv
import io
from datetime import date

import pytest
from django.contrib.gis.geos import Point

from registry.models import Status, Vendor
from registry.reports import Count, Density, Month, area_report
from registry.reports.tables import TABLES_BY_NAME, csv_text
from registry.services import camera_create, camera_hide, camera_unhide, camera_update
from registry.services.areas import area_upsert
from tests.area_layouts import (
    ENTITY_LIST_URL,
    REPORT_TIME,
    at_km,
    make_city,
    make_districts,
    make_layout,
    rectangle_km,
)
from tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def layout():
    return make_layout()


@pytest.fixture
def report(layout):
    return area_report(layout.city, now=REPORT_TIME)


def rows(counts: list[Count]) -> list[tuple]:
    return [(row.value, row.cameras, row.in_place) for row in counts]


def test_the_city_measures_two_square_kilometres_on_the_ellipsoid(layout):
    # Built from the ellipsoid's radii of curvature at its middle latitude:
    # across 1 km they change by parts per million, and the rectangle's error
    # is of the order of their square (PostGIS measures 1.99999999 km²).
    assert layout.city.area_km2 == pytest.approx(2.0, rel=1e-6)
    assert layout.west.area_km2 == pytest.approx(1.0, rel=1e-6)


def test_totals_count_inside_and_on_the_edge_not_outside_nor_hidden(report):
    totals = report.totals

    assert (totals.cameras, totals.in_place, totals.removed, totals.verified) == (4, 3, 1, 1)
    assert not report.empty


def test_counts_by_kind_with_in_place_apart(report):
    assert rows(report.by_kind) == [("camera", 2, 2), ("ALPR", 2, 1)]
    assert report.by_kind[0].label == "camera (CCTV)"
    assert report.by_kind[1].removed == 1


def test_counts_by_camera_type_with_not_recorded(report):
    assert rows(report.by_camera_type) == [("fixed", 2, 1), ("dome", 1, 1), ("", 1, 1)]
    assert report.by_camera_type[-1].label == "not recorded"


def test_counts_by_vendor_flag_the_restricted_one(report):
    assert [
        (row.value, row.cameras, row.in_place, row.restricted) for row in report.by_vendor
    ] == [
        ("flock-safety", 2, 1, False),  # ties by name
        ("hikvision", 2, 2, True),
    ]


def test_counts_by_operator_and_operator_type(report):
    assert rows(report.by_operator) == [
        ("testville-police", 2, 1),
        ("testville-city-hall", 1, 1),
        ("", 1, 1),
    ]
    assert report.by_operator[-1].label == "not identified"
    assert rows(report.by_operator_type) == [("police", 2, 1), ("city", 1, 1), ("", 1, 1)]
    assert report.by_operator_type[1].label == "city or municipality"


def test_counts_by_status_in_lifecycle_order(report):
    assert rows(report.by_status) == [("reported", 2, 2), ("verified", 1, 1), ("removed", 1, 0)]


def test_counts_by_capability_leave_the_hidden_camera_out(report):
    assert rows(report.by_capability) == [("face_recognition", 1, 1)]
    assert report.by_capability[0].label == "face recognition"


def test_restricted_vendor_with_its_restriction_and_source(report):
    (vendor,) = report.restricted
    (restriction,) = vendor.restrictions

    assert (vendor.slug, vendor.cameras, vendor.in_place) == ("hikvision", 2, 2)
    assert restriction.label == "US Commerce Entity List"
    assert restriction.effective_date == date(2019, 10, 9)
    assert (restriction.source_title, restriction.source_url) == ("84 FR 54002", ENTITY_LIST_URL)
    assert (report.totals.restricted, report.totals.restricted_in_place) == (2, 2)


def test_a_brand_of_a_restricted_company_counts_as_restricted_through_its_owner(layout):
    ezviz = VendorFactory(name="EZVIZ", slug="ezviz", parent=layout.hikvision)
    camera_create(location=at_km(1.2, 0.4), actor=None, kind="camera", vendor=ezviz)

    report = area_report(layout.city, now=REPORT_TIME)

    brand = next(vendor for vendor in report.restricted if vendor.slug == "ezviz")
    assert [restriction.label for restriction in brand.restrictions] == [
        "US Commerce Entity List, through its owner Hikvision"
    ]
    assert (report.totals.restricted, report.totals.restricted_in_place) == (3, 3)


def test_density_per_square_kilometre_and_per_thousand_residents(report):
    # 3 cameras in place, 2 km², 2,000 residents.
    assert report.density.per_km2 == pytest.approx(1.5, rel=1e-6)
    assert report.density.per_1000_residents == pytest.approx(1.5)


def test_density_per_resident_is_unknown_without_a_population():
    city = make_city(population=None)

    report = area_report(city)

    assert report.density.per_1000_residents is None
    assert report.density.per_km2 == 0


def test_density_of_a_surface_of_zero_or_no_residents_is_unknown():
    assert Density.of(5, 0.0, 0) == Density(per_km2=None, per_1000_residents=None)


def test_monthly_added_removed_confirmed_from_the_history(report):
    assert report.monthly == [
        Month(date(2026, 1, 1), added=4, removed=0, confirmed=0),
        Month(date(2026, 2, 1), added=0, removed=0, confirmed=2),
        Month(date(2026, 3, 1), added=0, removed=1, confirmed=0),
        Month(date(2026, 4, 1), added=0, removed=0, confirmed=0),
        Month(date(2026, 5, 1), added=0, removed=0, confirmed=0),
    ]


def test_unhiding_a_removed_camera_is_not_a_second_removal(layout):
    camera = layout.cameras[4]
    camera_hide(camera=camera, actor=None, reason="mistake")
    camera_unhide(camera=camera, actor=None, reason="undo")

    report = area_report(layout.city, now=REPORT_TIME)

    assert sum(month.removed for month in report.monthly) == 1


def test_sub_areas_ranked_by_density(report):
    west, east = report.sub_areas

    assert (west.slug, west.cameras, west.in_place) == ("west-side", 3, 2)
    assert west.density.per_km2 == pytest.approx(2.0, rel=1e-6)
    assert west.density.per_1000_residents == pytest.approx(4.0)
    assert (east.slug, east.cameras, east.in_place, east.population) == ("east-side", 1, 1, None)
    assert east.density.per_km2 == pytest.approx(1.0, rel=1e-6)
    assert east.density.per_1000_residents is None


def test_a_camera_on_the_line_between_two_sub_areas_counts_in_both():
    city = make_city()
    make_districts(city)
    camera_create(location=at_km(1, 0.5), actor=None, kind="camera")

    report = area_report(city)

    assert [sub.cameras for sub in report.sub_areas] == [1, 1]
    assert report.totals.cameras == 1


def test_sources_behind_the_figures_in_kind_order(report, layout):
    sources = [(s.kind, s.title or s.url, s.backs, s.cameras) for s in report.sources]

    assert sources == [
        ("contract", "Contract 17", "face recognition", 1),
        ("policy", "ALPR policy", "Testville Police", 2),
        ("official", "84 FR 54002", "Hikvision: US Commerce Entity List", 2),
        (
            "survey",
            "https://example.org/photo-of-empty-pole",
            f"licence-plate reader (ALPR) #{layout.cameras[4].pk}",
            1,
        ),
    ]
    assert [(c.kind, c.sources) for c in report.sources_by_kind] == [
        ("contract", 1),
        ("policy", 1),
        ("official", 1),
        ("survey", 1),
    ]
    assert report.sources_total == 4


def test_an_area_without_cameras_says_so_with_zeros():
    area, _ = area_upsert(name="Quiet Town", level="city", geometry=rectangle_km(10, 10, 11, 11))
    camera_create(location=at_km(0.5, 0.5), actor=None, kind="camera")  # elsewhere

    report = area_report(area)

    assert report.empty
    assert (report.totals.cameras, report.totals.in_place, report.totals.restricted) == (0, 0, 0)
    assert report.by_kind == report.by_vendor == report.by_status == report.by_capability == []
    assert report.monthly == report.sub_areas == report.sources == []
    assert report.density.per_km2 == 0


def test_an_edit_shows_in_the_next_report(layout):
    before = area_report(layout.city)
    camera_update(camera=layout.cameras[2], actor=None, kind="ALPR")
    camera_hide(camera=layout.cameras[3], actor=None, reason="not a camera")

    after = area_report(layout.city)

    assert rows(before.by_kind) == [("camera", 2, 2), ("ALPR", 2, 1)]
    assert rows(after.by_kind) == [("ALPR", 3, 2)]
    assert after.totals.cameras == 3


def test_a_camera_moved_out_of_the_area_leaves_its_report(layout):
    camera_update(camera=layout.cameras[1], actor=None, location=Point(-80.0, 40.0, srid=4326))

    report = area_report(layout.city)

    assert report.totals.cameras == 3
    assert ("ALPR", 1, 0) in rows(report.by_kind)


def test_hidden_cameras_history_is_left_out(layout):
    report = area_report(layout.city, now=REPORT_TIME)

    assert report.monthly[0].added == 4
    assert Status.HIDDEN not in [row.value for row in report.by_status]


# ------------------------------------------------------------- CSV tables


def test_csv_tables_quote_text_a_spreadsheet_would_run_and_keep_numbers(layout):
    Vendor.objects.filter(slug="flock-safety").update(name='=HYPERLINK("https://x.example")')
    Vendor.objects.filter(slug="hikvision").update(name="-Hikvision")
    report = area_report(layout.city, now=REPORT_TIME)

    text = csv_text(report, TABLES_BY_NAME["by-vendor"])

    rows = {row["value"]: row for row in csv.DictReader(io.StringIO(text))}
    assert rows["flock-safety"]["label"] == '\'=HYPERLINK("https://x.example")'
    assert rows["hikvision"]["label"] == "'-Hikvision"
    assert (rows["flock-safety"]["cameras"], rows["hikvision"]["in_place"]) == ("2", "2")
    assert not text.startswith("\ufeff")


def test_a_csv_table_is_served_with_a_byte_order_mark_when_asked(client, layout):
    plain = client.get("/areas/testville/by-kind.csv")
    marked = client.get("/areas/testville/by-kind.csv", {"bom": "1"})
    refused = client.get("/areas/testville/by-kind.csv", {"bom": "maybe"})

    assert plain.status_code == marked.status_code == 200
    assert marked.content == b"\xef\xbb\xbf" + plain.content
    assert plain.content.startswith(b"value,label,cameras")
    assert refused.status_code == 400
    assert b"bom must be 1" in refused.content
