"""Writes through the API when requests race or repeat, against real
PostgreSQL and Redis: one proof of work, one write (Redis stopped or not);
an Idempotency-Key retried, one contribution; two edits of one version, one
wins and the other gets a 409 with the current version."""

from __future__ import annotations

import shutil
import threading

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from rest_framework.test import APIClient

from registry.models import Camera, SpentProof, Submission
from registry.services import camera_create, camera_update
from registry.services.areas import area_upsert
from registry.services.moderators import moderator_grant
from tests.pow import fetch_and_solve
from tests.servers import RedisServer

REPORT = {"latitude": 41.88, "longitude": -87.63, "kind": "ALPR"}
PASSWORD = "a-long-test-password-77"
KEY = "3f2b8c1e-9d4a-4e7b-a6c2-5b1d0e9f7a3c"


def together(count: int, request) -> list:
    """`request(client)` from `count` threads released at once, each with a
    client and a database connection of its own; the responses, in order."""
    start = threading.Barrier(count)
    responses: list = [None] * count

    def run(number: int) -> None:
        client = APIClient()
        start.wait()
        try:
            responses[number] = request(client)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def stopped_redis(tmp_path):
    """The shared cache as production has it (Redis, with the per-process
    fallback), with Redis stopped."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed: make test installs it")
    server = RedisServer(tmp_path)
    server.start()
    caches = {
        "default": {
            "BACKEND": "registry.failover_cache.FailoverCache",
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=caches):
        server.stop()
        yield


# ------------------------------------------------------ proofs of work


@pytest.mark.django_db(transaction=True)
def test_ten_reports_sharing_one_proof_with_redis_stopped_store_one(stopped_redis):
    proof = fetch_and_solve(APIClient())

    responses = together(
        10, lambda client: client.post("/api/v1/submissions/", {**REPORT, "altcha": proof})
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [400] * 9
    refusals = [response.json() for response in responses if response.status_code == 400]
    assert all("already been used" in body["altcha"][0] for body in refusals)
    assert Submission.objects.count() == 1
    assert SpentProof.objects.count() == 1


@pytest.mark.django_db
def test_a_proof_sent_with_a_refused_report_stays_good_for_the_corrected_one():
    client = APIClient()
    proof = fetch_and_solve(client)

    refused = client.post(
        "/api/v1/submissions/", {**REPORT, "altcha": proof, "receipt": "no-such-receipt-token"}
    )
    accepted = client.post("/api/v1/submissions/", {**REPORT, "altcha": proof})

    assert refused.status_code == 400
    assert "receipt" in refused.json()
    assert accepted.status_code == 201, accepted.content


# ---------------------------------------------------- idempotency keys


@pytest.mark.django_db
def test_a_report_retried_with_its_key_gets_the_first_answer_and_stores_nothing_new():
    client = APIClient()
    body = {**REPORT, "altcha": fetch_and_solve(client)}

    first = client.post("/api/v1/submissions/", body, HTTP_IDEMPOTENCY_KEY=KEY)
    again = client.post("/api/v1/submissions/", body, HTTP_IDEMPOTENCY_KEY=KEY)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert first.json()["receipt"]["token"]
    assert Submission.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_report_sent_twice_at_once_with_one_key_is_stored_once():
    body = {**REPORT, "altcha": fetch_and_solve(APIClient())}

    responses = together(
        2,
        lambda client: client.post("/api/v1/submissions/", body, HTTP_IDEMPOTENCY_KEY=KEY),
    )

    assert [response.status_code for response in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert Submission.objects.count() == 1


@pytest.mark.django_db
def test_a_key_sent_again_with_another_report_is_a_422_and_stores_nothing():
    client = APIClient()
    first = client.post(
        "/api/v1/submissions/",
        {**REPORT, "altcha": fetch_and_solve(client)},
        HTTP_IDEMPOTENCY_KEY=KEY,
    )
    other = client.post(
        "/api/v1/submissions/",
        {**REPORT, "kind": "camera", "altcha": fetch_and_solve(client)},
        HTTP_IDEMPOTENCY_KEY=KEY,
    )

    assert first.status_code == 201
    assert other.status_code == 422
    assert "another request" in other.json()["idempotency_key"][0]
    assert Submission.objects.count() == 1


@pytest.mark.django_db
def test_a_key_too_short_to_be_unguessable_is_refused():
    client = APIClient()
    response = client.post(
        "/api/v1/submissions/",
        {**REPORT, "altcha": fetch_and_solve(client)},
        HTTP_IDEMPOTENCY_KEY="1",
    )

    assert response.status_code == 400
    assert "idempotency_key" in response.json()
    assert Submission.objects.count() == 0


@pytest.mark.django_db
def test_a_form_sent_twice_with_its_one_time_token_stores_one_report():
    client = Client()
    page = client.get("/submit/")
    token = page.context["form"]["form_token"].value()
    body = {"latitude": "41.88", "longitude": "-87.63", "kind": "ALPR", "form_token": token}

    first = client.post("/submit/", body)
    again = client.post("/submit/", body)

    assert (first.status_code, again.status_code) == (303, 303)
    assert Submission.objects.count() == 1
    assert "Thank you" in client.get("/thanks/").text


@pytest.mark.django_db
def test_the_schema_documents_the_idempotency_key():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    parameters = schema["paths"]["/api/v1/submissions/"]["post"]["parameters"]

    assert any(
        parameter["name"] == "Idempotency-Key" and parameter["in"] == "header"
        for parameter in parameters
    )


# ------------------------------------------------------- moderator edits


@pytest.fixture
def moderator_api(django_user_model):
    user = django_user_model.objects.create_superuser(username="ana", password=PASSWORD)
    client = APIClient()
    client.force_authenticate(user)
    return client


def a_camera() -> Camera:
    return camera_create(location=Point(-87.63, 41.88, srid=4326), actor=None, kind="camera")


@pytest.mark.django_db
def test_a_moderator_edits_a_camera_on_the_version_read(moderator_api):
    camera = a_camera()

    response = moderator_api.patch(
        f"/api/v1/cameras/{camera.pk}/",
        {"version": 1, "height": 5.5, "reason": "measured"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["properties"]["version"] == 2
    assert response.json()["properties"]["height"] == 5.5
    (revision,) = camera.revisions.filter(version=2)
    assert revision.changeset.comment == "measured"


@pytest.mark.django_db
def test_an_edit_on_an_older_version_is_a_409_with_the_current_one(
    moderator_api, django_user_model
):
    camera = a_camera()
    other = django_user_model.objects.create_user(username="ben", password=PASSWORD)
    camera_update(camera=camera, actor=other, reason="checked", last_confirmed="2026-12-01")

    response = moderator_api.patch(
        f"/api/v1/cameras/{camera.pk}/", {"version": 1, "height": 5.5}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["current_version"] == 2
    assert body["changes_since"][0]["by"] == "ben"
    assert body["changes_since"][0]["fields"] == ["last_confirmed"]
    camera.refresh_from_db()
    assert (camera.version, camera.height) == (2, None)


@pytest.mark.django_db(transaction=True)
def test_two_edits_of_one_version_at_once_one_is_a_409(django_user_model):
    user = django_user_model.objects.create_superuser(username="ana", password=PASSWORD)
    camera = a_camera()

    def edit(client):
        client.force_authenticate(user)
        return client.patch(
            f"/api/v1/cameras/{camera.pk}/", {"version": 1, "tilt": 10}, format="json"
        )

    responses = together(2, edit)

    assert sorted(response.status_code for response in responses) == [200, 409]
    assert Camera.objects.get(pk=camera.pk).version == 2


@pytest.mark.django_db
def test_a_scoped_moderator_cannot_move_a_camera_out_of_their_area(django_user_model):
    django_user_model.objects.create_user(username="scoped", password=PASSWORD)
    square = Polygon.from_bbox((-87.65, 41.86, -87.61, 41.90))
    area, _outcome = area_upsert(
        name="Downtown", level="district", geometry=MultiPolygon(square, srid=4326)
    )
    user = moderator_grant(username="scoped", areas=[area])
    client = APIClient()
    client.force_authenticate(user)
    camera = a_camera()

    out = client.patch(
        f"/api/v1/cameras/{camera.pk}/",
        {"version": 1, "location": [-87.70, 41.95]},
        format="json",
    )
    within = client.patch(
        f"/api/v1/cameras/{camera.pk}/",
        {"version": 1, "location": [-87.631, 41.881]},
        format="json",
    )

    assert out.status_code == 403
    assert within.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({"height": 2}, "version"),
        ({"version": 1, "height": -1}, "height"),
        ({"version": 1, "location": [200, 10]}, "location"),
        ({"version": 1, "vendor": "no-such-vendor"}, "vendor"),
        ({"version": 1, "kind": "spaceship"}, "kind"),
        ({"version": 1}, "non_field_errors"),
    ],
)
def test_a_bad_edit_is_a_400_naming_the_field(moderator_api, body, field):
    camera = a_camera()

    response = moderator_api.patch(f"/api/v1/cameras/{camera.pk}/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Camera.objects.get(pk=camera.pk).version == 1


@pytest.mark.django_db
def test_a_suggestion_made_on_an_older_version_is_a_409(django_user_model):
    camera = a_camera()
    camera_update(camera=camera, actor=None, height=3.0)
    user = django_user_model.objects.create_user(username="resident", password=PASSWORD)
    client = APIClient()
    client.force_authenticate(user)

    response = client.post(
        f"/api/v1/cameras/{camera.pk}/edit-suggestions/",
        {"version": 1, "changes": {"height": 4.0}},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["current_version"] == 2
    assert not camera.edit_suggestions.exists()
