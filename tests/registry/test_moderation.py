"""Moderators deciding what imports leave open: conflicts between a local
edit and the source, and possible duplicates. The services, then the admin,
which only shows them and links each to its moderation page, through
Django's test client."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.urls import reverse

from registry.models import Camera, ImportConflict, MergeCandidate, Revision, Status
from registry.services import (
    VersionConflict,
    camera_create,
    camera_hide,
    conflict_accept_source,
    conflict_keep_local,
    merge_mark_distinct,
    merge_mark_duplicate,
)
from registry.services.history import open_changeset
from tests.factories import DatasetFactory, VendorFactory

pytestmark = pytest.mark.django_db

CHICAGO = Point(-87.6298, 41.8781, srid=4326)
NEARBY = Point(-87.62982, 41.8781, srid=4326)


@pytest.fixture
def dataset():
    return DatasetFactory(name="city-open-data")


@pytest.fixture
def import_changeset(dataset):
    return open_changeset(actor="import: city-open-data", comment="Import", dataset=dataset)


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def make_camera(location: Point = CHICAGO, **values) -> Camera:
    return camera_create(location=location, actor=None, **{"kind": "camera", **values})


def make_conflict(camera, dataset, changeset, field, local, source, **extra) -> ImportConflict:
    return ImportConflict.objects.create(
        camera=camera,
        dataset=dataset,
        changeset=changeset,
        field=field,
        local_value=local,
        source_value=source,
        **extra,
    )


def make_candidate(camera, duplicate_of, changeset, distance=2.34) -> MergeCandidate:
    return MergeCandidate.objects.create(
        camera=camera, duplicate_of=duplicate_of, distance=distance, changeset=changeset
    )


def post_action(client, model_name: str, action: str, objects) -> object:
    return client.post(
        reverse(f"admin:registry_{model_name}_changelist"),
        {"action": action, "_selected_action": [obj.pk for obj in objects]},
        follow=True,
    )


# ------------------------------------------------------------- conflicts


def test_accepting_the_source_edits_the_camera_as_a_moderator_and_resolves_the_conflict(
    moderator, dataset, import_changeset
):
    camera = make_camera(directions=[90.0])
    conflict = make_conflict(camera, dataset, import_changeset, "directions", [90.0], [180.0])

    result = conflict_accept_source(conflict=conflict, user=moderator)

    camera.refresh_from_db()
    conflict.refresh_from_db()
    revision = camera.revisions.get(version=2)
    assert result.pk == camera.pk
    assert (camera.directions, camera.version) == ([180.0], 2)
    assert revision.changes == {"directions": [[90.0], [180.0]]}
    assert (revision.changeset.user, revision.changeset.dataset) == (moderator, None)
    assert f"import conflict #{conflict.pk}" in revision.changeset.comment
    assert conflict.resolution == ImportConflict.Resolution.ACCEPTED_SOURCE
    assert conflict.resolved_by == moderator
    assert conflict.resolved_at is not None


TAGS = {"man_made": "surveillance"}


@pytest.mark.parametrize(
    ("field", "local", "source", "expected"),
    [
        ("location", [-87.6298, 41.8781], [-87.63, 41.879], (4326, -87.63, 41.879)),
        ("last_confirmed", "2024-05-01", "2025-06-02", date(2025, 6, 2)),
        ("kind", "camera", "ALPR", "ALPR"),
        ("tags", TAGS, {**TAGS, "camera:type": "dome"}, {**TAGS, "camera:type": "dome"}),
    ],
)
def test_accepting_the_source_turns_json_values_back_into_model_values(
    moderator, dataset, import_changeset, field, local, source, expected
):
    camera = make_camera(last_confirmed=date(2024, 5, 1), tags=TAGS)
    conflict = make_conflict(camera, dataset, import_changeset, field, local, source)

    conflict_accept_source(conflict=conflict, user=moderator)

    camera.refresh_from_db()
    value = getattr(camera, field)
    if isinstance(value, Point):
        value = (value.srid, value.x, value.y)
    assert value == expected
    assert camera.revisions.get(version=2).changes[field] == [local, source]


def test_accepting_a_vendor_id_sets_the_vendor_record(moderator, dataset, import_changeset):
    old, new = VendorFactory(), VendorFactory()
    camera = make_camera(vendor=old)
    conflict = make_conflict(camera, dataset, import_changeset, "vendor", old.pk, new.pk)

    conflict_accept_source(conflict=conflict, user=moderator)

    camera.refresh_from_db()
    assert camera.vendor == new
    assert camera.revisions.get(version=2).changes == {"vendor": [old.pk, new.pk]}


def test_accepting_a_vendor_that_no_longer_exists_is_refused_and_the_conflict_stays_open(
    moderator, dataset, import_changeset
):
    gone = VendorFactory()
    gone_pk = gone.pk
    gone.delete()
    camera = make_camera()
    conflict = make_conflict(camera, dataset, import_changeset, "vendor", None, gone_pk)

    with pytest.raises(ValidationError, match="no longer exists"):
        conflict_accept_source(conflict=conflict, user=moderator)

    conflict.refresh_from_db()
    camera.refresh_from_db()
    assert conflict.resolution == ""
    assert (camera.vendor, camera.version) == (None, 1)


def test_a_resolved_conflict_cannot_be_resolved_again(moderator, dataset, import_changeset):
    camera = make_camera(directions=[90.0])
    conflict = make_conflict(camera, dataset, import_changeset, "directions", [90.0], [180.0])
    conflict_accept_source(conflict=conflict, user=moderator)

    with pytest.raises(ValidationError, match="already resolved by") as accepted_again:
        conflict_accept_source(conflict=conflict, user=moderator)
    with pytest.raises(ValidationError, match="already resolved by"):
        conflict_keep_local(conflict=conflict, user=moderator)

    camera.refresh_from_db()
    conflict.refresh_from_db()
    assert accepted_again.value.code == "already_resolved"
    assert camera.version == 2
    assert conflict.resolution == ImportConflict.Resolution.ACCEPTED_SOURCE


def test_a_stale_conflict_object_is_refused_too(moderator, dataset, import_changeset):
    """The check reads the database, not the caller's copy."""
    camera = make_camera(directions=[90.0])
    conflict = make_conflict(camera, dataset, import_changeset, "directions", [90.0], [180.0])
    stale = ImportConflict.objects.get(pk=conflict.pk)
    conflict_keep_local(conflict=conflict, user=moderator)

    with pytest.raises(ValidationError, match="already resolved by"):
        conflict_accept_source(conflict=stale, user=moderator)

    camera.refresh_from_db()
    assert (camera.directions, camera.version) == ([90.0], 1)


