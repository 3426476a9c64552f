"""The admin as moderators and other staff use it, through Django's test
client: every save goes through a service, a stale form or a place outside
a moderator's areas is refused on the form, and hidden cameras are for
moderators."""

import json
from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.test import Client
from django.urls import NoReverseMatch, reverse

from registry.models import (
    Area,
    Camera,
    Dataset,
    Evidence,
    ModerationAction,
    ModeratorArea,
    Status,
    Vendor,
    VendorRestriction,
)
from registry.services import camera_create, camera_hide
from registry.services.areas import area_upsert
from registry.services.datasets import dataset_create, dataset_update
from registry.services.editing import camera_edit
from registry.services.evidence import evidence_create, evidence_update
from registry.services.organisations import operator_update, vendor_update
from tests.factories import OperatorFactory, VendorFactory, VendorRestrictionFactory

pytestmark = pytest.mark.django_db

CHICAGO = Point(-87.63, 41.88, srid=4326)
PARIS = Point(2.35, 48.85, srid=4326)
CHICAGO_SQUARE = Polygon(((-88, 41), (-87, 41), (-87, 42), (-88, 42), (-88, 41)), srid=4326)


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def other_admin(django_user_model):
    return django_user_model.objects.create_superuser(
        username="other", email="", password="a-long-test-password"
    )


@pytest.fixture
def camera():
    return camera_create(location=CHICAGO, actor=None, kind="camera", height=3.0)


def staff_client(django_user_model, username: str, *permissions: str, areas=()) -> Client:
    user = django_user_model.objects.create_user(
        username=username, password="a-long-test-password", is_staff=True
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=permissions))
    for area in areas:
        ModeratorArea.objects.create(user=user, area=area)
    client = Client()
    client.force_login(user)
    return client


def change_url(record) -> str:
    return reverse(f"admin:registry_{record._meta.model_name}_change", args=[record.pk])


def non_field_errors(response) -> str:
    return " ".join(response.context["adminform"].form.non_field_errors())


