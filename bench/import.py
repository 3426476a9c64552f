"""Benchmark of bulk imports, side by side with osm2pgsql, in one run.

    make bench                  (installs osmium-tool and osm2pgsql if missing)
    .venv/bin/python bench/import.py [--sample PATH] [--keep DIR]
    .venv/bin/python bench/import.py --limit 20000 --synthetic 7000   (a small run)

1. Loads the shared OSM sample (168,041 features, GeoJSON) into a scratch
   database and exports it as OSM XML (`export_cameras --format osm
   --include-unversioned`), gives every node without a version version 1
   (the sample has none; every node of an OSM extract has one, which the
   change file's versions follow and the registry keeps for exports), then
   converts that with osmium to PBF (sorted and renumbered: osm2pgsql takes
   only positive ids in order).
2. On an empty scratch database, times `import_cameras` on that PBF: the
   first import, an unchanged re-import, and an osmChange file touching 1%
   of the cameras (80% modified, 10% deleted, 10% created). Between the
   first two, it times the database floor: the rows the first import wrote,
   COPYed back into emptied tables with the same bulk-load steps and no
   Python at all, which bounds what any faster reader could reach.
3. On a second scratch database, a registry in use: the countries, the
   Chicago demo (`import_cameras ... --source sightline-demo`; it overlaps
   the sample, both come from OpenStreetMap) and 70,000 synthetic cameras
   COPYed with their first revisions where the sample has none (near its
   cameras, so in the same countries and towns, never within ~15 m of one):
   a realistic mix of kinds, types, mounts, directions, vendors, operators
   and statuses, a third from another OSM extract (other node ids), a third
   from a city's open data, a third reported by residents. Times the import
   of the same PBF into it as a source of its own (`--source osm`), beside
   the first import's rate.
4. During that merge, a second process sends an anonymous report once a
   second (a solved proof of work from GET /api/v1/challenge/, then POST
   /api/v1/submissions/ with an Idempotency-Key of its own and a 30 s
   timeout; a timed-out or failed POST is sent again up to twice with the
   same key and body, as a client would) through gunicorn on 127.0.0.1
   (deploy/gunicorn.conf.py, config.settings.prod, the scratch database).
   It counts the reports, their response times and errors, and the
   submissions stored for each, which must be exactly one.
5. Then imports a second source overlapping the first by OSM id: 3,000 of
   the sample's ALPRs as a DeFlock region file holding only their operator
   (`--source deflock`), and counts the cameras of which a field that had a
   value (one an import writes, or the OSM version exports need) lost it,
   and the import conflicts that import recorded.
6. Times osm2pgsql loading the same PBF into its own empty database with a
   minimal flex style for surveillance nodes.

Imports go through `manage.py import_cameras` (call_command, in this
process, as each import is timed), and the figures are read from the
database's tables. It prints features per second for each import, the ratio
to osm2pgsql and to the first import, and the other figures, each beside its
target. A step that fails is reported as failed and the others still run.
Scratch databases are dropped afterwards; --keep DIR keeps the files (the
PBF, the change file, the DeFlock file, gunicorn's log). --limit N and
--synthetic N make a small run for checking that every step works: N of
the sample's features (a seeded random choice, in the sample's order) and N
synthetic cameras; its figures are not the benchmark's.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path
from xml.sax.saxutils import quoteattr

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "data" / "osm-surveillance-sample.geojson.gz"
DEMO = ROOT / "registry" / "data" / "demo" / "chicago.geojson.gz"
SCRATCH_DB = "sightline_bench_import"
IN_USE_DB = "sightline_bench_import_in_use"
OSM2PGSQL_DB = "sightline_bench_osm2pgsql"
CHANGED_SHARE = 0.01
SEED = 20261124
FIRST_STEP = "first import"
FLOOR_STEP = "database floor"
MERGE_STEP = "merge into a registry in use"
SECOND_STEP = "second source (DeFlock)"
OSM2PGSQL_STEP = "osm2pgsql"
# Steps whose wall time compares with osm2pgsql's: each loads the whole file
# into an empty database.
LIKE_OSM2PGSQL = (FIRST_STEP, FLOOR_STEP, OSM2PGSQL_STEP)
MERGE_TARGET = 0.8  # of the first import's rate
TARGETS = {
    FIRST_STEP: "≥ 50,000 features/s; within 3x of osm2pgsql",
    "unchanged re-import": "≥ 100,000 features/s",
    MERGE_STEP: f"≥ {MERGE_TARGET}x the first import's rate",
}
# The registry in use, besides the demo.
SYNTHETIC_CAMERAS = 70_000
# Grid cells (degrees) for keeping synthetic cameras off the sample's: none
# is placed in a cell next to one holding a camera of the sample or the demo.
CELL_DEGREES = 0.0003
# The second source: this many of the sample's ALPRs, by OSM id.
SECOND_SOURCE_NODES = 3_000
# The reporting client.
REPORT_NOTE = "benchmark report"
WARM_UP_NOTE = "benchmark warm-up"
REPORT_TIMEOUT = 30.0
REPORT_RETRIES = 2
REPORT_P95_TARGET = 1.0
WARM_UP_REPORTS = 10
# The figures with a target, and their targets: each is printed, measured or not.
P95_FIGURE = "report response p50 / p95 / max (POSTs)"
ONCE_FIGURE = "reports stored exactly once"
LOST_FIGURE = "second source: cameras that lost a field's value"
FIGURE_TARGETS = {
    P95_FIGURE: f"p95 under {REPORT_P95_TARGET:.0f} s",
    ONCE_FIGURE: "every report",
    LOST_FIGURE: "0",
}
# Where the reports are placed: the demo's metro area.
REPORT_AREA = ((-87.95, 41.65), (-87.55, 42.05))
# The columns whose values the second source must not erase, and what empty
# means for each: the fields an import writes, and the OSM version the
# export for JOSM needs (a camera without one is left out of it).
KEPT_FIELDS = {
    "kind": "{} = ''",
    "camera_type": "{} = ''",
    "mount": "{} = ''",
    "zone": "{} = ''",
    "visibility": "{} = ''",
    "directions": "cardinality({}) = 0",
    "tilt": "{} IS NULL",
    "height": "{} IS NULL",
    "vendor_id": "{} IS NULL",
    "vendor_raw": "{} = ''",
    "product": "{} = ''",
    "operator_id": "{} IS NULL",
    "operator_raw": "{} = ''",
    "first_seen": "{} IS NULL",
    "last_confirmed": "{} IS NULL",
    "source_ref": "{} = ''",
    "osm_version": "{} IS NULL",
}
# The minimal osm2pgsql flex style: surveillance nodes, their tags and point.
FLEX_STYLE = """
local cameras = osm2pgsql.define_node_table('surveillance_nodes', {
    { column = 'tags', type = 'jsonb' },
    { column = 'geom', type = 'point', projection = 4326, not_null = true },
})
function osm2pgsql.process_node(object)
    local tags = object.tags
    if tags.man_made == 'surveillance' or tags['surveillance:type'] or tags.surveillance then
        cameras:insert({ tags = tags, geom = object:as_point() })
    end