def test_accepting_with_an_old_version_is_refused(moderator, dataset, import_changeset):
    camera = make_camera(directions=[90.0])
    conflict = make_conflict(camera, dataset, import_changeset, "directions", [90.0], [180.0])

    with pytest.raises(VersionConflict):
        conflict_accept_source(conflict=conflict, user=moderator, expected_version=7)

    conflict.refresh_from_db()
    camera.refresh_from_db()
    assert (conflict.resolution, camera.version) == ("", 1)


def test_keeping_the_local_value_resolves_without_touching_the_camera(
    moderator, dataset, import_changeset
):
    camera = make_camera(directions=[90.0])
    conflict = make_conflict(camera, dataset, import_changeset, "directions", [90.0], [180.0])

    conflict_keep_local(conflict=conflict, user=moderator)

    camera.refresh_from_db()
    conflict.refresh_from_db()
    assert (camera.directions, camera.version) == ([90.0], 1)
    assert camera.revisions.count() == 1
    assert conflict.resolution == ImportConflict.Resolution.KEPT_LOCAL
    assert conflict.resolved_by == moderator
    assert conflict.resolved_at is not None


# ------------------------------------------------------------- merge candidates


def test_marking_a_duplicate_hides_it_with_a_note_and_records_the_decision(
    moderator, import_changeset
):
    original = make_camera()
    duplicate = make_camera(location=NEARBY)
    candidate = make_candidate(duplicate, original, import_changeset)

    merge_mark_duplicate(candidate=candidate, user=moderator, note="same pole, photo 12")

    duplicate.refresh_from_db()
    original.refresh_from_db()
    candidate.refresh_from_db()
    note = f"duplicate of camera #{original.pk}: same pole, photo 12"
    assert (duplicate.status, duplicate.status_note, duplicate.version) == (
        Status.HIDDEN,
        note,
        2,
    )
    revision = duplicate.revisions.get(version=2)
    assert revision.changes["status"] == [Status.REPORTED, Status.HIDDEN]
    assert revision.changeset.user == moderator
    assert (original.status, original.version) == (Status.REPORTED, 1)
    assert candidate.decision == MergeCandidate.Decision.DUPLICATE
    assert candidate.decided_by == moderator
    assert candidate.decided_at is not None


def test_a_duplicate_without_a_note_says_which_camera_it_duplicates(moderator, import_changeset):
    original = make_camera()
    duplicate = make_camera(location=NEARBY)

    merge_mark_duplicate(
        candidate=make_candidate(duplicate, original, import_changeset), user=moderator
    )

    duplicate.refresh_from_db()
    assert duplicate.status_note == f"duplicate of camera #{original.pk}"


