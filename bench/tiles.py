"""Benchmark of the map's vector tiles, side by side with django-vectortiles.

    make bench-tiles            (or: .venv/bin/python bench/tiles.py)
    .venv/bin/python bench/tiles.py [--cameras 1000000] [--reuse] [--keep]

1. Loads the shared OSM sample plus synthetic cameras clustered around real
   ones (like cities) up to --cameras into the scratch database
   `sightline_bench` (the same loader as bench/api.py; the tile pyramid is
   kept by the database's triggers while loading).
2. Builds a pan/zoom trace around the densest place: at every zoom from 3 to
   17, the tiles of a 1280x800 view, then the same view panned by half a
   screen.
3. Serves the site with gunicorn and replays the trace with 8 concurrent
   clients against our endpoint (/tiles/cameras/{z}/{x}/{y}.mvt) and, in the
   same run, against django-vectortiles serving the same table
   (bench/urls.py), then times the tile queries in the database without
   HTTP or Django (the floor).
4. Opens the map at city zoom on the densest place in headless Chromium and
   reports the time from navigation until the first cameras are drawn (the
   page's `sightline:drawn` performance mark).

It prints p50/p95 latency per zoom, throughput, the largest tile and the
ratios, against the targets: p95 <= 50 ms at every zoom with 8 clients,
>= 1.5x django-vectortiles' throughput, no tile over 500 KB, cameras drawn
within 1.5 s.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import api as loader  # noqa: E402  (the database set-up of bench/api.py)

CLIENTS = 8
ZOOMS = range(3, 18)
VIEW = (1280, 800)  # pixels of the replayed browser window
MAX_TILE_BYTES = 500_000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def densest_place() -> tuple[float, float]:
    """The centre (lon, lat) of the busiest level-12 cell of the pyramid."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(sum_x)::float8 / sum(n) / 100, sum(sum_y)::float8 / sum(n) / 100 "
            "FROM registry_tilecell WHERE level = 12 GROUP BY x, y ORDER BY sum(n) DESC LIMIT 1"
        )
        x, y = cursor.fetchone()
    lon = math.degrees(x / 6378137.0)
    lat = math.degrees(2 * math.atan(math.exp(y / 6378137.0)) - math.pi / 2)
    return lon, lat


def tile_of(lon: float, lat: float, zoom: int) -> tuple[float, float]:
    """Fractional tile coordinates of a point."""
    n = 2**zoom
    x = (lon + 180) / 360 * n
    lat_r = math.radians(lat)
    y = (1 - math.log(math.tan(lat_r) + 1 / math.cos(lat_r)) / math.pi) / 2 * n
    return x, y


def trace(lon: float, lat: float) -> list[tuple[int, int, int]]:
    """Tiles a browser asks for zooming in on (lon, lat), panning at each zoom."""
    tiles: list[tuple[int, int, int]] = []
    half_w, half_h = VIEW[0] / 512, VIEW[1] / 512  # half a view, in tiles
    for zoom in ZOOMS:
        cx, cy = tile_of(lon, lat, zoom)
        for dx in (0.0, half_w):  # the view, then panned east by half a screen
            n = 2**zoom
            for x in range(math.floor(cx + dx - half_w), math.floor(cx + dx + half_w) + 1):
                for y in range(math.floor(cy - half_h), math.floor(cy + half_h) + 1):
                    if 0 <= y < n and (zoom, x % n, y) not in tiles:
                        tiles.append((zoom, x % n, y))
    return tiles


def fetch(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=300) as response:
            size = len(response.read())
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{url}: HTTP {error.code}") from None
    return time.perf_counter() - started, size


