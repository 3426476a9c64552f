"""The moderators' pages through Django's test client on real PostGIS: who
may see the queue, each decision done and recorded, forged and refused
requests changing nothing, revert from a camera's history, the log, the
grant_moderator command, and that the public API cannot moderate."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.gis.geos import Point, Polygon
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains
from rest_framework.test import APIClient

from registry.models import (
    Camera,
    Confirmation,
    EditSuggestion,
    ImportConflict,
    MergeCandidate,
    ModerationAction,
    ModeratorArea,
    Operator,
    RemovalReport,
    Revision,
    Status,
    Submission,
    Vendor,
)
from registry.services import camera_create, camera_hide, camera_update
from registry.services.areas import area_upsert
from registry.services.contributions import (
    confirmation_add,
    edit_suggestion_add,
    receipt_issue,
    removal_report_add,
    submission_create,
)
from registry.services.history import open_changeset
from registry.services.review import submission_approve
from tests.factories import CameraFactory, DatasetFactory, VendorFactory

pytestmark = pytest.mark.django_db

HERE = Point(-87.6300, 41.8800, srid=4326)
FIVE_METRES_NORTH = Point(-87.6300, 41.880045, srid=4326)
THIRTY_METRES_EAST = Point(-87.62964, 41.8800, srid=4326)
PARIS = Point(2.35, 48.85, srid=4326)
CHICAGO_SQUARE = Polygon(((-88, 41), (-87, 41), (-87, 42), (-88, 42), (-88, 41)), srid=4326)
QUEUE = "/moderation/"


@dataclass
class FakeStoredPhoto:
    name: str
    thumbnail_name: str


def make_moderator(django_user_model, username: str = "mod", areas=()):
    user = django_user_model.objects.create_user(username=username, password="a-long-pass-41")
    user.user_permissions.add(Permission.objects.get(codename="moderate"))
    for area in areas:
        ModeratorArea.objects.create(user=user, area=area)
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def mod(django_user_model):
    return make_moderator(django_user_model)


@pytest.fixture
def mod_client(mod):
    client = Client()
    client.force_login(mod)
    return client


@pytest.fixture
def resident(django_user_model):
    return django_user_model.objects.create_user(
        username="alice", email="alice@example.org", password="a-long-pass-42"
    )


@pytest.fixture
def chicago():
    return area_upsert(name="Chicago", level="city", geometry=CHICAGO_SQUARE)[0]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def submit(**values):
    values.setdefault("location", HERE)
    values.setdefault("kind", "camera")
    return submission_create(**values)


def item_url(kind: str, pk: int) -> str:
    return f"/moderation/{kind}/{pk}/"


def db_state() -> tuple:
    """What a refused request must leave as it was."""
    return (
        list(Camera.objects.order_by("pk").values_list("pk", "version", "status", "height")),
        list(Submission.objects.order_by("pk").values_list("pk", "state", "merged_into")),
        list(EditSuggestion.objects.order_by("pk").values_list("pk", "state")),
        list(RemovalReport.objects.order_by("pk").values_list("pk", "state")),
        list(ImportConflict.objects.order_by("pk").values_list("pk", "resolution")),
        list(MergeCandidate.objects.order_by("pk").values_list("pk", "decision")),
        ModerationAction.objects.count(),
        Revision.objects.count(),
        Confirmation.objects.count(),
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def json_script(response, element_id: str):
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


# ------------------------------------------------------------------ access


class TestAccess:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client, settings):
        settings.LOGIN_URL = "/accounts/login/"
        response = client.get(QUEUE)
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/moderation/"

    def test_an_account_without_the_role_gets_a_403_page(self, client, resident):
        client.force_login(resident)
        response = client.get(QUEUE)
        assert response.status_code == 403
        assertContains(response, "for moderators", status_code=403)

    def test_a_moderator_sees_the_queue_with_counts(self, mod_client):
        submission = submit()
        edit_suggestion_add(camera=submission.camera, changes={"height": 4})
        response = mod_client.get(QUEUE)
        assert response.status_code == 200
        assertContains(response, item_url("submissions", submission.pk))
        tabs = {tab["slug"]: tab["count"] for tab in response.context["tabs"]}
        assert tabs == {
            "submissions": 1,
            "edit-suggestions": 1,
            "removal-reports": 0,
            "import-conflicts": 0,
            "merge-candidates": 0,
            "spellings": 0,
        }

    def test_an_area_limited_moderator_sees_only_items_inside(
        self, client, django_user_model, chicago
    ):
        limited = make_moderator(django_user_model, "local", areas=[chicago])
        inside, outside = submit(location=HERE), submit(location=PARIS)
        client.force_login(limited)
        rows = client.get(QUEUE).context["rows"]
        assert [row["url"] for row in rows] == [item_url("submissions", inside.pk)]
        assert client.get(item_url("submissions", outside.pk)).status_code == 403

    def test_an_area_limited_moderator_cannot_decide_outside(
        self, client, django_user_model, chicago
    ):
        limited = make_moderator(django_user_model, "local", areas=[chicago])
        outside = submit(location=PARIS)
        client.force_login(limited)
        before = db_state()
        response = client.post(item_url("submissions", outside.pk), {"action": "approve"})
        assert response.status_code == 403
        assert db_state() == before

    def test_the_queue_is_oldest_first_and_paged(self, mod_client):
        submissions = [submit(location=Point(-87.63 + n * 0.001, 41.88)) for n in range(27)]
        first = mod_client.get(QUEUE)
        second = mod_client.get(QUEUE, {"page": 2})
        urls = [row["url"] for row in first.context["rows"] + second.context["rows"]]
        assert urls == [item_url("submissions", s.pk) for s in submissions]
        assert len(first.context["rows"]) == 25

    def test_an_unknown_section_or_item_is_a_404(self, mod_client):
        assert mod_client.get("/moderation/spaceships/").status_code == 404
        assert mod_client.get(item_url("submissions", 999999)).status_code == 404


# --------------------------------------------------------------- item page


class TestItemPage:
    def test_it_shows_the_warnings_map_nearby_cameras_and_counts(self, mod_client, settings):
        settings.VERIFY_AFTER_CONFIRMATIONS = 3
        existing = camera_create(location=HERE, actor=None, kind="camera")
        submission = submit(location=FIVE_METRES_NORTH)
        confirmation_add(camera=submission.camera, receipt=receipt_issue()[0])
        response = mod_client.get(item_url("submissions", submission.pk))
        assert response.status_code == 200
        assertContains(response, f"Camera #{existing.pk} of the same kind is within 10.0 m.")
        assertContains(response, "no road or water data loaded")
        assert [camera.pk for camera in response.context["nearby"]] == [existing.pk]
        nearby = json_script(response, "moderation-map-data")["nearby"]
        assert [camera["id"] for camera in nearby] == [existing.pk]
        assert json_script(response, "camera-map-data")["latitude"] == pytest.approx(41.880045)
        counts = response.context["counts"]
        assert (counts["confirmations"], counts["independent"], counts["needed"]) == (1, 0, 3)

    def test_the_contributor_is_only_an_account_name_or_a_receipt_number(
        self, mod_client, resident
    ):
        by_account = submit(user=resident)
        receipt, _token = receipt_issue()
        by_receipt = submit(receipt=receipt, location=PARIS)
        response = mod_client.get(item_url("submissions", by_account.pk))
        assertContains(response, "account alice")
        assertNotContains(response, "alice@example.org")
        response = mod_client.get(item_url("submissions", by_receipt.pk))
        assertContains(response, f"anonymous (receipt #{receipt.pk})")

    def test_photos_are_thumbnails_linking_to_the_full_image(self, mod_client, media):
        names = [default_storage.save(f"photos/{n}.jpg", ContentFile(b"x")) for n in ("p", "p-t")]
        submission = submit(photos=[FakeStoredPhoto(*names)])
        response = mod_client.get(item_url("submissions", submission.pk))
        assertContains(response, f'<a href="/media/{names[0]}"><img src="/media/{names[1]}"')

    def test_a_removal_report_shows_the_date_and_the_note(self, mod_client):
        camera = camera_create(location=HERE, actor=None, kind="camera")
        report = removal_report_add(camera=camera, seen_gone_on=date(2025, 3, 2), note="pole")
        response = mod_client.get(item_url("removal-reports", report.pk))
        assertContains(response, "found the camera gone on March 2, 2025")
        assertContains(response, "pole")
        assert response.context["counts"]["disputes"] == 1

    def test_an_import_conflict_shows_both_values(self, mod_client, import_changeset):
        camera = camera_create(location=HERE, actor=None, kind="camera", height=3.0)
        conflict = make_conflict(camera, import_changeset)
        response = mod_client.get(item_url("import-conflicts", conflict.pk))
        assert response.context["conflict"] == {
            "label": "Height",
            "local": "3 m above the ground",
            "source": "6 m above the ground",
            "current": "3 m above the ground",
        }
        assertContains(response, f'name="seen_version" value="{camera.version}"')

    def test_the_pages_are_in_spanish_under_es(self, mod_client):
        submission = submit()
        response = mod_client.get(f"/es{item_url('submissions', submission.pk)}")
        assert response.status_code == 200
        assert response.context["LANGUAGE_CODE"] == "es"

    def test_an_edit_suggestion_shows_the_diff(self, mod_client):
        camera = camera_create(location=HERE, actor=None, kind="camera", height=3.0)
        suggestion = edit_suggestion_add(camera=camera, changes={"height": 5.5})
        response = mod_client.get(item_url("edit-suggestions", suggestion.pk))
        assert response.context["diff"] == [
            {
                "label": "Height",
                "seen": "3 m above the ground",
                "current": "3 m above the ground",
                "proposed": "5.5 m above the ground",
                "moved": False,
            }
        ]


# ------------------------------------------------------------- decisions


class TestSubmissionDecisions:
    def test_approving_verifies_records_and_leads_to_the_next_item(self, mod_client, mod):
        first, second = submit(), submit(location=PARIS)
        response = mod_client.post(item_url("submissions", first.pk), {"action": "approve"})
        assert response.status_code == 302
        assert response["Location"] == item_url("submissions", second.pk)
        first.refresh_from_db()
        assert (first.state, first.decided_by, first.camera.status) == (
            "accepted",
            mod,
            "verified",
        )
        action = ModerationAction.objects.get()
        assert (action.action, action.subject, action.moderator) == (
            "approve",
            f"submission:{first.pk}",
            mod,
        )
        page = mod_client.get(response["Location"])
        assert any("is verified" in text for text in messages_of(page))

    def test_a_camera_waiting_hidden_for_review_is_shown_verified_on_approval(
        self, mod_client, settings
    ):
        settings.SUBMISSIONS_PUBLIC_BEFORE_REVIEW = False
        submission = submit()
        url = item_url("submissions", submission.pk)
        assertContains(mod_client.get(url), "waits hidden until a moderator approves it")
        mod_client.post(url, {"action": "approve"})
        assert Camera.objects.visible().get(pk=submission.camera.pk).status == "verified"

    def test_after_the_last_item_the_queue_is_shown(self, mod_client):
        only = submit()
        response = mod_client.post(item_url("submissions", only.pk), {"action": "approve"})
        assert response["Location"] == "/moderation/submissions/"

    def test_edit_then_approve_writes_only_the_changed_fields(self, mod_client):
        submission = submit(camera_type="dome")
        form = mod_client.get(item_url("submissions", submission.pk)).context["edit_form"]
        data = {name: "" if value is None else value for name, value in form.initial.items()}
        data |= {"action": "edit-approve", "height": "4.5", "directions": "90; 180"}
        response = mod_client.post(item_url("submissions", submission.pk), data)
        assert response.status_code == 302
        camera = Camera.objects.get(pk=submission.camera.pk)
        assert (camera.height, camera.directions, camera.status) == (
            4.5,
            [90.0, 180.0],
            "verified",
        )
        assert camera.revisions.get(version=2).changes == {
            "height": [None, 4.5],
            "directions": [[], [90.0, 180.0]],
        }

    def test_edit_then_approve_with_a_bad_value_changes_nothing(self, mod_client):
        submission = submit()
        before = db_state()
        response = mod_client.post(
            item_url("submissions", submission.pk),
            {"action": "edit-approve", "latitude": "41.88", "longitude": "-87.63", "tilt": "500"},
        )
        assert response.status_code == 400
        assertContains(response, "Tilt", status_code=400)
        assert db_state() == before

    def test_rejecting_needs_a_reason(self, mod_client):
        submission = submit()
        before = db_state()
        response = mod_client.post(
            item_url("submissions", submission.pk), {"action": "reject", "reason": "  "}
        )
        assert response.status_code == 400
        assertContains(response, "Say why", status_code=400)
        assert db_state() == before

    def test_rejecting_hides_the_camera_and_records_the_reason(self, mod_client):
        submission = submit()
        response = mod_client.post(
            item_url("submissions", submission.pk), {"action": "reject", "reason": "no camera"}
        )
        assert response.status_code == 302
        camera = Camera.objects.get(pk=submission.camera.pk)
        assert (camera.status, camera.status_note) == ("hidden", "no camera")
        assert ModerationAction.objects.get().reason == "no camera"

    def test_merging_into_a_nearby_camera(self, mod_client):
        original = camera_create(location=HERE, actor=None, kind="camera")
        submission = submit(location=FIVE_METRES_NORTH, receipt=receipt_issue()[0])
        response = mod_client.post(
            item_url("submissions", submission.pk), {"action": "merge", "into": original.pk}
        )
        assert response.status_code == 302
        submission.refresh_from_db()
        assert (submission.state, submission.merged_into) == ("merged", original)
        assert Confirmation.objects.get().camera == original
        assert ModerationAction.objects.get().action == "merge"

    @pytest.mark.parametrize("target", ["hidden", "missing", "none"])
    def test_merging_into_a_hidden_missing_or_no_camera_changes_nothing(self, mod_client, target):
        other = camera_create(location=THIRTY_METRES_EAST, actor=None, kind="camera")
        camera_hide(camera=other, actor=None, reason="fake")
        submission = submit()
        into = {"hidden": {"into_id": other.pk}, "missing": {"into_id": 999999}, "none": {}}
        before = db_state()
        response = mod_client.post(
            item_url("submissions", submission.pk), {"action": "merge", **into[target]}
        )
        assert response.status_code == 400
        assert db_state() == before

    def test_hiding_and_showing_again_are_reversible_and_recorded(self, mod_client):
        submission = submit()
        url = item_url("submissions", submission.pk)
        response = mod_client.post(url, {"action": "hide", "reason": "checking"})
        assert response["Location"] == url
        assert Camera.objects.get(pk=submission.camera.pk).status == Status.HIDDEN
        mod_client.post(url, {"action": "unhide", "reason": "checked"})
        assert Camera.objects.get(pk=submission.camera.pk).status == Status.REPORTED
        submission.refresh_from_db()
        assert submission.state == "open"
        assert list(ModerationAction.objects.order_by("id").values_list("action", flat=True)) == [
            "hide",
            "unhide",
        ]

    def test_hiding_needs_a_reason(self, mod_client):
        submission = submit()
        before = db_state()
        response = mod_client.post(item_url("submissions", submission.pk), {"action": "hide"})
        assert response.status_code == 400
        assert db_state() == before


class TestOtherDecisions:
    def test_applying_an_edit_suggestion(self, mod_client):
        camera = camera_create(location=HERE, actor=None, kind="camera", height=3.0)
        suggestion = edit_suggestion_add(camera=camera, changes={"height": 5.5})
        response = mod_client.post(
            item_url("edit-suggestions", suggestion.pk), {"action": "apply"}
        )
        assert response.status_code == 302
        camera.refresh_from_db()
        assert (camera.height, camera.version) == (5.5, 2)
        assert ModerationAction.objects.get().action == "apply"

    def test_a_suggestion_overtaken_by_an_edit_is_a_409(self, mod_client):
        camera = camera_create(location=HERE, actor=None, kind="camera", height=3.0)
        suggestion = edit_suggestion_add(camera=camera, changes={"height": 5.5})
        camera_update(camera=camera, actor=None, height=4.0)
        before = db_state()
        response = mod_client.post(
            item_url("edit-suggestions", suggestion.pk), {"action": "apply"}
        )
        assert response.status_code == 409
        assertContains(response, "Changed since", status_code=409)
        assert db_state() == before

    def test_rejecting_an_edit_suggestion(self, mod_client):
        suggestion = edit_suggestion_add(
            camera=camera_create(location=HERE, actor=None, kind="camera"), changes={"tilt": 10}
        )
        url = item_url("edit-suggestions", suggestion.pk)
        assert mod_client.post(url, {"action": "reject"}).status_code == 400
        assert mod_client.post(url, {"action": "reject", "reason": "no"}).status_code == 302
        suggestion.refresh_from_db()
        assert (suggestion.state, suggestion.decision_reason) == ("rejected", "no")

    def test_accepting_a_removal_report_removes_the_camera_on_that_date(self, mod_client):
        camera = camera_create(location=HERE, actor=None, kind="camera")
        report = removal_report_add(camera=camera, seen_gone_on=date(2025, 3, 2), note="gone")
        response = mod_client.post(item_url("removal-reports", report.pk), {"action": "accept"})
        assert response.status_code == 302
        camera.refresh_from_db()
        assert (camera.status, camera.removed_on) == ("removed", date(2025, 3, 2))

    def test_rejecting_a_removal_report_keeps_the_camera(self, mod_client):
        camera = camera_create(location=HERE, actor=None, kind="camera")
        report = removal_report_add(camera=camera)
        response = mod_client.post(
            item_url("removal-reports", report.pk), {"action": "reject", "reason": "still there"}
        )
        assert response.status_code == 302
        camera.refresh_from_db()
        assert camera.status == "reported"
        assert ModerationAction.objects.get().action == "reject"


@pytest.fixture
def import_changeset():
    return open_changeset(actor="import: city", dataset=DatasetFactory(name="city"))


def make_conflict(camera, changeset, field="height", local=3.0, source=6.0) -> ImportConflict:
    return ImportConflict.objects.create(
        camera=camera,
        dataset=changeset.dataset,
        changeset=changeset,
        field=field,
        local_value=local,
        source_value=source,
    )


class TestImportDecisions:
    def test_accepting_the_sources_value(self, mod_client, mod, import_changeset):
        camera = camera_create(location=HERE, actor=None, kind="camera", height=3.0)
        conflict = make_conflict(camera, import_changeset)
        response = mod_client.post(
            item_url("import-conflicts", conflict.pk),
            {"action": "accept-source", "seen_version": camera.version},
        )
        assert response.status_code == 302
        camera.refresh_from_db()
        conflict.refresh_from_db()
        assert (camera.height, conflict.resolution, conflict.resolved_by) == (
            6.0,
            "accepted_source",
            mod,
        )

    def test_accepting_on_a_page_older_than_the_camera_is_a_409(
        self, mod_client, import_changeset
    ):
        camera = camera_create(location=HERE, actor=None, kind="camera", height=3.0)
        conflict = make_conflict(camera, import_changeset)
        camera_update(camera=camera, actor=None, tilt=10)
        before = db_state()
        response = mod_client.post(
            item_url("import-conflicts", conflict.pk),
            {"action": "accept-source", "seen_version": 1},
        )
        assert response.status_code == 409
        assert db_state() == before

    def test_keeping_the_local_value(self, mod_client, import_changeset):
        camera = camera_create(location=HERE, actor=None, kind="camera", height=3.0)
        conflict = make_conflict(camera, import_changeset)
        mod_client.post(item_url("import-conflicts", conflict.pk), {"action": "keep-local"})
        conflict.refresh_from_db()
        camera.refresh_from_db()
        assert (conflict.resolution, camera.height) == ("kept_local", 3.0)

    @pytest.mark.parametrize(
        ("action", "status"), [("duplicate", "hidden"), ("distinct", "reported")]
    )
    def test_a_possible_duplicate(self, mod_client, import_changeset, action, status):
        original = camera_create(location=HERE, actor=None, kind="camera")
        imported = camera_create(location=FIVE_METRES_NORTH, actor=None, kind="camera")
        candidate = MergeCandidate.objects.create(
            camera=imported, duplicate_of=original, distance=5.0, changeset=import_changeset
        )
        page = mod_client.get(item_url("merge-candidates", candidate.pk))
        assert original.pk in [camera.pk for camera in page.context["nearby"]]
        response = mod_client.post(item_url("merge-candidates", candidate.pk), {"action": action})
        assert response.status_code == 302
        imported.refresh_from_db()
        candidate.refresh_from_db()
        assert (candidate.decision, imported.status) == (action, status)


# ------------------------------------------------------ refused requests


class TestRefused:
    def test_an_item_already_decided_is_a_409_and_changes_nothing(self, mod_client, mod):
        submission = submit()
        submission_approve(submission=submission, moderator=mod)
        before = db_state()
        response = mod_client.post(
            item_url("submissions", submission.pk), {"action": "reject", "reason": "late"}
        )
        assert response.status_code == 409
        assertContains(response, "already approved by mod at ", status_code=409)
        assert db_state() == before

    def test_a_decided_item_shows_its_decision_and_no_forms(self, mod_client, mod):
        submission = submit()
        submission_approve(submission=submission, moderator=mod, reason="seen it")
        response = mod_client.get(item_url("submissions", submission.pk))
        assertContains(response, "Decided: accepted")
        assertContains(response, "seen it")
        assertNotContains(response, 'value="approve"')

    def test_an_unknown_action_is_a_400(self, mod_client):
        submission = submit()
        before = db_state()
        response = mod_client.post(item_url("submissions", submission.pk), {"action": "verify"})
        assert response.status_code == 400
        assertContains(response, "verify", status_code=400)
        assert db_state() == before

    def test_an_action_of_another_kind_is_a_400(self, mod_client):
        submission = submit()
        before = db_state()
        response = mod_client.post(item_url("submissions", submission.pk), {"action": "apply"})
        assert response.status_code == 400
        assert db_state() == before

    def test_a_wrong_item_id_is_a_404(self, mod_client):
        before = db_state()
        response = mod_client.post(item_url("submissions", 424242), {"action": "approve"})
        assert response.status_code == 404
        assert db_state() == before

    def test_an_account_without_the_role_cannot_post(self, client, resident):
        submission = submit()
        client.force_login(resident)
        before = db_state()
        response = client.post(item_url("submissions", submission.pk), {"action": "approve"})
        assert response.status_code == 403
        assert db_state() == before

    def test_an_anonymous_post_is_a_403(self, client):
        submission = submit()
        before = db_state()
        response = client.post(item_url("submissions", submission.pk), {"action": "approve"})
        assert response.status_code == 403
        assert db_state() == before

    def test_a_post_without_the_csrf_token_is_refused(self, mod):
        submission = submit()
        client = Client(enforce_csrf_checks=True)
        client.force_login(mod)
        before = db_state()
        response = client.post(item_url("submissions", submission.pk), {"action": "approve"})
        assert response.status_code == 403
        assert db_state() == before

    def test_a_nul_character_in_the_reason_is_a_400(self, mod_client):
        submission = submit()
        before = db_state()
        response = mod_client.post(
            item_url("submissions", submission.pk), {"action": "reject", "reason": "a\x00b"}
        )
        assert response.status_code == 400
        assert db_state() == before

    def test_numbers_beyond_any_row_are_refused_cleanly(self, mod_client):
        submission = submit()
        huge = "9" * 30
        assert mod_client.get(item_url("submissions", int(huge))).status_code == 404
        before = db_state()
        url = item_url("submissions", submission.pk)
        for data in (
            {"action": "merge", "into_id": huge},
            {"action": "merge", "into": huge},
            {"action": "edit-approve", "latitude": "41.88", "longitude": "-87.63", "vendor": huge},
        ):
            assert mod_client.post(url, data).status_code == 400
        assert db_state() == before

    def test_other_methods_are_a_405(self, mod_client):
        submission = submit()
        assert mod_client.delete(item_url("submissions", submission.pk)).status_code == 405


# ----------------------------------------------------------------- history


class TestRevert:
    @pytest.fixture
    def edited(self):
        camera = camera_create(location=HERE, actor=None, kind="camera", height=3.0)
        return camera_update(camera=camera, actor=None, height=7.0, kind="ALPR")

    def url(self, camera) -> str:
        return f"/moderation/cameras/{camera.pk}/history/"

    def test_the_history_offers_a_revert_for_every_earlier_version(self, mod_client, edited):
        response = mod_client.get(self.url(edited))
        assertContains(response, "Revert to version 1")
        assertNotContains(response, "Revert to version 2")

    def test_reverting_brings_back_a_version_and_is_recorded(self, mod_client, edited):
        response = mod_client.post(
            self.url(edited),
            {"action": "revert", "version": 1, "seen_version": 2, "reason": "vandalism"},
        )
        assert response.status_code == 302
        edited.refresh_from_db()
        assert (edited.height, edited.kind, edited.version) == (3.0, "camera", 3)
        action = ModerationAction.objects.get()
        assert (action.action, action.reason) == ("revert", "vandalism")

    @pytest.mark.parametrize(
        ("data", "status"),
        [
            ({"version": 1, "seen_version": 2}, 400),  # no reason
            ({"version": 9, "seen_version": 2, "reason": "x"}, 400),
            ({"version": 2, "seen_version": 2, "reason": "x"}, 400),  # the current one
            ({"version": "one", "reason": "x"}, 400),
            ({"version": 1, "seen_version": 1, "reason": "x"}, 409),  # an older page
        ],
    )
    def test_a_refused_revert_changes_nothing(self, mod_client, edited, data, status):
        before = db_state()
        response = mod_client.post(self.url(edited), {"action": "revert", **data})
        assert response.status_code == status
        assert db_state() == before

    def test_a_camera_outside_the_moderators_areas_is_a_403(
        self, client, django_user_model, chicago
    ):
        camera = camera_create(location=PARIS, actor=None, kind="camera")
        client.force_login(make_moderator(django_user_model, "local", areas=[chicago]))
        assert client.get(self.url(camera)).status_code == 403


# --------------------------------------------------------------------- log


class TestLog:
    def test_the_log_lists_every_decision_and_filters(
        self, mod_client, mod, django_user_model, import_changeset
    ):
        other = make_moderator(django_user_model, "other")
        first = submit()
        submission_approve(submission=first, moderator=mod, reason="looked fine")
        second = submit(location=PARIS)
        submission_approve(submission=second, moderator=other)
        camera = camera_create(location=HERE, actor=None, kind="camera", height=3.0)
        mod_client.post(
            item_url("import-conflicts", make_conflict(camera, import_changeset).pk),
            {"action": "keep-local"},
        )
        rows = mod_client.get("/moderation/log/").context["rows"]
        assert [(row["who"], row["what"]) for row in rows] == [
            ("mod", "kept_local"),
            ("other", "approve"),
            ("mod", "approve"),
        ]
        assert rows[2]["why"] == "looked fine"
        assert rows[2]["url"] == item_url("submissions", first.pk)
        mine = mod_client.get("/moderation/log/", {"moderator": "mod", "action": "approve"})
        assert [row["item"] for row in mine.context["rows"]] == [f"submission:{first.pk}"]

    def test_an_unknown_filter_is_ignored_with_a_notice(self, mod_client):
        response = mod_client.get("/moderation/log/", {"action": "explode"})
        assert response.status_code == 200
        assertContains(response, "explode")
        assert response.context["action"] == ""


SPELLINGS_PAGE = "/moderation/spellings/"


def spelling_state() -> tuple:
    """What a refused mapping must leave as it was."""
    return (
        list(Camera.objects.order_by("pk").values_list("pk", "version", "vendor", "operator")),
        list(Vendor.objects.order_by("pk").values_list("pk", "name", "aliases")),
        list(Operator.objects.order_by("pk").values_list("pk", "name", "aliases")),
        Revision.objects.count(),
    )


def unmatched(role: str, *spellings: str) -> list[Camera]:
    return [
        camera_create(location=Point(n, n, srid=4326), actor=None, **{f"{role}_raw": spelling})
        for n, spelling in enumerate(spellings)
    ]


def error_lines(response) -> list[str]:
    return [str(line) for line in response.context["errors"]]


class TestSpellings:
    """The records are made after the cameras: a camera that came in with a
    known name points to its record already."""

    @pytest.fixture
    def admin_client(self, client, moderator):
        """A moderator of every area who may add and change vendors and
        operators (a superuser)."""
        client.force_login(moderator)
        return client

    def test_unmatched_spellings_are_counted_and_grouped(self, mod_client):
        unmatched("vendor", "Flok Safety", "flok safety", "Acme Cams")
        response = mod_client.get(SPELLINGS_PAGE)
        tabs = {tab["slug"]: tab["count"] for tab in response.context["tabs"]}
        assert tabs["spellings"] == 3
        vendors = response.context["roles"][0]
        assert vendors["group_count"] == 2
        assertContains(response, "“Flok Safety” (1), “flok safety” (1): 2 cameras")

    def test_each_group_has_a_labelled_form_for_those_who_may_map(self, admin_client):
        unmatched("vendor", "Flok Safety", "flok safety")
        VendorFactory(name="Flock Safety")
        response = admin_client.get(SPELLINGS_PAGE)
        assertContains(response, '<label for="vendor-1-target">Existing vendor</label>', html=True)
        assertContains(
            response, '<label for="vendor-1-new">Name of a new vendor</label>', html=True
        )
        assertContains(response, '<input type="hidden" name="spellings" value="flok safety">')
        assertContains(
            response, "<legend>“Flok Safety” (1), “flok safety” (1): 2 cameras</legend>"
        )
        assertContains(response, ">Flock Safety</option>")
        assertNotContains(response, "/admin/")

    def test_mapping_a_group_to_an_existing_vendor(self, admin_client, moderator):
        cameras = unmatched("vendor", "Flok Safety", "flok safety", "Acme Cams")
        flock = VendorFactory(name="Flock Safety")
        response = admin_client.post(
            SPELLINGS_PAGE,
            {"role": "vendor", "spellings": ["Flok Safety", "flok safety"], "target": flock.pk},
        )
        assert response.status_code == 302
        assert response["Location"] == "/moderation/spellings/#vendor-spellings"
        page = admin_client.get(response["Location"])
        assert messages_of(page) == ["2 cameras now point to Flock Safety."]
        assert [Camera.objects.get(pk=c.pk).vendor for c in cameras] == [flock, flock, None]
        flock.refresh_from_db()
        assert set(flock.aliases) >= {"Flok Safety"}
        revision = Revision.objects.get(camera=cameras[0], version=2)
        assert revision.changeset.user == moderator

    def test_mapping_a_group_to_a_new_operator_made_in_the_same_step(self, admin_client):
        # Spellings no record matched when they came (an import made
        # before operators were made from the data).
        cameras = [
            CameraFactory(operator_raw=spelling)
            for spelling in ("Springfield PD", "springfield p.d.")
        ]
        response = admin_client.post(
            SPELLINGS_PAGE,
            {
                "role": "operator",
                "spellings": ["Springfield PD", "springfield p.d."],
                "new_name": "  Springfield  Police ",
            },
            follow=True,
        )
        operator = Operator.objects.get()
        assert (operator.name, operator.slug) == ("Springfield Police", "springfield-police")
        assert messages_of(response) == ["2 cameras now point to Springfield Police."]
        assert [Camera.objects.get(pk=c.pk).operator for c in cameras] == [operator, operator]

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            (
                {"spellings": ["Acme Cams"]},
                "Existing vendor: Choose an existing vendor or name a new one.",
            ),
            (
                {"spellings": ["Acme Cams"], "target": 987654},
                "Existing vendor: No vendor #987654 exists.",
            ),
            (
                {"spellings": ["Acme Cams"], "target": "acme"},
                "Existing vendor: Enter a whole number.",
            ),
            ({"spellings": [" "], "new_name": "Acme"}, "Spellings: Name at least one spelling"),
            ({"new_name": "Acme"}, "Spellings: Name at least one spelling to map."),
            (
                {"spellings": ["Acme Cams"], "new_name": "flock safety"},
                "Name of a new vendor: A vendor called “flock safety” exists already",
            ),
            (
                {"spellings": ["Acme Cams"], "new_name": "Flock-Safety"},
                "Name of a new vendor: A vendor called “Flock-Safety” exists already",
            ),
            (
                {"spellings": ["Acme Cams"], "new_name": "Acme", "target": "TARGET"},
                "Name of a new vendor: Choose an existing vendor or name a new one, not both.",
            ),
            ({"spellings": ["Acme Cams"], "new_name": "???"}, "Name of a new vendor: A name"),
            (
                {"role": "camera", "spellings": ["Acme Cams"], "target": "TARGET"},
                "Vendor or operator: Select a valid choice.",
            ),
        ],
    )
    def test_a_bad_request_is_a_400_naming_the_field_and_writes_nothing(
        self, admin_client, data, error
    ):
        unmatched("vendor", "Acme Cams")
        flock = VendorFactory(name="Flock Safety")
        data = {"role": "vendor", **data}
        if data.get("target") == "TARGET":
            data["target"] = flock.pk
        before = spelling_state()
        response = admin_client.post(SPELLINGS_PAGE, data)
        assert response.status_code == 400
        assert any(line.startswith(error) for line in error_lines(response)), error_lines(response)
        assertContains(response, "Nothing was changed:", status_code=400)
        assert spelling_state() == before

    def test_a_spelling_with_a_control_character_is_refused_before_the_page_reads_it(
        self, admin_client
    ):
        unmatched("vendor", "Acme Cams")
        flock = VendorFactory(name="Flock Safety")
        before = spelling_state()
        response = admin_client.post(
            SPELLINGS_PAGE, {"role": "vendor", "spellings": ["Acme\x00"], "target": flock.pk}
        )
        assertContains(
            response, "spellings: contains the control character U+0000", status_code=400
        )
        assert spelling_state() == before

    def test_a_refused_form_keeps_what_was_typed(self, admin_client):
        unmatched("vendor", "Acme Cams")
        VendorFactory(name="Flock Safety")
        response = admin_client.post(
            SPELLINGS_PAGE,
            {"role": "vendor", "spellings": ["Acme Cams"], "new_name": "Flock Safety"},
        )
        assertContains(response, 'value="Flock Safety" aria-invalid="true"', status_code=400)

    def test_a_moderator_limited_to_some_areas_may_not_map(
        self, client, django_user_model, chicago
    ):
        unmatched("vendor", "Flok Safety")
        flock = VendorFactory(name="Flock Safety")
        local = make_moderator(django_user_model, "local", areas=[chicago])
        local.user_permissions.add(*Permission.objects.filter(codename__in=["change_vendor"]))
        client.force_login(local)
        page = client.get(SPELLINGS_PAGE)
        before = spelling_state()
        response = client.post(
            SPELLINGS_PAGE, {"role": "vendor", "spellings": ["Flok Safety"], "target": flock.pk}
        )
        assertContains(page, "moderators limited to some areas cannot do it")
        assertNotContains(page, 'name="target"')
        assertContains(response, "limited to some areas", status_code=403)
        assert spelling_state() == before

    def test_an_account_without_the_role_may_not_map(self, client, resident):
        unmatched("vendor", "Flok Safety")
        flock = VendorFactory(name="Flock Safety")
        resident.user_permissions.add(*Permission.objects.filter(codename="change_vendor"))
        client.force_login(resident)
        before = spelling_state()
        response = client.post(
            SPELLINGS_PAGE, {"role": "vendor", "spellings": ["Flok Safety"], "target": flock.pk}
        )
        assert response.status_code == 403
        assert spelling_state() == before

    def test_mapping_needs_the_right_to_change_the_records(self, mod_client, mod):
        unmatched("vendor", "Flok Safety")
        flock = VendorFactory(name="Flock Safety")
        page = mod_client.get(SPELLINGS_PAGE)
        before = spelling_state()
        response = mod_client.post(
            SPELLINGS_PAGE, {"role": "vendor", "spellings": ["Flok Safety"], "target": flock.pk}
        )
        assertContains(page, "Mapping spellings needs the right to change vendors.")
        assertNotContains(page, 'name="target"')
        assertContains(response, "right to change vendors", status_code=403)
        assert spelling_state() == before

    def test_a_new_record_needs_the_right_to_add_one(self, client, django_user_model):
        cameras = unmatched("vendor", "Flok Safety")
        flock = VendorFactory(name="Flock Safety")
        editor = make_moderator(django_user_model, "editor")
        editor.user_permissions.add(Permission.objects.get(codename="change_vendor"))
        client.force_login(editor)
        page = client.get(SPELLINGS_PAGE)
        refused = client.post(
            SPELLINGS_PAGE, {"role": "vendor", "spellings": ["Flok Safety"], "new_name": "Flok"}
        )
        mapped = client.post(
            SPELLINGS_PAGE, {"role": "vendor", "spellings": ["Flok Safety"], "target": flock.pk}
        )
        assertContains(page, 'name="target"')
        assertNotContains(page, 'name="new_name"')
        assertContains(refused, "right to add vendors", status_code=403)
        assert mapped.status_code == 302
        assert not Vendor.objects.filter(name="Flok").exists()
        assert Camera.objects.get(pk=cameras[0].pk).vendor == flock

    def test_the_page_is_in_spanish_under_es(self, admin_client):
        unmatched("vendor", "Flok Safety")
        response = admin_client.get("/es/moderation/spellings/")
        assertContains(response, "Proveedor existente")
        assertContains(response, "Nombre de un proveedor nuevo")


# ----------------------------------------------------------------- command


class TestGrantModerator:
    def run(self, *args) -> str:
        out = StringIO()
        call_command("grant_moderator", *args, stdout=out)
        return out.getvalue()

    def test_granting_adds_the_account_to_the_moderators_group(self, resident):
        assert self.run("alice") == "alice is a moderator, everywhere.\n"
        group = Group.objects.get(name="moderators")
        assert sorted(group.permissions.values_list("codename", flat=True)) == [
            "add_operator",
            "add_vendor",
            "change_operator",
            "change_vendor",
            "moderate",
        ]
        assert type(resident).objects.get(pk=resident.pk).has_perm("registry.moderate")

    def test_areas_limit_the_moderator(self, resident, chicago):
        assert "moderator in: Chicago" in self.run("alice", "--area", chicago.slug)
        assert list(ModeratorArea.objects.values_list("user", "area")) == [
            (resident.pk, chicago.pk)
        ]

    def test_revoking_takes_the_role_and_the_areas_away(self, resident, chicago):
        self.run("alice", "--area", chicago.slug)
        assert self.run("alice", "--revoke") == "alice is not a moderator.\n"
        assert not ModeratorArea.objects.exists()
        assert not type(resident).objects.get(pk=resident.pk).has_perm("registry.moderate")

    def test_removing_the_last_area_is_refused(self, resident, chicago):
        self.run("alice", "--area", chicago.slug)
        with pytest.raises(CommandError, match="without areas"):
            self.run("alice", "--revoke", "--area", chicago.slug)
        assert ModeratorArea.objects.count() == 1

    def test_an_unknown_account_or_area_changes_nothing(self, resident):
        with pytest.raises(CommandError, match="No account"):
            self.run("bob")
        with pytest.raises(CommandError, match="No area has the slug: atlantis"):
            self.run("alice", "--area", "atlantis")
        assert not Group.objects.filter(name="moderators", user=resident).exists()

    def test_a_dry_run_changes_nothing(self, resident):
        assert self.run("alice", "--dry-run").startswith("Dry run, nothing changed.")
        assert not resident.groups.exists()

    def test_a_granted_account_can_open_the_queue(self, client, resident):
        self.run("alice")
        client.force_login(resident)
        assert client.get(QUEUE).status_code == 200


# ------------------------------------------------------------ API and admin


class TestPublicApiCannotModerate:
    @pytest.fixture
    def api(self, resident):
        cache.clear()
        client = APIClient()
        client.force_authenticate(resident)
        return client

    def test_state_and_status_fields_in_a_report_are_ignored(self, api):
        body = {
            "latitude": 41.88,
            "longitude": -87.63,
            "kind": "camera",
            "status": "verified",
            "state": "accepted",
            "decided_by": 1,
        }
        response = api.post("/api/v1/submissions/", body, format="json")
        assert response.status_code == 201, response.content
        submission = Submission.objects.get()
        assert (submission.state, submission.decided_by, submission.camera.status) == (
            "open",
            None,
            "reported",
        )

    @pytest.mark.parametrize("field", ["status", "status_note", "removed_on"])
    def test_an_edit_suggestion_cannot_change_the_status(self, api, field):
        camera = camera_create(location=HERE, actor=None, kind="camera")
        before = db_state()
        response = api.post(
            f"/api/v1/cameras/{camera.pk}/edit-suggestions/",
            {"changes": {field: "hidden"}},
            format="json",
        )
        assert response.status_code == 400
        assert field in response.json()
        assert db_state() == before

    @pytest.mark.parametrize("endpoint", ["confirmations", "removal-reports", "edit-suggestions"])
    def test_a_hidden_camera_stays_hidden(self, api, endpoint):
        camera = camera_create(location=HERE, actor=None, kind="camera")
        camera_hide(camera=camera, actor=None, reason="fake")
        before = db_state()
        body = {"changes": {"height": 3}} if endpoint == "edit-suggestions" else {}
        response = api.post(f"/api/v1/cameras/{camera.pk}/{endpoint}/", body, format="json")
        assert response.status_code == 404
        assert db_state() == before
        assert api.get(f"/api/v1/cameras/{camera.pk}/").status_code == 404

    def test_only_moderators_edit_a_camera_and_none_deletes_one(self, api):
        camera = camera_create(location=HERE, actor=None, kind="camera")
        before = db_state()
        url = f"/api/v1/cameras/{camera.pk}/"
        response = api.patch(url, {"version": 1, "status": "verified"}, format="json")
        assert response.status_code == 403
        assert api.patch(url, {"status": "verified"}, format="json").status_code == 403
        assert api.delete(url).status_code == 405
        assert db_state() == before


class TestAdmin:
    def test_a_moderator_without_staff_status_cannot_reach_the_admin(self, mod_client):
        response = mod_client.get("/admin/registry/submission/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")

    def test_contributions_are_listed_with_a_link_to_their_moderation_page(
        self, client, moderator
    ):
        submission = submit()
        client.force_login(moderator)
        response = client.get("/admin/registry/submission/")
        assertContains(response, item_url("submissions", submission.pk))

    def test_moderation_actions_are_read_only_and_never_deleted(self, client, moderator):
        submission_approve(submission=submit(), moderator=moderator)
        action = ModerationAction.objects.get()
        client.force_login(moderator)
        base = f"/admin/registry/moderationaction/{action.pk}"
        assert client.get(f"{base}/change/").status_code == 200
        assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
        assert client.get("/admin/registry/moderationaction/add/").status_code == 403
        assert ModerationAction.objects.filter(pk=action.pk).exists()


def test_vendor_warning_is_shown_for_a_vendor_new_to_the_country(mod_client):
    area_upsert(name="Freedonia", level="country", code="FD", geometry=CHICAGO_SQUARE)
    submission = submit(vendor=VendorFactory(name="Flock Safety"))
    response = mod_client.get(item_url("submissions", submission.pk))
    assertContains(
        response, "No verified or imported camera of Flock Safety is recorded in Freedonia."
    )


def test_the_header_links_to_the_queue_for_moderators_only(mod_client, client, resident):
    link = 'href="/moderation/"'
    assert link in mod_client.get("/about/").content.decode()
    assert link not in client.get("/about/").content.decode()
    client.force_login(resident)
    assert link not in client.get("/about/").content.decode()
