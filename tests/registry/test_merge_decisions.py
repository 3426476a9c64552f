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