def replay(url_of, tiles) -> tuple[dict[int, list[float]], float, int, int]:
    """Every client replays the whole trace (from its own starting point, so
    that they do not ask for the same tile at once). Returns latencies by
    zoom, wall time, requests and the largest response."""
    latencies: dict[int, list[float]] = defaultdict(list)
    largest = 0
    lock = threading.Lock()

    def client(offset: int) -> None:
        nonlocal largest
        order = tiles[offset:] + tiles[:offset]
        for z, x, y in order:
            elapsed, size = fetch(url_of(z, x, y))
            with lock:
                latencies[z].append(elapsed)
                largest = max(largest, size)

    step = max(1, len(tiles) // CLIENTS)
    threads = [threading.Thread(target=client, args=(n * step,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, len(tiles) * CLIENTS, largest


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(len(ordered) * share) - 1)]


def floor_times(tiles, filters=None) -> dict[int, list[float]]:
    """Our tile queries run in this process, straight on the database."""
    from registry import tiles as tile_queries
    from registry.filters import MapFilters

    times: dict[int, list[float]] = defaultdict(list)
    filters = filters or MapFilters()
    for z, x, y in tiles:  # warm-up: connection, prepared statements, cache
        tile_queries.camera_tile(tile_queries.TileAddress(z, x, y), filters)
    for z, x, y in tiles:
        started = time.perf_counter()
        tile_queries.camera_tile(tile_queries.TileAddress(z, x, y), filters)
        times[z].append(time.perf_counter() - started)
    return times


def browser_time_to_cameras(base_url: str, lon: float, lat: float) -> str:
    """Navigation to the first drawn cameras at city zoom, in headless
    Chromium, base-map tiles blocked (they are not ours to measure)."""
    if not Path(CHROMIUM).exists():
        return "Chromium is not installed (SIGHTLINE_BROWSER_TESTS=1 make setup)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            timings = []
            for _ in range(3):
                page = browser.new_page(viewport={"width": VIEW[0], "height": VIEW[1]})
                page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
                page.goto(f"{base_url}/#13/{lat:.5f}/{lon:.5f}")
                try:
                    page.wait_for_function(
                        "() => performance.getEntriesByName('sightline:drawn').length > 0",
                        timeout=15_000,
                    )
                except Exception:
                    return "map page not available (no cameras drawn within 15 s)"
                timings.append(
                    page.evaluate("performance.getEntriesByName('sightline:drawn')[0].startTime")
                )
                page.close()
            return f"{statistics.median(timings):.0f} ms (median of 3 loads; target < 1500 ms)"
        finally:
            browser.close()


def report(name, latencies, seconds, requests, largest) -> float:
    throughput = requests / seconds
    print(f"\n{name}: {requests} tiles in {seconds:.1f} s = {throughput:.0f} tiles/s, "
          f"largest {largest / 1000:.0f} KB")  # fmt: skip
    print(f"{'zoom':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for zoom in sorted(latencies):
        values = latencies[zoom]
        print(
            f"{zoom:>5} {statistics.median(values) * 1000:>8.1f} "
            f"{percentile(values, 0.95) * 1000:>8.1f}"
        )
    return throughput


def measure(port: int) -> None:
    lon, lat = densest_place()
    tiles = trace(lon, lat)
    print(f"trace: {len(tiles)} tiles over z{ZOOMS[0]}-z{ZOOMS[-1]} around {lon:.4f},{lat:.4f}")
    base = f"http://127.0.0.1:{port}"

    def ours(z, x, y):
        return f"{base}/tiles/cameras/{z}/{x}/{y}.mvt"

    def baseline(z, x, y):
        return f"{base}/bench/vectortiles/{z}/{x}/{y}"

    for url in (ours, baseline):  # warm every worker's connection
        for _ in range(10):
            fetch(url(*tiles[-1]))
    our_figures = replay(ours, tiles)
    baseline_figures = replay(baseline, tiles)
    our_rate = report("Sightline /tiles/cameras/", *our_figures)
    baseline_rate = report("django-vectortiles (same table)", *baseline_figures)
    floor = floor_times(tiles)
    print("\nfloor: our tile queries in the database, no HTTP (ms)")
    print(f"{'zoom':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for zoom in sorted(floor):
        print(
            f"{zoom:>5} {statistics.median(floor[zoom]) * 1000:>8.1f} "
            f"{percentile(floor[zoom], 0.95) * 1000:>8.1f}"
        )
    # Filters the pyramid does not hold are aggregated live from the cameras.
    from registry.filters import MapFilters

    live = floor_times(
        [tile for tile in tiles if tile[0] <= 9],
        MapFilters(confirmed_since=datetime.date(2024, 1, 1)),
    )
    print("\nfloor with confirmed_since (live aggregation, not the pyramid), z3-z9 (ms)")
    print(f"{'zoom':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for zoom in sorted(live):
        print(
            f"{zoom:>5} {statistics.median(live[zoom]) * 1000:>8.1f} "
            f"{percentile(live[zoom], 0.95) * 1000:>8.1f}"
        )
    worst_p95 = max(percentile(values, 0.95) for values in our_figures[0].values())
    print("\nagainst the targets:")
    print(f"  worst p95 over zooms, 8 clients: {worst_p95 * 1000:.1f} ms (target <= 50 ms)")
    print(f"  throughput: {our_rate / baseline_rate:.2f}x django-vectortiles (target >= 1.5x)")
    print(f"  largest tile: {our_figures[3] / 1000:.0f} KB (target <= 500 KB)")
    print(
        f"  browser, navigation to cameras drawn at z13: {browser_time_to_cameras(base, lon, lat)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep a loaded database")
    parser.add_argument("--keep", action="store_true", help="leave the database afterwards")
    arguments = parser.parse_args()
    if not loader.SAMPLE.is_file():
        sys.exit(f"No OSM sample at {loader.SAMPLE}.")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from bench import databases
    from registry.models import Camera

    if not (arguments.reuse and databases.database_exists(loader.BENCH_DB)):
        databases.recreate_database(loader.BENCH_DB)
        loader.load(arguments.cameras)
    print(f"{Camera.objects.count()} cameras in {loader.BENCH_DB}")
    server = loader.start_server()
    try:
        measure(loader.PORT)
    finally:
        loader.stop_server(server)
        if not arguments.keep:
            databases.drop_database(loader.BENCH_DB)


if __name__ == "__main__":
    main()
