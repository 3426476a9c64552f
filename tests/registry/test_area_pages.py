"""The list of areas and each area's report as a page, a PDF and CSV files,
rendered by Django's test client on real PostGIS, on the layout of
tests/area_layouts.py."""

import csv
import io
import json
import re

import pypdf
import pytest
from PIL import ImageFile
from pytest_django.asserts import assertContains, assertNotContains

from registry.exports import ATTRIBUTION
from registry.reports import area_report
from registry.reports.tables import TABLES
from registry.services import camera_hide, camera_update
from registry.services.areas import area_upsert
from tests.area_layouts import make_layout, rectangle_km

pytestmark = pytest.mark.django_db


@pytest.fixture
def layout():
    return make_layout()


def script_data(response, element_id: str):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# ------------------------------------------------------------------ the list


def test_the_list_shows_top_areas_with_their_parts(client, layout):
    response = client.get("/areas/")

    assertContains(response, '<h2 id="level-1-heading">Cities</h2>', html=True)
    assertContains(response, 'href="/areas/testville/"')
    assertContains(response, 'href="/areas/west-side/"')
    assertContains(response, 'aria-current="page">Areas</a>')


def test_the_list_finds_areas_by_name(client, layout):
    response = client.get("/areas/", {"q": "side"})

    assertContains(response, 'href="/areas/west-side/"')
    assertContains(response, 'href="/areas/east-side/"')
    assertContains(response, "part of Testville")
    assertNotContains(response, 'href="/areas/testville/"')


def test_a_search_that_finds_nothing_says_so(client, layout):
    response = client.get("/areas/", {"q": "Atlantis"})

    assert response.status_code == 200
    assertContains(response, "No area has a name like this.")


def test_a_search_with_a_nul_character_is_a_400_naming_it(client, layout):
    response = client.get("/areas/", {"q": "West\x00"})

    assertContains(response, "q: contains the control character U+0000", status_code=400)


def test_the_list_without_areas_says_so(client):
    assertContains(client.get("/areas/"), "No areas are recorded yet.")


# ---------------------------------------------------------------- the report


def test_the_report_page_has_the_figures_tables_and_charts(client, layout):
    response = client.get("/areas/testville/")
    body = response.content.decode()

    assert response.status_code == 200
    assertContains(response, "<h1>Testville</h1>", html=True)
    assertContains(response, "<dd>3</dd>", html=True)  # in place
    assertContains(response, "<dd>1.50</dd>", html=True)  # per km² and per 1,000
    assertContains(response, '<caption id="by-kind-caption">', count=1)
    assert body.count('<svg class="chart chart-bars"') == 3  # kind, status, vendor
    assert body.count('<svg class="chart chart-lines"') == 1
    assertContains(response, '<title id="by-kind-chart-title">Cameras by kind</title>')
    assertContains(response, 'href="/areas/testville/by-kind.csv" download')
    assertContains(response, 'href="/areas/testville/report.pdf"')


def test_the_report_page_links_the_areas_cameras_as_downloads(client, layout):
    page = client.get("/areas/testville/")
    for name in ("geojson", "csv", "osm"):
        assertContains(page, f'href="/api/v1/downloads/cameras.{name}?area=testville" download')

    download = client.get("/api/v1/downloads/cameras.geojson", {"area": "testville"})

    ids = {
        feature["id"] for feature in json.loads(b"".join(download.streaming_content))["features"]
    }
    # 1-4 lie in the city (3 on its western edge); 5 is hidden, 6 outside.
    assert ids == {layout.cameras[number].pk for number in (1, 2, 3, 4)}


def test_the_report_links_vendors_operators_and_sub_areas(client, layout):
    response = client.get("/areas/testville/")

    assertContains(response, 'href="/vendors/hikvision/"')
    assertContains(response, 'href="/operators/testville-police/"')
    assertContains(response, '<span class="badge badge-restricted">restricted</span>', html=True)
    assertContains(response, 'href="/areas/west-side/"')
    assertContains(response, "84 FR 54002")


def test_a_sub_area_has_breadcrumbs_of_its_ancestors(client, layout):
    response = client.get("/areas/west-side/")

    assertContains(response, '<li><a href="/areas/testville/">Testville</a></li>', html=True)
    assertContains(response, "part of Testville")


def test_the_map_data_holds_the_boundary_and_the_visible_cameras(client, layout):
    data = script_data(client.get("/areas/testville/"), "area-map-data")

    assert data["boundary"]["type"] == "MultiPolygon"
    ids = {feature["id"] for feature in data["cameras"]["features"]}
    assert ids == {layout.cameras[n].pk for n in (1, 2, 3, 4)}


def test_the_page_carries_a_printable_map(client, layout):
    response = client.get("/areas/testville/")

    assertContains(response, '<svg class="static-map"')
    assertContains(response, "The boundary of Testville and its 4 cameras")


def test_an_area_without_cameras_gives_a_report_that_says_so(client):
    area_upsert(name="Quiet Town", level="city", geometry=rectangle_km(10, 10, 11, 11))

    response = client.get("/areas/quiet-town/")

    assert response.status_code == 200
    assertContains(response, "No camera is recorded in Quiet Town yet")
    assertContains(response, "No change is recorded for cameras in this area.")


