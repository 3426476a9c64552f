"""The one write path, against real PostgreSQL: what two people acting at once
get (each on a connection of their own), one changeset per action, the
moderators' areas checked before and after every change, and a retried
contribution stored once."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from PIL import Image

from registry.models import (
    Camera,
    Changeset,
    EditSuggestion,
    ModerationAction,
    ReviewState,
    Status,
    Submission,
)
from registry.services import camera_create, camera_update
from registry.services.areas import area_upsert
from registry.services.cameras import VersionConflict
from registry.services.contributions import edit_suggestion_add, submission_create
from registry.services.editing import camera_edit, camera_revert
from registry.services.moderation import model_value
from registry.services.moderators import moderator_grant
from registry.services.review import (
    edit_suggestion_apply,
    submission_approve,
    submission_reject,
)
from registry.services.sending import Sender, send_submission

INSIDE = Point(-87.63, 41.88, srid=4326)
ALSO_INSIDE = Point(-87.631, 41.881, srid=4326)
OUTSIDE = Point(-87.70, 41.95, srid=4326)
PASSWORD = "a-long-test-password-77"


def at_once(*actions: Callable[[], object]) -> list:
    """Runs the actions in threads released together, each on a database
    connection of its own; returns each one's result or the exception it
    raised, in order."""
    start = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(number: int, action: Callable[[], object]) -> None:
        start.wait()
        try:
            outcomes[number] = action()
        except Exception as error:
            outcomes[number] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(number, action))
        for number, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def jpeg(name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 30, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def superuser(django_user_model, name: str):
    return django_user_model.objects.create_superuser(username=name, password=PASSWORD)


@pytest.fixture
def downtown():
    square = Polygon.from_bbox((-87.65, 41.86, -87.61, 41.90))
    area, _outcome = area_upsert(
        name="Downtown", level="district", geometry=MultiPolygon(square, srid=4326)
    )
    return area


@pytest.fixture
def scoped(django_user_model, downtown):
    """A moderator limited to Downtown."""
    django_user_model.objects.create_user(username="scoped", password=PASSWORD)
    return moderator_grant(username="scoped", areas=[downtown])


def new_camera(location: Point = INSIDE, **values) -> Camera:
    return camera_create(location=location, actor=None, **{"kind": "camera", **values})


# ---------------------------------------------------------------- races


@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_one_submission_at_once_one_wins_and_the_log_agrees(
    django_user_model,
):
    first, second = superuser(django_user_model, "ana"), superuser(django_user_model, "ben")
    submission = submission_create(location=INSIDE, kind="camera")

    outcomes = at_once(
        lambda: submission_approve(submission=submission, moderator=first, reason="seen it"),
        lambda: submission_reject(submission=submission, moderator=second, reason="fake"),
    )

    refusals = [outcome for outcome in outcomes if isinstance(outcome, ValidationError)]
    assert len(refusals) == 1
    assert "already" in refusals[0].messages[0]
    submission.refresh_from_db()
    (logged,) = ModerationAction.objects.filter(subject=f"submission:{submission.pk}")
    if submission.state == ReviewState.ACCEPTED:
        assert (logged.action, logged.moderator) == ("approve", first)
        assert submission.camera.status == Status.VERIFIED
        assert refusals[0].messages[0].startswith("This was already approved by ana at ")
    else:
        assert (logged.action, logged.moderator) == ("reject", second)
        assert submission.camera.status == Status.HIDDEN
        assert refusals[0].messages[0].startswith("This was already rejected by ben at ")


@pytest.mark.django_db(transaction=True)
def test_two_edits_of_one_camera_on_one_version_one_wins_the_other_gets_the_conflict(
    django_user_model,
):
    first, second = superuser(django_user_model, "ana"), superuser(django_user_model, "ben")
    camera = new_camera()

    outcomes = at_once(
        lambda: camera_edit(
            camera=camera.pk, moderator=first, expected_version=1, values={"height": 4.0}
        ),
        lambda: camera_edit(
            camera=camera.pk, moderator=second, expected_version=1, values={"height": 9.0}
        ),
    )

    (conflict,) = [outcome for outcome in outcomes if isinstance(outcome, VersionConflict)]
    (winner,) = [outcome for outcome in outcomes if isinstance(outcome, Camera)]
    camera.refresh_from_db()
    assert (camera.version, camera.height) == (2, winner.height)
    assert conflict.current_version == 2
    (change,) = conflict.changes_since
    assert change["fields"] == ["height"]
    assert change["by"] in {"ana", "ben"}
    assert camera.revisions.count() == 2


@pytest.mark.django_db
def test_a_stale_edit_is_refused_naming_what_changed_and_who_changed_it(django_user_model):
    moderator = superuser(django_user_model, "ana")
    camera = new_camera()
    camera_update(camera=camera, actor=superuser(django_user_model, "ben"), height=3.0)

    with pytest.raises(VersionConflict) as caught:
        camera_edit(camera=camera, moderator=moderator, expected_version=1, values={"tilt": 5})

    assert "version 2 by ben at " in caught.value.messages[0]
    assert "changed height" in caught.value.messages[0]
    camera.refresh_from_db()
    assert (camera.version, camera.tilt) == (2, None)


@pytest.mark.django_db
def test_edit_then_approve_on_an_old_page_does_not_undo_a_confirmation_made_meanwhile(
    django_user_model,
):
    moderator = superuser(django_user_model, "ana")
    submission = submission_create(location=INSIDE, kind="camera")
    camera_update(camera=submission.camera, actor=None, last_confirmed="2026-12-01")

    with pytest.raises(VersionConflict):
        submission_approve(
            submission=submission,
            moderator=moderator,
            changes={"height": 5.0, "last_confirmed": None},
            expected_version=1,
        )

    submission.refresh_from_db()
    assert submission.state == ReviewState.OPEN
    assert str(submission.camera.last_confirmed) == "2026-12-01"


# ------------------------------------------------------- one changeset


@pytest.mark.django_db
def test_a_report_with_capabilities_and_photos_waiting_for_review_is_one_changeset(media):
    before = Changeset.objects.count()

    sent = send_submission(
        sender=Sender(may_wait_for_review=True),
        location=INSIDE,
        kind="camera",
        capabilities=["face_recognition", "audio", "analytics"],
        photos=[jpeg("one.jpg"), jpeg("two.jpg")],
        note="on the corner",
    )

    camera = sent.item.camera
    assert Changeset.objects.count() == before + 1
    (revision,) = camera.revisions.all()
    assert revision.changes["capabilities"] == [[], ["analytics", "audio", "face_recognition"]]
    assert revision.changes["status"] == [None, Status.HIDDEN]
    assert sent.item.photos.count() == 2
    assert sent.without_proof


@pytest.mark.django_db
def test_a_decision_that_shows_edits_and_verifies_a_camera_is_one_changeset(django_user_model):
    moderator = superuser(django_user_model, "ana")
    submission = submission_create(location=INSIDE, kind="camera", review_first=True)
    before = Changeset.objects.count()

    submission_approve(submission=submission, moderator=moderator, changes={"height": 5.0})

    camera = Camera.objects.get(pk=submission.camera_id)
    assert Changeset.objects.count() == before + 1
    changesets = set(camera.revisions.filter(version__gt=1).values_list("changeset", flat=True))
    assert len(changesets) == 1
    (logged,) = ModerationAction.objects.filter(subject=f"submission:{submission.pk}")
    assert logged.changeset_id == changesets.pop()
    assert (camera.status, camera.height) == (Status.VERIFIED, 5.0)


# ----------------------------------------------- scopes, before and after


@pytest.mark.django_db
class TestAScopedModeratorCannotMoveACameraAcrossTheBoundary:
    """By every path a moderator changes a camera's place: out of their
    area, or into it from outside, is refused and nothing changes."""

    def test_by_an_edit(self, scoped):
        inside, outside = new_camera(INSIDE), new_camera(OUTSIDE)
        with pytest.raises(PermissionDenied):
            camera_edit(
                camera=inside, moderator=scoped, expected_version=1, values={"location": OUTSIDE}
            )
        with pytest.raises(PermissionDenied):
            camera_edit(
                camera=outside, moderator=scoped, expected_version=1, values={"location": INSIDE}
            )
        assert Camera.objects.get(pk=inside.pk).location.equals(INSIDE)
        assert Camera.objects.get(pk=outside.pk).version == 1

    def test_within_the_area_an_edit_is_allowed(self, scoped):
        camera = new_camera(INSIDE)
        camera = camera_edit(
            camera=camera, moderator=scoped, expected_version=1, values={"location": ALSO_INSIDE}
        )
        assert camera.version == 2

    def test_by_edit_then_approve(self, scoped):
        submission = submission_create(location=INSIDE, kind="camera")
        with pytest.raises(PermissionDenied):
            submission_approve(
                submission=submission,
                moderator=scoped,
                changes={"location": [OUTSIDE.x, OUTSIDE.y]},
            )
        submission.refresh_from_db()
        assert submission.state == ReviewState.OPEN
        assert submission.camera.location.equals(INSIDE)

    def test_by_applying_a_suggestion(self, scoped):
        camera = new_camera(INSIDE)
        suggestion = edit_suggestion_add(camera=camera, changes={"location": OUTSIDE})
        with pytest.raises(PermissionDenied):
            edit_suggestion_apply(suggestion=suggestion, moderator=scoped)
        assert EditSuggestion.objects.get(pk=suggestion.pk).state == ReviewState.OPEN
        assert Camera.objects.get(pk=camera.pk).location.equals(INSIDE)

    def test_by_a_revert(self, scoped, django_user_model):
        # Moved out by an administrator, a scoped moderator cannot bring it
        # back in; moved in, they cannot revert it out.
        admin = superuser(django_user_model, "admin")
        moved_out = new_camera(INSIDE)
        camera_edit(
            camera=moved_out, moderator=admin, expected_version=1, values={"location": OUTSIDE}
        )
        moved_in = new_camera(OUTSIDE)
        camera_edit(
            camera=moved_in, moderator=admin, expected_version=1, values={"location": INSIDE}
        )
        for camera in (moved_out, moved_in):
            with pytest.raises(PermissionDenied):
                camera_revert(camera=camera, version=1, moderator=scoped, reason="back")
            assert Camera.objects.get(pk=camera.pk).version == 2

    def test_by_the_moderation_page(self, scoped, downtown):
        submission = submission_create(location=INSIDE, kind="camera")
        client = Client()
        client.force_login(scoped)
        response = client.post(
            f"/moderation/submissions/{submission.pk}/",
            {
                "action": "edit-approve",
                "seen_version": 1,
                "latitude": OUTSIDE.y,
                "longitude": OUTSIDE.x,
                "kind": "camera",
            },
        )
        assert response.status_code == 403
        submission.refresh_from_db()
        assert submission.state == ReviewState.OPEN


def test_model_values_for_a_moderators_change_refuse_unknown_fields():
    with pytest.raises(ValidationError):
        model_value("version", 3)


# ------------------------------------------------------- moderators' role


@pytest.mark.django_db
def test_staff_without_the_moderator_role_do_not_see_hidden_cameras(django_user_model):
    staff = django_user_model.objects.create_user(
        username="staff", password=PASSWORD, is_staff=True
    )
    staff.user_permissions.add(Permission.objects.get(codename="change_camera"))
    moderator = superuser(django_user_model, "ana")
    camera = new_camera()
    camera_edit(
        camera=camera,
        moderator=moderator,
        expected_version=1,
        values={},
        status=Status.HIDDEN,
        reason="a fake",
    )
    for user, status in ((staff, 404), (moderator, 200)):
        client = Client()
        client.force_login(user)
        assert client.get(f"/cameras/{camera.pk}/").status_code == status
        assert client.get(f"/api/v1/cameras/{camera.pk}/").status_code == status


@pytest.mark.django_db
def test_a_scoped_moderator_sees_only_their_areas_decisions_in_the_log(scoped, django_user_model):
    admin = superuser(django_user_model, "admin")
    for location in (INSIDE, OUTSIDE):
        submission = submission_create(location=location, kind="camera")
        submission_reject(submission=submission, moderator=admin, reason=f"at {location.x}")
    client = Client()
    client.force_login(scoped)

    page = client.get("/moderation/log/")

    assert page.status_code == 200
    assert f"at {INSIDE.x}" in page.text
    assert f"at {OUTSIDE.x}" not in page.text


@pytest.mark.django_db
def test_submissions_are_never_stored_twice_for_one_key(media):
    sender = Sender(may_wait_for_review=True, idempotency_key="k" * 32)

    first = send_submission(sender=sender, location=INSIDE, kind="camera", photos=[jpeg()])
    again = send_submission(sender=sender, location=INSIDE, kind="camera", photos=[jpeg()])

    assert again.replayed and not first.replayed
    assert again.item.pk == first.item.pk
    assert again.receipt_token == first.receipt_token != ""
    assert Submission.objects.count() == 1
    assert len([path for path in media.rglob("*") if path.is_file()]) == 2  # photo, thumbnail
