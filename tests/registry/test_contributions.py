"""Residents' contributions and moderators' decisions, through the services."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from registry.models import (
    Camera,
    Confirmation,
    EditSuggestion,
    Evidence,
    ModerationAction,
    ModeratorArea,
    Receipt,
    ReviewState,
    Status,
    Submission,
)
from registry.services import camera_update
from registry.services.areas import area_upsert
from registry.services.contributions import (
    confirmation_add,
    edit_suggestion_add,
    independent_confirmations,
    receipt_for,
    receipt_issue,
    removal_report_add,
    submission_create,
)
from registry.services.editing import camera_revert
from registry.services.moderators import can_moderate
from registry.services.review import (
    edit_suggestion_apply,
    edit_suggestion_reject,
    removal_report_accept,
    removal_report_reject,
    submission_approve,
    submission_merge,
    submission_reject,
)
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db

HERE = Point(-87.6300, 41.8800, srid=4326)
FIVE_METRES_NORTH = Point(-87.6300, 41.880045, srid=4326)


@dataclass
class FakeStoredPhoto:
    name: str
    thumbnail_name: str


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user(username="mod", password="a-long-password-1")
    user.user_permissions.add(Permission.objects.get(codename="moderate"))
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


def submit(**values):
    values.setdefault("location", HERE)
    values.setdefault("kind", "camera")
    return submission_create(**values)


def test_a_receipt_is_found_by_its_token_and_only_its_hash_is_stored():
    receipt, token = receipt_issue()
    assert receipt_for(token) == receipt
    assert receipt_for(token + "x") is None
    assert token not in Receipt.objects.values_list("token_hash", flat=True)


def test_a_submission_creates_a_reported_camera_with_its_history():
    receipt, _token = receipt_issue()
    submission = submit(receipt=receipt, note="on the lamp post", camera_type="dome")
    camera = submission.camera
    assert (camera.status, camera.camera_type, camera.version) == ("reported", "dome", 1)
    assert (submission.receipt, submission.user, submission.state) == (receipt, None, "open")
    assert camera.revisions.get().changeset.actor == "anonymous"


def test_review_first_keeps_a_submission_hidden_until_approved(settings, moderator):
    settings.SUBMISSIONS_PUBLIC_BEFORE_REVIEW = False
    submission = submit()
    assert not Camera.objects.visible().filter(pk=submission.camera.pk).exists()
    camera = submission_approve(submission=submission, moderator=moderator)
    assert camera.status == Status.VERIFIED
    assert Camera.objects.visible().filter(pk=camera.pk).exists()


def test_fields_a_contributor_cannot_set_are_refused_and_nothing_is_written():
    with pytest.raises(ValidationError) as error:
        submit(osm_id=123, osm_type="node")
    assert set(error.value.message_dict) == {"osm_id", "osm_type"}
    assert not Camera.objects.exists() and not Submission.objects.exists()


def test_an_invalid_submission_deletes_its_stored_photos(media):
    names = [default_storage.save(f"photos/{n}.jpg", ContentFile(b"x")) for n in ("a", "a-thumb")]
    with pytest.raises(ValidationError):
        submit(tilt=500, photos=[FakeStoredPhoto(*names)])
    assert not any(default_storage.exists(name) for name in names)
    assert not Camera.objects.exists()


def test_photos_become_the_cameras_evidence(media):
    names = [default_storage.save(f"photos/{n}.jpg", ContentFile(b"x")) for n in ("b", "b-thumb")]
    submission = submit(photos=[FakeStoredPhoto(*names)])
    photo = submission.photos.get()
    assert (photo.kind, photo.camera, photo.document.name, photo.thumbnail.name) == (
        "photo",
        submission.camera,
        *names,
    )


class TestConfirmations:
    def test_a_confirmation_moves_last_confirmed_forward_only(self):
        camera = CameraFactory(last_confirmed=date(2025, 5, 1))
        confirmation_add(camera=camera, seen_on=date(2025, 1, 1))
        camera.refresh_from_db()
        assert camera.last_confirmed == date(2025, 5, 1)
        confirmation_add(camera=camera, seen_on=date(2025, 6, 1))
        camera.refresh_from_db()
        assert camera.last_confirmed == date(2025, 6, 1)

    def test_anonymous_confirmations_are_support_and_never_verify(self, settings):
        # Who may verify, and how it is labelled: tests/registry/test_verification.py.
        settings.VERIFY_AFTER_CONFIRMATIONS = 1
        settings.VERIFY_MIN_DAYS = 1
        submitter, _token = receipt_issue()
        camera = submit(receipt=submitter).camera
        first, _t1 = receipt_issue()
        confirmation_add(camera=camera, receipt=first)
        confirmation_add(camera=camera, receipt=first)  # twice from one receipt counts once
        confirmation_add(camera=camera, receipt=receipt_issue()[0])
        assert camera.confirmations.people() == 2
        assert independent_confirmations(camera) == 0
        camera.refresh_from_db()
        assert camera.status == Status.REPORTED

    def test_confirmations_without_account_or_receipt_do_not_verify(self, settings):
        settings.VERIFY_AFTER_CONFIRMATIONS = 1
        camera = CameraFactory(status=Status.REPORTED)
        confirmation_add(camera=camera)
        camera.refresh_from_db()
        assert camera.status == Status.REPORTED

    def test_a_removed_camera_cannot_be_confirmed(self):
        camera = CameraFactory(status=Status.REMOVED, removed_on=date(2025, 1, 1))
        with pytest.raises(ValidationError, match="recorded as removed"):
            confirmation_add(camera=camera)
        assert not Confirmation.objects.exists()

    def test_a_date_in_the_future_is_refused(self):
        camera = CameraFactory()
        with pytest.raises(ValidationError) as error:
            confirmation_add(camera=camera, seen_on=date.today() + timedelta(days=2))
        assert error.value.message_dict == {"seen_on": ["The date is in the future."]}


class TestRemovalReports:
    def test_accepting_removes_the_camera_on_the_reported_date(self, moderator):
        camera = CameraFactory()
        report = removal_report_add(
            camera=camera, seen_gone_on=date(2025, 3, 2), note="pole empty"
        )
        camera.refresh_from_db()
        assert camera.status == Status.REPORTED  # nothing changes before review
        removal_report_accept(report=report, moderator=moderator)
        camera.refresh_from_db()
        assert (camera.status, camera.removed_on, camera.status_note) == (
            "removed",
            date(2025, 3, 2),
            "pole empty",
        )
        assert ModerationAction.objects.get().subject == f"removalreport:{report.pk}"

    def test_rejecting_needs_a_reason_and_changes_nothing_without_one(self, moderator):
        report = removal_report_add(camera=CameraFactory())
        with pytest.raises(ValidationError):
            removal_report_reject(report=report, moderator=moderator, reason=" ")
        report.refresh_from_db()
        assert report.state == ReviewState.OPEN and not ModerationAction.objects.exists()


class TestEditSuggestions:
    def test_a_suggestion_is_a_diff_from_the_version_seen(self):
        camera = CameraFactory(height=3.0)
        suggestion = edit_suggestion_add(
            camera=camera, changes={"height": 5.5, "camera_type": "dome"}
        )
        assert suggestion.changes == {"height": [3.0, 5.5], "camera_type": ["", "dome"]}
        assert suggestion.base_version == camera.version

    def test_values_the_camera_already_has_are_refused(self):
        camera = CameraFactory(height=3.0)
        with pytest.raises(ValidationError, match="already has these values"):
            edit_suggestion_add(camera=camera, changes={"height": 3.0})

    def test_an_invalid_value_is_refused_naming_the_field(self):
        camera = CameraFactory()
        with pytest.raises(ValidationError) as error:
            edit_suggestion_add(camera=camera, changes={"tilt": 500})
        assert "tilt" in error.value.message_dict
        assert not EditSuggestion.objects.exists()

    def test_applying_updates_the_camera_as_a_new_version(self, moderator):
        camera = CameraFactory(height=3.0)
        suggestion = edit_suggestion_add(camera=camera, changes={"height": 5.5}, note="measured")
        camera = edit_suggestion_apply(suggestion=suggestion, moderator=moderator)
        assert (camera.height, camera.version) == (5.5, 2)
        assert camera.revisions.get(version=2).changes == {"height": [3.0, 5.5]}

    def test_a_field_changed_since_is_not_overwritten(self, moderator):
        camera = CameraFactory(height=3.0)
        suggestion = edit_suggestion_add(camera=camera, changes={"height": 5.5})
        camera_update(camera=camera, actor=None, height=4.0)
        with pytest.raises(ValidationError) as error:
            edit_suggestion_apply(suggestion=suggestion, moderator=moderator)
        assert list(error.value.message_dict) == ["height"]
        camera.refresh_from_db()
        assert camera.height == 4.0

    def test_a_decision_is_made_once(self, moderator):
        suggestion = edit_suggestion_add(camera=CameraFactory(), changes={"height": 9})
        edit_suggestion_reject(suggestion=suggestion, moderator=moderator, reason="no evidence")
        with pytest.raises(ValidationError, match="already rejected by mod at "):
            edit_suggestion_apply(suggestion=suggestion, moderator=moderator)


class TestSubmissionDecisions:
    def test_approving_with_an_edit(self, moderator):
        submission = submit()
        camera = submission_approve(
            submission=submission, moderator=moderator, changes={"height": 4.0}, reason="seen"
        )
        assert (camera.status, camera.height) == ("verified", 4.0)
        submission.refresh_from_db()
        assert (submission.state, submission.decided_by) == ("accepted", moderator)
        assert ModerationAction.objects.get().action == "approve"

    def test_rejecting_hides_the_camera_reversibly(self, moderator):
        submission = submit()
        submission_reject(
            submission=submission, moderator=moderator, reason="fake: no camera there"
        )
        camera = Camera.objects.get(pk=submission.camera.pk)
        assert (camera.status, camera.status_note) == ("hidden", "fake: no camera there")

    def test_merging_moves_photos_and_counts_as_a_confirmation(self, moderator, media):
        original = CameraFactory(location=HERE)
        names = [default_storage.save(f"photos/{n}.jpg", ContentFile(b"x")) for n in ("c", "c-t")]
        receipt, _token = receipt_issue()
        submission = submit(
            location=FIVE_METRES_NORTH, receipt=receipt, photos=[FakeStoredPhoto(*names)]
        )
        submission_merge(submission=submission, into=original, moderator=moderator)
        assert Evidence.objects.get().camera == original
        assert Confirmation.objects.get().camera == original
        assert Camera.objects.get(pk=submission.camera.pk).status == Status.HIDDEN
        submission.refresh_from_db()
        assert (submission.state, submission.merged_into) == ("merged", original)


class TestModerators:
    def test_only_holders_of_the_permission_moderate(self, django_user_model):
        resident = django_user_model.objects.create_user(
            username="resident", password="x-long-pass-9"
        )
        submission = submit()
        with pytest.raises(PermissionDenied):
            submission_approve(submission=submission, moderator=resident)
        submission.refresh_from_db()
        assert submission.state == "open"

    def test_an_area_limited_moderator_moderates_only_inside(self, moderator):
        square = Polygon(((-88, 41), (-87, 41), (-87, 42), (-88, 42), (-88, 41)), srid=4326)
        area = area_upsert(name="Chicago", level="city", geometry=square)[0]
        ModeratorArea.objects.create(user=moderator, area=area)
        inside = CameraFactory(location=HERE)
        outside = CameraFactory(location=Point(2.35, 48.85, srid=4326))
        assert can_moderate(moderator, inside) and not can_moderate(moderator, outside)

    def test_reverting_to_an_earlier_version_is_a_new_recorded_version(self, moderator):
        camera = CameraFactory(height=3.0, kind="camera")
        camera_update(camera=camera, actor=None, height=7.0, kind="ALPR")
        camera.refresh_from_db()
        camera = camera_revert(camera=camera, version=1, moderator=moderator, reason="vandalism")
        assert (camera.height, camera.kind, camera.version) == (3.0, "camera", 3)
        assert camera.revisions.get(version=3).changes == {
            "height": [7.0, 3.0],
            "kind": ["ALPR", "camera"],
        }
        assert ModerationAction.objects.get().action == "revert"

    def test_a_version_that_does_not_exist_is_refused(self, moderator):
        camera = CameraFactory()
        with pytest.raises(ValidationError, match="has versions 1 to 1"):
            camera_revert(camera=camera, version=4, moderator=moderator, reason="x")
