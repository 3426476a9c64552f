"""bench/workload.py speaks the API as a client does: its solved proof of
work is accepted, and its multipart report with an EXIF-laden photo is
stored, the photo without any of its metadata."""

from __future__ import annotations

import io
import random
import re

import pytest
from PIL import Image

from bench import workload
from registry.models import Submission
from tests.registry.test_tiles import tile_of


@pytest.mark.django_db
def test_the_benchmarks_report_is_stored_as_a_clients(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.POW_MAX_NUMBER = 1000
    photo = workload.photo_with_exif(320, 240)
    assert Image.open(io.BytesIO(photo)).getexif()
    altcha = workload.solve(client.get("/api/v1/challenge/").json())
    fields = [("latitude", "41.88"), ("longitude", "-87.63"), ("kind", "camera"),
              ("directions", "90"), ("altcha", altcha)]  # fmt: skip
    body, content_type = workload.multipart(fields, photo)

    response = client.post("/api/v1/submissions/", data=body, content_type=content_type)

    assert response.status_code == 201, response.content
    submission = Submission.objects.get(pk=response.json()["submission"])
    stored = submission.photos.get()
    with stored.document.open("rb") as file, Image.open(file) as image:
        assert not image.getexif()


def test_tiles_are_drawn_from_views_around_the_registrys_cameras():
    registry = workload.Registry(cameras=[(1, -87.63, 41.88)], vendors=[], operators=[])
    generator = random.Random(3)

    for _ in range(200):
        visit = workload.tile_visit(registry, generator)
        z, x, y = map(
            int, re.match(r"/tiles/cameras/(\d+)/(\d+)/(\d+)\.mvt", visit.target).groups()
        )
        _z, centre_x, centre_y = tile_of(-87.63, 41.88, z)
        assert abs(x - centre_x) <= 2 and abs(y - centre_y) <= 1


def test_the_mix_gives_each_class_its_share():
    registry = workload.Registry(
        cameras=[(1, -87.63, 41.88)], vendors=["axis"], operators=["cdot"]
    )
    pick = workload.picker(registry, b"", workload.Mix())
    generator = random.Random(5)

    kinds = [pick(generator).kind for _ in range(20_000)]

    shares = {kind: kinds.count(kind) / len(kinds) for kind in set(kinds)}
    assert shares["tile"] == pytest.approx(0.80, abs=0.01)
    assert shares["bbox"] == pytest.approx(0.15, abs=0.01)
    assert shares["page"] == pytest.approx(0.04, abs=0.005)
    assert shares["submission"] == pytest.approx(0.01, abs=0.003)
