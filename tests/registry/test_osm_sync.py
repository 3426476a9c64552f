"""`manage.py osm_sync`: a replication feed written with pyosmium, served
over HTTP from 127.0.0.1, followed diff by diff into the registry."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import osmium
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from registry import tasks
from registry.models import Camera, Changeset, ReplicationState, Status
from tests.replication import START, ReplicationFeed, node, relation, way

from .importing import camera_tags

pytestmark = pytest.mark.django_db

UNRELATED = [
    node(500, {"highway": "street_lamp"}),
    node(501, {"man_made": "tower"}),
    node(502),
    way(600, [500, 501], {"highway": "residential"}),
    relation(700, {"type": "route"}),
]


@pytest.fixture
def feed(tmp_path, settings):
    feed = ReplicationFeed(tmp_path / "feed")
    feed.write_diff(1, UNRELATED)
    feed.write_diff(2, [node(503, {"amenity": "bench"})])
    feed.write_diff(3, [node(504, {"shop": "bakery"})])
    settings.OSM_REPLICATION_URL = feed.serve()
    yield feed
    feed.stop()


def sync(*args: str) -> str:
    out = StringIO()
    call_command("osm_sync", *args, stdout=out)
    return out.getvalue()


def state() -> ReplicationState:
    return ReplicationState.objects.get()


def test_a_first_run_starts_from_the_feed_s_current_state_and_applies_nothing(feed):
    out = sync()

    assert "starting from its current state, diff 3" in out
    assert state().sequence == 3
    assert state().timestamp == feed.timestamp(3)
    assert not Camera.objects.exists()


def test_new_diffs_are_applied_creations_changes_deletions_and_lost_tags(feed):
    sync()
    feed.write_diff(
        4,
        [
            node(1, camera_tags("camera", **{"camera:direction": "90"})),
            node(2, camera_tags("ALPR")),
            node(3, camera_tags("camera"), lon=-87.5),
            *UNRELATED,
        ],
    )

    out = sync()

    assert "Applied 1 diffs (4-4) in 1 batches: 3 cameras created" in out
    assert set(Camera.objects.values_list("osm_id", flat=True)) == {1, 2, 3}
    feed.write_diff(
        5,
        [
            node(1, camera_tags("camera", **{"camera:direction": "180"}), version=2),
            node(2, deleted=True, version=2),
            node(3, {"highway": "street_lamp"}, version=2, lon=-87.5),
            node(504, {"shop": "bakery"}, version=2),
        ],
    )

    out = sync()

    assert "0 cameras created, 1 updated, 2 removed" in out
    turned = Camera.objects.get(osm_id=1)
    assert turned.directions == [180.0]
    assert turned.revisions.get(version=2).changeset.dataset.name == "osm"
    deleted, untagged = Camera.objects.get(osm_id=2), Camera.objects.get(osm_id=3)
    assert (deleted.status, deleted.status_note) == (Status.REMOVED, "deleted in osm")
    assert untagged.status == Status.REMOVED
    assert untagged.status_note == "no longer tagged as surveillance in osm"
    assert Camera.objects.count() == 3  # nothing of the unrelated objects
    assert state().sequence == 5
    assert state().last_batch["removed"] == 2


def test_the_position_and_the_last_batch_s_summary_are_stored(feed):
    sync()
    feed.write_diff(4, [node(1, camera_tags("camera"))])
    feed.write_diff(5, [node(2, camera_tags("camera"), lon=-87.4), *UNRELATED])

    sync()

    position = state()
    assert (position.sequence, position.timestamp) == (5, feed.timestamp(5))
    assert position.feed_sequence == 5
    assert position.last_batch["first"] == 4 and position.last_batch["last"] == 5
    assert position.last_batch["created"] == 2
    assert position.last_error == ""
    assert position.lag > timedelta(0)


def test_a_day_behind_is_caught_up_in_bounded_batches(feed, settings):
    settings.OSM_SYNC_BATCH_DIFFS = 2
    sync()
    for sequence in range(4, 9):
        feed.write_diff(
            sequence, [node(sequence, camera_tags("camera"), lon=-87 - sequence / 100)]
        )

    out = sync()

    assert "Applied 5 diffs (4-8) in 3 batches: 5 cameras created" in out
    assert Changeset.objects.filter(dataset__name="osm").count() == 3
    assert state().sequence == 8


def test_a_missing_diff_stops_the_run_before_it_and_the_next_run_applies_it(feed):
    sync()
    feed.write_diff(4, [node(1, camera_tags("camera"))])
    missing = feed.write_diff(5, [node(2, camera_tags("camera"), lon=-87.4)])
    moved = missing.rename(missing.with_suffix(".kept"))

    with pytest.raises(CommandError, match=r"diff 5 cannot be downloaded \(HTTP 404"):
        sync()

    assert state().sequence == 4
    assert state().last_error_sequence == 5
    assert "HTTP 404" in state().last_error
    assert list(Camera.objects.values_list("osm_id", flat=True)) == [1]
    with pytest.raises(CommandError, match="diff 5"):
        sync()  # never skipped
    assert state().sequence == 4

    moved.rename(missing)
    sync()

    assert state().sequence == 5
    assert state().last_error == ""
    assert set(Camera.objects.values_list("osm_id", flat=True)) == {1, 2}


def test_a_truncated_diff_is_an_error_and_nothing_of_its_batch_is_written(feed):
    sync()
    feed.write_diff(4, [node(1, camera_tags("camera"))])
    feed.write_diff(5, [node(2, camera_tags("camera"), lon=-87.4), *UNRELATED])
    feed.truncate(5)

    with pytest.raises(CommandError, match="diff 5 is truncated or corrupt"):
        sync()

    assert not Camera.objects.exists()
    assert not Changeset.objects.exists()
    assert state().sequence == 3
    assert state().last_error_sequence == 5


def test_a_feed_that_cannot_be_read_is_an_error_until_it_answers_again(feed):
    sync()
    top = feed.folder / "state.txt"
    hidden = top.rename(feed.folder / "state.kept")

    with pytest.raises(CommandError, match="cannot read the feed's state"):
        sync()

    assert "cannot read the feed's state" in state().last_error
    hidden.rename(top)
    sync()
    assert state().last_error == ""


def test_bootstrap_loads_an_extract_and_follows_from_its_replication_timestamp(feed, tmp_path):
    extract = tmp_path / "region.osm.pbf"
    header = osmium.io.Header()
    stamp = START + timedelta(minutes=2, seconds=30)  # within diff 3
    header.set("osmosis_replication_timestamp", stamp.strftime("%Y-%m-%dT%H:%M:%SZ"))
    writer = osmium.SimpleWriter(str(extract), header=header)
    writer.add_node(node(9, camera_tags("camera"), lon=-87.3))
    writer.close()
    feed.write_diff(3, [node(9, camera_tags("camera", **{"camera:direction": "45"}), version=2)])
    feed.write_diff(4, [node(10, camera_tags("ALPR"), lon=-87.2)])

    out = sync("--bootstrap", str(extract))

    assert "osm: 1 features: 1 created" in out
    assert "following the feed from diff 3" in out
    assert Camera.objects.get(osm_id=9).directions == [45.0]
    assert set(Camera.objects.values_list("osm_id", flat=True)) == {9, 10}
    assert state().sequence == 4


def test_bootstrap_takes_the_extract_s_own_sequence_when_cut_from_the_same_feed(feed, tmp_path):
    extract = tmp_path / "region.osm.pbf"
    header = osmium.io.Header()
    header.set("osmosis_replication_timestamp", START.strftime("%Y-%m-%dT%H:%M:%SZ"))
    header.set("osmosis_replication_sequence_number", "2")
    header.set("osmosis_replication_base_url", feed.server_url.rstrip("/"))
    writer = osmium.SimpleWriter(str(extract), header=header)
    writer.add_node(node(9, camera_tags("camera"), lon=-87.3))
    writer.close()

    out = sync("--bootstrap", str(extract))

    assert "following the feed from diff 3" in out
    assert state().sequence == 3


def test_a_diff_larger_than_the_limit_is_refused_and_named(feed, settings):
    sync()
    feed.write_diff(4, [node(1, camera_tags("camera")), *UNRELATED])
    settings.OSM_SYNC_MAX_DIFF_MB = 0

    with pytest.raises(CommandError, match=r"diff 4 is larger than 0 MB.*OSM_SYNC_MAX_DIFF_MB"):
        sync()

    assert state().sequence == 3
    assert not Camera.objects.exists()


def test_bootstrap_refuses_an_extract_without_a_replication_timestamp(feed, tmp_path):
    extract = tmp_path / "plain.osm.pbf"
    writer = osmium.SimpleWriter(str(extract))
    writer.add_node(node(9, camera_tags("camera")))
    writer.close()

    with pytest.raises(CommandError, match="no osmosis_replication_timestamp"):
        sync("--bootstrap", str(extract))

    assert not Camera.objects.exists()
    assert not ReplicationState.objects.exists()


def test_start_makes_a_diff_the_next_one_applied(feed):
    feed.write_diff(2, [node(1, camera_tags("camera"))])

    out = sync("--start", "2")

    assert "Starting at diff 2, as asked." in out
    assert list(Camera.objects.values_list("osm_id", flat=True)) == [1]
    assert state().sequence == 3


def test_start_beyond_the_feed_is_refused(feed):
    with pytest.raises(CommandError, match="--start 9: the feed's diffs run from 1 to 3"):
        sync("--start", "9")


def test_the_staff_page_shows_where_the_sync_stands(feed, client, moderator):
    sync()
    feed.write_diff(4, [node(1, camera_tags("camera"))])
    sync()
    client.force_login(moderator)

    page = client.get(reverse("registry:moderation-osm-sync")).content.decode()

    assert feed.server is not None
    assert f"127.0.0.1:{feed.server.server_port}" in page
    assert "<td>4</td>" in page
    assert "1 created" in page


def test_the_staff_page_shows_the_last_error(feed, client, moderator):
    sync()
    feed.write_diff(4, [node(1, camera_tags("camera"))])
    feed.truncate(4)
    with pytest.raises(CommandError):
        sync()
    client.force_login(moderator)

    page = client.get(reverse("registry:moderation-osm-sync")).content.decode()

    assert "diff 4 is truncated or corrupt" in page


def test_the_staff_page_refuses_everyone_else(client, django_user_model):
    assert client.get(reverse("registry:moderation-osm-sync")).status_code == 302
    client.force_login(django_user_model.objects.create_user("someone", password="x"))

    assert client.get(reverse("registry:moderation-osm-sync")).status_code == 403


def test_manage_py_tasks_shows_where_the_sync_stands(feed):
    sync()
    out = StringIO()

    call_command("tasks", stdout=out)

    assert "OpenStreetMap sync:" in out.getvalue()
    assert "at diff 3" in out.getvalue()


def run_worker() -> None:
    """What `manage.py db_worker` does, until no task is due."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=StringIO())


