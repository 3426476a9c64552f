"""The changes feed (bulk downloads: test_downloads.py)."""

import json
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from registry.models import Camera
from registry.services import camera_create, camera_hide, camera_update
from tests.factories import CameraFactory

pytestmark = pytest.mark.django_db


def changes(client, **params):
    response = client.get("/api/v1/changes/", params)
    return response.status_code, json.loads(response.content)


def test_changes_feed_gives_versions_and_features_in_order(client):
    before = timezone.now() - timedelta(seconds=1)
    first = camera_create(location=Point(1, 1, srid=4326), actor=None, kind="camera")
    second = camera_create(location=Point(2, 2, srid=4326), actor=None, kind="ALPR")
    camera_update(camera=first, actor=None, height=3.0)

    status, body = changes(client, since=before.isoformat())

    assert status == 200
    assert [(c["id"], c["version"]) for c in body["changes"]] == [(second.pk, 1), (first.pk, 2)]
    assert body["changes"][0]["feature"]["properties"]["kind"] == "ALPR"


def test_changes_feed_pages_cover_everything_once(client):
    since = (timezone.now() - timedelta(seconds=1)).isoformat()
    cameras = [CameraFactory() for _ in range(5)]

    seen, url = [], f"/api/v1/changes/?since={since.replace('+', '%2B')}&limit=2"
    while url:
        body = json.loads(client.get(url).content)
        seen += [change["id"] for change in body["changes"]]
        url = body["next"]

    assert sorted(seen) == sorted(camera.pk for camera in cameras)
    assert len(seen) == 5


def test_a_hidden_camera_appears_without_its_feature(client):
    since = (timezone.now() - timedelta(seconds=1)).isoformat()
    camera = camera_create(location=Point(1, 1, srid=4326), actor=None)
    camera_hide(camera=camera, actor=None, reason="spam")

    _status, body = changes(client, since=since)

    assert body["changes"] == [
        {
            "id": camera.pk,
            "version": 2,
            "status": "hidden",
            "updated_at": Camera.objects.get().updated_at.isoformat(),
            "feature": None,
        }
    ]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({}, "since"),
        ({"since": "last week"}, "since"),
        ({"since": "2025-01-01T00:00:00Z", "cursor": "garbage"}, "cursor"),
        ({"since": "2025-01-01T00:00:00Z", "limit": "100000"}, "limit"),
    ],
)
def test_changes_feed_rejects_bad_parameters(client, params, parameter):
    status, body = changes(client, **params)

    assert status == 400
    assert parameter in body
