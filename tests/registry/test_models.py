"""Model validation and database constraints: the rules every write path meets."""

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from registry.models import Camera, Evidence, Status
from tests.factories import CameraFactory, OperatorFactory, VendorFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"directions": [360.5]}, "directions"),
        ({"directions": [90.0, -0.1]}, "directions"),
        ({"height": -0.5}, "height"),
        ({"height": float("inf")}, "height"),
        ({"tilt": float("nan")}, "tilt"),
        ({"directions": [float("nan")]}, "directions"),
        ({"tilt": -91.0}, "tilt"),
        ({"kind": "webcam"}, "kind"),
        ({"visibility": "traffic"}, "visibility"),
        ({"zone": "moon"}, "zone"),
        ({"status": "deleted"}, "status"),
        ({"status": Status.REMOVED}, "removed_on"),
        ({"osm_type": "node"}, "osm_id"),
        ({"location": Point(10, 95, srid=4326)}, "location"),
    ],
)
def test_full_clean_rejects(values, field):
    camera = Camera(**{"location": Point(1, 1, srid=4326), **values})

    with pytest.raises(ValidationError) as raised:
        camera.full_clean()

    assert field in raised.value.message_dict


@pytest.mark.parametrize("directions", [[0.0], [360.0], [0.0, 90.0, 180.0, 270.0], []])
def test_full_clean_accepts_directions_in_range(directions):
    Camera(location=Point(1, 1, srid=4326), directions=directions).full_clean()


def test_an_osm_object_can_be_in_the_registry_only_once():
    CameraFactory(osm_type="node", osm_id=42)

    with pytest.raises(IntegrityError), transaction.atomic():
        CameraFactory(osm_type="node", osm_id=42)


def test_the_same_id_of_another_osm_type_is_another_object():
    CameraFactory(osm_type="node", osm_id=42)

    CameraFactory(osm_type="way", osm_id=42)

    assert Camera.objects.count() == 2


def test_the_database_refuses_a_removed_camera_without_a_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        CameraFactory(status=Status.REMOVED)


def test_the_database_refuses_a_negative_height():
    with pytest.raises(IntegrityError), transaction.atomic():
        CameraFactory(height=-1)


def test_evidence_belongs_to_exactly_one_subject():
    camera, vendor = CameraFactory(), VendorFactory()

    with pytest.raises(ValidationError):
        Evidence(kind="news", url="https://example.org", camera=camera, vendor=vendor).full_clean()
    with pytest.raises(ValidationError):
        Evidence(kind="news", url="https://example.org").full_clean()


def test_evidence_needs_a_url_or_a_document():
    with pytest.raises(ValidationError):
        Evidence(kind="news", operator=OperatorFactory()).full_clean()


def test_wikidata_ids_are_checked_and_unique():
    VendorFactory(wikidata="Q108485435")

    with pytest.raises(ValidationError) as raised:
        VendorFactory.build(name="Other", slug="other", wikidata="Q108485435").full_clean()
    assert "wikidata" in raised.value.message_dict or "__all__" in raised.value.message_dict
    with pytest.raises(ValidationError):
        VendorFactory.build(name="Bad", slug="bad", wikidata="108485435").full_clean()


def test_osm_url_links_to_the_object():
    camera = CameraFactory.build(osm_type="node", osm_id=740239084)

    assert camera.osm_url == "https://www.openstreetmap.org/node/740239084"
    assert CameraFactory.build().osm_url == ""
