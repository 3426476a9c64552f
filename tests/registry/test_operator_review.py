"""Curating operators made from the data: the merge (cameras, aliases,
evidence and open suggestions follow, one changeset), marking reviewed
(alone or as one action for several), and the moderators' page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from registry.models import (
    Camera,
    EditSuggestion,
    Evidence,
    ModerationAction,
    ModeratorArea,
    Operator,
    OperatorOrigin,
    Revision,
)
from registry.services import camera_create
from registry.services.areas import area_upsert
from registry.services.operators import operator_merge, operators_mark_reviewed
from registry.services.records import StaleRecord
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db

PAGE = "/moderation/operators/"


def from_data(name: str, **values) -> Operator:
    return OperatorFactory(
        name=name, origin=OperatorOrigin.DATA, reviewed=False, first_source="osm", **values
    )


def camera_of(operator: Operator, lon: float = -87.6) -> Camera:
    return camera_create(
        location=Point(lon, 41.88, srid=4326),
        actor=None,
        kind="camera",
        operator=operator,
        operator_raw=operator.name,
    )


@pytest.fixture
def curator(django_user_model):
    user = django_user_model.objects.create_user(username="curator", password="a-long-pass-41")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["moderate", "change_operator"])
    )
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def curator_client(curator):
    client = Client()
    client.force_login(curator)
    return client


class TestMerge:
    def test_cameras_aliases_and_evidence_follow_in_one_changeset(self, curator):
        kept = OperatorFactory(name="Chicago Police Department", aliases=["CPD"])
        merged = from_data("Chicago PD", aliases=["Chgo PD"], wikidata="Q1340186")
        cameras = [camera_of(merged, lon=-87.6 - i / 100) for i in range(3)]
        evidence = Evidence.objects.create(
            kind="news", url="https://example.org/a", operator=merged
        )

        operator_merge(operator=merged, into=kept, moderator=curator)

        assert not Operator.objects.filter(pk=merged.pk).exists()
        kept.refresh_from_db()
        assert kept.aliases == ["CPD", "Chicago PD", "Chgo PD"]
        assert kept.wikidata == "Q1340186"
        assert set(kept.cameras.values_list("pk", flat=True)) == {c.pk for c in cameras}
        evidence.refresh_from_db()
        assert evidence.operator == kept
        revisions = Revision.objects.filter(changes__has_key="operator", version=2)
        assert revisions.count() == 3
        assert {revision.changeset_id for revision in revisions} == {
            ModerationAction.objects.get(action="merge").changeset_id
        }
        assert revisions[0].changes["operator"] == [merged.pk, kept.pk]
        assert all(camera.version == 2 for camera in Camera.objects.all())

    def test_open_suggestions_name_the_kept_record(self, curator):
        kept = OperatorFactory(name="Metra")
        merged = from_data("METRA Rail")
        camera = camera_of(kept)
        suggestion = EditSuggestion.objects.create(
            camera=camera, base_version=1, changes={"operator": [kept.pk, merged.pk]}
        )

        operator_merge(operator=merged, into=kept, moderator=curator)

        suggestion.refresh_from_db()
        assert suggestion.changes["operator"] == [kept.pk, kept.pk]

    def test_a_merge_is_on_the_log(self, curator):
        kept, merged = OperatorFactory(name="Pace"), from_data("Pace Bus")

        operator_merge(operator=merged, into=kept, moderator=curator, reason="same agency")

        action = ModerationAction.objects.get()
        assert (action.action, action.subject, action.reason) == (
            "merge",
            f"operator:{merged.pk}",
            "same agency",
        )

    def test_a_merged_operators_addresses_lead_to_the_record_kept(self, curator, client):
        kept, merged = OperatorFactory(name="Pace"), from_data("Pace Bus")
        older = from_data("Pace Suburban Bus")
        operator_merge(operator=older, into=merged, moderator=curator)
        operator_merge(operator=merged, into=kept, moderator=curator)

        pages = [client.get(f"/operators/{slug}/") for slug in (merged.slug, older.slug)]
        api = client.get(f"/api/v1/operators/{older.slug}/")
        unknown = client.get("/operators/never-existed/")

        assert [(page.status_code, page["Location"]) for page in pages] == [
            (301, f"/operators/{kept.slug}/"),
            (301, f"/operators/{kept.slug}/"),
        ]
        assert api.status_code == 301
        assert api["Location"].endswith(f"/api/v1/operators/{kept.slug}/")
        assert unknown.status_code == 404

    def test_an_operator_is_not_merged_into_itself(self, curator):
        operator = from_data("Pace")

        with pytest.raises(ValidationError):
            operator_merge(operator=operator, into=operator, moderator=curator)

    def test_a_record_changed_since_it_was_seen_is_not_merged(self, curator):
        kept, merged = OperatorFactory(name="Pace"), from_data("Pace Bus")
        seen = merged.updated_at
        Operator.objects.filter(pk=merged.pk).update(name="Pace Suburban Bus")

        with pytest.raises(StaleRecord):
            operator_merge(
                operator=merged.pk,
                into=kept,
                moderator=curator,
                seen_updated_at=seen.replace(year=2000),
            )

        assert Operator.objects.filter(pk=merged.pk).exists()

    def test_only_moderators_of_every_area_merge(self, curator, resident_or_none):
        kept, merged = OperatorFactory(name="Pace"), from_data("Pace Bus")
        camera = camera_of(merged)
        square = Polygon.from_bbox((-88, 41, -87, 42))
        square.srid = 4326
        area = area_upsert(name="Chicago", level="city", geometry=square)[0]
        ModeratorArea.objects.create(user=curator, area=area)

        for user in (curator, resident_or_none):
            with pytest.raises(PermissionDenied):
                operator_merge(operator=merged, into=kept, moderator=user)

        camera.refresh_from_db()
        assert camera.operator == merged and camera.version == 1


@pytest.fixture
def resident_or_none(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="a-long-pass-42")


class TestMarkReviewed:
    def test_several_at_once(self, curator):
        records = [from_data(f"Town {i}") for i in range(3)]

        count = operators_mark_reviewed(operators=records[:2], moderator=curator)

        assert count == 2
        assert list(Operator.objects.filter(reviewed=False)) == [records[2]]
        assert ModerationAction.objects.filter(action="review").count() == 2

    def test_a_stale_one_refuses_them_all(self, curator):
        first, second = from_data("Town A"), from_data("Town B")
        seen = {first.pk: first.updated_at, second.pk: second.updated_at.replace(year=2000)}

        with pytest.raises(StaleRecord):
            operators_mark_reviewed(operators=[first, second], moderator=curator, seen=seen)

        assert Operator.objects.filter(reviewed=False).count() == 2


class TestPage:
    def test_it_is_for_moderators_only(self, client, resident_or_none):
        assert client.get(PAGE).status_code == 302
        client.force_login(resident_or_none)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, {"action": "review"}).status_code == 403

    def test_it_lists_25_a_page_most_cameras_first(self, curator_client):
        busy = from_data("Zeta Police")
        camera_of(busy)
        for i in range(30):
            from_data(f"Town {i:02}")
        OperatorFactory(name="Reviewed Already")

        first = curator_client.get(PAGE)
        second = curator_client.get(PAGE, {"page": 2})

        assert first.status_code == 200
        names = [operator.name for operator in first.context["page"].object_list]
        assert len(names) == 25 and names[0] == "Zeta Police"
        assert len(second.context["page"].object_list) == 6
        assert "31 operators not reviewed" in first.content.decode()
        assert "Reviewed Already" not in first.content.decode()

    def test_it_searches_names_and_aliases(self, curator_client):
        from_data("Village of Oak Park", aliases=["Oak Park PD"])
        from_data("Evanston")

        response = curator_client.get(PAGE, {"q": "park pd"})

        assert [o.name for o in response.context["page"].object_list] == ["Village of Oak Park"]

    def test_marking_a_pages_choice_reviewed(self, curator_client):
        records = [from_data(f"Town {i}") for i in range(3)]

        response = curator_client.post(
            PAGE,
            {
                "action": "review",
                "operators": [records[0].pk, records[1].pk],
                f"seen-{records[0].pk}": records[0].updated_at.isoformat(),
            },
        )

        assert response.status_code == 302
        assert list(Operator.objects.filter(reviewed=False)) == [records[2]]

    def test_merging_by_the_kept_records_name(self, curator_client):
        kept = OperatorFactory(name="Chicago Police Department")
        merged = from_data("Chicago PD")
        camera = camera_of(merged)

        response = curator_client.post(
            PAGE, {"action": "merge", "operator": merged.pk, "into": "chicago police department"}
        )

        assert response.status_code == 302
        camera.refresh_from_db()
        assert camera.operator == kept

    def test_an_unknown_target_changes_nothing(self, curator_client):
        merged = from_data("Chicago PD")

        response = curator_client.post(
            PAGE, {"action": "merge", "operator": merged.pk, "into": "Nobody"}
        )

        assert response.status_code == 400
        assert Operator.objects.filter(pk=merged.pk).exists()
