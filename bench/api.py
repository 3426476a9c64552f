"""Benchmark of the camera list endpoint.

    .venv/bin/python bench/api.py [--cameras 1000000] [--reuse] [--keep]

Loads the shared OSM sample plus synthetic cameras (clustered around real
ones, like cities) up to --cameras into a scratch database `sightline_bench`,
serves the site with gunicorn, and in one run measures, for bbox requests
returning ~1k, ~10k and ~50k cameras:

- our endpoint (/api/v1/cameras/?bbox=...),
- a plain DRF + djangorestframework-gis GeoFeatureModelSerializer endpoint
  over the same table (bench/urls.py),
- the SQL floor: the same features aggregated with ST_AsGeoJSON/json_agg in
  PostgreSQL, fetched by psycopg;

then p50/p95 latency of ~1k-camera bboxes under 8 concurrent clients. It
prints every figure and ratio. --reuse keeps a loaded database from an
earlier run; --keep leaves the database in place afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gunicorn import start_server, stop_server  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "data" / "osm-surveillance-sample.geojson.gz"
BENCH_DB = "sightline_bench"  # bench.settings.BENCH_DATABASE
PORT = 8765
TARGETS = (1_000, 10_000, 50_000)
REPEATS = {1_000: 30, 10_000: 8, 50_000: 3}
CONCURRENT_CLIENTS = 8
CONCURRENT_SECONDS = 15
KINDS = ["camera"] * 70 + ["ALPR"] * 25 + ["guard"] * 3 + ["gunshot_detector"] * 2


def load(cameras: int) -> None:
    from django.core.management import call_command

    from registry.imports.cameras import import_features
    from registry.imports.geojson import open_geojson
    from registry.services import load_reference_data

    call_command("migrate", verbosity=0)
    load_reference_data()
    started = time.perf_counter()
    source = open_geojson(SAMPLE)
    report = import_features(features=source.items, dataset_name="osm-sample")
    print(f"loaded the OSM sample: {report.summary()}")
    synthetic = max(0, cameras - report.created)
    started = time.perf_counter()
    add_synthetic(synthetic)
    print(f"added {synthetic} synthetic cameras in {time.perf_counter() - started:.1f} s")


def add_synthetic(count: int) -> None:
    """Cameras around real ones: each picks a real camera as its city and
    lands at a normal distance of ~1 km (sometimes ~5 km) from it."""
    from django.db import connection, transaction

    from registry.bulk import allocate_ids, copy_rows
    from registry.models import Camera
    from registry.models.cameras import Latitude, Longitude

    seeds = list(
        Camera.objects.annotate(lon=Longitude("location"), lat=Latitude("location")).values_list(
            "lon", "lat"
        )
    )
    generator = random.Random(20261122)
    now = datetime.now(UTC)
    columns = (
        "id", "location", "kind", "visibility", "zone", "camera_type", "mount", "directions",
        "vendor_raw", "product", "operator_raw", "status", "status_note", "osm_type", "tags",
        "source_ref", "version", "created_at", "updated_at",
    )  # fmt: skip

    # Ids are reserved before COPY starts: no other query may run on the
    # connection while it streams.
    ids = allocate_ids(Camera._meta.db_table, count)

    def rows():
        for pk in ids:
            lon, lat = generator.choice(seeds)
            spread = 0.01 if generator.random() < 0.8 else 0.05
            lon = max(-180.0, min(180.0, lon + generator.gauss(0, spread)))
            lat = max(-85.0, min(85.0, lat + generator.gauss(0, spread * 0.7)))
            direction = [float(generator.randrange(0, 360, 15))]
            yield (
                pk, f"SRID=4326;POINT({lon!r} {lat!r})", generator.choice(KINDS), "", "", "",
                "", direction, "", "", "", "reported", "", "", "{}", "", 1, now, now,
            )  # fmt: skip

    with transaction.atomic():
        copy_rows(Camera._meta.db_table, columns, rows())
    with connection.cursor() as cursor:
        # Rows in spatial order, as a deployment keeps them (CLUSTER after big
        # imports): a bbox then reads few pages instead of one page per camera.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'registry_camera' "
            "AND indexdef LIKE '%%USING gist (location)%%'"
        )
        cursor.execute(f"CLUSTER registry_camera USING {cursor.fetchone()[0]}")
        cursor.execute("VACUUM ANALYZE registry_camera")


def bbox_around(target: int) -> tuple[tuple[float, float, float, float], int]:
    """A square bbox around the densest city holding about `target` cameras."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_SnapToGrid(location, 0.5) c, count(*) n "
            "FROM registry_camera GROUP BY 1 ORDER BY n DESC LIMIT 1) t"
        )
        lon, lat = cursor.fetchone()
        low, high = 0.0005, 5.0
        for _ in range(40):
            half = (low + high) / 2
            box = (lon - half, lat - half, lon + half, lat + half)
            cursor.execute(
                "SELECT count(*) FROM registry_camera WHERE status IN ('reported', 'verified') "
                "AND location && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
                box,
            )
            count = cursor.fetchone()[0]
            if abs(count - target) <= target * 0.03:
                break
            low, high = (half, high) if count < target else (low, half)
    return box, count


