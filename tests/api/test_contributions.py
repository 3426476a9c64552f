"""Contributions through the API: anonymous clients solve the proof of work
as a client would (tests/pow.py), accounts don't; bad input stores nothing;
no client address or user agent reaches the database."""

import json
import os
import subprocess
from datetime import date

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.models import (
    Camera,
    Confirmation,
    EditSuggestion,
    Evidence,
    Receipt,
    RemovalReport,
    Submission,
)
from tests.factories import CameraFactory
from tests.pow import fetch_and_solve
from tests.registry.test_photos import CHICAGO, assert_bare_jpeg, jpeg_with_everything, upload

pytestmark = pytest.mark.django_db

SUBMISSIONS = "/api/v1/submissions/"
CLIENT_ADDRESS = "198.51.100.237"
CLIENT_AGENT = "PrivacyProbe/7.3 (unique-agent-string)"


@pytest.fixture
def client():
    cache.clear()  # rate-limit counters and used proofs of work from other tests
    return APIClient(REMOTE_ADDR=CLIENT_ADDRESS, HTTP_USER_AGENT=CLIENT_AGENT)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def camera_report(client, **overrides):
    body = {"latitude": 41.88, "longitude": -87.63, "kind": "ALPR", "directions": [90, 270]}
    body.update(overrides)
    body.setdefault("altcha", fetch_and_solve(client))
    return body


