"""Verification through the API: typed labels, support counts, and clients
that cannot verify a camera however many proofs of work they solve."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from registry.models import Camera, Status, VerifiedBy
from registry.services import camera_set_status
from registry.services.contributions import submission_create
from registry.services.review import submission_approve
from tests.factories import CameraFactory
from tests.pow import fetch_and_solve

pytestmark = pytest.mark.django_db

DETAIL = "/api/v1/cameras/{}/"


@pytest.fixture(autouse=True)
def one_confirmation_would_do(settings):
    """The loosest numbers: still, no anonymous client verifies anything."""
    cache.clear()
    settings.VERIFY_AFTER_CONFIRMATIONS = 1
    settings.VERIFY_MIN_DAYS = 1


def properties(client, camera: Camera) -> dict:
    response = client.get(DETAIL.format(camera.pk))
    assert response.status_code == 200, response.content
    return response.json()["properties"]


def test_one_client_with_fresh_proofs_of_work_cannot_verify():
    camera = CameraFactory()
    client = APIClient()
    for _ in range(3):
        url = f"/api/v1/cameras/{camera.pk}/confirmations/"
        response = client.post(url, {"altcha": fetch_and_solve(client)}, format="json")
        assert response.status_code == 201, response.content
    camera.refresh_from_db()
    assert (camera.status, camera.verified_by) == (Status.REPORTED, "")
    found = properties(client, camera)
    assert (found["status"], found["verified_by"], found["verified_at"]) == (
        "reported",
        None,
        None,
    )
    assert found["confirmed_by"] == 3  # three receipts: support, shown


def test_three_fresh_browser_sessions_cannot_verify():
    camera = CameraFactory()
    for _ in range(3):
        browser = Client()  # a private window: no cookie, no account
        response = browser.post(
            f"/cameras/{camera.pk}/still-there/", {"altcha": fetch_and_solve(browser)}
        )
        assert response.status_code == 303, response.content  # to the thank-you page
    camera.refresh_from_db()
    assert camera.confirmations.count() == 3
    assert (camera.status, camera.verified_by) == (Status.REPORTED, "")
    page = Client().get(f"/cameras/{camera.pk}/").content.decode()
    assert "Confirmed by 3 people." in page
    assert "Verified by" not in page


def test_the_detail_and_the_list_say_who_verified_it(client, moderator):
    by_moderator = submission_approve(
        submission=submission_create(location=CameraFactory.build().location), moderator=moderator
    )
    by_rule = camera_set_status(
        camera=CameraFactory(),
        status=Status.VERIFIED,
        actor=None,
        reason="confirmed",
        verified_by=VerifiedBy.CONFIRMATIONS,
    )
    assert properties(client, by_moderator)["verified_by"] == "moderator"
    detail = properties(client, by_rule)
    assert detail["verified_by"] == "confirmations"
    assert detail["verified_at"].startswith(by_rule.verified_at.date().isoformat())
    listed = client.get("/api/v1/cameras/", {"status": "verified"}).json()["features"]
    assert {feature["id"]: feature["properties"]["verified_by"] for feature in listed} == {
        by_moderator.pk: "moderator",
        by_rule.pk: "confirmations",
    }


def test_the_schema_types_the_label(client):
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    enum = schema["components"]["schemas"]["VerifiedByEnum"]
    assert enum["enum"] == ["moderator", "confirmations"]
