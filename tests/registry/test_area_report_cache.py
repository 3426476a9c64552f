"""Area reports kept in the shared cache under the version of the area's
data (registry/reports/cached.py): reused while nothing they show changed,
computed anew after an edit."""

import pytest
from django.core.cache import cache
from django.utils import translation

from registry.models import Camera, Evidence
from registry.reports.cached import cached_area_report
from registry.services import camera_update
from tests.area_layouts import make_layout

pytestmark = pytest.mark.django_db


@pytest.fixture
def layout(settings):
    settings.AREA_REPORT_CACHE_SECONDS = 60
    cache.clear()
    yield make_layout()
    cache.clear()


def kinds(report) -> list[tuple[str, int]]:
    return [(row.value, row.cameras) for row in report.by_kind]


def test_a_report_is_reused_while_the_areas_data_is_unchanged(layout):
    first = cached_area_report(layout.city)
    # A write behind the services' back leaves no edit time: the version
    # stays, so the kept report is what comes back.
    Camera.objects.filter(pk=layout.cameras[2].pk).update(kind="guard")

    again = cached_area_report(layout.city)

    assert kinds(again) == kinds(first) == [("camera", 2), ("ALPR", 2)]
    assert again.generated_at == first.generated_at


def test_an_edit_through_the_services_is_in_the_next_report(layout):
    cached_area_report(layout.city)

    camera_update(camera=layout.cameras[2], actor=None, kind="ALPR")

    assert kinds(cached_area_report(layout.city)) == [("ALPR", 3), ("camera", 1)]


@pytest.mark.parametrize(
    "source",
    [
        {"url": "https://example.org/contract-17"},  # on an operator
        {"url": "https://example.org/photo-of-empty-pole"},  # on a camera in the area
    ],
)
def test_an_edited_source_is_in_the_next_report(layout, source):
    before = cached_area_report(layout.city)
    evidence = Evidence.objects.get(**source)
    evidence.title = "Amended in council"
    evidence.save()

    after = cached_area_report(layout.city)

    assert "Amended in council" not in {item.title for item in before.sources}
    assert "Amended in council" in {item.title for item in after.sources}


def test_each_language_has_its_own_report(layout):
    english = cached_area_report(layout.city)
    with translation.override("es"):
        spanish = cached_area_report(layout.city)

    assert english.by_camera_type[-1].label == "not recorded"
    assert spanish.by_camera_type[-1].label != "not recorded"


def test_without_the_cache_every_report_is_computed(layout, settings):
    settings.AREA_REPORT_CACHE_SECONDS = 0
    cached_area_report(layout.city)
    Camera.objects.filter(pk=layout.cameras[2].pk).update(kind="guard")

    assert ("guard", 1) in kinds(cached_area_report(layout.city))


def test_the_page_and_its_csv_tables_read_the_same_kept_report(client, layout):
    page = client.get(f"/areas/{layout.city.slug}/")
    Camera.objects.filter(pk=layout.cameras[2].pk).update(kind="guard")

    table = client.get(f"/areas/{layout.city.slug}/by-kind.csv")

    assert page.status_code == table.status_code == 200
    assert "guard" not in table.content.decode()


def test_the_key_changes_with_the_shape_of_the_report_classes():
    from dataclasses import make_dataclass

    from registry.reports import areas
    from registry.reports.cached import REPORT_SHAPE
    from registry.versions import class_shape

    one = {"Count": make_dataclass("Count", ["value", "cameras"]), "name": "not a class"}
    more = {"Count": make_dataclass("Count", ["value", "cameras", "share"])}

    assert class_shape(one) != class_shape(more)
    assert class_shape(one) == class_shape(dict(one))
    # The report's own classes are what the kept reports' key holds.
    assert class_shape(vars(areas)) == REPORT_SHAPE != class_shape({})
