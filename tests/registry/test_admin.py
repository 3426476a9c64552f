"""The admin as moderators use it, through Django's test client."""

from datetime import date

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from registry.models import Camera, Status, Vendor
from registry.services import camera_create, load_reference_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def camera():
    return camera_create(
        location=Point(-87.63, 41.88, srid=4326), actor=None, kind="camera", height=3.0
    )


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
    }
    for prefix in ("capabilities", "evidence", "revisions"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    revisions = camera.revisions.order_by("-version") if camera.pk else []
    data["revisions-INITIAL_FORMS"] = data["revisions-TOTAL_FORMS"] = len(revisions)
    for index, revision in enumerate(revisions):
        data[f"revisions-{index}-id"] = revision.pk
        data[f"revisions-{index}-camera"] = camera.pk
    return {**data, **overrides}


def test_camera_page_shows_the_map_widget_and_history(admin_client, camera):
    response = admin_client.get(reverse("admin:registry_camera_change", args=[camera.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert "leaflet/leaflet.js" in content
    assert 'id="id_location-map"' in content
    assert 'id="revisions-heading"' in content
    assert "&quot;height&quot;: [\n    null,\n    3.0\n  ]" in content


def test_an_admin_edit_goes_through_the_service_and_leaves_a_revision(admin_client, camera):
    url = reverse("admin:registry_camera_change", args=[camera.pk])

    response = admin_client.post(url, change_data(camera, height="6.5", edit_reason="measured"))

    assert response.status_code == 302, response.content.decode()[:2000]
    camera.refresh_from_db()
    revision = camera.revisions.get(version=2)
    assert (camera.height, camera.version) == (6.5, 2)
    assert revision.changes == {"height": [3.0, 6.5]}
    assert (revision.changeset.actor, revision.changeset.comment) == ("moderator", "measured")


def test_removing_in_the_admin_needs_a_date_and_a_reason(admin_client, camera):
    url = reverse("admin:registry_camera_change", args=[camera.pk])

    response = admin_client.post(url, change_data(camera, status=Status.REMOVED))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"removed_on", "edit_reason"}
    camera.refresh_from_db()
    assert (camera.status, camera.version) == (Status.REPORTED, 1)


def test_removing_in_the_admin_keeps_the_camera(admin_client, camera):
    url = reverse("admin:registry_camera_change", args=[camera.pk])

    admin_client.post(
        url,
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


def test_unmatched_vendor_groups_are_listed_and_mapped_in_one_action(admin_client):
    load_reference_data()
    for n, spelling in enumerate(["Acme Vision", "ACME Vision Inc.", "Acme Vison", "Bosch"]):
        camera_create(location=Point(n, n, srid=4326), actor=None, vendor_raw=spelling)
    url = reverse("admin:registry_vendor_unmatched")

    page = admin_client.get(url).content.decode()
    response = admin_client.post(
        url, {"spellings": ["Acme Vision", "ACME Vision Inc.", "Acme Vison"], "new_name": "Acme"}
    )

    assert "Acme Vision (1), ACME Vision Inc. (1), Acme Vison (1)" in page
    assert response.status_code == 302
    acme = Vendor.objects.get(name="Acme")
    assert acme.cameras.count() == 3
    assert Camera.objects.get(vendor_raw="Bosch").vendor is None


def test_mapping_without_a_target_is_an_error_message_not_a_500(admin_client):
    url = reverse("admin:registry_vendor_unmatched")

    response = admin_client.post(url, {"spellings": ["X"]}, follow=True)

    assert response.status_code == 200
    assert "Choose a record or give a name for a new one." in response.content.decode()


def test_adding_a_verified_camera_in_the_admin_records_both_steps(admin_client):
    camera = Camera(location=Point(-87.6, 41.9, srid=4326), kind="camera", status="reported")
    data = change_data(camera, status=Status.VERIFIED, edit_reason="seen by a moderator")

    response = admin_client.post(reverse("admin:registry_camera_add"), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    created = Camera.objects.get()
    assert (created.status, created.version) == (Status.VERIFIED, 2)
    assert created.revisions.get(version=2).changes["status"] == ["reported", "verified"]
