"""Vendors' and operators' pages count their cameras by country and kind,
from the country areas, and are never stale after an edit."""

import pytest
from django.contrib.gis.geos import Point, Polygon
from django.core.cache import cache

from registry.models import Camera
from registry.services import camera_hide, camera_update
from registry.services.areas import area_upsert
from registry.views.pages.countries import country_table
from tests.factories import CameraFactory, OperatorFactory, VendorFactory

pytestmark = pytest.mark.django_db


def country(code, name, x0, x1):
    return area_upsert(
        name=name,
        level="country",
        code=code,
        geometry=Polygon(((x0, 0), (x1, 0), (x1, 1), (x0, 1), (x0, 0)), srid=4326),
    )[0]


@pytest.fixture
def vendor():
    cache.clear()
    country("AA", "Westland", 0, 1)
    country("BB", "Eastland", 1, 2)
    vendor = VendorFactory(name="Acme")
    for x, kind in [(0.2, "camera"), (0.4, "ALPR"), (0.6, "ALPR"), (1.5, "camera"), (5.0, "ALPR")]:
        CameraFactory(vendor=vendor, kind=kind, location=Point(x, 0.5, srid=4326))
    return vendor


def rows(vendor):
    table = country_table(
        Camera.objects.visible().filter(vendor=vendor), owner=f"vendor:{vendor.pk}"
    )
    return table.kinds, [(row.code, row.name, row.total, row.by_kind) for row in table.rows]


def test_cameras_are_counted_by_country_and_kind(vendor):
    kinds, table = rows(vendor)
    assert kinds == ("camera", "ALPR")
    assert table == [
        ("AA", "Westland", 3, (1, 2)),
        ("BB", "Eastland", 1, (1, 0)),
        ("", "", 1, (0, 1)),  # offshore: in no country's boundary
    ]


def test_an_edit_shows_at_once_although_the_table_is_cached(vendor):
    rows(vendor)
    moved = Camera.objects.get(vendor=vendor, location=Point(0.2, 0.5, srid=4326))
    camera_update(camera=moved, actor=None, location=Point(1.2, 0.5, srid=4326), reason="moved")
    # A tie in number orders by name.
    assert rows(vendor)[1][:2] == [("BB", "Eastland", 2, (2, 0)), ("AA", "Westland", 2, (0, 2))]


def test_hidden_cameras_are_not_counted(vendor):
    camera_hide(
        camera=Camera.objects.get(location=Point(1.5, 0.5, srid=4326)), actor=None, reason="fake"
    )
    assert [code for code, *_ in rows(vendor)[1]] == ["AA", ""]


def test_the_vendor_and_operator_pages_show_the_table(client, vendor):
    operator = OperatorFactory(name="City")
    Camera.objects.update(operator=operator)
    for url in (f"/vendors/{vendor.slug}/", f"/operators/{operator.slug}/"):
        page = client.get(url).content.decode()
        assert "By country and kind" in page
        assert '<span data-country="AA">Westland</span>' in page
        assert "country-names.js" in page