def test_marking_distinct_leaves_both_cameras_alone(moderator, import_changeset):
    original = make_camera()
    other = make_camera(location=NEARBY)
    candidate = make_candidate(other, original, import_changeset)
    revisions_before = Revision.objects.count()

    merge_mark_distinct(candidate=candidate, user=moderator)

    other.refresh_from_db()
    candidate.refresh_from_db()
    assert (other.status, other.version) == (Status.REPORTED, 1)
    assert Revision.objects.count() == revisions_before
    assert candidate.decision == MergeCandidate.Decision.DISTINCT
    assert candidate.decided_by == moderator
    assert candidate.decided_at is not None


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (merge_mark_duplicate, merge_mark_distinct),
        (merge_mark_distinct, merge_mark_duplicate),
        (merge_mark_distinct, merge_mark_distinct),
    ],
)
def test_a_decided_candidate_cannot_be_decided_again(moderator, import_changeset, first, second):
    original = make_camera()
    other = make_camera(location=NEARBY)
    candidate = make_candidate(other, original, import_changeset)
    first(candidate=candidate, user=moderator)
    decided = MergeCandidate.objects.get(pk=candidate.pk).decision

    with pytest.raises(ValidationError, match="already decided by"):
        second(candidate=candidate, user=moderator)

    assert MergeCandidate.objects.get(pk=candidate.pk).decision == decided


def test_a_camera_is_not_hidden_as_the_duplicate_of_a_hidden_one(moderator, import_changeset):
    original = make_camera()
    camera_hide(camera=original, actor=moderator, reason="vandalised report")
    other = make_camera(location=NEARBY)
    candidate = make_candidate(other, original, import_changeset)

    with pytest.raises(ValidationError, match="is hidden itself"):
        merge_mark_duplicate(candidate=candidate, user=moderator)

    other.refresh_from_db()
    candidate.refresh_from_db()
    assert other.status == Status.REPORTED
    assert candidate.decision == MergeCandidate.Decision.OPEN


# ------------------------------------------------------------- admin


def moderation_url(section: str, pk: int) -> str:
    return reverse("registry:moderation-item", args=[section, pk])


def test_conflict_list_shows_open_conflicts_first_with_links_to_their_pages(
    admin_client, moderator, dataset, import_changeset
):
    vendor = VendorFactory(name="Acme Vision")
    first, second = make_camera(), make_camera(location=NEARBY)
    open_one = make_conflict(second, dataset, import_changeset, "vendor", None, vendor.pk)
    # Newer, but resolved: listed after the open one.
    resolved = make_conflict(first, dataset, import_changeset, "kind", "camera", "ALPR")
    conflict_keep_local(conflict=resolved, user=moderator)

    response = admin_client.get(reverse("admin:registry_importconflict_changelist"))

    content = response.content.decode()
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [open_one, resolved]
    assert reverse("admin:registry_camera_change", args=[second.pk]) in content
    assert f"Acme Vision (#{vendor.pk})" in content
    assert "city-open-data" in content
    assert "kept the local value" in content
    assert moderation_url("import-conflicts", open_one.pk) in content
    assert moderation_url("import-conflicts", resolved.pk) in content


def test_conflict_list_filters_open_ones(admin_client, moderator, dataset, import_changeset):
    first, second = make_camera(), make_camera(location=NEARBY)
    resolved = make_conflict(first, dataset, import_changeset, "kind", "camera", "ALPR")
    conflict_keep_local(conflict=resolved, user=moderator)
    open_one = make_conflict(second, dataset, import_changeset, "kind", "camera", "ALPR")

    response = admin_client.get(
        reverse("admin:registry_importconflict_changelist"), {"state": "open"}
    )

    assert list(response.context["cl"].result_list) == [open_one]