def test_an_edit_shows_on_the_page_at_once(client, layout):
    before = client.get("/areas/testville/by-status.csv")
    camera_update(camera=layout.cameras[3], actor=None, kind="ALPR")
    camera_hide(camera=layout.cameras[2], actor=None, reason="duplicate")

    after = client.get("/areas/testville/by-status.csv")

    assert csv_rows(before)[1][:3] == ["reported", "reported (unverified)", "2"]
    assert csv_rows(after)[1][:3] == ["reported", "reported (unverified)", "1"]
    assertContains(client.get("/areas/testville/"), "<dd>2</dd>", html=True)


def test_unknown_areas_and_tables_are_not_found(client, layout):
    assert client.get("/areas/atlantis/").status_code == 404
    assert client.get("/areas/atlantis/report.pdf").status_code == 404
    assert client.get("/areas/atlantis/by-kind.csv").status_code == 404
    assert client.get("/areas/testville/by-colour.csv").status_code == 404


# ---------------------------------------------------------------------- CSV


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_every_table_is_a_csv_with_a_header_row(client, layout, table):
    response = client.get(f"/areas/testville/{table.name}.csv")

    rows = csv_rows(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["X-Data-Attribution"] == ATTRIBUTION
    assert response["Content-Disposition"] == (
        f'attachment; filename="sightline-testville-{table.name}.csv"'
    )
    assert rows[0] == list(table.columns)
    assert len(rows) > 1


def test_the_csv_tables_match_the_report(client, layout):
    report = area_report(layout.city)

    kinds = csv_rows(client.get("/areas/testville/by-kind.csv"))
    vendors = csv_rows(client.get("/areas/testville/by-vendor.csv"))
    sub_areas = csv_rows(client.get("/areas/testville/sub-areas.csv"))
    restricted = csv_rows(client.get("/areas/testville/restricted.csv"))

    assert kinds[1:] == [
        [row.value, row.label, str(row.cameras), str(row.in_place), str(row.removed)]
        for row in report.by_kind
    ]
    assert vendors[1:] == [
        ["flock-safety", "Flock Safety", "2", "1", "1", "false"],
        ["hikvision", "Hikvision", "2", "2", "0", "true"],
    ]
    assert [row[:4] + row[6:9] for row in sub_areas[1:]] == [
        ["1", "west-side", "West Side", "district", "3", "2", "2.0"],
        ["2", "east-side", "East Side", "district", "1", "1", "1.0"],
    ]
    assert restricted[1][:7] == [
        "hikvision",
        "Hikvision",
        "2",
        "2",
        "us_entity_list",
        "US Commerce Entity List",
        "2019-10-09",
    ]


def test_the_monthly_csv_has_every_month(client, layout):
    rows = csv_rows(client.get("/areas/testville/monthly.csv"))

    assert rows[0] == ["month", "added", "removed", "confirmed"]
    assert rows[1:4] == [
        ["2026-01", "4", "0", "0"],
        ["2026-02", "0", "0", "2"],
        ["2026-03", "0", "1", "0"],
    ]


def test_csv_labels_follow_the_language_of_the_address(client, layout):
    rows = csv_rows(client.get("/es/areas/testville/by-kind.csv"))

    assert rows[0] == ["value", "label", "cameras", "in_place", "removed"]
    assert rows[1][:2] == ["camera", "cámara (CCTV)"]


# ---------------------------------------------------------------------- PDF
# Rendered at once, in the request, as in development (the immediate task
# backend); tests/registry/test_area_report_pdfs.py has the worker's way.


@pytest.fixture
def pdf_at_once(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = tmp_path


def pdf_content(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.usefixtures("pdf_at_once")
def test_the_pdf_renders_with_the_name_date_licence_and_method(client, layout):
    response = client.get("/areas/testville/report.pdf")

    content = pdf_content(response)
    assert response["Content-Type"] == "application/pdf"
    assert content.startswith(b"%PDF")
    assert re.fullmatch(
        r'attachment; filename="sightline-testville-\d{4}-\d{2}-\d{2}\.pdf"',
        response["Content-Disposition"],
    )
    pdf = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) >= 2
    assert "Testville" in text
    assert "ODbL" in text
    assert "Method, date and licence" in text
    assert "84 FR 54002" in text
    assert f"1 / {len(pdf.pages)}" in pdf.pages[0].extract_text()


@pytest.mark.usefixtures("pdf_at_once")
def test_the_pdf_of_an_area_without_cameras_says_so(client):
    area_upsert(name="Quiet Town", level="city", geometry=rectangle_km(10, 10, 11, 11))

    response = client.get("/areas/quiet-town/report.pdf")

    pdf = pypdf.PdfReader(io.BytesIO(pdf_content(response)))
    assert "No camera is recorded in Quiet Town yet" in pdf.pages[0].extract_text().replace(
        "\n", " "
    )


@pytest.mark.usefixtures("pdf_at_once")
def test_rendering_a_pdf_leaves_truncated_images_refused(client, layout):
    # WeasyPrint's import turns Pillow's flag on for the whole process;
    # contributed photos must still be refused when truncated.
    client.get("/areas/testville/report.pdf")

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
