"""Benchmark of bulk imports, side by side with osm2pgsql, in one run.

    make bench                  (installs osmium-tool and osm2pgsql if missing)
    .venv/bin/python bench/import.py [--sample PATH] [--keep DIR]

1. Loads the shared OSM sample (168,041 features, GeoJSON) into a scratch
   database and exports it as OSM XML (`export_cameras --format osm
   --include-unversioned`), then converts that with osmium to PBF (sorted
   and renumbered: osm2pgsql takes only positive ids in order).
2. On an empty scratch database, times `import_cameras` on that PBF: the
   first import, an unchanged re-import, and an osmChange file touching 1%
   of the cameras (80% modified, 10% deleted, 10% created). Between the
   first two, it times the database floor: the rows the first import wrote,
   COPYed back into emptied tables with the same bulk-load steps and no
   Python at all, which bounds what any faster reader could reach.
3. Times osm2pgsql loading the same PBF into its own empty database with a
   minimal flex style for surveillance nodes.

It prints features per second for each step and the ratio to osm2pgsql.
Scratch databases are dropped afterwards; --keep DIR keeps the files.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path
from xml.sax.saxutils import quoteattr

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "data" / "osm-surveillance-sample.geojson.gz"
SCRATCH_DB = "sightline_bench_import"
OSM2PGSQL_DB = "sightline_bench_osm2pgsql"
CHANGED_SHARE = 0.01
FLOOR_STEP = "database floor"
TARGETS = {
    "first import": "≥ 50,000 features/s; within 3x of osm2pgsql",
    "unchanged re-import": "≥ 100,000 features/s",
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


def main() -> None:
    arguments = parse_arguments()
    for tool in ("osmium", "osm2pgsql"):
        if shutil.which(tool) is None:
            sys.exit(f"bench/import.py needs {tool}: run `make bench`, or install osmium-tool "
                     "and osm2pgsql.")  # fmt: skip
    if not arguments.sample.is_file():
        sys.exit(f"No sample at {arguments.sample}: pass --sample PATH (GeoJSON).")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    work = Path(arguments.keep or tempfile.mkdtemp(prefix="sightline-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        pbf, features = prepare_pbf(arguments.sample, work)
        results = time_sightline(pbf, features, work)
        results["osm2pgsql"] = time_osm2pgsql(pbf, features, work)
        report(results)
    finally:
        if not arguments.keep:
            shutil.rmtree(work, ignore_errors=True)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument("--keep", help="Keep the PBF and change file in this folder.")
    return parser.parse_args()


# ------------------------------------------------------------ databases


def scratch_database():
    """A fresh database with Sightline's schema and reference data."""
    from django.db import connection

    from registry.services import load_reference_data

    connection.settings_dict["TEST"]["NAME"] = SCRATCH_DB
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    load_reference_data()
    return connection


def drop_scratch_database(connection) -> None:
    connection.creation.destroy_test_db(SCRATCH_DB, verbosity=0)


# ------------------------------------------------------------ the steps


def prepare_pbf(sample: Path, work: Path) -> tuple[Path, int]:
    from django.core.management import call_command

    connection = scratch_database()
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
        drop_scratch_database(connection)
    sorted_pbf, pbf = work / "sorted.osm.pbf", work / "sample.osm.pbf"
    for command in (
        ["osmium", "sort", str(exported), "-o", str(sorted_pbf), "--overwrite"],
        ["osmium", "renumber", str(sorted_pbf), "-o", str(pbf), "--overwrite"],
    ):
        subprocess.run(command, check=True)
    features = count_nodes(pbf)
    print(f"converted with osmium to {pbf.name}: {features} nodes, "
          f"{pbf.stat().st_size / 1e6:.1f} MB")  # fmt: skip
    return pbf, features


def count_nodes(pbf: Path) -> int:
    import osmium

    return sum(1 for _node in osmium.FileProcessor(str(pbf), osmium.osm.NODE))


def time_sightline(pbf: Path, features: int, work: Path) -> dict[str, tuple[int, float, str]]:
    from django.core.management import call_command

    results = {}
    connection = scratch_database()
    try:
        results["first import"] = timed_import(call_command, pbf, features)
        results[FLOOR_STEP] = time_database_floor(features)
        results["unchanged re-import"] = timed_import(call_command, pbf, features)
        change, touched = write_change_file(pbf, work / "change.osc.gz")
        results["change file (1%)"] = timed_import(call_command, change, touched)
    finally:
        drop_scratch_database(connection)
    return results


def timed_import(call_command, path: Path, features: int) -> tuple[int, float, str]:
    out = StringIO()
    started = time.perf_counter()
    call_command("import_cameras", str(path), "--source", "osm", stdout=out, stderr=StringIO())
    seconds = time.perf_counter() - started
    return features, seconds, out.getvalue().strip().splitlines()[-1]


def time_database_floor(features: int) -> tuple[int, float, str]:
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
    return (
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
    import osmium

    generator = random.Random(20261124)
    nodes = [
        (node.id, node.location.lon, node.location.lat, dict(node.tags))
        for node in osmium.FileProcessor(str(pbf), osmium.osm.NODE)
    ]
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


def time_osm2pgsql(pbf: Path, features: int, work: Path) -> tuple[int, float, str]:
    from django.conf import settings

    from bench.databases import connect

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
                   "--log-level=warn", str(pbf)]  # fmt: skip
        for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--user", "USER")):
            if config[key]:
                command.append(f"{option}={config[key]}")
        environment = {**os.environ, "PGPASSWORD": config["PASSWORD"] or ""}
        started = time.perf_counter()
        subprocess.run(command, check=True, env=environment)
        seconds = time.perf_counter() - started
        with connect(OSM2PGSQL_DB) as database:
            rows = database.execute("SELECT count(*) FROM surveillance_nodes").fetchone()[0]
        return features, seconds, f"{rows} rows in surveillance_nodes"
    finally:
        with connect("postgres") as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {OSM2PGSQL_DB} WITH (FORCE)")


# ------------------------------------------------------------ report


def report(results: dict[str, tuple[int, float, str]]) -> None:
    """Each step's rate; the first import's wall time beside osm2pgsql's,
    which loaded the same file into an empty database too."""
    baseline = results["osm2pgsql"][1]
    print()
    print(f"{'step':<24}{'features':>10}{'seconds':>10}{'features/s':>12}{'vs osm2pgsql':>14}")
    for step, (features, seconds, _detail) in results.items():
        comparable = step in ("first import", FLOOR_STEP, "osm2pgsql")
        ratio = f"{seconds / baseline:.2f}x" if comparable else "-"
        print(f"{step:<24}{features:>10}{seconds:>10.2f}{features / seconds:>12,.0f}{ratio:>14}")
    print()
    for step, (_features, _seconds, detail) in results.items():
        print(f"{step}: {detail}")
    print()
    for step, target in TARGETS.items():
        print(f"target for {step}: {target}")


if __name__ == "__main__":
    main()
