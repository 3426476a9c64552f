"""Background work: queued in PostgreSQL, run by `manage.py db_worker`,
retried after passing failures, its status visible with `manage.py tasks`."""

import gzip
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from PIL import Image

from registry import tasks
from registry.models import Camera, Dataset, TileCell
from registry.services.tiles import tile_cells_drift
from tests.factories import CameraFactory
from tests.registry.test_photos import jpeg_with_everything, upload

# The worker closes its database connection after each task, as in
# production, so the tests commit what they make.
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    """What `manage.py db_worker` does, until the queue is empty."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())


def statuses() -> list[tuple[str, str]]:
    rows = DBTaskResult.objects.order_by("enqueued_at")
    return [(row.task_path.rsplit(".", 1)[-1], row.status) for row in rows]


@pytest.fixture
def cameras_file(tmp_path):
    features = [
        {
            "type": "Feature",
            "properties": {"man_made": "surveillance", "surveillance:type": "ALPR"},
            "geometry": {"type": "Point", "coordinates": [-87.6 + n / 1000, 41.9]},
        }
        for n in range(3)
    ]
    path = tmp_path / "cameras.geojson.gz"
    with gzip.open(path, "wt") as file:
        json.dump({"type": "FeatureCollection", "features": features}, file)
    return path


def test_an_import_queued_in_the_background_runs_in_the_worker(cameras_file):
    out = StringIO()
    call_command(
        "import_cameras", cameras_file, "--source", "city-list", "--background", stdout=out
    )
    assert "Import queued as task" in out.getvalue()
    assert not Camera.objects.exists()  # nothing until the worker runs
    run_worker()
    assert Camera.objects.filter(dataset=Dataset.objects.get(name="city-list")).count() == 3
    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL"
    assert "3 created" in result.return_value["output"]


def test_a_file_that_cannot_be_read_fails_once_and_says_why(tmp_path):
    broken = tmp_path / "broken.geojson"
    broken.write_text("not json at all")
    call_command("import_cameras", broken, "--background", stdout=StringIO())
    run_worker()
    assert statuses() == [("import_cameras", "FAILED")]  # no retry: it would fail again
    out = StringIO()
    call_command("tasks", str(DBTaskResult.objects.get().pk), stdout=out)
    assert "CommandError" in out.getvalue() and "broken.geojson" in out.getvalue()


def test_a_passing_failure_is_tried_again_up_to_the_limit(settings, monkeypatch):
    settings.TASKS_MAX_ATTEMPTS = 3
    settings.TASKS_RETRY_SECONDS = 0
    calls = []

    def database_gone():
        calls.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("registry.services.tiles.tile_cells_rebuild", database_gone)
    tasks.rebuild_tile_pyramid.enqueue()
    run_worker()
    assert len(calls) == 3
    assert statuses() == [("rebuild_tile_pyramid", "FAILED")] * 3


def test_the_immediate_backend_tries_again_at_once(settings, monkeypatch):
    # Development's backend runs tasks in the process asking and cannot defer
    # one, so the next try follows straight away.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.TASKS_MAX_ATTEMPTS = 3
    calls = []

    def database_gone():
        calls.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("registry.services.tiles.tile_cells_rebuild", database_gone)
    result = tasks.rebuild_tile_pyramid.enqueue()
    assert len(calls) == 3
    assert result.status == "FAILED"
    assert not DBTaskResult.objects.exists()


def test_the_pyramid_rebuild_can_be_queued(monkeypatch):
    CameraFactory.create_batch(3)
    TileCell.objects.all().delete()  # as after a restore of the camera table alone
    call_command("rebuild_tile_cells", "--commit", "--background", stdout=StringIO())
    run_worker()
    assert tile_cells_drift() == 0
    assert statuses() == [("rebuild_tile_pyramid", "SUCCESSFUL")]


def test_thumbnails_can_be_made_again_at_another_size(client, settings, tmp_path):
    from registry.photos import read_photo, store_photo
    from registry.services.contributions import submission_create

    settings.MEDIA_ROOT = tmp_path
    stored = store_photo(read_photo(upload(jpeg_with_everything())))
    photo = submission_create(
        location=CameraFactory.build().location, kind="camera", photos=[stored]
    ).photos.get()
    with override_settings(PHOTO_THUMBNAIL_EDGE=50):
        tasks.remake_thumbnails.enqueue(evidence_ids=[photo.pk])
        run_worker()
    photo.refresh_from_db()
    with photo.thumbnail.open() as thumbnail:
        assert max(Image.open(thumbnail).size) == 50
    assert not (tmp_path / stored.thumbnail_name).exists()  # the old one is gone


def test_tasks_lists_the_latest_and_refuses_an_unknown_id():
    tasks.rebuild_tile_pyramid.enqueue()
    out = StringIO()
    call_command("tasks", stdout=out)
    assert "READY" in out.getvalue() and "rebuild_tile_pyramid" in out.getvalue()
    with pytest.raises(CommandError, match="No background task has the id nope"):
        call_command("tasks", "nope")