end
"""


@dataclass
class Step:
    """One timed import (or load): its features, wall time (None when it
    failed) and what it printed."""

    features: int
    seconds: float | None
    detail: str

    @property
    def rate(self) -> float | None:
        return self.features / self.seconds if self.seconds else None


@dataclass
class Figure:
    """A figure that is not an import rate, with its target (met is None
    when it has none, or when it could not be measured)."""

    name: str
    value: str
    target: str = "-"
    met: bool | None = None
    detail: str = ""


def main() -> None:
    arguments = parse_arguments()
    sys.path.insert(0, str(ROOT))
    if arguments.send_reports:
        send_reports(arguments.send_reports)
        return
    for tool in ("osmium", "osm2pgsql"):
        if shutil.which(tool) is None:
            sys.exit(f"bench/import.py needs {tool}: run `make bench`, or install osmium-tool "
                     "and osm2pgsql.")  # fmt: skip
    if not arguments.sample.is_file():
        sys.exit(f"No sample at {arguments.sample}: pass --sample PATH (GeoJSON).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    work = Path(arguments.keep or tempfile.mkdtemp(prefix="sightline-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        sample = arguments.sample
        if arguments.limit is not None:
            sample = limited_sample(sample, arguments.limit, work)
        pbf, features = prepare_pbf(sample, work)
        results = time_sightline(pbf, features, work)
        in_use, figures = time_registry_in_use(pbf, features, work, arguments.synthetic)
        results.update(in_use)
        results[OSM2PGSQL_STEP] = attempt(OSM2PGSQL_STEP, features, time_osm2pgsql, pbf, work)
        report(results, figures)
        print(f"\nthe whole run took {(time.perf_counter() - started) / 60:.1f} minutes")
    finally:
        if not arguments.keep:
            shutil.rmtree(work, ignore_errors=True)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--keep", help="Keep the PBF and the other files in this folder.")
    parser.add_argument(
        "--limit",
        type=positive,
        metavar="N",
        help="Import only N of the sample's features (a small run, for checking).",
    )
    parser.add_argument(
        "--synthetic",
        type=positive,
        default=SYNTHETIC_CAMERAS,
        metavar="N",
        help=f"Synthetic cameras in the registry in use (default {SYNTHETIC_CAMERAS:,}).",
    )
    # The reporting client of step 4, run as a process of its own.
    parser.add_argument("--send-reports", metavar="URL", help=argparse.SUPPRESS)
    return parser.parse_args()


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def attempt(step: str, features: int, action: Callable[..., Step], *arguments) -> Step:
    """The step's result, or a failed step saying why: one step failing
    (a changed engine, a timeout) must not hide the others' figures."""
    try:
        return action(*arguments)
    except Exception as error:
        traceback.print_exc()
        message = " ".join(str(error).split())[:300] or type(error).__name__
        print(f"{step} failed: {message}", file=sys.stderr)
        return Step(features, None, f"failed: {message}")


# ------------------------------------------------------------ databases


# ------------------------------------------------------------ the steps


def prepare_pbf(sample: Path, work: Path) -> tuple[Path, int]:
    from django.core.management import call_command

    from bench.databases import drop_scratch_database, scratch_database

    connection, _reference = scratch_database(SCRATCH_DB)
    try:
        started = time.perf_counter()
        out = StringIO()
        call_command(
            "import_cameras", str(sample), "--source", "sample", stdout=out, stderr=StringIO()
        )
        print(f"sample loaded from GeoJSON in {time.perf_counter() - started:.1f} s: "
              f"{out.getvalue().strip().splitlines()[-1]}")  # fmt: skip
        exported = work / "sample.osm"
        errors = StringIO()
        call_command("export_cameras", "--format=osm", "--include-unversioned",
                     "-o", str(exported), stderr=errors)  # fmt: skip
        print(f"exported as OSM XML: {errors.getvalue().strip().splitlines()[-1]}")
    finally:
        drop_scratch_database(connection, SCRATCH_DB)
    versioned = work / "sample-versioned.osm"
    print(f"version 1 given to {with_versions(exported, versioned)} nodes without one")
    sorted_pbf, pbf = work / "sorted.osm.pbf", work / "sample.osm.pbf"
    for command in (
        ["osmium", "sort", str(versioned), "-o", str(sorted_pbf), "--overwrite"],
        ["osmium", "renumber", str(sorted_pbf), "-o", str(pbf), "--overwrite"],
    ):
        subprocess.run(command, check=True)
    features = len(read_nodes(pbf))
    print(f"converted with osmium to {pbf.name}: {features} nodes, "
          f"{pbf.stat().st_size / 1e6:.1f} MB")  # fmt: skip
    return pbf, features


