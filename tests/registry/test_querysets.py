import pytest
from django.contrib.gis.geos import Point

from registry.models import Camera, Status
from tests.factories import CameraFactory, VendorFactory

pytestmark = pytest.mark.django_db


def test_in_bbox_keeps_only_cameras_inside():
    inside = CameraFactory(location=Point(-87.63, 41.88, srid=4326))
    CameraFactory(location=Point(-87.0, 41.88, srid=4326))

    found = Camera.objects.in_bbox((-87.7, 41.8, -87.6, 41.9))

    assert list(found) == [inside]


def test_visible_excludes_only_hidden_cameras():
    shown = CameraFactory(status=Status.VERIFIED)
    removed = CameraFactory(status=Status.REMOVED, removed_on="2026-01-01")
    CameraFactory(status=Status.HIDDEN)

    assert set(Camera.objects.visible()) == {shown, removed}
    assert set(Camera.objects.active()) == {shown}


def test_querysets_chain():
    vendor = VendorFactory(slug="flock-safety")
    wanted = CameraFactory(kind="ALPR", vendor=vendor, location=Point(1, 1, srid=4326))
    CameraFactory(kind="camera", vendor=vendor, location=Point(1, 1, srid=4326))
    CameraFactory(kind="ALPR", location=Point(1, 1, srid=4326))

    found = (
        Camera.objects.visible().in_bbox((0, 0, 2, 2)).of_kind("ALPR").of_vendor("flock-safety")
    )

    assert list(found) == [wanted]


def test_unmatched_vendor_values_counts_each_raw_spelling():
    vendor = VendorFactory()
    CameraFactory(vendor_raw="Acme")
    CameraFactory(vendor_raw="Acme")
    CameraFactory(vendor_raw="bosch")
    CameraFactory(vendor_raw="Matched", vendor=vendor)
    CameraFactory(vendor_raw="")

    assert list(Camera.objects.unmatched_vendor_values()) == [("Acme", 2), ("bosch", 1)]
