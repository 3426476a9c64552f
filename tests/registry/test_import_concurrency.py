"""Contributions never wait for an import: while an import into a registry
in use is half-way (its transaction open, batches written), a report in the
same tile cells and a confirmation of a camera the import has just listed
as a possible duplicate both commit at once, each on its own connection."""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.gis.geos import Point
from django.db import connection

from registry.imports import staging, writing
from registry.models import Camera, Confirmation, MergeCandidate, Submission
from registry.services import camera_create
from registry.services.contributions import confirmation_add, receipt_issue, submission_create

from .importing import camera_tags, run, write_pbf

WAIT_SECONDS = 60


@pytest.mark.django_db(transaction=True)
def test_contributions_commit_while_an_import_is_half_way(tmp_path, monkeypatch):
    existing = camera_create(
        location=Point(0.0001, 1.0, srid=4326), actor=None, kind="camera", vendor_raw="x"
    )
    monkeypatch.setattr(staging, "BATCH_ROWS", 50)
    half_way, resume = threading.Event(), threading.Event()
    real_write_batch = writing.Writer.write_batch
    batches = []

    def pausing_write_batch(self, cursor, rows, operators):
        real_write_batch(self, cursor, rows, operators)
        batches.append(len(rows))
        if len(batches) == 2:
            half_way.set()
            resume.wait(WAIT_SECONDS)

    monkeypatch.setattr(writing.Writer, "write_batch", pausing_write_batch)
    # 200 cameras around the existing one: the same tile cells at every
    # level, and the first of them within a metre of it (a possible
    # duplicate, too far to be linked as the same camera).
    pbf = write_pbf(
        tmp_path / "area.osm.pbf",
        [(i, 0.0001 + (i + 5) / 1e6, 1.0, camera_tags()) for i in range(1, 201)],
    )
    outcome: dict = {}

    def importing():
        try:
            outcome["out"] = run(pbf, "--source", "osm")
        except Exception as error:  # reported by the assertions below
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=importing)
    thread.start()
    try:
        assert half_way.wait(WAIT_SECONDS), "the import never reached its third batch"
        assert MergeCandidate.objects.count() == 0  # the import's own rows are not visible
        with connection.cursor() as cursor:
            # A wait for the import's locks fails the test rather than hanging it.
            cursor.execute("SET lock_timeout = '5s'")
        started = time.monotonic()
        submission = submission_create(location=Point(0.00015, 1.0, srid=4326), kind="camera")
        confirmation = confirmation_add(camera=existing, receipt=receipt_issue()[0])
        took = time.monotonic() - started
    finally:
        resume.set()
        thread.join(WAIT_SECONDS)

    assert "error" not in outcome, outcome.get("error")
    assert took < 5
    assert Submission.objects.filter(pk=submission.pk).exists()
    assert Confirmation.objects.filter(pk=confirmation.pk).exists()
    assert Camera.objects.filter(dataset__name="osm").count() == 200
    assert MergeCandidate.objects.filter(duplicate_of=existing).exists()
    assert Camera.objects.get(pk=existing.pk).last_confirmed is not None