def limited_sample(sample: Path, limit: int, work: Path) -> Path:
    """`limit` of the sample's features, chosen at random (seeded) and kept
    in the sample's order, as a GeoJSON file of their own."""
    with gzip.open(sample, "rt", encoding="utf-8") as stream:
        document = json.load(stream)
    features = document["features"]
    if limit < len(features):
        chosen = sorted(random.Random(SEED - 1).sample(range(len(features)), limit))
        document["features"] = [features[index] for index in chosen]
    path = work / "sample-limited.geojson.gz"
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        json.dump(document, stream)
    print(f"a small run: {len(document['features'])} of the sample's {len(features)} features")
    return path


def with_versions(exported: Path, target: Path) -> int:
    """The export with version="1" on each node that has no version (the
    export writes one node element's start on a line of its own); how many."""
    given = 0
    with exported.open(encoding="utf-8") as source, target.open("w", encoding="utf-8") as out:
        for line in source:
            start = line.lstrip()
            if start.startswith("<node ") and " version=" not in start.split(">", 1)[0]:
                line = line.replace("<node ", '<node version="1" ', 1)
                given += 1
            out.write(line)
    return given


def read_nodes(pbf: Path) -> list[tuple[int, float, float, dict[str, str]]]:
    """(id, lon, lat, tags) of every node of the file."""
    import osmium

    return [
        (node.id, node.location.lon, node.location.lat, dict(node.tags))
        for node in osmium.FileProcessor(str(pbf), osmium.osm.NODE)
    ]


def time_sightline(pbf: Path, features: int, work: Path) -> dict[str, Step]:
    from bench.databases import drop_scratch_database, scratch_database

    results = {}
    connection, _reference = scratch_database(SCRATCH_DB)
    try:
        results[FIRST_STEP] = attempt(FIRST_STEP, features, timed_import, pbf, features)
        results[FLOOR_STEP] = attempt(FLOOR_STEP, features, time_database_floor, features)
        results["unchanged re-import"] = attempt(
            "unchanged re-import", features, timed_import, pbf, features
        )
        change, touched = write_change_file(pbf, work / "change.osc.gz")
        results["change file (1%)"] = attempt(
            "change file (1%)", touched, timed_import, change, touched
        )
    finally:
        drop_scratch_database(connection, SCRATCH_DB)
    return results


def timed_import(path: Path, features: int, source: str = "osm") -> Step:
    """`manage.py import_cameras PATH --source SOURCE`, timed; its last line
    (the summary) as the detail."""
    from bench.databases import import_summary

    started = time.perf_counter()
    summary = import_summary(path, source)
    return Step(features, time.perf_counter() - started, summary)


def time_database_floor(features: int) -> Step:
    """PostgreSQL's own share of a first import, with no Python at all: the
    rows the first import wrote (cameras with their feature text, first
    revisions) are copied out, the tables emptied, and the same rows COPYed
    back in inside the importer's own bulk-load context (secondary indexes,
    constraints and the tile pyramid built once at the end), then rolled
    back. No reader of any format can make a first import faster than this
    on the same server; the backend's CPU seconds say how much of a core it
    took, whatever else the machine was doing."""
    from django.db import connection, transaction

    from registry.imports.staging import indexes_built_after

    database = connection.connection
    rows = {table: copy_out(database, table) for table in FLOOR_TABLES}
    backend = BackendClock(database)
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(FLOOR_TABLES)} CASCADE")
        with indexes_built_after(), database.cursor() as cursor:
            for table, data in rows.items():
                with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(data)
        transaction.set_rollback(True)
    seconds = time.perf_counter() - started
    megabytes = sum(map(len, rows.values())) / 1e6
    return Step(
        features,
        seconds,
        (
            f"{megabytes:.0f} MB of rows; {backend.seconds():.2f} s of the backend's CPU "
            f"(at most {features / backend.seconds():,.0f} features/s on one backend)"
        ),
    )


# Copied out and back in the order a first import fills them.
FLOOR_TABLES = ("registry_camera", "registry_revision")


def copy_out(database, table: str) -> bytes:
    with database.cursor() as cursor, cursor.copy(f"COPY {table} TO STDOUT") as copy:
        return b"".join(bytes(chunk) for chunk in copy)


