"""Bulk downloads and the changes feed."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from registry.models import Camera, Status
from registry.services import camera_create, camera_hide, camera_update
from tests.factories import CameraFactory, VendorFactory

pytestmark = pytest.mark.django_db


def streamed(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_geojson_download_has_every_visible_camera_and_the_attribution(client):
    shown = CameraFactory()
    removed = CameraFactory(status=Status.REMOVED, removed_on="2025-01-01")
    CameraFactory(status=Status.HIDDEN)

    response = client.get("/api/v1/downloads/cameras.geojson")

    body = json.loads(streamed(response))
    assert response["Content-Type"] == "application/geo+json"
    assert "attachment" in response["Content-Disposition"]
    assert [feature["id"] for feature in body["features"]] == [shown.pk, removed.pk]
    assert "OpenStreetMap contributors" in body["attribution"]


def test_csv_download_is_one_row_per_camera_with_directions_joined(client):
    vendor = VendorFactory(slug="acme")
    camera = CameraFactory(
        location=Point(-87.5, 41.5, srid=4326), directions=[0.0, 180.0], vendor=vendor
    )

    rows = list(csv.DictReader(io.StringIO(streamed(client.get("/api/v1/downloads/cameras.csv")))))

    assert len(rows) == 1
    row = rows[0]
    assert (row["id"], row["longitude"], row["latitude"]) == (str(camera.pk), "-87.5", "41.5")
    assert (row["directions"], row["vendor"]) == ("0;180", "acme")


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