def stored_files(root):
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_an_anonymous_report_with_a_solved_proof_of_work_gets_a_receipt(client):
    response = client.post(
        SUBMISSIONS, camera_report(client, vendor="Flock Safety"), format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    camera = Camera.objects.get(pk=body["camera"]["id"])
    assert (camera.kind, camera.directions, camera.status) == ("ALPR", [90.0, 270.0], "reported")
    assert body["receipt"]["url"].endswith(f"/api/v1/receipts/{body['receipt']['token']}/")
    listed = client.get(body["receipt"]["url"]).json()["contributions"]
    assert [(item["type"], item["state"]) for item in listed] == [("submission", "open")]


def test_a_report_the_service_refuses_leaves_no_receipt_behind(client, monkeypatch):
    def refuse(**fields):
        raise ValidationError({"location": "Not on this planet."})

    monkeypatch.setattr("registry.services.sending.submission_create", refuse)

    response = client.post(SUBMISSIONS, camera_report(client), format="json")

    assert response.status_code == 400
    assert "location" in response.json()
    assert Receipt.objects.count() == 0


def test_without_the_proof_of_work_nothing_is_stored(client):
    response = client.post(SUBMISSIONS, camera_report(client, altcha=""), format="json")
    assert response.status_code == 400
    assert "altcha" in response.json()
    assert not Camera.objects.exists() and not Submission.objects.exists()


def test_a_proof_of_work_is_good_for_one_write(client):
    body = camera_report(client)
    assert client.post(SUBMISSIONS, body, format="json").status_code == 201
    replay = client.post(SUBMISSIONS, body, format="json")
    assert replay.status_code == 400
    assert "already been used" in replay.json()["altcha"][0]
    assert Camera.objects.count() == 1


def test_an_account_needs_no_proof_of_work_and_gets_no_receipt(django_user_model):
    user = django_user_model.objects.create_user(username="resident", password="a-long-pass-77")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    response = client.post(
        SUBMISSIONS, {"latitude": 1, "longitude": 2, "kind": "camera"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert "receipt" not in response.json()
    assert Submission.objects.get().user == user


def test_a_session_post_without_csrf_token_is_refused(django_user_model):
    user = django_user_model.objects.create_user(username="resident", password="a-long-pass-77")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(
        SUBMISSIONS, {"latitude": 1, "longitude": 2, "kind": "camera"}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Camera.objects.exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"latitude": 91}, "latitude"),
        ({"longitude": "east"}, "longitude"),
        ({"kind": "drone"}, "kind"),
        ({"directions": [400]}, "directions"),
        ({"tilt": -120}, "tilt"),
        ({"note": "x" * 5001}, "note"),
    ],
)
def test_bad_fields_are_named_and_nothing_is_stored(client, override, field):
    response = client.post(SUBMISSIONS, camera_report(client, **override), format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Camera.objects.exists()


def test_a_photo_is_stored_without_any_metadata(client, media):
    body = camera_report(client)
    body["photos"] = [upload(jpeg_with_everything())]
    response = client.post(SUBMISSIONS, body, format="multipart")
    assert response.status_code == 201, response.content
    photo = Evidence.objects.get()
    with default_storage.open(photo.document.name) as stored:
        data = stored.read()
    assert_bare_jpeg(data)
    assert b"Alice" not in data and b"Acme Phones" not in data
    assert photo.thumbnail.name and "photo.jpg" not in photo.document.name


def test_a_file_that_is_not_an_image_refuses_the_report_and_stores_nothing(client, media):
    body = camera_report(client)
    body["photos"] = [
        upload(jpeg_with_everything()),
        upload(b"#!/bin/sh\necho not an image\n", "x.jpg"),
    ]
    response = client.post(SUBMISSIONS, body, format="multipart")
    assert response.status_code == 400
    assert response.json()["photos"][0].startswith("Photo 2: ")
    assert not Camera.objects.exists() and stored_files(media) == []


def test_a_photos_position_is_read_and_the_photo_forgotten(client, media):
    response = client.post("/api/v1/photo-position/", {"photo": upload(jpeg_with_everything())})
    assert response.status_code == 200, response.content
    position = response.json()["position"]
    assert position["latitude"] == pytest.approx(CHICAGO.latitude, abs=1e-4)
    assert position["longitude"] == pytest.approx(CHICAGO.longitude, abs=1e-4)
    assert position["heading"] == pytest.approx(CHICAGO.heading)
    assert stored_files(media) == []


def test_still_there_confirms_the_camera(client):
    camera = CameraFactory()
    url = f"/api/v1/cameras/{camera.pk}/confirmations/"
    response = client.post(url, {"altcha": fetch_and_solve(client)}, format="json")
    assert response.status_code == 201, response.content
    camera.refresh_from_db()
    assert camera.last_confirmed == date.today()
    assert Confirmation.objects.get().receipt is not None


def test_a_hidden_camera_cannot_be_confirmed(client):
    camera = CameraFactory(status="hidden")
    url = f"/api/v1/cameras/{camera.pk}/confirmations/"
    assert client.post(url, {"altcha": fetch_and_solve(client)}, format="json").status_code == 404


def test_its_gone_waits_for_a_moderator(client):
    camera = CameraFactory()
    url = f"/api/v1/cameras/{camera.pk}/removal-reports/"
    body = {
        "note": "pole is empty",
        "seen_gone_on": "2025-06-01",
        "altcha": fetch_and_solve(client),
    }
    response = client.post(url, body, format="json")
    assert response.status_code == 201, response.content
    assert RemovalReport.objects.get().seen_gone_on == date(2025, 6, 1)
    camera.refresh_from_db()
    assert camera.status == "reported"


def test_an_edit_suggestion_is_a_diff_and_a_bad_value_names_the_field(client):
    camera = CameraFactory(height=3.0)
    url = f"/api/v1/cameras/{camera.pk}/edit-suggestions/"
    good = {"changes": {"height": 6, "location": [-87.6, 41.9]}, "altcha": fetch_and_solve(client)}
    response = client.post(url, good, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["changes"]["height"] == [3.0, 6.0]
    bad = {"changes": {"tilt": 700}, "altcha": fetch_and_solve(client)}
    response = client.post(url, bad, format="json")
    assert response.status_code == 400 and "tilt" in response.json()
    assert EditSuggestion.objects.count() == 1


def test_too_many_contributions_get_a_clear_429(client, settings):
    settings.CONTRIBUTION_RATE = "2/hour"
    codes = [
        client.post(SUBMISSIONS, camera_report(client), format="json").status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    refused = client.post(SUBMISSIONS, camera_report(client), format="json")
    assert "Too many contributions" in refused.json()["detail"]
    assert Camera.objects.count() == 2


def test_the_schema_documents_the_contribution_endpoints(client):
    paths = client.get("/api/v1/schema/", {"format": "json"}).json()["paths"]
    for path in (
        "/api/v1/submissions/",
        "/api/v1/cameras/{id}/confirmations/",
        "/api/v1/cameras/{id}/removal-reports/",
        "/api/v1/cameras/{id}/edit-suggestions/",
    ):
        assert "post" in paths[path], path


@pytest.mark.django_db(transaction=True)
def test_a_database_dump_after_contributions_holds_no_client_address_or_agent(client, media):
    body = camera_report(client, note="seen from the bus stop")
    body["photos"] = [upload(jpeg_with_everything())]
    assert client.post(SUBMISSIONS, body, format="multipart").status_code == 201
    camera = Camera.objects.get()
    url = f"/api/v1/cameras/{camera.pk}/confirmations/"
    assert client.post(url, {"altcha": fetch_and_solve(client)}, format="json").status_code == 201
    dump = pg_dump()
    assert "seen from the bus stop" in dump  # the dump does hold the contribution
    assert CLIENT_ADDRESS not in dump
    assert CLIENT_AGENT not in dump and "PrivacyProbe" not in dump


def pg_dump() -> str:
    settings = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = ["pg_dump", "--data-only", "--no-owner", "--dbname", settings["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            command += [option, str(settings[key])]
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout


def test_a_receipt_token_nobody_was_given_is_a_404(client):
    response = client.get("/api/v1/receipts/not-a-real-token/")
    assert response.status_code == 404
    assert json.loads(response.content)["detail"] == "No receipt has this token."


def test_an_oversized_body_is_refused_before_it_is_read(client):
    body = camera_report(client, note="x" * 3_000_000)
    response = client.post(SUBMISSIONS, body, format="json")
    assert response.status_code == 413
    assert response.json()["detail"] == (
        "The request is 3.0 MB; the limit for a contribution without photos is 2.6 MB. "
        "Nothing was stored."
    )
    assert not Camera.objects.exists()


def test_the_logs_hold_no_client_address_or_agent(client, settings, caplog):
    settings.CONTRIBUTION_RATE = "1/hour"
    caplog.set_level("DEBUG")
    client.post(SUBMISSIONS, camera_report(client), format="json")  # stored
    client.post(SUBMISSIONS, camera_report(client), format="json")  # 429, logged
    client.post(SUBMISSIONS, camera_report(client, latitude=200), format="json")  # 400
    client.get("/api/v1/cameras/999999/")  # 404, logged
    assert "Too Many Requests" in caplog.text and "Not Found" in caplog.text
    assert CLIENT_ADDRESS not in caplog.text and "PrivacyProbe" not in caplog.text
