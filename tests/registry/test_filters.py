"""Filters read from a page's URL: what is understood applies, the rest is
reported back, never an error."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.http import QueryDict

from registry.filters import DEFAULT_STATUSES, MapFilters
from registry.services import camera_create, camera_hide, camera_remove, camera_set_capability
from tests.factories import OperatorFactory, VendorFactory, VendorRestrictionFactory

pytestmark = pytest.mark.django_db


def read(query: str) -> MapFilters:
    return MapFilters.from_query(QueryDict(query))


def test_an_empty_url_is_the_default():
    filters = read("")
    assert filters.is_default
    assert filters.effective_statuses == DEFAULT_STATUSES
    assert filters.query_string() == ""


def test_values_comma_separated_or_repeated_without_repeats():
    filters = read("kind=ALPR,camera&kind=ALPR&kind=&status=removed")
    assert filters.kinds == ("ALPR", "camera")
    assert filters.statuses == ("removed",)
    assert filters.ignored == ()
    assert filters.query_string() == "kind=ALPR%2Ccamera&status=removed"


def test_unknown_values_are_dropped_and_reported():
    vendor = VendorFactory(slug="flock-safety")
    filters = read(
        "kind=ALPR,spaceship&vendor=flock-safety,nobody&status=hidden"
        "&restricted=maybe&confirmed_since=2024-02-30&capability=telepathy"
    )
    assert filters.kinds == ("ALPR",)
    assert filters.vendors == (vendor.slug,)
    assert filters.statuses == ()
    assert filters.restricted is False
    assert filters.confirmed_since is None
    assert {(item.parameter, item.value) for item in filters.ignored} == {
        ("kind", "spaceship"),
        ("vendor", "nobody"),
        ("status", "hidden"),
        ("restricted", "maybe"),
        ("confirmed_since", "2024-02-30"),
        ("capability", "telepathy"),
    }


def test_flags_and_dates():
    filters = read("restricted=true&confirmed_since=2024-05-01")
    assert filters.restricted is True
    assert filters.confirmed_since == datetime.date(2024, 5, 1)
    assert read("restricted=0").restricted is False


def make(**fields):
    return camera_create(location=Point(-87.63, 41.88, srid=4326), actor=None, **fields)


def test_apply_narrows_by_every_filter_and_never_shows_hidden():
    restricted_vendor = VendorRestrictionFactory().vendor
    other_vendor = VendorFactory()
    operator = OperatorFactory()
    alpr = make(kind="ALPR", vendor=restricted_vendor, last_confirmed=datetime.date(2025, 1, 5))
    cctv = make(kind="camera", vendor=other_vendor, operator=operator)
    gone = make(kind="camera")
    camera_remove(camera=gone, actor=None, removed_on=datetime.date(2025, 3, 1), reason="gone")
    hidden = camera_hide(camera=make(kind="camera"), actor=None, reason="doxxing")
    camera_set_capability(camera=cctv, capability="face_recognition", present=True, actor=None)

    def ids(query):
        return set(read(query).cameras().values_list("id", flat=True))

    assert ids("") == {alpr.id, cctv.id, gone.id}
    assert ids("kind=ALPR") == {alpr.id}
    assert ids(f"vendor={other_vendor.slug}") == {cctv.id}
    assert ids(f"operator={operator.slug}") == {cctv.id}
    assert ids("restricted=1") == {alpr.id}
    assert ids("capability=face_recognition") == {cctv.id}
    assert ids("confirmed_since=2025-01-01") == {alpr.id}
    assert ids("status=removed") == {gone.id}
    assert ids("status=reported,verified") == {alpr.id, cctv.id}
    assert hidden.id not in ids("status=hidden")
