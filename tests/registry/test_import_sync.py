"""Keeping a dataset in step with its source: updates with revisions,
--full removal and return, local edits kept as conflicts, near-duplicates,
and imports that fail half-way leaving the registry as it was."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import IntegrityError, connection, transaction

from registry.imports import staging, writing
from registry.models import Camera, Changeset, Dataset, ImportConflict, MergeCandidate, Status
from registry.services import camera_set_status, camera_update, conflict_accept_source

from .importing import camera_tags, node_xml, osm_xml, run, summary, write_pbf

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def extract(tmp_path, *nodes, name="extract.osm"):
    path = tmp_path / name
    path.write_text(osm_xml(*(node_xml(*node) for node in nodes)))
    return path


ALPR = (1, -87.6, 41.8, camera_tags("ALPR", **{"camera:direction": "90"}))
CAMERA = (2, -87.61, 41.81, camera_tags("camera"))


def test_a_changed_source_record_updates_the_camera_with_a_revision_naming_the_source(tmp_path):
    run(extract(tmp_path, ALPR, CAMERA), "--source", "osm")
    moved = (1, -87.6, 41.8, camera_tags("ALPR", **{"camera:direction": "180"}), 2)

    out, _err = run(extract(tmp_path, moved, CAMERA, name="b.osm"), "--source", "osm")

    assert summary(out).startswith("osm: 2 features: 0 created, 1 updated, 1 unchanged")
    camera = Camera.objects.get(osm_id=1)
    revision = camera.revisions.get(version=2)
    assert revision.changes["directions"] == [[90.0], [180.0]]
    assert set(revision.changes) == {"directions", "tags"}
    assert revision.changeset.dataset.name == "osm"
    assert revision.changeset.actor == "import: osm"


def test_an_unchanged_reimport_writes_nothing_at_all(tmp_path):
    path = extract(tmp_path, ALPR, CAMERA)
    run(path, "--source", "osm")
    changesets = Changeset.objects.count()

    out, _err = run(path, "--source", "osm")

    assert summary(out).startswith("osm: 2 features: 0 created, 0 updated, 2 unchanged")
    assert Changeset.objects.count() == changesets
    assert set(Camera.objects.values_list("version", flat=True)) == {1}


def test_full_sync_removes_what_the_source_dropped_with_date_and_evidence(tmp_path):
    run(extract(tmp_path, ALPR, CAMERA), "--source", "osm")
    run(extract(tmp_path, (3, 1.0, 1.0, camera_tags())), "--source", "elsewhere")

    out, _err = run(extract(tmp_path, ALPR, name="b.osm"), "--source", "osm", "--full")

    assert ", 1 removed" in summary(out)
    gone = Camera.objects.get(osm_id=2)
    assert (gone.status, gone.status_note) == (Status.REMOVED, "absent from osm")
    assert gone.removed_on is not None
    assert gone.revisions.get(version=2).changes["status"] == ["reported", "removed"]
    assert Camera.objects.get(osm_id=1).status == Status.REPORTED
    assert Camera.objects.get(osm_id=3).status == Status.REPORTED  # another dataset's


def test_an_unchanged_re_import_counts_every_record_and_changes_nothing(tmp_path):
    path = extract(tmp_path, ALPR, CAMERA)
    run(path, "--source", "osm")
    versions = dict(Camera.objects.values_list("osm_id", "version"))

    out, _err = run(path, "--source", "osm")

    assert summary(out).startswith("osm: 2 features: 0 created, 0 updated, 2 unchanged")
    assert dict(Camera.objects.values_list("osm_id", "version")) == versions


def test_an_unchanged_node_given_twice_is_counted_once_and_the_repeat_rejected(tmp_path):
    run(extract(tmp_path, ALPR), "--source", "osm")

    out, err = run(extract(tmp_path, ALPR, ALPR, name="b.osm"), "--source", "osm")

    assert summary(out).startswith(
        "osm: 2 features: 0 created, 0 updated, 1 unchanged, 1 rejected"
    )
    assert "rejected feature 1 (node/1): id: the same OSM object as feature 0" in err
    assert Camera.objects.count() == 1


def test_without_full_an_absent_camera_is_kept(tmp_path):
    run(extract(tmp_path, ALPR, CAMERA), "--source", "osm")

    run(extract(tmp_path, ALPR, name="b.osm"), "--source", "osm")

    assert Camera.objects.get(osm_id=2).status == Status.REPORTED


def test_a_camera_back_in_the_source_is_reported_again(tmp_path):
    both = extract(tmp_path, ALPR, CAMERA)
    run(both, "--source", "osm")
    run(extract(tmp_path, ALPR, name="b.osm"), "--source", "osm", "--full")

    out, _err = run(both, "--source", "osm", "--full")

    assert ", 1 back after being absent" in summary(out)
    camera = Camera.objects.get(osm_id=2)
    assert (camera.status, camera.removed_on, camera.status_note) == (Status.REPORTED, None, "")


def test_a_moderators_edit_is_kept_against_the_source_and_recorded(tmp_path, moderator):
    run(extract(tmp_path, ALPR), "--source", "osm")
    camera = Camera.objects.get(osm_id=1)
    camera_update(
        camera=camera,
        actor=moderator,
        reason="Seen on the ground: it faces west",
        expected_version=camera.version,
        directions=[270.0],
    )
    changed = (1, -87.6, 41.8, camera_tags("ALPR", **{"camera:direction": "45", "height": "5"}))

    out, _err = run(extract(tmp_path, changed, name="b.osm"), "--source", "osm")

    assert "1 fields kept against the source" in summary(out)
    camera.refresh_from_db()
    assert camera.directions == [270.0]  # the moderator's value stands
    assert camera.height == 5.0  # what the moderator did not touch follows the source
    conflict = ImportConflict.objects.get()
    assert (conflict.camera, conflict.field, conflict.local_value, conflict.source_value) == (
        camera,
        "directions",
        [270.0],
        [45.0],
    )
    assert conflict.dataset.name == "osm" and conflict.resolution == ""


def test_a_repeated_conflict_updates_the_open_record_instead_of_adding_one(tmp_path, moderator):
    run(extract(tmp_path, ALPR), "--source", "osm")
    camera = Camera.objects.get(osm_id=1)
    camera_update(camera=camera, actor=moderator, expected_version=1, directions=[270.0])
    for index, direction in enumerate(("45", "60")):
        node = (1, -87.6, 41.8, camera_tags("ALPR", **{"camera:direction": direction}))
        run(extract(tmp_path, node, name=f"{index}.osm"), "--source", "osm")

    conflict = ImportConflict.objects.get()
    assert conflict.source_value == [60.0]


def test_a_kept_local_value_is_not_overwritten_by_the_value_the_moderator_rejected(
    tmp_path, moderator
):
    run(extract(tmp_path, ALPR), "--source", "osm")
    camera = Camera.objects.get(osm_id=1)
    camera_update(camera=camera, actor=moderator, expected_version=1, directions=[270.0])
    rejected = (1, -87.6, 41.8, camera_tags("ALPR", **{"camera:direction": "45"}))
    run(extract(tmp_path, rejected, name="b.osm"), "--source", "osm")
    ImportConflict.objects.update(resolution=ImportConflict.Resolution.KEPT_LOCAL)
    same_again = (1, -87.6, 41.8, camera_tags("ALPR", **{"camera:direction": "45", "name": "x"}))

    run(extract(tmp_path, same_again, name="c.osm"), "--source", "osm")

    assert Camera.objects.get(osm_id=1).directions == [270.0]
    assert ImportConflict.objects.get().resolution == ImportConflict.Resolution.KEPT_LOCAL


def test_a_value_accepted_from_the_source_follows_the_source_again(tmp_path, moderator):
    run(extract(tmp_path, ALPR), "--source", "osm")
    camera = Camera.objects.get(osm_id=1)
    camera_update(camera=camera, actor=moderator, expected_version=1, directions=[270.0])
    offered = (1, -87.6, 41.8, camera_tags("ALPR", **{"camera:direction": "45"}))
    run(extract(tmp_path, offered, name="b.osm"), "--source", "osm")
    conflict_accept_source(conflict=ImportConflict.objects.get(), user=moderator)
    accepted = Camera.objects.get(osm_id=1)
    assert accepted.directions == [45.0]
    turned = (1, -87.6, 41.8, camera_tags("ALPR", **{"camera:direction": "60"}))

    run(extract(tmp_path, turned, name="c.osm"), "--source", "osm")

    assert Camera.objects.get(osm_id=1).directions == [60.0]
    assert not ImportConflict.objects.filter(resolution="").exists()


def test_a_status_edit_does_not_stop_the_source_updating_fields(tmp_path, moderator):
    run(extract(tmp_path, ALPR), "--source", "osm")
    camera_set_status(
        camera=Camera.objects.get(osm_id=1), actor=moderator, status="verified", reason="seen"
    )
    turned = (1, -87.6, 41.8, camera_tags("ALPR", **{"camera:direction": "60"}))

    run(extract(tmp_path, turned, name="b.osm"), "--source", "osm")

    camera = Camera.objects.get(osm_id=1)
    assert (camera.directions, camera.status) == ([60.0], "verified")


def test_an_edit_older_than_the_last_import_is_no_longer_protected(tmp_path, moderator):
    run(extract(tmp_path, ALPR), "--source", "osm")
    camera = Camera.objects.get(osm_id=1)
    camera_update(camera=camera, actor=moderator, expected_version=1, directions=[270.0])
    accepted = (1, -87.6, 41.8, camera_tags("ALPR", **{"camera:direction": "270", "height": "4"}))
    run(extract(tmp_path, accepted, name="b.osm"), "--source", "osm")  # agrees: imported
    turned = (1, -87.6, 41.8, camera_tags("ALPR", **{"camera:direction": "10", "height": "4"}))

    run(extract(tmp_path, turned, name="c.osm"), "--source", "osm")

    assert Camera.objects.get(osm_id=1).directions == [10.0]
    assert not ImportConflict.objects.exists()


@pytest.mark.parametrize(
    ("offset_m", "kind", "near", "linked"),
    [
        (3, "camera", None, True),
        (8, "camera", None, False),
        (8, "camera", "10", True),
        (3, "ALPR", None, False),
        (3, "camera", "0", False),
    ],
)
def test_a_new_camera_next_to_an_existing_one_is_a_merge_candidate(
    tmp_path, offset_m, kind, near, linked
):
    run(extract(tmp_path, CAMERA), "--source", "osm")
    # No OSM id: a city list reporting the same pole a few metres off.
    lat = 41.81 + offset_m / 111_195
    csv = tmp_path / "city.csv"
    csv.write_text(f"id,lat,lon,kind\nC1,{lat},-87.61,{kind}\n")

    out, _err = run(
        csv, "--source", "city", "--map", "kind=kind", *(["--near", near] if near else [])
    )

    candidates = list(MergeCandidate.objects.all())
    assert bool(candidates) is linked
    if linked:
        (candidate,) = candidates
        assert candidate.camera.source_ref == "C1"
        assert candidate.duplicate_of.osm_id == 2
        assert candidate.distance == pytest.approx(offset_m, abs=0.1)
        assert candidate.decision == MergeCandidate.Decision.OPEN
        assert "1 possible duplicates for moderators" in summary(out)
    assert Camera.objects.count() == 2  # never merged automatically


def test_two_osm_objects_close_together_are_two_devices(tmp_path):
    run(extract(tmp_path, CAMERA), "--source", "osm")
    neighbour = (9, -87.61, 41.81002, camera_tags("camera"))

    run(extract(tmp_path, neighbour, name="b.osm"), "--source", "osm")

    assert not MergeCandidate.objects.exists()


def test_a_dry_run_writes_nothing(tmp_path):
    out, _err = run(extract(tmp_path, ALPR, CAMERA), "--source", "osm", "--dry-run")

    assert "dry run: nothing was written" in summary(out)
    assert (Camera.objects.count(), Dataset.objects.count(), Changeset.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_database_error_half_way_leaves_the_registry_as_it_was(tmp_path, monkeypatch):
    run(extract(tmp_path, CAMERA), "--source", "osm")
    before = list(Camera.objects.values_list("id", "version", "status"))
    monkeypatch.setattr(staging, "BATCH_ROWS", 100)
    batches = []
    real_write_batch = writing.Writer.write_batch

    def failing_write_batch(self, cursor, rows, operators):
        batches.append(len(rows))
        if len(batches) == 3:
            cursor.execute("SELECT 1 / 0")  # a real database error, mid-run
        real_write_batch(self, cursor, rows, operators)

    monkeypatch.setattr(writing.Writer, "write_batch", failing_write_batch)
    nodes = [(i, i / 1000, 1.0, camera_tags()) for i in range(100, 600)]
    pbf = write_pbf(tmp_path / "many.osm.pbf", nodes)

    with pytest.raises(Exception, match="division by zero"):
        run(pbf, "--source", "osm", "--full")

    assert batches[:3] == [100, 100, 100]
    assert list(Camera.objects.values_list("id", "version", "status")) == before


def database_url() -> str:
    """The test database, for a subprocess of the command."""
    settings = connection.settings_dict
    host = quote(settings["HOST"] or "", safe="")
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgis://{settings['USER']}@{host}{port}/{settings['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_half_way_leaves_the_registry_as_it_was(tmp_path):
    nodes = [
        (i, (i % 3600) / 10 - 180, (i // 3600) / 100, camera_tags()) for i in range(1, 200_001)
    ]
    pbf = write_pbf(tmp_path / "large.osm.pbf", nodes)
    command = [sys.executable, "manage.py", "import_cameras", str(pbf), "--source", "osm"]
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    process = subprocess.Popen(command, cwd=ROOT, env=environment)
    try:
        assert wait_for_rows_being_written(), "the import never started writing"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == -signal.SIGKILL
    assert (Camera.objects.count(), Dataset.objects.count(), Changeset.objects.count()) == (
        0,
        0,
        0,
    )


def wait_for_rows_being_written(timeout: float = 60) -> bool:
    """Until another session is copying or inserting cameras."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                "AND datname = current_database() AND state = 'active' "
                "AND query LIKE 'INSERT INTO registry_camera%%'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def test_points_keep_their_identity_across_the_staging_table(tmp_path):
    """Ids come from the camera sequence as rows are staged: each camera's
    revision belongs to it."""
    run(extract(tmp_path, ALPR, CAMERA), "--source", "osm")

    for camera in Camera.objects.all():
        first = camera.revisions.get(version=1)
        assert first.changes["osm_id"] == [None, camera.osm_id]
        assert first.changes["location"][1] == list(camera.location.coords)


