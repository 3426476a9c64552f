"""How fast `manage.py osm_sync` follows an OpenStreetMap replication feed.

    .venv/bin/python -m bench.osm_sync [--cameras 100000] [--lag-samples 10] [--every 60]

A replication feed of OSM's layout is written with pyosmium into a
temporary folder and served by a real HTTP server on 127.0.0.1
(tests/replication.py); a scratch database (`sightline_bench_osm_sync`,
dropped at the end) holds Sightline's schema. Then:

1. `osm_sync --bootstrap`: an extract of `--cameras` surveillance nodes
   (PBF, with a replication timestamp in its header) is imported, and the
   feed followed from there;
2. one diff the size of a planet minutely diff: 100,000 objects (nodes,
   ways of those nodes, relations), 50 of them changes to cameras (20
   created, 15 retagged, 10 deleted, 5 no longer tagged as surveillance):
   the run's wall time, target under 5 s;
3. a day of downtime: 1,440 small minutely diffs (500 objects each, one or
   two of them cameras) caught up by one run: its wall time;
4. the lag with the worker running: `manage.py db_worker` in its own
   process with OSM_SYNC_EVERY (default 60 s, for the minutely feed); a
   diff creating one camera is published at a random moment, and the time
   until the camera is in the database is measured, `--lag-samples` times;
   target p95 under 2 minutes.

Not a timed test: the figures are printed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH_DB = "sightline_bench_osm_sync"
SEED = 20261207
# The extract's cameras, spread over the contiguous United States.
WEST, SOUTH, EAST, NORTH = -124.0, 25.0, -67.0, 49.0
DIFF_OBJECTS = 100_000
CHANGES = {"created": 20, "retagged": 15, "deleted": 10, "untagged": 5}
DAY = 1_440
SMALL_DIFF_OBJECTS = 500
# Unrelated objects' ids start here, clear of the cameras'.
NOISE_IDS = 50_000_000


def camera_tags(rng: random.Random) -> dict[str, str]:
    kind = rng.choice(["camera", "camera", "ALPR", "guard"])
    tags = {"man_made": "surveillance", "surveillance:type": kind}
    if rng.random() < 0.6:
        tags["camera:direction"] = str(rng.randrange(360))
    return tags


def place(rng: random.Random) -> tuple[float, float]:
    return round(rng.uniform(WEST, EAST), 7), round(rng.uniform(SOUTH, NORTH), 7)


def write_extract(path: Path, cameras: int, stamp: str, rng: random.Random) -> None:
    import osmium

    from tests.replication import node

    header = osmium.io.Header()
    header.set("osmosis_replication_timestamp", stamp)
    with osmium.SimpleWriter(str(path), header=header, overwrite=True) as writer:
        for node_id in range(1, cameras + 1):
            lon, lat = place(rng)
            writer.add_node(node(node_id, camera_tags(rng), lon=lon, lat=lat))


def noise(rng: random.Random, first_id: int, count: int) -> list:
    """Objects no camera: tagged and untagged nodes (some deleted), ways
    over them, a few relations, in the proportions of a minutely diff."""
    from tests.replication import node, relation, way

    nodes, ways, relations = [], [], []
    node_count = int(count * 0.85)
    for offset in range(node_count):
        node_id = first_id + offset
        roll = rng.random()
        if roll < 0.1:
            nodes.append(node(node_id, version=rng.randrange(2, 9), deleted=True))
            continue
        lon, lat = place(rng)
        tags = {}
        if roll < 0.3:
            tags = rng.choice(
                [{"highway": "crossing"}, {"amenity": "bench"}, {"man_made": "tower"}]
            )
        nodes.append(node(node_id, tags, version=rng.randrange(1, 9), lon=lon, lat=lat))
    for offset in range(count - node_count - count // 200):
        start = rng.randrange(max(node_count - 10, 1))
        refs = [first_id + start + step for step in range(8)]
        ways.append(way(first_id + offset, refs, {"building": "yes"}, version=rng.randrange(1, 5)))
    for offset in range(count // 200):
        relations.append(relation(first_id + offset, {"type": "multipolygon"}))
    return [*nodes, *ways, *relations]


def camera_changes(rng: random.Random, cameras: int, new_ids: int) -> tuple[list, dict]:
    """The diff's camera changes: the ids touched are picked at random."""
    from tests.replication import node

    touched = rng.sample(range(1, cameras + 1), sum(CHANGES.values()) - CHANGES["created"])
    retagged = touched[: CHANGES["retagged"]]
    deleted = touched[CHANGES["retagged"] : CHANGES["retagged"] + CHANGES["deleted"]]
    untagged = touched[CHANGES["retagged"] + CHANGES["deleted"] :]
    items = [
        node(new_ids + n, camera_tags(rng), lon=place(rng)[0], lat=place(rng)[1])
        for n in range(CHANGES["created"])
    ]
    items += [node(i, {**camera_tags(rng), "camera:direction": "7"}, version=2) for i in retagged]
    items += [node(i, version=2, deleted=True) for i in deleted]
    items += [node(i, {"highway": "street_lamp"}, version=2) for i in untagged]
    return items, {"retagged": retagged, "deleted": deleted, "untagged": untagged}


