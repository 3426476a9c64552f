"""Many possible duplicates decided as one action: one changeset, all or
none, each decided as its own decision would be."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError

from registry.models import Camera, Changeset, MergeCandidate, Revision, Status
from registry.services import merge_candidates_decide, merge_mark_distinct
from registry.services.history import open_changeset

from .test_moderation import make_camera, make_candidate

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidates():
    changeset = open_changeset(actor="import: city", comment="Import")
    pairs = []
    for number in range(3):
        original = make_camera(Point(-87.6 + number / 100, 41.8, srid=4326))
        imported = make_camera(Point(-87.6 + number / 100 + 0.00002, 41.8, srid=4326))
        pairs.append(make_candidate(imported, original, changeset))
    return pairs


def test_duplicates_are_hidden_in_one_changeset(candidates, moderator):
    changesets_before = Changeset.objects.count()

    decided = merge_candidates_decide(
        candidates=[c.pk for c in candidates], duplicate=True, user=moderator
    )

    assert decided == 3
    hidden = Camera.objects.filter(pk__in=[c.camera_id for c in candidates])
    assert {camera.status for camera in hidden} == {Status.HIDDEN}
    assert Changeset.objects.count() == changesets_before + 1
    revisions = Revision.objects.filter(camera__in=hidden, version=2)
    assert len({revision.changeset_id for revision in revisions}) == 1
    assert set(MergeCandidate.objects.values_list("decision", flat=True)) == {"duplicate"}


def test_distinct_devices_stay_as_they_are(candidates, moderator):
    merge_candidates_decide(candidates=[c.pk for c in candidates], duplicate=False, user=moderator)

    assert set(MergeCandidate.objects.values_list("decision", flat=True)) == {"distinct"}
    assert not Camera.objects.filter(status=Status.HIDDEN).exists()


def test_one_decided_meanwhile_refuses_the_whole_action_naming_it(candidates, moderator):
    merge_mark_distinct(candidate=candidates[1], user=moderator)

    with pytest.raises(ValidationError, match=f"#{candidates[1].pk} was already decided"):
        merge_candidates_decide(
            candidates=[c.pk for c in candidates], duplicate=True, user=moderator
        )

    assert not Camera.objects.filter(status=Status.HIDDEN).exists()
    assert MergeCandidate.objects.filter(decision="open").count() == 2


def test_an_unknown_candidate_or_none_at_all_is_refused(candidates, moderator):
    with pytest.raises(ValidationError, match="no possible duplicate #987654"):
        merge_candidates_decide(
            candidates=[candidates[0].pk, 987654], duplicate=True, user=moderator
        )
    with pytest.raises(ValidationError, match="Choose at least one"):
        merge_candidates_decide(candidates=[], duplicate=True, user=moderator)

    assert MergeCandidate.objects.filter(decision="open").count() == 3


# ------------------------------------------------------------ the queue page

SECTION = "/moderation/merge-candidates/"
DECIDE = "/moderation/merge-candidates/decide/"


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def test_the_ticked_rows_are_decided_as_one_action(candidates, mod_client):
    page = mod_client.get(SECTION)
    assert f'name="candidates" value="{candidates[0].pk}"'.encode() in page.content

    response = mod_client.post(
        DECIDE, {"candidates": [c.pk for c in candidates[:2]], "decision": "duplicate"}
    )

    assert response.status_code == 302
    decisions = dict(MergeCandidate.objects.values_list("pk", "decision"))
    assert [decisions[c.pk] for c in candidates] == ["duplicate", "duplicate", "open"]


def test_ticking_nothing_or_a_decided_one_changes_nothing_and_says_why(
    candidates, mod_client, moderator
):
    nothing = mod_client.post(DECIDE, {"decision": "distinct"})
    assert nothing.status_code == 400
    assert (
        "Possible duplicates: Tick at least one possible duplicate." in nothing.context["errors"]
    )

    merge_mark_distinct(candidate=candidates[0], user=moderator)
    late = mod_client.post(
        DECIDE, {"candidates": [c.pk for c in candidates], "decision": "duplicate"}
    )

    assert late.status_code == 409
    assert f"Merge candidate #{candidates[0].pk} was already decided" in late.context["errors"][0]
    assert MergeCandidate.objects.filter(decision="open").count() == 2


def test_a_bad_number_is_refused_naming_the_field(candidates, mod_client):
    response = mod_client.post(DECIDE, {"candidates": ["x1"], "decision": "duplicate"})

    assert response.status_code == 400
    assert response.context["errors"][0].startswith("Possible duplicates:")


def test_a_section_is_searched_by_camera_number_and_vendor(candidates, mod_client):
    camera = candidates[2].camera
    Camera.objects.filter(pk=camera.pk).update(vendor_raw="Acme Vision")

    by_vendor = mod_client.get(SECTION, {"q": "acme"})
    by_number = mod_client.get(SECTION, {"q": str(candidates[1].duplicate_of_id)})
    nothing = mod_client.get(SECTION, {"q": "zzz"})

    assert [row["pk"] for row in by_vendor.context["rows"]] == [candidates[2].pk]
    assert [row["pk"] for row in by_number.context["rows"]] == [candidates[1].pk]
    assert "No open item matches “zzz”." in nothing.content.decode()