def table_definitions() -> list[tuple]:
    """Every index and constraint of the tables a first import fills."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) "
            "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [list(staging.BULK_LOADED_TABLES)] * 2,
        )
        return cursor.fetchall()


def test_a_first_import_puts_back_every_index_and_constraint_it_set_aside(tmp_path):
    before = table_definitions()
    assert len(before) > 10 and not Camera.objects.exists()

    run(extract(tmp_path, ALPR, CAMERA), "--source", "osm")

    assert table_definitions() == before
    camera = Camera.objects.get(osm_id=1)
    camera.pk = None
    # The unique OSM identity holds again.
    with pytest.raises(IntegrityError), transaction.atomic():
        camera.save()


def test_a_first_import_that_fails_leaves_indexes_and_constraints_in_place(tmp_path, monkeypatch):
    before = table_definitions()
    monkeypatch.setattr(staging, "BATCH_ROWS", 50)
    real_write_batch = writing.Writer.write_batch
    calls = []

    def failing_write_batch(self, cursor, rows, operators):
        calls.append(len(rows))
        if len(calls) == 2:
            cursor.execute("SELECT 1 / 0")
        real_write_batch(self, cursor, rows, operators)

    monkeypatch.setattr(writing.Writer, "write_batch", failing_write_batch)
    pbf = write_pbf(
        tmp_path / "a.osm.pbf", [(i, i / 100, 1.0, camera_tags()) for i in range(1, 200)]
    )

    with pytest.raises(Exception, match="division by zero"):
        run(pbf, "--source", "osm")

    assert table_definitions() == before
    assert not Camera.objects.exists()
