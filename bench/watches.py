"""Watches: the server's time to build an area's Atom feed and an email
digest, and the time from a camera's change to its webhook's delivery.

    make bench-watches          (or: .venv/bin/python -m bench.watches)
    .venv/bin/python -m bench.watches [--cameras 10000] [--outside 50000]
                                      [--changes 300] [--runs 20] [--deliveries 30]
                                      [--round-seconds 1] [--time-limit 240] [--keep]

A scratch database, `sightline_bench_watches`, on Sightline's PostgreSQL
server (dropped afterwards) gets an area 4 km square with --cameras
synthetic cameras inside and --outside more around it, each with the
revision of its creation 60 days ago, and --changes recent changes made
through the services (kinds changed, cameras verified and removed) inside.

(a) the area's feed, GET /areas/SLUG/feed.atom through Django's test client
    (the view, the query and the XML; no network), and the camera list's
    feed with a kind filter, p50/p95 over --runs;
(b) a digest of the recent changes (up to WATCH_DIGEST_MAX_EVENTS), read,
    worded and handed to Django's in-memory email backend, p50/p95;
(c) a webhook's latency: a `manage.py db_worker` as production runs it
    (polling every second) with `manage.py watches --every` rounds every
    --round-seconds; --deliveries changes, 1 to 2 s apart, each timed from
    its commit to the moment a receiver on 127.0.0.1 (http.server, in this
    process) has it, p50/p95/max.

Every process the run starts is stopped at its end, and the run stops
itself after --time-limit seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "sightline_bench_watches"
SEED = 20261207
CENTRE = (-87.6298, 41.8781)  # the Loop, Chicago
AREA_DEGREES = (0.048, 0.036)  # about 4 km by 4 km there
KINDS = ["camera"] * 8 + ["ALPR", "guard"]
BLANK_COLUMNS = ("visibility", "zone", "mount", "vendor_raw", "product", "operator_raw",
                 "status_note", "osm_type", "source_ref", "camera_type")  # fmt: skip


def settings_up(round_seconds: float) -> None:
    """Development settings on the scratch database, tasks queued for a
    worker, hooks allowed to reach this machine's receiver."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "TASKS_BACKEND": "database",
            "WEBHOOK_ALLOW_HTTP": "1",
            "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",
            "WATCH_ROUND_SECONDS": str(round_seconds),
            "LOG_LEVEL": "WARNING",
        }
    )
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = BENCH_DB
    import django

    django.setup()
    settings.DEBUG = False  # no query log in memory
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


# ----------------------------------------------------------------- the data


def area_bounds() -> tuple[float, float, float, float]:
    (lon, lat), (width, height) = CENTRE, AREA_DEGREES
    return (lon - width / 2, lat - height / 2, lon + width / 2, lat + height / 2)


def camera_rows(inside: int, outside: int):
    generator = random.Random(SEED)
    west, south, east, north = area_bounds()
    for number in range(inside + outside):
        if number < inside:
            lon, lat = generator.uniform(west, east), generator.uniform(south, north)
        else:  # a ring of suburbs around the area, up to 0.5° away
            lon = CENTRE[0] + generator.choice((-1, 1)) * generator.uniform(0.03, 0.5)
            lat = CENTRE[1] + generator.uniform(-0.5, 0.5)
        yield (f"SRID=4326;POINT({lon!r} {lat!r})", generator.choice(KINDS), "reported")


