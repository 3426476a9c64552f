"""The data page (/data/): every download with its size and date, the API,
the tiles, the licences and how to cite, linked from every page's footer."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from pytest_django.asserts import assertContains

from registry.exports import CSV, GEOJSON
from registry.models import Camera
from registry.views.data import estimated_size
from tests.factories import CameraFactory, DatasetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def small_registry():
    dataset = DatasetFactory(name="city-open-data", licence="CC-BY-4.0")
    CameraFactory.create_batch(3, status="verified", dataset=dataset)
    CameraFactory(status="removed", removed_on=date(2026, 1, 5))
    CameraFactory(status="reported", osm_id=123, osm_type="node", osm_version=2)


def local_links(body: str) -> list[str]:
    return sorted({href for href in re.findall(r'href="(/[^"#]*)"', body) if href != "/"})


def test_lists_every_download_with_counts_and_date(client, small_registry):
    response = client.get("/data/")
    assertContains(response, 'href="/api/v1/downloads/cameras.geojson"')
    assertContains(response, 'href="/api/v1/downloads/cameras.csv?bom=1"')
    assertContains(response, 'href="/api/v1/downloads/cameras.osm"')
    assertContains(response, 'href="/api/v1/downloads/cameras.osc"')
    counts = {d.export.name: d.cameras for d in response.context["downloads"]}
    assert counts == {"geojson": 5, "csv": 5, "osm": 4, "osmchange": 3}
    latest = Camera.objects.latest("updated_at").updated_at
    assert response.context["summary"]["latest"] == latest
    assertContains(response, "/tiles/cameras/{z}/{x}/{y}.mvt")
    assertContains(response, "Sightline contributors and OpenStreetMap contributors")
    assertContains(response, "CC-BY-4.0")


def test_every_local_link_answers(client, small_registry):
    body = client.get("/data/").content.decode()
    links = local_links(body)
    assert "/api/v1/docs/" in links and "/api/v1/schema/" in links
    for href in links:
        if href.startswith("/static/"):
            continue
        assert client.get(href).status_code == 200, href


def test_size_estimate_is_close_to_the_file(small_registry):
    for export in (GEOJSON, CSV):
        cameras = Camera.objects.filter(status__in=export.default_statuses)
        written = sum(len(chunk.encode()) for chunk in export.writer(cameras))
        assert estimated_size(export, cameras, cameras.count()) == pytest.approx(written, rel=0.05)


def test_sizes_are_kept_until_the_data_changes(
    client, small_registry, django_assert_max_num_queries
):
    client.get("/data/")
    with django_assert_max_num_queries(3):
        client.get("/data/")
    CameraFactory(status="verified")
    response = client.get("/data/")
    assert {d.cameras for d in response.context["downloads"] if d.export.name == "csv"} == {6}


def test_empty_registry(client):
    response = client.get("/data/")
    assertContains(response, "The registry holds no cameras yet.")


def test_footer_links_it_on_every_page(client):
    assertContains(client.get("/about/"), 'href="/data/"')
    assertContains(client.get("/cameras/"), 'href="/data/"')


def test_in_spanish(client, small_registry):
    response = client.get("/es/data/")
    assertContains(response, '<html lang="es">')
    assertContains(response, "Los datos")
    assertContains(response, 'href="/es/data/"')