def test_conflict_page_is_read_only_and_links_to_its_moderation_page(
    admin_client, dataset, import_changeset
):
    conflict = make_conflict(make_camera(), dataset, import_changeset, "kind", "camera", "ALPR")

    response = admin_client.get(
        reverse("admin:registry_importconflict_change", args=[conflict.pk])
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in content
    assert "&quot;ALPR&quot;" in content
    assert moderation_url("import-conflicts", conflict.pk) in content
    assert admin_client.get(reverse("admin:registry_importconflict_add")).status_code == 403


@pytest.mark.parametrize(
    ("model_name", "actions"),
    [
        ("importconflict", ["accept_source", "keep_local"]),
        ("mergecandidate", ["mark_duplicate", "mark_distinct"]),
    ],
)
def test_the_admin_decides_nothing_imports_leave_open(
    admin_client, dataset, import_changeset, model_name, actions
):
    camera = make_camera(directions=[90.0])
    other = make_camera(location=NEARBY)
    conflict = make_conflict(camera, dataset, import_changeset, "directions", [90.0], [180.0])
    candidate = make_candidate(other, camera, import_changeset)
    item = conflict if model_name == "importconflict" else candidate
    changelist = reverse(f"admin:registry_{model_name}_changelist")

    page = admin_client.get(changelist)
    responses = [post_action(admin_client, model_name, action, [item]) for action in actions]
    change = admin_client.post(
        reverse(f"admin:registry_{model_name}_change", args=[item.pk]), {"resolution": "x"}
    )

    assert page.context["action_form"] is None
    assert 'name="action"' not in page.content.decode()
    assert all(response.status_code == 200 for response in responses)
    assert change.status_code == 403
    conflict.refresh_from_db()
    candidate.refresh_from_db()
    assert (conflict.resolution, candidate.decision) == ("", MergeCandidate.Decision.OPEN)
    assert [camera.version for camera in Camera.objects.order_by("pk")] == [1, 1]
    assert Revision.objects.count() == 2


def test_merge_list_links_both_cameras_with_the_distance_and_the_moderation_page(
    admin_client, import_changeset
):
    original = make_camera()
    other = make_camera(location=NEARBY)
    candidate = make_candidate(other, original, import_changeset, distance=1.6789)

    response = admin_client.get(reverse("admin:registry_mergecandidate_changelist"))
    page = admin_client.get(reverse("admin:registry_mergecandidate_change", args=[candidate.pk]))

    for content in (response.content.decode(), page.content.decode()):
        assert reverse("admin:registry_camera_change", args=[original.pk]) in content
        assert reverse("admin:registry_camera_change", args=[other.pk]) in content
        assert moderation_url("merge-candidates", candidate.pk) in content
        assert "1.7 m" in content
    assert (response.status_code, page.status_code) == (200, 200)
    assert 'name="_save"' not in page.content.decode()


def test_staff_who_do_not_moderate_do_not_see_duplicates_of_hidden_cameras(
    client, django_user_model, moderator, import_changeset
):
    original = make_camera()
    shown = make_candidate(make_camera(location=NEARBY), original, import_changeset)
    hidden_camera = make_camera(location=Point(-87.62984, 41.8781, srid=4326))
    hidden = make_candidate(hidden_camera, original, import_changeset)
    camera_hide(camera=hidden_camera, actor=moderator, reason="vandalised report")
    clerk = django_user_model.objects.create_user(username="clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_mergecandidate"))
    client.force_login(clerk)
    changelist = reverse("admin:registry_mergecandidate_changelist")

    listed = client.get(changelist).context["cl"].result_list
    client.force_login(moderator)
    listed_for_moderators = client.get(changelist).context["cl"].result_list

    assert list(listed) == [shown]
    assert set(listed_for_moderators) == {shown, hidden}


def test_camera_page_links_what_is_open_about_it_to_the_moderation_pages(
    admin_client, moderator, dataset, import_changeset
):
    camera = make_camera(directions=[90.0])
    newer = make_camera(location=NEARBY)
    conflict = make_conflict(camera, dataset, import_changeset, "directions", [90.0], [180.0])
    resolved = make_conflict(camera, dataset, import_changeset, "height", None, 9.0)
    conflict_keep_local(conflict=resolved, user=moderator)
    candidate = make_candidate(newer, camera, import_changeset, distance=2.34)

    page = admin_client.get(reverse("admin:registry_camera_change", args=[camera.pk]))
    newer_page = admin_client.get(reverse("admin:registry_camera_change", args=[newer.pk]))

    content = page.content.decode()
    assert page.status_code == 200
    assert moderation_url("import-conflicts", conflict.pk) in content
    assert "directions: kept [90.0]; city-open-data says [180.0]" in content
    assert moderation_url("import-conflicts", resolved.pk) not in content
    assert f"{newer}, 2.3 m away, may be a duplicate of this one" in content
    assert moderation_url("merge-candidates", candidate.pk) in content
    assert f"may be a duplicate of {camera}, 2.3 m away" in newer_page.content.decode()
    assert moderation_url("merge-candidates", candidate.pk) in newer_page.content.decode()
    assert reverse("admin:registry_importconflict_change", args=[conflict.pk]) not in content


def test_camera_page_with_nothing_open_says_so(admin_client):
    camera = make_camera()

    response = admin_client.get(reverse("admin:registry_camera_change", args=[camera.pk]))

    assert "Nothing open." in response.content.decode()
    assert admin_client.get(reverse("admin:registry_camera_add")).status_code == 200