class BackendClock:
    """CPU seconds used by the server process behind a connection, read
    from /proc (the server runs on this machine for the benchmarks)."""

    def __init__(self, database) -> None:
        self.pid = database.info.backend_pid
        self.started = self._used()

    def _used(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def seconds(self) -> float:
        return self._used() - self.started


def write_change_file(pbf: Path, target: Path) -> tuple[Path, int]:
    """An osmChange touching 1% of the nodes: most get a new direction and
    survey date, some are deleted, and as many new ones are created."""
    generator = random.Random(SEED)
    nodes = read_nodes(pbf)
    touched = generator.sample(nodes, int(len(nodes) * CHANGED_SHARE))
    deletions = len(touched) // 10
    creations = len(touched) // 10
    modify, delete = touched[deletions:], touched[:deletions]
    next_id = max(node[0] for node in nodes) + 1
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osmChange version="0.6" generator="bench">',
    ]
    lines.append("<modify>")
    for node_id, lon, lat, tags in modify:
        tags = {**tags, "camera:direction": str(generator.randrange(0, 360)),
                "survey:date": "2026-11-24"}  # fmt: skip
        lines.append(node_element(node_id, 2, lon, lat, tags))
    lines.append("</modify>\n<delete>")
    for node_id, lon, lat, _tags in delete:
        lines.append(node_element(node_id, 2, lon, lat, {}))
    lines.append("</delete>\n<create>")
    for offset in range(creations):
        _id, lon, lat, _tags = generator.choice(nodes)
        tags = {"man_made": "surveillance", "surveillance:type": "ALPR"}
        lines.append(node_element(next_id + offset, 1, lon + 0.001, lat + 0.001, tags))
    lines.append("</create>\n</osmChange>\n")
    with gzip.open(target, "wt", encoding="utf-8") as stream:
        stream.write("\n".join(lines))
    return target, len(modify) + len(delete) + creations


def node_element(node_id: int, version: int, lon: float, lat: float, tags: dict) -> str:
    tag_lines = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
    return (
        f'<node id="{node_id}" version="{version}" lat="{lat:.7f}" lon="{lon:.7f}">'
        f"{tag_lines}</node>"
    )