def change_data(camera: Camera, **overrides) -> dict:
    data = {
        "location": camera.location.geojson,
        "kind": camera.kind,
        "visibility": "",
        "zone": "",
        "camera_type": "",
        "mount": "",
        "directions": "",
        "tilt": "",
        "height": camera.height or "",
        "vendor": "",
        "vendor_raw": "",
        "product": "",
        "operator": "",
        "operator_raw": "",
        "status": camera.status,
        "removed_on": "",
        "first_seen": "",
        "last_confirmed": "",
        "dataset": "",
        "source_ref": "",
        "osm_type": "",
        "osm_id": "",
        "tags": "{}",
        "edit_reason": "",
        "seen_version": camera.version if camera.pk else "",
    }
    for prefix in ("capabilities", "evidence", "revisions"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    revisions = camera.revisions.order_by("-version") if camera.pk else []
    data["revisions-INITIAL_FORMS"] = data["revisions-TOTAL_FORMS"] = len(revisions)
    for index, revision in enumerate(revisions):
        data[f"revisions-{index}-id"] = revision.pk
        data[f"revisions-{index}-camera"] = camera.pk
    return {**data, **overrides}


def camera_state(camera: Camera) -> tuple:
    camera = Camera.objects.get(pk=camera.pk)
    return (camera.location.coords, camera.height, camera.status, camera.version)


# ------------------------------------------------------------------ cameras


def test_camera_page_shows_the_map_widget_and_history(admin_client, camera):
    response = admin_client.get(change_url(camera))

    content = response.content.decode()
    assert response.status_code == 200
    assert "leaflet/leaflet.js" in content
    assert 'id="id_location-map"' in content
    assert 'id="revisions-heading"' in content
    assert "&quot;height&quot;: [\n    null,\n    3.0\n  ]" in content
    assert response.context["adminform"].form["seen_version"].value() == 1


def test_an_admin_edit_goes_through_the_moderators_service_and_is_on_record(admin_client, camera):
    response = admin_client.post(
        change_url(camera), change_data(camera, height="6.5", edit_reason="measured")
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    camera.refresh_from_db()
    revision = camera.revisions.get(version=2)
    assert (camera.height, camera.version) == (6.5, 2)
    assert revision.changes == {"height": [3.0, 6.5]}
    assert (revision.changeset.actor, revision.changeset.comment) == ("moderator", "measured")
    action = ModerationAction.objects.get()
    assert (action.action, action.camera, action.reason) == ("edit", camera, "measured")


def test_a_stale_camera_form_is_refused_naming_the_field_and_the_other_admin(
    admin_client, other_admin, camera
):
    opened = admin_client.get(change_url(camera))
    seen = opened.context["adminform"].form["seen_version"].value()
    camera_edit(camera=camera, moderator=other_admin, expected_version=1, values={"height": 4.0})

    response = admin_client.post(
        change_url(camera), change_data(camera, height="9", seen_version=seen)
    )

    assert response.status_code == 200
    errors = non_field_errors(response)
    assert "changed since you read it" in errors
    assert "version 2 by other" in errors
    assert "changed height" in errors
    camera.refresh_from_db()
    assert (camera.height, camera.version) == (4.0, 2)
    assert ModerationAction.objects.filter(moderator__username="moderator").count() == 0


def test_a_camera_form_without_the_version_it_showed_is_refused(admin_client, camera):
    response = admin_client.post(
        change_url(camera), change_data(camera, height="9", seen_version="")
    )

    assert response.status_code == 200
    assert "which version of the camera it showed" in non_field_errors(response)
    assert camera_state(camera)[1:] == (3.0, Status.REPORTED, 1)


def test_removing_in_the_admin_needs_a_date_and_a_reason(admin_client, camera):
    response = admin_client.post(change_url(camera), change_data(camera, status=Status.REMOVED))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"removed_on", "edit_reason"}
    camera.refresh_from_db()
    assert (camera.status, camera.version) == (Status.REPORTED, 1)


def test_removing_in_the_admin_keeps_the_camera(admin_client, camera):
    admin_client.post(
        change_url(camera),
        change_data(
            camera,
            status=Status.REMOVED,
            removed_on="2026-02-01",
            edit_reason="gone since the road works",
        ),
    )

    camera.refresh_from_db()
    assert (camera.status, camera.removed_on) == (Status.REMOVED, date(2026, 2, 1))
    assert camera.status_note == "gone since the road works"


def test_nothing_can_be_deleted_from_the_admin(admin_client, camera):
    response = admin_client.get(reverse("admin:registry_camera_delete", args=[camera.pk]))

    assert response.status_code == 403
    assert Camera.objects.filter(pk=camera.pk).exists()


def test_adding_a_verified_camera_in_the_admin_records_both_steps(admin_client):
    camera = Camera(location=Point(-87.6, 41.9, srid=4326), kind="camera", status="reported")
    data = change_data(camera, status=Status.VERIFIED, edit_reason="seen by a moderator")

    response = admin_client.post(reverse("admin:registry_camera_add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    created = Camera.objects.get()
    assert (created.status, created.version) == (Status.VERIFIED, 2)
    assert created.revisions.get(version=2).changes["status"] == ["reported", "verified"]
    assert ModerationAction.objects.get().action == "create"


@pytest.fixture
def chicago():
    return area_upsert(name="Chicago", level="city", geometry=CHICAGO_SQUARE)[0]


@pytest.fixture
def local_client(django_user_model, chicago):
    """A staff moderator limited to Chicago."""
    return staff_client(django_user_model, "local", "moderate", areas=[chicago])


def test_a_scoped_moderator_cannot_move_a_camera_out_of_their_area(local_client, camera):
    before = camera_state(camera)

    response = local_client.post(change_url(camera), change_data(camera, location=PARIS.geojson))

    assert response.status_code == 200
    assert "outside the areas you moderate" in non_field_errors(response)
    assert camera_state(camera) == before


def test_a_scoped_moderator_cannot_pull_a_camera_into_their_area(local_client):
    paris = camera_create(location=PARIS, actor=None, kind="camera", height=3.0)
    before = camera_state(paris)

    response = local_client.post(change_url(paris), change_data(paris, location=CHICAGO.geojson))

    assert response.status_code == 200
    assert "outside the areas you moderate" in non_field_errors(response)
    assert camera_state(paris) == before


def test_a_scoped_moderator_edits_inside_their_area(local_client, camera):
    response = local_client.post(change_url(camera), change_data(camera, height="5"))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert camera_state(camera)[1:] == (5.0, Status.REPORTED, 2)


def test_a_scoped_moderator_cannot_add_a_camera_outside_their_area(local_client):
    data = change_data(Camera(location=PARIS, kind="camera", status="reported"))

    response = local_client.post(reverse("admin:registry_camera_add"), data)

    assert response.status_code == 200
    assert "outside the areas you moderate" in non_field_errors(response)
    assert not Camera.objects.exists()


@pytest.fixture
def clerk_client(django_user_model):
    """Staff who may look at cameras, not a moderator."""
    return staff_client(django_user_model, "clerk", "view_camera", "change_camera")


def test_staff_who_do_not_moderate_do_not_see_hidden_cameras(clerk_client, moderator, camera):
    hidden = camera_create(location=PARIS, actor=None, kind="ALPR")
    camera_hide(camera=hidden, actor=moderator, reason="vandalised report")

    listed = clerk_client.get(reverse("admin:registry_camera_changelist"))
    page = clerk_client.get(change_url(hidden))

    assert [row.pk for row in listed.context["cl"].result_list] == [camera.pk]
    assert page.status_code == 302
    assert page["Location"] == reverse("admin:index")


def test_moderators_see_hidden_cameras(django_user_model, moderator, camera):
    camera_hide(camera=camera, actor=moderator, reason="vandalised report")
    client = staff_client(django_user_model, "mod", "moderate")

    listed = client.get(reverse("admin:registry_camera_changelist"))

    assert [row.pk for row in listed.context["cl"].result_list] == [camera.pk]
    assert client.get(change_url(camera)).status_code == 200


def test_staff_who_do_not_moderate_may_look_but_not_change_cameras(clerk_client, camera):
    page = clerk_client.get(change_url(camera))
    response = clerk_client.post(change_url(camera), change_data(camera, height="9"))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert response.status_code == 403
    assert clerk_client.get(reverse("admin:registry_camera_add")).status_code == 403
    assert camera_state(camera)[1:] == (3.0, Status.REPORTED, 1)


def test_evidence_added_on_the_camera_page_goes_through_the_evidence_service(admin_client, camera):
    data = change_data(
        camera,
        **{
            "evidence-TOTAL_FORMS": 1,
            "evidence-0-kind": "photo",
            "evidence-0-title": "From across the street",
            "evidence-0-url": "example.org/photo.jpg",
            "evidence-0-date": "",
            "evidence-0-note": "",
        },
    )

    response = admin_client.post(change_url(camera), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    evidence = Evidence.objects.get()
    assert (evidence.camera, evidence.url) == (camera, "https://example.org/photo.jpg")
    assert Camera.objects.get(pk=camera.pk).version == 1  # the camera itself unchanged


def test_a_stale_evidence_row_on_the_camera_page_is_refused(admin_client, camera):
    evidence = evidence_create(
        values={"kind": "photo", "url": "https://a.example/"}, subject=camera
    )
    seen = evidence.updated_at.isoformat()
    evidence_update(evidence=evidence, values={"title": "Corrected elsewhere"})
    data = change_data(
        camera,
        **{
            "evidence-TOTAL_FORMS": 1,
            "evidence-INITIAL_FORMS": 1,
            "evidence-0-id": evidence.pk,
            "evidence-0-camera": camera.pk,
            "evidence-0-kind": "photo",
            "evidence-0-title": "Mine",
            "evidence-0-url": "https://a.example/",
            "evidence-0-seen_updated_at": seen,
        },
    )

    response = admin_client.post(change_url(camera), data)

    assert response.status_code == 200
    assert "after you opened it" in non_field_errors(response)
    assert Evidence.objects.get().title == "Corrected elsewhere"


# ------------------------------------------------------ reference records


def vendor_data(vendor: Vendor, restrictions=(), **overrides) -> dict:
    data = {
        "name": vendor.name,
        "slug": vendor.slug,
        "aliases": ",".join(vendor.aliases),
        "wikidata": vendor.wikidata,
        "website": vendor.website,
        "country": vendor.country,
        "parent": vendor.parent_id or "",
        "seen_updated_at": vendor.updated_at.isoformat() if vendor.pk else "",
        "restrictions-TOTAL_FORMS": len(restrictions),
        "restrictions-INITIAL_FORMS": len(restrictions),
        "evidence-TOTAL_FORMS": 0,
        "evidence-INITIAL_FORMS": 0,
    }
    for index, row in enumerate(restrictions):
        prefix = f"restrictions-{index}-"
        data |= {
            f"{prefix}id": row.pk,
            f"{prefix}vendor": vendor.pk,
            f"{prefix}regime": row.regime,
            f"{prefix}regime_detail": row.regime_detail,
            f"{prefix}effective_date": row.effective_date or "",
            f"{prefix}scope": row.scope,
            f"{prefix}source_url": row.source_url,
            f"{prefix}source_title": row.source_title,
        }
    return {**data, **overrides}


def test_a_vendor_and_its_restrictions_are_written_together(admin_client):
    vendor = VendorFactory(name="Acme Vision")
    restriction = VendorRestrictionFactory(vendor=vendor)
    before = vendor.updated_at

    response = admin_client.post(
        change_url(vendor),
        vendor_data(vendor, [restriction], **{"restrictions-0-scope": "all models"}),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    vendor.refresh_from_db()
    assert VendorRestriction.objects.get().scope == "all models"
    # Only a restriction changed, and the vendor's last edit says so.
    assert vendor.updated_at > before


def test_a_stale_vendor_form_is_refused(admin_client):
    vendor = VendorFactory(name="Acme Vision")
    opened = vendor_data(vendor)
    vendor_update(vendor=vendor, values={"website": "https://acme.example/"})

    response = admin_client.post(change_url(vendor), {**opened, "country": "US"})

    assert response.status_code == 200
    assert "after you opened it" in non_field_errors(response)
    vendor.refresh_from_db()
    assert (vendor.country, vendor.website) == ("", "https://acme.example/")


def test_a_vendor_cannot_be_its_own_parent(admin_client):
    parent = VendorFactory(name="Parent")
    child = VendorFactory(name="Child", parent=parent)

    response = admin_client.post(change_url(parent), vendor_data(parent, parent=child.pk))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"] == [
        "Parent cannot be a part of itself."
    ]
    assert Vendor.objects.get(pk=parent.pk).parent is None


def test_adding_a_vendor_with_a_restriction(admin_client):
    data = vendor_data(
        Vendor(name="Newco", slug=""),
        **{
            "restrictions-TOTAL_FORMS": 1,
            "restrictions-0-regime": "ndaa_889",
            "restrictions-0-source_url": "https://www.acquisition.gov/far/52.204-25",
        },
    )

    response = admin_client.post(reverse("admin:registry_vendor_add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    vendor = Vendor.objects.get(name="Newco")
    assert vendor.slug == "newco"
    assert list(vendor.restrictions.values_list("regime", flat=True)) == ["ndaa_889"]


def test_a_stale_operator_form_is_refused(admin_client):
    operator = OperatorFactory(name="City Police")
    seen = operator.updated_at.isoformat()
    operator_update(operator=operator, values={"operator_type": "police"})
    data = {
        "name": "City Police Department",
        "slug": operator.slug,
        "aliases": "",
        "wikidata": "",
        "website": "",
        "operator_type": "",
        "seen_updated_at": seen,
        "evidence-TOTAL_FORMS": 0,
        "evidence-INITIAL_FORMS": 0,
    }

    response = admin_client.post(change_url(operator), data)

    assert response.status_code == 200
    assert "after you opened it" in non_field_errors(response)
    operator.refresh_from_db()
    assert (operator.name, operator.operator_type) == ("City Police", "police")


def test_a_dataset_is_validated_and_written_by_its_service(admin_client):
    dataset = Dataset.objects.create(name="city-open-data")
    url = change_url(dataset)
    data = {
        "name": "city-open-data",
        "description": "",
        "url": "data.example.org",
        "seen_updated_at": dataset.updated_at.isoformat(),
    }

    refused = admin_client.post(url, {**data, "name": "   "})
    saved = admin_client.post(url, {**data, "licence": "ODbL-1.0", "attribution": ""})

    assert refused.status_code == 200
    assert "name" in refused.context["adminform"].form.errors
    assert saved.status_code == 302, saved.content.decode()[:2000]
    dataset.refresh_from_db()
    assert (dataset.name, dataset.licence, dataset.url) == (
        "city-open-data",
        "ODbL-1.0",
        "https://data.example.org",
    )


def test_a_stale_dataset_form_is_refused(admin_client):
    dataset = dataset_create(values={"name": "city-open-data"})
    seen = dataset.updated_at.isoformat()
    dataset_update(dataset=dataset, values={"licence": "CC-BY-4.0"})
    data = {
        "name": "city-open-data",
        "description": "",
        "url": "",
        "licence": "ODbL-1.0",
        "attribution": "",
        "seen_updated_at": seen,
    }

    response = admin_client.post(change_url(dataset), data)

    assert response.status_code == 200
    assert "after you opened it" in non_field_errors(response)
    dataset.refresh_from_db()
    assert dataset.licence == "CC-BY-4.0"


def test_a_stale_evidence_form_is_refused(admin_client):
    vendor = VendorFactory()
    evidence = evidence_create(
        values={"kind": "news", "url": "https://n.example/"}, subject=vendor
    )
    data = {
        "kind": "news",
        "title": "Mine",
        "url": "https://n.example/",
        "date": "",
        "note": "",
        "vendor": vendor.pk,
        "seen_updated_at": evidence.updated_at.isoformat(),
    }
    evidence_update(evidence=evidence, values={"note": "checked"})

    response = admin_client.post(change_url(evidence), data)

    assert response.status_code == 200
    assert "after you opened it" in non_field_errors(response)
    evidence.refresh_from_db()
    assert (evidence.title, evidence.note) == ("", "checked")


def test_an_area_boundary_edit_is_measured_again_and_refused_when_stale(admin_client):
    area = area_upsert(name="Plot", level="city", geometry=CHICAGO_SQUARE)[0]
    half = MultiPolygon(
        Polygon(((-88, 41), (-87, 41), (-87, 41.5), (-88, 41.5), (-88, 41))), srid=4326
    )
    data = {
        "name": "Plot",
        "slug": area.slug,
        "level": "city",
        "parent": "",
        "code": "",
        "population": "42",
        "source": "",
        "geometry": json.dumps(json.loads(half.geojson)),
        "seen_updated_at": area.updated_at.isoformat(),
    }

    saved = admin_client.post(change_url(area), data)
    stale = admin_client.post(change_url(area), {**data, "population": "43"})

    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert stale.status_code == 200
    assert "after you opened it" in non_field_errors(stale)
    measured = Area.objects.get(pk=area.pk)
    assert measured.population == 42
    assert measured.area_km2 == pytest.approx(area.area_km2 / 2, rel=0.01)


def test_areas_are_not_deleted_from_the_admin(admin_client, chicago):
    response = admin_client.post(
        reverse("admin:registry_area_delete", args=[chicago.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Area.objects.filter(pk=chicago.pk).exists()


@pytest.mark.parametrize("model", ["vendor", "operator"])
def test_spellings_are_mapped_on_the_moderation_pages_not_in_the_admin(admin_client, model):
    page = admin_client.get(reverse(f"admin:registry_{model}_changelist")).content.decode()

    assert "unmatched" not in page.lower()
    with pytest.raises(NoReverseMatch):
        reverse(f"admin:registry_{model}_unmatched")
