"""The moderation queue's new cameras in the API: moderators only, each
with its warnings in words and figures, filtered and sorted by warning; and
a photo's own GPS position, read from the upload, warns when it is far
from the reported place."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point, Polygon
from django.core.cache import cache
from rest_framework.test import APIClient

from registry.models import ModeratorArea, Submission
from registry.services.areas import area_upsert
from registry.services.contributions import submission_create
from tests.factories import CameraFactory
from tests.pow import fetch_and_solve
from tests.registry.test_photos import jpeg_with_everything, upload

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/moderation/submissions/"
HERE = Point(-87.6300, 41.8800, srid=4326)
FIVE_METRES_NORTH = Point(-87.6300, 41.880045, srid=4326)
FAR_AWAY = Point(2.35, 48.85, srid=4326)


@pytest.fixture
def client():
    cache.clear()
    return APIClient()


@pytest.fixture
def moderator(django_user_model):
    user = django_user_model.objects.create_user(username="mod", password="a-long-pass-41")
    user.user_permissions.add(Permission.objects.get(codename="moderate"))
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture
def mod_client(client, moderator):
    client.force_authenticate(moderator)
    return client


def submit(**values) -> Submission:
    values.setdefault("location", HERE)
    values.setdefault("kind", "camera")
    return submission_create(**values)


@pytest.fixture
def items():
    plain = submit(location=FAR_AWAY)
    CameraFactory(location=HERE, kind="camera")
    duplicate = submit(location=FIVE_METRES_NORTH)
    return plain, duplicate


def test_a_moderator_reads_each_item_with_its_warnings(mod_client, items):
    plain, duplicate = items
    body = mod_client.get(QUEUE).json()
    assert body["count"] == 2
    first, second = body["results"]
    assert (first["id"], first["warnings"]) == (plain.pk, [])
    warning = second["warnings"][0]
    assert warning["code"] == "duplicate"
    assert warning["label"] == "Duplicate"
    assert warning["reason"].endswith("of the same kind is within 10.0 m.")
    assert warning["evidence"].startswith("It is 5.0 m away")
    assert warning["figures"]["distance"] == 5.0
    assert second["camera"]["latitude"] == pytest.approx(41.880045)
    assert second["url"].endswith(f"/moderation/submissions/{duplicate.pk}/")
    assert "user" not in second and "receipt" not in second


def test_it_filters_and_sorts_by_warning(mod_client, items):
    plain, duplicate = items
    only = mod_client.get(QUEUE, {"warning": "duplicate"}).json()["results"]
    assert [item["id"] for item in only] == [duplicate.pk]
    none = mod_client.get(QUEUE, {"warning": "none"}).json()["results"]
    assert [item["id"] for item in none] == [plain.pk]
    most = mod_client.get(QUEUE, {"sort": "warnings"}).json()["results"]
    assert [item["id"] for item in most] == [duplicate.pk, plain.pk]


def test_a_bad_parameter_is_a_400_naming_it(mod_client):
    response = mod_client.get(QUEUE, {"warning": "spaceship", "sort": "up"})
    assert response.status_code == 400
    assert set(response.json()) == {"warning", "sort"}


def test_only_moderators_read_it(client, django_user_model, items):
    assert client.get(QUEUE).status_code == 401
    resident = django_user_model.objects.create_user(username="alice", password="a-long-pass-42")
    client.force_authenticate(resident)
    assert client.get(QUEUE).status_code == 403


def test_an_area_limited_moderator_reads_only_their_areas(mod_client, moderator, items):
    square = Polygon(((-88, 41), (-87, 41), (-87, 42), (-88, 42), (-88, 41)), srid=4326)
    area = area_upsert(name="Chicago", level="city", geometry=square)[0]
    ModeratorArea.objects.create(user=moderator, area=area)
    results = mod_client.get(QUEUE).json()["results"]
    assert [item["id"] for item in results] == [items[1].pk]


def test_the_photos_own_position_far_from_the_report_warns(client, mod_client, settings, tmp_path):
    # The test photo says it was taken in Chicago; the camera is reported in Paris.
    settings.MEDIA_ROOT = tmp_path
    anonymous = APIClient()
    body = {
        "latitude": 48.85,
        "longitude": 2.35,
        "kind": "camera",
        "altcha": fetch_and_solve(anonymous),
        "photos": [upload(jpeg_with_everything())],
    }
    response = anonymous.post("/api/v1/submissions/", body, format="multipart")
    assert response.status_code == 201, response.content
    warning = mod_client.get(QUEUE, {"warning": "photo_far"}).json()["results"][0]["warnings"][0]
    assert warning["reason"].startswith("Photo 1 was taken 6")
    assert warning["reason"].endswith("km from the reported position.")
    assert "41.88" not in str(Submission.objects.get().warnings)