def sync(*args: str) -> tuple[float, str]:
    from django.core.management import call_command

    out = StringIO()
    started = time.perf_counter()
    call_command("osm_sync", *args, stdout=out, verbosity=0)
    return time.perf_counter() - started, out.getvalue().strip()


def bench_planet_minutely(feed, rng: random.Random, cameras: int) -> None:
    from registry.models import Camera, Status

    items, touched = camera_changes(rng, cameras, new_ids=cameras + 1)
    unrelated = noise(rng, NOISE_IDS, DIFF_OBJECTS - len(items))
    objects = sorted(items + unrelated, key=_osm_order)
    path = feed.write_diff(1, objects)
    print(
        f"diff 1: {len(objects):,} objects ({len(items)} camera changes), "
        f"{path.stat().st_size / 1e6:.1f} MB gzipped"
    )
    seconds, out = sync()
    print(f"  osm_sync applied it in {seconds:.2f} s wall (target < 5 s)")
    print("  " + out.splitlines()[0])
    removed = Camera.objects.filter(
        osm_id__in=touched["deleted"] + touched["untagged"], status=Status.REMOVED
    ).count()
    created = Camera.objects.filter(osm_id__gt=cameras).count()
    print(f"  checked: {created} created, {removed} removed in the database")


def _osm_order(item) -> tuple[int, int]:
    """Nodes, then ways, then relations, each by id, as osmChange files
    order them."""
    from osmium.osm.mutable import Node, Way

    rank = 0 if isinstance(item, Node) else 1 if isinstance(item, Way) else 2
    return rank, item.id


def bench_a_day(feed, rng: random.Random, cameras: int) -> None:
    from tests.replication import node

    started = time.perf_counter()
    next_camera = cameras + 1_000
    for sequence in range(2, 2 + DAY):
        changes = [
            node(next_camera + n, camera_tags(rng), lon=place(rng)[0], lat=place(rng)[1])
            for n in range(rng.choice([1, 2]))
        ]
        next_camera += len(changes)
        base = NOISE_IDS + sequence * SMALL_DIFF_OBJECTS
        unrelated = noise(rng, base, SMALL_DIFF_OBJECTS - len(changes))
        feed.write_diff(sequence, sorted(changes + unrelated, key=_osm_order))
    print(
        f"diffs 2-{DAY + 1}: a day of {DAY:,} minutely diffs of {SMALL_DIFF_OBJECTS} objects, "
        f"written in {time.perf_counter() - started:.0f} s"
    )
    seconds, out = sync()
    print(f"  osm_sync caught up in {seconds:.1f} s wall ({DAY / seconds:.0f} diffs a second)")
    print("  " + out.splitlines()[0])