def load(inside: int, outside: int, changes: int):
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.core.management import call_command
    from django.db import connection, transaction

    from registry.bulk import allocate_ids, copy_rows
    from registry.models import Camera, Changeset
    from registry.services import camera_remove, camera_set_status, camera_update
    from registry.services.areas import area_upsert

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    area, _outcome = area_upsert(
        name="Bench Downtown",
        level="city",
        geometry=MultiPolygon(Polygon.from_bbox(area_bounds()), srid=4326),
    )
    long_ago = datetime.now(UTC) - timedelta(days=60)
    count = inside + outside
    ids = allocate_ids(Camera._meta.db_table, count)
    columns = ("id", "location", "kind", "status", "version", "created_at", "updated_at",
               "tags", "directions", *BLANK_COLUMNS)  # fmt: skip
    blanks = ("",) * len(BLANK_COLUMNS)
    rows = (
        (pk, *row, 1, long_ago, long_ago, "{}", "{}", *blanks)
        for pk, row in zip(ids, camera_rows(inside, outside), strict=True)
    )
    with transaction.atomic():
        copy_rows(Camera._meta.db_table, columns, rows)
        changeset = Changeset.objects.create(actor="bench import", comment="synthetic cameras")
        Changeset.objects.filter(pk=changeset.pk).update(created_at=long_ago)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO registry_revision (camera_id, version, changeset_id, changes, "
                "created_at) SELECT id, 1, %s, jsonb_build_object('kind', "
                "jsonb_build_array(NULL, kind), 'status', jsonb_build_array(NULL, status)), "
                "%s FROM registry_camera",
                [changeset.pk, long_ago],
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    inside_ids = ids[:inside]
    generator = random.Random(SEED + 1)
    for number, pk in enumerate(generator.sample(inside_ids, changes)):
        camera = Camera.objects.get(pk=pk)
        if number % 3 == 0:
            camera_update(camera=camera, actor=None, reason="closer look", kind="ALPR")
        elif number % 3 == 1:
            camera_set_status(camera=camera, status="verified", actor=None, reason="checked")
        else:
            camera_remove(
                camera=camera, removed_on=datetime.now(UTC).date(), actor=None, reason="gone"
            )
    print(
        f"loaded {inside} cameras in the area, {outside} around it and {changes} recent "
        f"changes in {time.perf_counter() - started:.1f} s"
    )
    return area, ids[inside:]


# -------------------------------------------------------------- the measures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def figures(values: list[float]) -> str:
    return f"p50 {percentile(values, 0.5):.1f} ms, p95 {percentile(values, 0.95):.1f} ms"


def timed(action, runs: int) -> list[float]:
    action()  # warm: the first run pays for imports and plans
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def measure_feeds(area, runs: int) -> None:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")

    def area_feed():
        response = client.get(f"/areas/{area.slug}/feed.atom")
        assert response.status_code == 200, response.status_code
        return response

    def filtered_feed():
        response = client.get(f"/feeds/cameras.atom?area={area.slug}&kind=ALPR")
        assert response.status_code == 200, response.status_code

    entries = area_feed().content.count(b"<entry>")
    print(f"(a) area feed, {entries} entries: {figures(timed(area_feed, runs))}")
    print(f"    camera-list feed, area and kind=ALPR: {figures(timed(filtered_feed, runs))}")


def measure_digest(area, runs: int, changes: int) -> None:
    from django.core import mail
    from django.db.models import Min
    from django.utils import timezone

    from registry.filters import MapFilters
    from registry.models import Revision, Subscription
    from registry.services.digests import digest_send
    from registry.services.watches import Where, watch_create

    first_change = Revision.objects.filter(version__gt=1).aggregate(first=Min("id"))["first"]
    watch = watch_create(where=Where(area=area), filters=MapFilters())
    subscription = Subscription.objects.create(
        watch=watch,
        email="bench@example.org",
        frequency="daily",
        nonce="bench",
        confirmed_at=timezone.now(),
    )

    def digest():
        Subscription.objects.filter(pk=subscription.pk).update(told_up_to=first_change - 1)
        mail.outbox = []
        assert digest_send(subscription_id=subscription.pk, now=timezone.now()) == 1

    durations = timed(digest, runs)
    told = mail.outbox[0].body.count("/cameras/")
    print(f"(b) digest of {told} of the {changes} recent changes: {figures(durations)}")
    subscription.delete()


class Receiver:
    """Notes when each camera's delivery arrives (time.monotonic())."""

    def __init__(self) -> None:
        self.arrivals: dict[int, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                now = time.monotonic()
                for event in json.loads(body)["events"]:
                    receiver.arrivals.setdefault(event["camera"], now)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def measure_webhooks(area, outside_ids: list[int], deliveries: int, round_seconds: float,
                     deadline: float) -> None:  # fmt: skip
    from django.contrib.gis.geos import Point

    from bench import databases
    from registry.filters import MapFilters
    from registry.services import camera_create
    from registry.services.watches import Where, watch_create
    from registry.services.webhooks import webhook_create

    receiver = Receiver()
    watch = watch_create(where=Where(area=area), filters=MapFilters())
    webhook_create(watch=watch, name="bench", url=receiver.url)
    environment = {**os.environ, "DATABASE_URL": databases.database_url(BENCH_DB)}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "watches", "--every", str(round_seconds)], cwd=ROOT,
                   env=environment, check=True, capture_output=True)  # fmt: skip
    worker = subprocess.Popen([*manage, "db_worker", "--no-reload"], cwd=ROOT, env=environment,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)  # fmt: skip
    generator = random.Random(SEED + 2)
    west, south, east, north = area_bounds()
    changed: dict[int, float] = {}
    try:
        time.sleep(3)  # the worker's start
        for _ in range(deliveries):
            if time.monotonic() > deadline:
                break
            location = Point(generator.uniform(west, east), generator.uniform(south, north),
                             srid=4326)  # fmt: skip
            camera = camera_create(location=location, actor=None, reason="bench", kind="camera")
            changed[camera.pk] = time.monotonic()  # committed: autocommit
            time.sleep(generator.uniform(1.0, 2.0))
        wait_until = time.monotonic() + round_seconds + 10
        while len(receiver.arrivals) < len(changed) and time.monotonic() < wait_until:
            time.sleep(0.05)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        receiver.stop()
    latencies = [
        (receiver.arrivals[pk] - at) * 1000
        for pk, at in changed.items()
        if pk in receiver.arrivals
    ]
    missing = len(changed) - len(latencies)
    print(
        f"(c) change to webhook delivery, {len(latencies)} changes, rounds every "
        f"{round_seconds:g} s, db_worker polling every 1 s: {figures(latencies)}, max "
        f"{max(latencies):.0f} ms" + (f"; {missing} not delivered" if missing else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=10_000)
    parser.add_argument("--outside", type=int, default=50_000)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--deliveries", type=int, default=30)
    parser.add_argument("--round-seconds", type=float, default=1.0)
    parser.add_argument("--time-limit", type=float, default=240)
    parser.add_argument("--keep", action="store_true", help="leave the database afterwards")
    arguments = parser.parse_args()
    deadline = time.monotonic() + arguments.time_limit
    settings_up(arguments.round_seconds)
    from bench import databases

    databases.recreate_database(BENCH_DB)
    try:
        with databases.connect(BENCH_DB) as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        area, outside_ids = load(arguments.cameras, arguments.outside, arguments.changes)
        measure_feeds(area, arguments.runs)
        measure_digest(area, arguments.runs, arguments.changes)
        measure_webhooks(area, outside_ids, arguments.deliveries, arguments.round_seconds,
                         deadline)  # fmt: skip
    finally:
        if not arguments.keep:
            databases.drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