def floor_sql() -> str:
    """The same properties as our features, aggregated in one statement."""
    return (
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "
        "json_agg(ST_AsGeoJSON(t.*, 'location', 7)::json))::text FROM ("
        "SELECT c.id, c.kind, c.status, c.visibility, c.zone, c.camera_type, c.mount, "
        "c.directions, c.tilt, c.height, v.slug AS vendor, v.name AS vendor_name, "
        "o.slug AS operator, o.name AS operator_name, c.last_confirmed, c.osm_type, c.osm_id, "
        "c.version, c.updated_at, c.location FROM registry_camera c "
        "LEFT JOIN registry_vendor v ON v.id = c.vendor_id "
        "LEFT JOIN registry_operator o ON o.id = c.operator_id "
        "WHERE c.status IN ('reported', 'verified') "
        "AND c.location && ST_MakeEnvelope(%s, %s, %s, %s, 4326)) t"
    )


def time_floor(box, repeats: int) -> tuple[float, int]:
    from django.db import connection

    timings, size = [], 0
    with connection.cursor() as cursor:
        for _ in range(repeats):
            started = time.perf_counter()
            cursor.execute(floor_sql(), box)
            size = len(cursor.fetchone()[0])
            timings.append(time.perf_counter() - started)
    return statistics.median(timings), size


def fetch(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        size = len(response.read())
    return time.perf_counter() - started, size


def time_http(url: str, repeats: int) -> tuple[float, int]:
    fetch(url)  # warm the worker's connection and caches
    timings, size = [], 0
    for _ in range(repeats):
        elapsed, size = fetch(url)
        timings.append(elapsed)
    return statistics.median(timings), size


def concurrent_latencies(url: str) -> tuple[list[float], float]:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + CONCURRENT_SECONDS

    def client():
        while time.perf_counter() < deadline:
            elapsed, _size = fetch(url)
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(CONCURRENT_CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started


def measure() -> None:
    print(
        f"\n{'cameras':>8} {'ours ms':>9} {'drf-gis ms':>11} {'floor ms':>9} "
        f"{'ours/s':>8} {'drf-gis/s':>10} {'x drf-gis':>10} {'ours/floor':>11} {'MB':>6}"
    )
    one_k_url = None
    for target in TARGETS:
        box, count = bbox_around(target)
        bbox = ",".join(f"{value:.6f}" for value in box)
        ours_url = f"http://127.0.0.1:{PORT}/api/v1/cameras/?bbox={bbox}&limit=100000"
        baseline_url = f"http://127.0.0.1:{PORT}/bench/drf-gis/?bbox={bbox}"
        repeats = REPEATS[target]
        ours, size = time_http(ours_url, repeats)
        baseline, _ = time_http(baseline_url, max(2, repeats // 3))
        floor, _ = time_floor(box, repeats)
        print(
            f"{count:>8} {ours * 1000:>9.1f} {baseline * 1000:>11.1f} {floor * 1000:>9.1f} "
            f"{1 / ours:>8.1f} {1 / baseline:>10.2f} {baseline / ours:>10.1f} "
            f"{ours / floor:>11.2f} {size / 1e6:>6.2f}"
        )
        if target == 1_000:
            one_k_url = ours_url
    latencies, seconds = concurrent_latencies(one_k_url)
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(
        f"\n~1k-camera bbox, {CONCURRENT_CLIENTS} concurrent clients for {seconds:.0f} s: "
        f"{len(latencies)} requests, {len(latencies) / seconds:.1f} req/s, "
        f"p50 {p50 * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--keep", action="store_true")
    arguments = parser.parse_args()
    if not SAMPLE.is_file():
        sys.exit(f"No OSM sample at {SAMPLE}.")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from bench import databases
    from registry.models import Camera

    reuse = arguments.reuse and databases.database_exists(BENCH_DB)
    if not reuse:
        databases.recreate_database(BENCH_DB)

    if not reuse:
        load(arguments.cameras)
    print(f"cameras in the bench database: {Camera.objects.count()}")
    server = start_server(PORT, probe="/api/v1/", workers=2 * (os.cpu_count() or 1) + 1)
    try:
        measure()
    finally:
        stop_server(server)
        if not arguments.keep:
            databases.drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
