from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError

from registry.models import Camera, Changeset, Evidence, Revision, Status
from registry.services import (
    VersionConflict,
    camera_create,
    camera_hide,
    camera_remove,
    camera_set_capability,
    camera_set_status,
    camera_unhide,
    camera_update,
    load_reference_data,
)
from tests.factories import VendorFactory

pytestmark = pytest.mark.django_db

CHICAGO = Point(-87.6298, 41.8781, srid=4326)


def make_camera(**values) -> Camera:
    return camera_create(location=CHICAGO, actor=None, **{"kind": "camera", **values})


def assert_nothing_written():
    assert Camera.objects.count() == 0
    assert Revision.objects.count() == 0
    assert Changeset.objects.count() == 0


def test_create_starts_at_version_one_with_a_creation_revision():
    camera = make_camera(directions=[0.0, 180.0], height=4.5)

    revision = camera.revisions.get()
    assert camera.version == 1
    assert camera.status == Status.REPORTED
    assert revision.version == 1
    assert revision.changes["directions"] == [None, [0.0, 180.0]]
    assert revision.changes["location"] == [None, [-87.6298, 41.8781]]


def test_create_without_a_user_is_recorded_as_anonymous():
    camera = make_camera()

    assert camera.revisions.get().changeset.actor == "anonymous"
    assert camera.revisions.get().changeset.user is None


def test_create_by_a_user_records_their_username(moderator):
    camera = camera_create(location=CHICAGO, actor=moderator, kind="ALPR", reason="seen it")

    changeset = camera.revisions.get().changeset
    assert (changeset.actor, changeset.user, changeset.comment) == (
        "moderator",
        moderator,
        "seen it",
    )


def test_create_keeps_north_as_a_real_direction():
    camera = make_camera(directions=[0.0])

    camera.refresh_from_db()
    assert camera.directions == [0.0]


def test_create_resolves_a_raw_vendor_spelling_to_the_vendor():
    load_reference_data()

    camera = make_camera(vendor_raw="Flock Group Inc.")

    assert camera.vendor.name == "Flock Safety"
    assert camera.vendor_raw == "Flock Group Inc."


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"directions": [361.0]}, "directions"),
        ({"directions": [-1.0]}, "directions"),
        ({"height": -2.0}, "height"),
        ({"tilt": 91.0}, "tilt"),
        ({"kind": "CCTV"}, "kind"),
        ({"camera_type": "PTZ"}, "camera_type"),
        ({"mount": "cloud"}, "mount"),
        ({"osm_id": 5}, "osm_id"),
    ],
)
def test_create_rejects_invalid_values_and_writes_nothing(values, field):
    with pytest.raises(ValidationError) as raised:
        make_camera(**values)

    assert field in raised.value.message_dict
    assert_nothing_written()


def test_create_rejects_coordinates_off_the_globe():
    with pytest.raises(ValidationError) as raised:
        camera_create(location=Point(200, 41, srid=4326), actor=None, kind="camera")

    assert "location" in raised.value.message_dict
    assert_nothing_written()


def test_create_refuses_fields_that_have_their_own_service():
    with pytest.raises(ValidationError) as raised:
        make_camera(status=Status.VERIFIED)

    assert "status" in raised.value.message_dict
    assert_nothing_written()


def test_update_bumps_version_and_records_only_what_changed():
    camera = make_camera(height=3.0)

    camera = camera_update(camera=camera, actor=None, reason="measured", height=5.0)

    revision = camera.revisions.get(version=2)
    assert camera.version == 2
    assert revision.changes == {"height": [3.0, 5.0]}
    assert revision.changeset.comment == "measured"


def test_update_that_changes_nothing_leaves_no_revision():
    camera = make_camera(height=3.0)

    camera = camera_update(camera=camera, actor=None, height=3.0)

    assert camera.version == 1
    assert camera.revisions.count() == 1


