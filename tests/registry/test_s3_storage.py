"""Photos and area reports' PDFs on S3-compatible object storage, switched by
configuration and tested against a local S3 server (moto's server mode): the
same code path as the local disk, through Django's storage API."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import override_settings
from rest_framework.test import APIClient

from registry.models import AreaReportPdf, Camera, Evidence
from registry.services import contributions
from tests.area_layouts import make_city
from tests.pow import fetch_and_solve
from tests.registry.test_photos import assert_bare_jpeg, jpeg_with_everything, upload

BUCKET = "sightline-photos"
MOTO_SERVER = Path(sys.executable).with_name("moto_server")
KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not MOTO_SERVER.exists() and not shutil.which("moto_server"),
                       reason="moto[server] is not installed: make test installs it"),
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = subprocess.Popen(
        [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        server.terminate()
        raise AssertionError("moto_server did not start")
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint):
    s3 = boto3.resource("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **KEYS)
    store = s3.Bucket(BUCKET)
    store.create()
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield store
    store.objects.all().delete()
    store.delete()


@pytest.fixture
def client():
    cache.clear()
    return APIClient()


def report(client, **extra):
    body = {"latitude": 41.88, "longitude": -87.63, "kind": "camera"}
    return {**body, "altcha": fetch_and_solve(client), **extra}


def test_a_contributed_photo_lands_in_the_bucket_without_metadata(client, bucket):
    response = client.post(
        "/api/v1/submissions/", report(client, photos=[upload(jpeg_with_everything())]),
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    photo = Evidence.objects.get()
    keys = sorted(item.key for item in bucket.objects.all())
    assert keys == sorted([photo.document.name, photo.thumbnail.name])
    stored = bucket.Object(photo.document.name).get()["Body"].read()
    assert_bare_jpeg(stored)
    assert photo.document.url.startswith(bucket.meta.client.meta.endpoint_url)


def test_a_write_that_fails_after_the_upload_leaves_nothing_in_the_bucket(
    client, bucket, monkeypatch
):
    def refuse(camera, **kwargs):
        # Fails inside the write's transaction, after the photos were stored.
        assert len(list(bucket.objects.all())) == 2
        raise ValidationError({"location": "refused for the test"})

    monkeypatch.setattr(contributions, "plausibility_warnings", refuse)
    body = report(client, photos=[upload(jpeg_with_everything())])
    response = client.post("/api/v1/submissions/", body, format="multipart")
    assert response.status_code == 400
    assert list(bucket.objects.all()) == []
    assert not Camera.objects.exists()


def test_an_area_reports_pdf_is_kept_in_the_bucket_and_served_from_it(bucket, settings):
    # Rendered in the request (the immediate task backend), stored, then
    # served from the bucket by the next request.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    make_city()
    client = APIClient()

    first = client.get("/areas/testville/report.pdf")
    second = client.get("/areas/testville/report.pdf")

    name = AreaReportPdf.objects.get().document.name
    assert [item.key for item in bucket.objects.all()] == [name]
    stored = bucket.Object(name).get()["Body"].read()
    assert stored.startswith(b"%PDF")
    assert b"".join(first.streaming_content) == b"".join(second.streaming_content) == stored