def bench_lag(feed, url: str, rng: random.Random, samples: int, every: int) -> None:
    """Diffs published at random moments while the worker follows the feed
    every `every` seconds: the time from each diff's publication to its
    camera in the database."""
    from django.db import connection

    from bench.databases import database_url
    from tests.replication import node

    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": database_url(SCRATCH_DB),
        "TASKS_BACKEND": "database",
        "OSM_REPLICATION_URL": url,
        "OSM_SYNC_EVERY": str(every),
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "tasks", "--requeue-stalled"], cwd=ROOT, env=environment, check=True,
        capture_output=True, timeout=120,
    )  # fmt: skip
    worker = subprocess.Popen(
        [*manage, "db_worker", "--no-reload", "--interval", "1"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    lags = []
    try:
        sequence = feed.newest
        next_camera = 90_000_000
        print(f"lag: the worker follows the feed every {every} s; {samples} diffs published")
        for _ in range(samples):
            time.sleep(rng.uniform(0, every))
            sequence += 1
            lon, lat = place(rng)
            feed.write_diff(sequence, [node(next_camera, camera_tags(rng), lon=lon, lat=lat)])
            published = time.monotonic()
            while not _exists(connection, next_camera):
                if worker.poll() is not None:
                    raise RuntimeError("the worker stopped")
                if time.monotonic() - published > 10 * every:
                    raise RuntimeError(f"diff {sequence} was not applied in {10 * every} s")
                time.sleep(0.2)
            lags.append(time.monotonic() - published)
            print(f"  diff {sequence}: its camera in the database after {lags[-1]:.1f} s")
            next_camera += 1
    finally:
        worker.terminate()
        worker.wait(timeout=300)
    ranked = sorted(lags)
    p95 = ranked[min(len(ranked) - 1, round(0.95 * (len(ranked) - 1)))]
    print(
        f"  lag over {len(lags)} diffs: p50 {statistics.median(lags):.1f} s, "
        f"p95 {p95:.1f} s, max {ranked[-1]:.1f} s (target p95 < 120 s)"
    )


def _exists(connection, osm_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM registry_camera WHERE osm_type = 'node' AND osm_id = %s)",
            [osm_id],
        )
        return cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=100_000, help="cameras in the extract")
    parser.add_argument("--lag-samples", type=int, default=10, help="diffs timed for the lag")
    parser.add_argument("--every", type=int, default=60, help="OSM_SYNC_EVERY for the worker")
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.conf import settings

    from bench.databases import drop_scratch_database, scratch_database
    from tests.replication import ReplicationFeed

    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="sightline-bench-") as folder:
        feed = ReplicationFeed(Path(folder) / "feed", interval=timedelta(minutes=1))
        feed.write_state(0)
        url = feed.serve()
        settings.OSM_REPLICATION_URL = url
        connection, _ = scratch_database(SCRATCH_DB)
        try:
            extract = Path(folder) / "extract.osm.pbf"
            stamp = feed.timestamp(0).strftime("%Y-%m-%dT%H:%M:%SZ")
            write_extract(extract, arguments.cameras, stamp, rng)
            seconds, out = sync("--bootstrap", str(extract))
            print(f"bootstrap from {arguments.cameras:,} cameras: {seconds:.1f} s")
            print("  " + out.splitlines()[0])
            bench_planet_minutely(feed, rng, arguments.cameras)
            bench_a_day(feed, rng, arguments.cameras)
            if arguments.lag_samples:
                bench_lag(feed, url, rng, arguments.lag_samples, arguments.every)
        finally:
            feed.stop()
            connection.settings_dict["TEST"]["NAME"] = SCRATCH_DB
            drop_scratch_database(connection, SCRATCH_DB)


if __name__ == "__main__":
    main()