def test_update_made_on_an_old_version_is_refused_and_changes_nothing():
    camera = make_camera(height=3.0)
    camera_update(camera=camera, actor=None, height=4.0)

    with pytest.raises(VersionConflict):
        camera_update(camera=camera, actor=None, expected_version=1, height=9.0)

    camera.refresh_from_db()
    assert (camera.height, camera.version, camera.revisions.count()) == (4.0, 2, 2)


def test_update_with_an_invalid_value_changes_nothing():
    camera = make_camera(directions=[90.0])

    with pytest.raises(ValidationError):
        camera_update(camera=camera, actor=None, directions=[90.0, 400.0])

    camera.refresh_from_db()
    assert (camera.directions, camera.version, camera.revisions.count()) == ([90.0], 1, 1)


def test_remove_keeps_the_camera_with_date_reason_and_evidence():
    camera = make_camera()

    camera = camera_remove(
        camera=camera,
        removed_on=date(2026, 3, 1),
        actor=None,
        reason="pole is empty",
        evidence_url="https://example.org/photo.jpg",
    )

    assert Camera.objects.filter(pk=camera.pk).exists()
    assert (camera.status, camera.removed_on, camera.status_note) == (
        Status.REMOVED,
        date(2026, 3, 1),
        "pole is empty",
    )
    assert camera.evidence.get().url == "https://example.org/photo.jpg"
    assert camera.revisions.get(version=2).changes["status"] == ["reported", "removed"]


def test_remove_without_a_reason_is_refused_and_changes_nothing():
    camera = make_camera()

    with pytest.raises(ValidationError) as raised:
        camera_remove(camera=camera, removed_on=date(2026, 3, 1), actor=None, reason=" ")

    camera.refresh_from_db()
    assert "reason" in raised.value.message_dict
    assert (camera.status, camera.version) == (Status.REPORTED, 1)


def test_hide_then_unhide_restores_the_previous_status(moderator):
    camera = make_camera()
    camera = camera_set_status(camera=camera, status=Status.VERIFIED, actor=moderator, reason="ok")

    camera = camera_hide(camera=camera, actor=moderator, reason="doxxing a home")
    assert camera.status == Status.HIDDEN
    camera = camera_unhide(camera=camera, actor=moderator, reason="address removed")

    assert camera.status == Status.VERIFIED
    assert camera.version == 4
    assert Camera.objects.visible().filter(pk=camera.pk).exists()


def test_hidden_cameras_are_not_visible():
    camera = make_camera()

    camera_hide(camera=camera, actor=None, reason="spam")

    assert not Camera.objects.visible().filter(pk=camera.pk).exists()


def test_set_status_removed_needs_a_date():
    camera = make_camera()

    with pytest.raises(ValidationError) as raised:
        camera_set_status(camera=camera, status=Status.REMOVED, actor=None, reason="gone")

    assert "removed_on" in raised.value.message_dict


def test_capability_with_evidence_is_recorded_in_history():
    camera = make_camera()
    evidence = Evidence.objects.create(
        kind="contract", url="https://city.example/contract.pdf", camera=camera
    )

    camera = camera_set_capability(
        camera=camera,
        capability="face_recognition",
        present=True,
        actor=None,
        evidence=[evidence],
    )

    capability = camera.capabilities.get()
    assert capability.capability == "face_recognition"
    assert list(capability.evidence.all()) == [evidence]
    assert camera.revisions.get(version=2).changes == {"capabilities": [[], ["face_recognition"]]}


def test_unknown_capability_is_refused():
    camera = make_camera()

    with pytest.raises(ValidationError):
        camera_set_capability(camera=camera, capability="mind_reading", present=True, actor=None)

    assert camera.capabilities.count() == 0


def test_vendor_cannot_be_deleted_while_cameras_point_to_it():
    from django.db.models import ProtectedError

    vendor = VendorFactory()
    make_camera(vendor=vendor)

    with pytest.raises(ProtectedError):
        vendor.delete()