def time_osm2pgsql(pbf: Path, work: Path) -> Step:
    from django.conf import settings

    from bench.databases import connect

    features = len(read_nodes(pbf))
    config = settings.DATABASES["default"]
    with connect("postgres") as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {OSM2PGSQL_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {OSM2PGSQL_DB}")
    try:
        with connect(OSM2PGSQL_DB) as database:
            database.execute("CREATE EXTENSION postgis")
        style = work / "surveillance.lua"
        style.write_text(FLEX_STYLE)
        command = ["osm2pgsql", "--output=flex", f"--style={style}", f"--database={OSM2PGSQL_DB}",
                   "--log-level=warn", "--log-progress=false", str(pbf)]  # fmt: skip
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--user", "USER")):
            if config[key]:
                command.append(f"{option}={config[key]}")
        environment = {**os.environ, "PGPASSWORD": config["PASSWORD"] or ""}
        started = time.perf_counter()
        subprocess.run(command, check=True, env=environment)
        seconds = time.perf_counter() - started
        with connect(OSM2PGSQL_DB) as database:
            rows = database.execute("SELECT count(*) FROM surveillance_nodes").fetchone()[0]
        return Step(features, seconds, f"{rows} rows in surveillance_nodes")
    finally:
        with connect("postgres") as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {OSM2PGSQL_DB} WITH (FORCE)")


# ------------------------------------------------------------ a registry in use


def time_registry_in_use(
    pbf: Path, features: int, work: Path, synthetic: int = SYNTHETIC_CAMERAS
) -> tuple[dict[str, Step], list[Figure]]:
    """Steps 3 to 5: the merge into a registry in use while a client sends
    reports, then a second source overlapping the first by OSM id."""
    from bench.databases import drop_scratch_database, scratch_database

    results: dict[str, Step] = {}
    figures: list[Figure] = []
    nodes = read_nodes(pbf)
    connection, _reference = scratch_database(IN_USE_DB)
    server = None
    try:
        fill_registry(nodes, synthetic)
        server, base_url = start_server(work)
        warm_up(base_url)
        merge, records = merge_with_reports(pbf, features, base_url)
        results[MERGE_STEP] = merge
        figures += report_figures(records)
        server.stop()
        server = None
        second, second_figures = second_source(nodes, work)
        results[SECOND_STEP] = second
        figures += second_figures
    except Exception as error:
        traceback.print_exc()
        message = " ".join(str(error).split())[:300] or type(error).__name__
        print(f"the registry in use failed: {message}", file=sys.stderr)
        for step, count in ((MERGE_STEP, features), (SECOND_STEP, SECOND_SOURCE_NODES)):
            results.setdefault(step, Step(count, None, f"failed: {message}"))
        measured = {figure.name for figure in figures}
        figures += [
            Figure(name, "failed", target, None, f"failed: {message}")
            for name, target in FIGURE_TARGETS.items()
            if name not in measured
        ]
    finally:
        if server is not None:
            server.stop()
        drop_scratch_database(connection, IN_USE_DB)
    return results, figures


def fill_registry(nodes: list, synthetic: int = SYNTHETIC_CAMERAS) -> None:
    """The countries, the Chicago demo and the synthetic cameras, as a
    registry holds them before the sample comes in."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("load_countries", stdout=StringIO())
    out = StringIO()
    call_command(
        "import_cameras", str(DEMO), "--source", "sightline-demo", stdout=out, stderr=StringIO()
    )
    print(f"registry in use: countries loaded; demo: {out.getvalue().strip().splitlines()[-1]}")
    demo = demo_positions()
    anchors = [(lon, lat) for _id, lon, lat, _tags in nodes]
    positions = free_positions(anchors, anchors + demo, synthetic, random.Random(SEED))
    load_synthetic(positions)
    with connection_cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT count(*) FROM registry_camera")
        cameras = cursor.fetchone()[0]
    print(f"registry in use: {cameras} cameras ({len(demo)} in the demo, {len(positions)} "
          f"synthetic) in {time.perf_counter() - started:.1f} s")  # fmt: skip


def connection_cursor():
    from django.db import connection

    return connection.cursor()


def demo_positions() -> list[tuple[float, float]]:
    with gzip.open(DEMO, "rt", encoding="utf-8") as stream:
        features = json.load(stream)["features"]
    return [
        tuple(feature["geometry"]["coordinates"][:2])
        for feature in features
        if (feature.get("geometry") or {}).get("type") == "Point"
    ]


def free_positions(anchors: list, taken: list, count: int, generator: random.Random) -> list:
    """`count` points 60 m to 5 km from cameras of the sample (so in the
    same countries and towns, denser where it is dense), none in a grid
    cell next to one holding a camera of `taken`."""

    def cell(lon: float, lat: float) -> tuple[int, int]:
        return math.floor(lon / CELL_DEGREES), math.floor(lat / CELL_DEGREES)

    occupied = {cell(lon, lat) for lon, lat in taken}
    positions = []
    for _ in range(count * 50):
        if len(positions) == count:
            break
        lon, lat = generator.choice(anchors)
        metres = math.exp(generator.uniform(math.log(60), math.log(5_000)))
        bearing = generator.uniform(0, 2 * math.pi)
        lat += metres * math.cos(bearing) / 111_320
        if abs(lat) > 85:
            continue
        lon += metres * math.sin(bearing) / (111_320 * math.cos(math.radians(lat)))
        lon = (lon + 180) % 360 - 180
        x, y = cell(lon, lat)
        if any((x + dx, y + dy) in occupied for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
            continue
        positions.append((round(lon, 7), round(lat, 7)))
    return positions


KINDS = [("camera", 74), ("ALPR", 16), ("gunshot_detector", 3), ("guard", 2), ("radar", 2),
         ("microphone", 1), ("bluetooth_detector", 1), ("", 1)]  # fmt: skip
CAMERA_TYPES = [("fixed", 45), ("dome", 30), ("", 13), ("panning", 8), ("panorama", 4)]
MOUNTS = [("", 45), ("pole", 20), ("wall", 20), ("street_lamp", 6), ("ceiling", 4),
          ("traffic_signals", 3), ("gantry", 2)]  # fmt: skip
ZONES = [("", 50), ("traffic", 20), ("town", 8), ("parking", 8), ("building", 6),
         ("entrance", 5), ("shop", 3)]  # fmt: skip
VISIBILITIES = [("public", 55), ("outdoor", 20), ("", 20), ("indoor", 5)]
STATUSES = [("reported", 62), ("verified", 33), ("removed", 4), ("hidden", 1)]
OPERATORS = ["City Police Department", "Department of Transportation", "Transit Authority",
             "County Sheriff's Office", "School District", "Allied Universal",
             "Building management", "Private resident"]  # fmt: skip
# Where the synthetic cameras come from: another OSM extract (node ids the
# sample does not have), a city's open data list, residents' reports.
ORIGINS = [("osm-elsewhere", 35), ("city-open-data", 35), ("", 30)]
OTHER_OSM_IDS = 13_000_000_000
CAMERA_COLUMNS = ("location", "kind", "visibility", "zone", "camera_type", "mount", "directions",
                  "tilt", "height", "vendor_id", "vendor_raw", "product", "operator_id",
                  "operator_raw", "status", "removed_on", "status_note", "first_seen",
                  "last_confirmed", "osm_type", "osm_id", "osm_version", "tags", "dataset_id",
                  "source_ref", "feature", "version", "created_at", "updated_at")  # fmt: skip


def weighted(generator: random.Random, choices: list[tuple[str, int]]) -> str:
    values, weights = zip(*choices, strict=True)
    return generator.choices(values, weights)[0]


def load_synthetic(positions: list[tuple[float, float]]) -> None:
    """COPYs the synthetic cameras (the database's triggers write their
    feature text and tile cells), then one changeset per origin and a first
    revision for each camera holding every field that has a value, as an
    import or a report writes it: the history says which source set each
    field, which is what a later import weighs its values against."""
    from django.db import connection, transaction
    from django.utils.text import slugify

    from registry.models import Changeset, Dataset, Operator

    generator = random.Random(SEED + 1)
    datasets = {
        name: Dataset.objects.get_or_create(name=name)[0].pk for name, _weight in ORIGINS if name
    }
    operators = [
        (Operator.objects.get_or_create(name=name, defaults={"slug": slugify(name)})[0].pk, name)
        for name in OPERATORS
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name FROM registry_vendor ORDER BY id")
        vendors = cursor.fetchall()
        cursor.execute("SELECT coalesce(max(id), 0) FROM registry_camera")
        last_before = cursor.fetchone()[0]
    now = datetime.now(UTC)
    rows = (
        synthetic_row(number, lon, lat, generator, datasets, vendors, operators, now)
        for number, (lon, lat) in enumerate(positions)
    )
    columns, changes = ", ".join(CAMERA_COLUMNS), first_changes()
    with transaction.atomic():
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY registry_camera ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        for name, dataset in [*datasets.items(), ("residents' reports", None)]:
            changeset = Changeset.objects.create(
                actor=f"import: {name}" if dataset else "anonymous",
                comment=f"Earlier cameras: {name}",
                dataset_id=dataset,
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO registry_revision (camera_id, version, changeset_id, changes, "
                    f"created_at) SELECT id, 1, %s, {changes}, created_at "
                    "FROM registry_camera WHERE id > %s AND dataset_id IS NOT DISTINCT FROM %s",
                    [changeset.pk, last_before, dataset],
                )


def first_changes() -> str:
    """SQL for a camera's first revision as registry.services.history's
    creation_changes() writes it: {field: [null, value]} for every tracked
    field that has a value (points as [lon, lat], dates as ISO text,
    records by id)."""
    from registry.services.history import TRACKED_FIELDS, column_name

    values = ", ".join(
        f"'{name}', "
        + (
            "jsonb_build_array(ST_X(location), ST_Y(location))"
            if name == "location"
            else f"to_jsonb({column_name(name)})"
        )
        for name in TRACKED_FIELDS
    )
    return (
        "(SELECT jsonb_object_agg(key, jsonb_build_array(NULL, value)) "
        f"FROM jsonb_each(jsonb_build_object({values})) "
        """WHERE value NOT IN ('null', '""', '[]', '{}'))"""
    )


def synthetic_row(number, lon, lat, generator, datasets, vendors, operators, now) -> tuple:
    kind = weighted(generator, KINDS)
    alpr = kind == "ALPR"
    camera_type = "fixed" if alpr else weighted(generator, CAMERA_TYPES)
    mount = weighted(generator, MOUNTS)
    zone = "traffic" if alpr and generator.random() < 0.8 else weighted(generator, ZONES)
    visibility = weighted(generator, VISIBILITIES)
    directions = []
    if generator.random() < (0.9 if alpr else 0.55):
        directions = [float(generator.randrange(0, 360))]
        if generator.random() < 0.15:
            directions.append(float((directions[0] + 180) % 360))
    height = round(generator.uniform(2.5, 12), 1) if generator.random() < 0.3 else None
    tilt = round(generator.uniform(10, 60)) if height and generator.random() < 0.5 else None
    vendor_id, vendor = generator.choice(vendors) if generator.random() < 0.5 else (None, "")
    operator_id, operator = generator.choice(operators) if generator.random() < 0.5 else (None, "")
    status = weighted(generator, STATUSES)
    origin = weighted(generator, ORIGINS)
    osm_id = OTHER_OSM_IDS + number if origin == "osm-elsewhere" else None
    source_ref = (
        f"node/{osm_id}" if osm_id else f"CAM-{number:06d}" if origin == "city-open-data" else ""
    )
    first_seen = date(2019, 1, 1) + timedelta(days=generator.randrange(0, 7 * 365))
    last_confirmed = (
        first_seen + timedelta(days=generator.randrange(0, 400))
        if generator.random() < 0.5
        else None
    )
    tags = {"man_made": "surveillance"}
    for key, value in (("surveillance:type", kind), ("camera:type", camera_type),
                       ("camera:mount", mount), ("surveillance:zone", zone),
                       ("surveillance", visibility), ("manufacturer", vendor),
                       ("operator", operator)):  # fmt: skip
        if value:
            tags[key] = value
    if directions:
        tags["camera:direction"] = ";".join(f"{direction:g}" for direction in directions)
    if height is not None:
        tags["height"] = f"{height:g}"
    return (
        f"SRID=4326;POINT({lon!r} {lat!r})", kind, visibility, zone, camera_type, mount,
        directions, tilt, height, vendor_id, vendor, "", operator_id, operator, status,
        first_seen + timedelta(days=500) if status == "removed" else None, "", first_seen,
        last_confirmed, "node" if osm_id else "", osm_id,
        generator.randrange(1, 7) if osm_id else None, json.dumps(tags),
        datasets.get(origin), source_ref, "", 1, now, now,
    )  # fmt: skip


def start_server(work: Path):
    """gunicorn with deploy/gunicorn.conf.py and config.settings.prod on a
    free port of 127.0.0.1, against the scratch database. All reports come
    from one address, standing for many residents: the per-address
    contribution limits are lifted, nothing else."""
    from bench.databases import database_url
    from tests import servers

    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DATABASE_", "MEDIA_", "REDIS_", "GUNICORN_", "DJANGO_"))
    }
    port = servers.free_port()
    server = servers.Gunicorn(
        bind=f"127.0.0.1:{port}",
        environment={
            **inherited,
            "DJANGO_SETTINGS_MODULE": "config.settings.prod",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "NUM_PROXIES": "0",
            "DATABASE_URL": database_url(IN_USE_DB),
            "MEDIA_ROOT": str(work / "media"),
            "CONTRIBUTION_RATE": "100000000/hour",
            "CONTRIBUTION_GLOBAL_RATE": "100000000/hour",
        },
        log=work / "gunicorn.log",
    )
    server.start()
    server.wait_listening()
    return server, f"http://127.0.0.1:{port}"


def warm_up(base_url: str) -> None:
    """A few reports at once, so that every worker has loaded its views
    and connected, as a server in use has."""
    with ThreadPoolExecutor(WARM_UP_REPORTS) as pool:
        futures = [
            pool.submit(send_report, base_url, WARM_UP_NOTE) for _ in range(WARM_UP_REPORTS)
        ]
        records = [future.result() for future in futures]
    accepted = sum(record["status"] == 201 for record in records)
    print(f"server warmed up: {accepted} of {len(records)} warm-up reports accepted")


def merge_with_reports(pbf: Path, features: int, base_url: str) -> tuple[Step, list[dict]]:
    """The sample's PBF imported as a source of its own while the client
    process sends its reports; the client stops sending when the import
    ends and returns its records once its last reports are answered."""
    client = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--send-reports", base_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.5)  # the client's first report leaves before the import starts
        merge = attempt(MERGE_STEP, features, timed_import, pbf, features, "osm")
    finally:
        try:
            output, _ = client.communicate(timeout=REPORT_TIMEOUT * (REPORT_RETRIES + 1) + 60)
        except subprocess.TimeoutExpired:
            client.kill()
            output, _ = client.communicate()
    try:
        records = json.loads(output)
    except ValueError:
        print(f"the reporting client printed no records: {output[:300]!r}", file=sys.stderr)
        records = []
    return merge, records


def report_figures(records: list[dict]) -> list[Figure]:
    """Response times and errors as the client saw them, and the
    submissions stored for each report (by its note, which holds its key)."""
    with connection_cursor() as cursor:
        cursor.execute(
            "SELECT note, count(*) FROM registry_submission WHERE note LIKE %s GROUP BY note",
            [f"{REPORT_NOTE} %"],
        )
        stored = dict(cursor.fetchall())
    posts = [attempt for record in records for attempt in record["attempts"]]
    times = sorted(attempt["seconds"] for attempt in posts)
    errors = Counter(attempt["error"] for attempt in posts if attempt["error"])
    errors.update(record["challenge_error"] for record in records if record["challenge_error"])
    counts = Counter(min(stored.get(record["note"], 0), 2) for record in records)
    acknowledged = [record for record in records if record["status"] == 201]
    lost = sum(stored.get(record["note"], 0) == 0 for record in acknowledged)
    retried = sum(len(record["attempts"]) > 1 for record in records)
    seconds = records[-1]["sent_at"] - records[0]["sent_at"] + 1 if records else 0  # one a second
    first_error = next((a for a in posts if a["error"]), None)
    figures = [
        Figure(
            "reports sent during the merge (one a second)",
            f"{len(records)} over {seconds:.0f} s, {len(posts)} POSTs",
            detail=f"{retried} sent again after a failure; {len(acknowledged)} answered 201",
        ),
        Figure(
            "report errors (timeouts, refusals, 5xx)",
            f"{sum(errors.values())}",
            detail=(
                ", ".join(f"{count} {kind}" for kind, count in errors.most_common())
                + (f"; first: {first_error['error']} {first_error['body']}" if first_error else "")
            ),
        ),
    ]
    if times:
        p95 = percentile(times, 0.95)
        figures.append(
            Figure(
                P95_FIGURE,
                f"{statistics.median(times):.2f} / {p95:.2f} / {times[-1]:.2f} s",
                FIGURE_TARGETS[P95_FIGURE],
                p95 < REPORT_P95_TARGET,
            )
        )
    else:
        figures.append(Figure(P95_FIGURE, "none sent", FIGURE_TARGETS[P95_FIGURE]))
    figures.append(
        Figure(
            ONCE_FIGURE,
            f"{counts[1]} of {len(records)}",
            FIGURE_TARGETS[ONCE_FIGURE],
            bool(records) and counts[1] == len(records),
            detail=(
                f"{counts[0]} not stored ({lost} of them answered 201), "
                f"{counts[2]} stored more than once"
            ),
        )
    )
    return figures


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, math.ceil(len(ordered) * share) - 1)]


def second_source(nodes: list, work: Path) -> tuple[Step, list[Figure]]:
    """3,000 of the sample's ALPRs as DeFlock publishes them in its region
    files (the OSM node id, the position and a few tags; here only the
    operator), imported as a source of their own. Their ids are the PBF's
    (renumbered, as the registry now holds them), so each record is one of
    the cameras the merge imported. The cameras' fields are kept aside
    before, and compared after: a field that had a value and has none any
    more is a value lost."""
    alprs = [node for node in nodes if node[3].get("surveillance:type") == "ALPR"]
    chosen = random.Random(SEED + 2).sample(alprs, min(SECOND_SOURCE_NODES, len(alprs)))
    records = [
        {
            "id": node_id,
            "lat": round(lat, 7),
            "lon": round(lon, 7),
            "tags": {"operator": tags["operator"]} if tags.get("operator") else {},
        }
        for node_id, lon, lat, tags in chosen
    ]
    path = work / "deflock-regions.json"
    path.write_text(json.dumps(records, indent=1))
    fields = ", ".join(KEPT_FIELDS)
    with connection_cursor() as cursor:
        cursor.execute(
            f"CREATE UNLOGGED TABLE bench_camera_before AS SELECT id, tags, {fields} "
            "FROM registry_camera"
        )
        cursor.execute("SELECT coalesce(max(id), 0) FROM registry_importconflict")
        conflicts_before = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(max(id), 0) FROM registry_mergecandidate")
        candidates_before = cursor.fetchone()[0]
    step = attempt(SECOND_STEP, len(records), timed_import, path, len(records), "deflock")
    lost = {
        field: f"NOT ({empty.format('b.' + field)}) "
        f"AND (a.id IS NULL OR {empty.format('a.' + field)})"
        for field, empty in KEPT_FIELDS.items()
    }
    counts = ", ".join(f"count(*) FILTER (WHERE {condition})" for condition in lost.values())
    with connection_cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE {' OR '.join(lost.values())}), {counts}, "
            "count(*) FILTER (WHERE EXISTS (SELECT FROM jsonb_object_keys(b.tags) AS key "
            "WHERE a.id IS NULL OR NOT a.tags ? key)) "
            "FROM bench_camera_before b LEFT JOIN registry_camera a ON a.id = b.id"
        )
        cameras_lost, *by_field, tags_lost = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM registry_importconflict WHERE id > %s",
                       [conflicts_before])  # fmt: skip
        conflicts = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM registry_mergecandidate WHERE id > %s",
                       [candidates_before])  # fmt: skip
        candidates = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*), count(DISTINCT osm_id) FROM registry_camera "
            "WHERE osm_type = 'node' AND osm_id = ANY(%s)",
            [[record["id"] for record in records]],
        )
        holders, distinct = cursor.fetchone()
    by_field_text = ", ".join(
        f"{field} {count}" for field, count in zip(KEPT_FIELDS, by_field, strict=True) if count
    )
    figures = [
        Figure(
            LOST_FIGURE,
            f"{cameras_lost}",
            FIGURE_TARGETS[LOST_FIGURE],
            cameras_lost == 0 if step.seconds is not None else None,
            detail=(
                f"by field: {by_field_text or 'none'}; {tags_lost} cameras lost raw tags; "
                f"{holders} cameras hold the file's {len(records)} OSM ids ({distinct} distinct)"
            ),
        ),
        Figure(
            "second source: import conflicts recorded",
            f"{conflicts}",
            detail=f"{candidates} merge candidates recorded",
        ),
    ]
    return step, figures


# ------------------------------------------------------------ the reporting client


def send_reports(base_url: str) -> None:
    """Run as a process of its own during the merge: one report a second
    (open loop: a slow answer does not delay the next report) until its
    standard input closes, then every report's record as JSON."""
    stop = threading.Event()

    def wait_for_end() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=wait_for_end, daemon=True).start()
    futures = []
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=64) as pool:
        while not stop.is_set():
            futures.append(pool.submit(send_report, base_url, REPORT_NOTE))
            stop.wait(max(0.0, started + len(futures) - time.monotonic()))
        records = [future.result() for future in futures]
    json.dump(records, sys.stdout)