def queue() -> list[tuple[str, str]]:
    rows = DBTaskResult.objects.order_by("enqueued_at")
    return [(row.task_path.rsplit(".", 1)[-1], row.status) for row in rows]


@pytest.mark.django_db(transaction=True)
def test_the_worker_follows_the_feed_on_its_schedule(feed, settings):
    settings.OSM_SYNC_EVERY = 60
    out = StringIO()

    call_command("tasks", "--requeue-stalled", stdout=out)  # as the worker's service starts
    call_command("tasks", "--requeue-stalled", stdout=StringIO())

    assert "osm_sync queued to run at" in out.getvalue()
    assert queue() == [("osm_sync", "READY")]  # once, however often the worker starts
    due = DBTaskResult.objects.get().run_after
    assert timezone.now() + timedelta(seconds=50) < due < timezone.now() + timedelta(seconds=61)
    DBTaskResult.objects.update(run_after=timezone.now())
    run_worker()
    assert queue() == [("osm_sync", "SUCCESSFUL"), ("osm_sync", "READY")]  # and the next
    assert state().sequence == 3
    feed.write_diff(4, [node(1, camera_tags("camera"))])
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())

    run_worker()

    assert Camera.objects.filter(osm_id=1).exists()
    assert state().sequence == 4
    assert queue()[-1] == ("osm_sync", "READY")


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_run_that_meets_a_bad_diff_fails_and_the_schedule_goes_on(feed, settings):
    settings.OSM_SYNC_EVERY = 60
    sync()
    feed.write_diff(4, [node(1, camera_tags("camera"))])
    feed.truncate(4)
    tasks.osm_sync.enqueue()

    run_worker()

    assert queue() == [("osm_sync", "FAILED"), ("osm_sync", "READY")]
    failed = DBTaskResult.objects.get(status="FAILED")
    assert failed.exception_class_path == "registry.tasks.OsmSyncFailed"
    assert "diff 4 is truncated or corrupt" in failed.traceback
    assert state().sequence == 3


@pytest.mark.django_db(transaction=True)
def test_without_osm_sync_every_nothing_is_scheduled(settings):
    settings.OSM_SYNC_EVERY = 0

    call_command("tasks", "--requeue-stalled", stdout=StringIO())

    assert not DBTaskResult.objects.exists()
