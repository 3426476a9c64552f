"""Benchmark of the exposure analysis: 5 km routes through a dense downtown.

    make bench-exposure         (or: .venv/bin/python bench/exposure.py)
    .venv/bin/python bench/exposure.py [--cameras 100000] [--routes 5] [--runs 15]
                                       [--reuse] [--keep]

1. Creates the scratch database `sightline_bench_exposure` (dropped
   afterwards unless --keep; --reuse keeps one loaded earlier) and loads
   --cameras synthetic cameras into a 4 x 4 km downtown around the Chicago
   Loop: most on a street grid of 120 m blocks (on poles and façades at
   either side of each street, denser towards the centre), the rest inside
   the blocks; a realistic mix of kinds, camera types, directions (across or
   along the street, several, or none), heights and tilts, vendors and
   operators, and some removed or hidden.
2. Draws --routes different routes, each a 5 km walk along the streets
   from near the centre, turning at random corners, recorded like a GPS
   track (a point every ~15 m, a metre or two off the centreline).
3. Times, --runs times per route after a warm-up: the API request
   (POST /api/v1/exposure/ through Django's test client: parsing, checks,
   analysis, JSON), the analysis alone (registry.exposure.analyse), and its
   SQL statement alone (prepared, as the analysis runs it); and prints
   p50/p95/max of each, the candidates the index found, the cameras that see
   each route and its covered share, against the target: under 1 s; and,
   for comparison, the analysis of two square areas at the centre.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "sightline_bench_exposure"
CENTRE = (-87.6298, 41.8781)  # the Loop, Chicago
DOWNTOWN_METRES = 4_000  # a square this wide
BLOCK_METRES = 120
ROUTE_METRES = 5_000
TRACK_STEP_METRES = 15
TARGET_SECONDS = 1.0
SEED = 20261124

KINDS = [("camera", 80), ("ALPR", 12), ("gunshot_detector", 3), ("guard", 2),
         ("microphone", 1), ("radar", 1), ("", 1)]  # fmt: skip
CAMERA_TYPES = [("fixed", 45), ("dome", 30), ("", 10), ("panning", 8), ("panorama", 4),
                ("doorbell", 3)]  # fmt: skip
STATUSES = [("reported", 60), ("verified", 34), ("removed", 4), ("hidden", 2)]
# Text columns the synthetic cameras leave empty (NOT NULL, no database default).
BLANK_COLUMNS = ("visibility", "zone", "mount", "vendor_raw", "product", "operator_raw",
                 "status_note", "osm_type", "source_ref")  # fmt: skip
OPERATORS = ["Chicago Police Department", "Chicago Department of Transportation",
             "Chicago Transit Authority", "Cook County", "Loop Business Alliance",
             "Allied Universal", "Building management", "Private resident"]  # fmt: skip


# --------------------------------------------------------------- the layout


class Grid:
    """Local metres east/north of CENTRE <-> longitude/latitude (WGS 84
    radii of curvature at the centre: exact enough over 4 km)."""

    def __init__(self) -> None:
        a, e2 = 6_378_137.0, 0.00669437999014
        sin = math.sin(math.radians(CENTRE[1]))
        self.east = (
            math.radians(1) * a * math.cos(math.radians(CENTRE[1])) / math.sqrt(1 - e2 * sin**2)
        )
        self.north = math.radians(1) * a * (1 - e2) / (1 - e2 * sin**2) ** 1.5

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        return CENTRE[0] + x / self.east, CENTRE[1] + y / self.north


def weighted(generator: random.Random, choices: list[tuple[str, int]]) -> str:
    values, weights = zip(*choices, strict=True)
    return generator.choices(values, weights)[0]


def street_position(generator: random.Random) -> tuple[float, float, float]:
    """(x, y, street bearing): a point beside a street, more of them near the
    centre (a normal spread of 1 km, kept inside the downtown)."""
    half = DOWNTOWN_METRES / 2
    while True:
        x, y = generator.gauss(0, 1_000), generator.gauss(0, 1_000)
        if abs(x) < half and abs(y) < half:
            break
    side = generator.choice((-1, 1)) * generator.uniform(6, 16)  # curb to façade
    if generator.random() < 0.5:  # on an east-west street
        y = round(y / BLOCK_METRES) * BLOCK_METRES + side
        return x, y, 90.0
    x = round(x / BLOCK_METRES) * BLOCK_METRES + side
    return x, y, 0.0


def directions_for(generator: random.Random, street: float) -> list[float]:
    draw = generator.random()
    if draw < 0.10:
        return []
    if draw < 0.55:  # across the street, towards it (either side)
        base = street + generator.choice((90, 270))
    elif draw < 0.80:  # along it
        base = street + generator.choice((0, 180))
    elif draw < 0.90:
        base = generator.uniform(0, 360)
    else:  # two ways
        first = street + generator.choice((0, 180))
        return [round(first % 360, 1), round((first + 180 + generator.gauss(0, 15)) % 360, 1)]
    return [round((base + generator.gauss(0, 20)) % 360, 1)]


def camera_rows(count: int, vendor_ids: list[int], operator_ids: list[int]):
    """Rows for COPY: (location, kind, camera_type, directions, height, tilt,
    status, removed_on, vendor_id, operator_id)."""
    generator, grid = random.Random(SEED), Grid()
    for _ in range(count):
        if generator.random() < 0.85:
            x, y, street = street_position(generator)
        else:  # inside a block: courtyards, car parks, entrances
            half = DOWNTOWN_METRES / 2
            x, y, street = generator.uniform(-half, half), generator.uniform(-half, half), 0.0
        lon, lat = grid.lonlat(x, y)
        height = round(generator.uniform(2.5, 12), 1) if generator.random() < 0.4 else None
        tilt = round(generator.uniform(10, 60), 0) if height and generator.random() < 0.7 else None
        status = weighted(generator, STATUSES)
        yield (
            f"SRID=4326;POINT({lon!r} {lat!r})",
            weighted(generator, KINDS),
            weighted(generator, CAMERA_TYPES),
            directions_for(generator, street),
            height,
            tilt,
            status,
            date(2026, 1, 15) if status == "removed" else None,
            generator.choice(vendor_ids) if generator.random() < 0.7 else None,
            generator.choice(operator_ids) if generator.random() < 0.6 else None,
        )


def route(seed: int, metres: float = ROUTE_METRES, step: float = TRACK_STEP_METRES) -> dict:
    """A walk of `metres` (5 km) along the streets from near the centre,
    never straight back, recorded as a GPS track: a point every `step`
    metres (~15 m), a little off the centreline."""
    generator, grid = random.Random(seed), Grid()
    limit = DOWNTOWN_METRES / 2 - BLOCK_METRES
    x = y = 0.0
    heading = generator.choice([(1, 0), (-1, 0), (0, 1), (0, -1)])
    corners, walked = [(x, y)], 0.0
    while walked < metres:
        turns = [h for h in [(1, 0), (-1, 0), (0, 1), (0, -1)] if h != (-heading[0], -heading[1])]
        heading = heading if generator.random() < 0.6 else generator.choice(turns)
        blocks = generator.randint(1, 3)
        nx, ny = x + heading[0] * blocks * BLOCK_METRES, y + heading[1] * blocks * BLOCK_METRES
        if abs(nx) > limit or abs(ny) > limit:  # the edge of downtown: turn
            heading = generator.choice(turns)
            continue
        length = min(blocks * BLOCK_METRES, metres - walked)
        x, y = x + heading[0] * length, y + heading[1] * length
        walked += length
        corners.append((x, y))
    points = []
    for (x0, y0), (x1, y1) in itertools.pairwise(corners):
        steps = max(1, round(math.hypot(x1 - x0, y1 - y0) / step))
        for i in range(steps):
            t = i / steps
            wobble = generator.gauss(0, 1.5)
            px, py = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            px, py = (px, py + wobble) if y0 == y1 else (px + wobble, py)
            points.append([round(c, 7) for c in grid.lonlat(px, py)])
    points.append([round(c, 7) for c in grid.lonlat(*corners[-1])])
    return {"type": "LineString", "coordinates": points}


# ------------------------------------------------------------- the database


def load(count: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils.text import slugify

    from registry.bulk import allocate_ids, copy_rows
    from registry.models import Camera, Operator, Vendor
    from registry.services import load_reference_data

    call_command("migrate", verbosity=0)
    load_reference_data()
    for name in OPERATORS:
        Operator.objects.get_or_create(name=name, defaults={"slug": slugify(name)})
    vendor_ids = list(Vendor.objects.values_list("id", flat=True))
    operator_ids = list(Operator.objects.values_list("id", flat=True))
    started = time.perf_counter()
    now = datetime.now(UTC)
    columns = ("id", "location", "kind", "camera_type", "directions", "height", "tilt", "status",
               "removed_on", "vendor_id", "operator_id", "tags", "version", "created_at",
               "updated_at", *BLANK_COLUMNS)  # fmt: skip
    ids = allocate_ids(Camera._meta.db_table, count)
    blanks = ("",) * len(BLANK_COLUMNS)
    rows = (
        (pk, *row, "{}", 1, now, now, *blanks)
        for pk, row in zip(ids, camera_rows(count, vendor_ids, operator_ids), strict=True)
    )
    with transaction.atomic():
        copy_rows(Camera._meta.db_table, columns, rows)
    with connection.cursor() as cursor:
        # Rows in spatial order, as a deployment keeps them after big imports.
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'registry_camera' "
            "AND indexdef LIKE '%%USING gist (location)%%'"
        )
        cursor.execute(f"CLUSTER registry_camera USING {cursor.fetchone()[0]}")
        cursor.execute("VACUUM ANALYZE registry_camera")
    print(f"loaded {count} synthetic cameras in {time.perf_counter() - started:.1f} s")


# ------------------------------------------------------------- the measures


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(len(ordered) * share) - 1)]


def figures(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values) * 1000:6.0f} ms  "
        f"p95 {percentile(values, 0.95) * 1000:6.0f} ms  max {max(values) * 1000:6.0f} ms"
    )


def timed(action, runs: int) -> list[float]:
    action()  # warm-up: connection, caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def measure(routes: int, runs: int) -> None:
    from django.conf import settings
    from django.test import Client

    from registry.exposure import analyse, geometry_from_geojson, queries
    from registry.exposure.analysis import run_statement
    from registry.models import Camera

    settings.EXPOSURE_ANON_RATE = "100000000/minute"
    client = Client(HTTP_HOST="localhost")
    inside = Camera.objects.filter(status__in=["reported", "verified"]).count()
    print(f"{Camera.objects.count()} cameras in {BENCH_DB}, {inside} in place\n")
    all_api, all_analysis, all_sql = [], [], []
    for number in range(routes):
        document = route(SEED + number)
        body = json.dumps(document)
        geometry = geometry_from_geojson(document)
        parameters = queries.parameters(geometry)

        def api(body=body):
            response = client.post("/api/v1/exposure/", body, content_type="application/geo+json")
            assert response.status_code == 200, response.content[:300]
            return response

        def sql(parameters=parameters):
            return run_statement(queries.ROUTE_SQL, parameters)

        api_times = timed(api, runs)
        analysis_times = timed(lambda geometry=geometry: analyse(geometry), runs)
        sql_times = timed(sql, runs)
        result = analyse(geometry)
        size = len(api().content)
        print(
            f"route {number + 1}: {result.total / 1000:.2f} km, "
            f"{len(document['coordinates'])} points, {result.candidates} candidate cameras, "
            f"{len(result.cameras)} see it, {len(result.direction_unknown)} nearby of unknown "
            f"direction, covered {result.covered:.0f} m = {result.share:.1%}, "
            f"answer {size / 1000:.0f} KB"
        )
        print(f"  API request   {figures(api_times)}")
        print(f"  analysis      {figures(analysis_times)}")
        print(f"  SQL alone     {figures(sql_times)}")
        all_api += api_times
        all_analysis += analysis_times
        all_sql += sql_times
    print(f"\nall {routes} routes, {runs} runs each:")
    print(f"  API request   {figures(all_api)}")
    print(f"  analysis      {figures(all_analysis)}")
    print(f"  SQL alone     {figures(all_sql)}")
    area_figures(max(3, runs // 3))
    worst = max(all_api)
    verdict = "met" if worst < TARGET_SECONDS else "MISSED"
    print(f"\ntarget: every API request under {TARGET_SECONDS:.0f} s: {verdict} "
          f"(slowest {worst * 1000:.0f} ms)")  # fmt: skip


def area_figures(runs: int) -> None:
    """For comparison, not a target: areas around the centre, whose answer
    unions thousands of cones."""
    from registry.exposure import analyse, geometry_from_geojson

    grid = Grid()
    print()
    for half in (250, 500):
        corners = [(-half, -half), (half, -half), (half, half), (-half, half), (-half, -half)]
        ring = [list(grid.lonlat(x, y)) for x, y in corners]
        geometry = geometry_from_geojson({"type": "Polygon", "coordinates": [ring]})
        times = timed(lambda geometry=geometry: analyse(geometry), runs)
        result = analyse(geometry)
        print(
            f"area of {(2 * half / 1000) ** 2:.2f} km² at the centre: {result.candidates} "
            f"candidates, {len(result.cameras)} see it, covered {result.share:.1%}; "
            f"analysis {figures(times)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=100_000)
    parser.add_argument("--routes", type=int, default=5)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="keep a loaded database")
    parser.add_argument("--keep", action="store_true", help="leave the database afterwards")
    arguments = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from django.conf import settings

    # The bench settings' database, renamed: this benchmark never touches the
    # one bench/api.py and bench/tiles.py create and drop.
    settings.DATABASES["default"]["NAME"] = BENCH_DB
    import django

    django.setup()
    from bench import databases

    if not (arguments.reuse and databases.database_exists(BENCH_DB)):
        databases.recreate_database(BENCH_DB)
        load(arguments.cameras)
    try:
        measure(arguments.routes, arguments.runs)
    finally:
        if not arguments.keep:
            databases.drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