def send_report(base_url: str, note: str) -> dict:
    """One anonymous report: a challenge fetched and solved, then the POST,
    sent again (same key, same body) after a timeout, a lost connection or
    a 5xx, as a client that keeps its Idempotency-Key does."""
    from tests.pow import encode, solve

    generator = random.Random()
    key = f"bench-{uuid.uuid4()}"
    record = {"note": f"{note} {key}", "sent_at": time.time(), "attempts": [],
              "status": None, "challenge_error": ""}  # fmt: skip
    try:
        status, body = http(f"{base_url}/api/v1/challenge/")
        if status != 200:
            record["challenge_error"] = f"challenge HTTP {status}"
            return record
        challenge = json.loads(body)
        proof = encode(challenge, solve(challenge))
    except Exception as error:
        record["challenge_error"] = f"challenge {type(error).__name__}"
        return record
    (west, south), (east, north) = REPORT_AREA
    body = json.dumps({
        "latitude": round(generator.uniform(south, north), 6),
        "longitude": round(generator.uniform(west, east), 6),
        "kind": "camera",
        "camera_type": generator.choice(["dome", "fixed"]),
        "directions": [generator.randrange(0, 360)],
        "note": record["note"],
        "altcha": proof,
    }).encode()  # fmt: skip
    headers = {"Content-Type": "application/json", "Idempotency-Key": key}
    for number in range(REPORT_RETRIES + 1):
        if number:
            time.sleep(1)
        started = time.perf_counter()
        try:
            status, answer = http(f"{base_url}/api/v1/submissions/", body, headers)
            error = "" if status == 201 else f"HTTP {status}"
        except TimeoutError:
            status, answer, error = None, b"", "timeout"
        except OSError as failure:
            reason = getattr(failure, "reason", failure)
            status, answer = None, b""
            error = "timeout" if isinstance(reason, TimeoutError) else type(reason).__name__
        record["attempts"].append({"seconds": time.perf_counter() - started, "error": error,
                                   "body": answer[:200].decode(errors="replace")})  # fmt: skip
        record["status"] = status
        if status is not None and status < 500:
            break
    return record


def http(url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=REPORT_TIMEOUT) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# ------------------------------------------------------------ report


def report(results: dict[str, Step], figures: list[Figure]) -> None:
    """Each step's rate beside osm2pgsql's wall time (for the loads into an
    empty database) and the first import's rate (for the merge), each with
    its target; then the other figures with theirs."""
    baseline, first = results.get(OSM2PGSQL_STEP), results.get(FIRST_STEP)
    print()
    print(f"{'step':<32}{'features':>10}{'seconds':>10}{'features/s':>12}"
          f"{'vs osm2pgsql':>14}{'vs first import':>17}  target")  # fmt: skip
    for step, result in results.items():
        against_osm2pgsql = against_first = "-"
        if result.seconds is None:
            figures_text = f"{'failed':>10}{'-':>12}"
        else:
            figures_text = f"{result.seconds:>10.2f}{result.rate:>12,.0f}"
            if step in LIKE_OSM2PGSQL and baseline and baseline.seconds:
                against_osm2pgsql = f"{result.seconds / baseline.seconds:.2f}x"
            if step in (FIRST_STEP, MERGE_STEP) and first and first.rate:
                against_first = f"{result.rate / first.rate:.2f}x"
        print(f"{step:<32}{result.features:>10}{figures_text}{against_osm2pgsql:>14}"
              f"{against_first:>17}  {target_text(step, results)}")  # fmt: skip
    print()
    print(f"{'figure':<52}{'value':<36}target")
    for figure in figures:
        print(f"{figure.name:<52}{figure.value:<36}{verdict(figure.target, figure.met)}")
    print()
    for step, result in results.items():
        print(f"{step}: {result.detail}")
    for figure in figures:
        if figure.detail:
            print(f"{figure.name}: {figure.detail}")


def target_text(step: str, results: dict[str, Step]) -> str:
    result, target = results[step], TARGETS.get(step)
    if target is None:
        return "-"
    if result.seconds is None:
        return verdict(target, None)
    if step == FIRST_STEP:
        baseline = results.get(OSM2PGSQL_STEP)
        met = result.rate >= 50_000 and bool(
            baseline and baseline.seconds and result.seconds <= 3 * baseline.seconds
        )
    elif step == MERGE_STEP:
        first = results.get(FIRST_STEP)
        met = bool(first and first.rate) and result.rate >= MERGE_TARGET * first.rate
    else:
        met = result.rate >= 100_000
    return verdict(target, met)


def verdict(target: str, met: bool | None) -> str:
    if target == "-":
        return target
    return f"{target}: " + {True: "met", False: "MISSED", None: "not measured"}[met]


if __name__ == "__main__":
    main()
