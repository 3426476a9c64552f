"""Benchmark of the OGC API - Features endpoint as GIS clients read it.

    make bench-ogc              (or: .venv/bin/python -m bench.ogc)
    .venv/bin/python -m bench.ogc [--cameras 100000] [--page-sizes 1000,10000]
                                  [--reuse] [--keep]

1. Creates the scratch database `sightline_bench_ogc` (dropped afterwards
   unless --keep; --reuse keeps one loaded earlier) and loads --cameras
   synthetic cameras with the exposure benchmark's maker (a downtown of
   realistic kinds, vendors, operators and statuses, some removed or hidden).
2. Serves the site with gunicorn on a free port of 127.0.0.1, its access log
   recording each request's path, query and time.
3. For each page size, reads the whole collection with GDAL's OAPIF driver
   (`ogr2ogr -f GeoJSON` to a file, `-oo PAGE_SIZE=`), and a bbox of about a
   quarter of the downtown; prints the wall time, the features read against
   the database's count of cameras the public sees, the pages GDAL asked
   for, and the server time of a page: p50, p95, the first and the last
   (a deep page, by cursor).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gunicorn import free_port, start_server, stop_server  # noqa: E402

BENCH_DB = "sightline_bench_ogc"
ITEMS = "/ogc/collections/cameras/items"
IN_PLACE = ("reported", "verified")
# Path, query string and microseconds of each request, tab-separated.
ACCESS_FORMAT = "%(U)s\t%(q)s\t%(D)s"


def page_times(log: Path, skip: int) -> list[tuple[str, float]]:
    """(query, seconds) of the item pages logged after the first `skip` lines."""
    pages = []
    for line in log.read_text().splitlines()[skip:]:
        path, query, microseconds = line.split("\t")
        if path == ITEMS:
            pages.append((query, int(microseconds) / 1e6))
    return pages


def read_with_gdal(port: int, page_size: int, spat: tuple | None, output: Path) -> float:
    """Seconds ogr2ogr takes to read the collection into a GeoJSON file."""
    command = ["ogr2ogr", "-f", "GeoJSON", "-oo", f"PAGE_SIZE={page_size}"]
    if spat:
        command += ["-spat", *map(str, spat)]
    command += [str(output), f"OAPIF:http://127.0.0.1:{port}/ogc/", "cameras"]
    output.unlink(missing_ok=True)
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        sys.exit(f"ogr2ogr failed: {finished.stderr.strip()[-2000:]}")
    return seconds


def features_in(path: Path) -> int:
    report = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True, check=True
    ).stdout
    (line,) = [line for line in report.splitlines() if line.startswith("Feature Count:")]
    return int(line.split(":")[1])


def quarter_box() -> tuple[float, float, float, float]:
    """The south-west quarter of the box around the cameras."""
    from registry.models import Camera

    west, south, east, north = Camera.objects.visible().footprint().bbox
    return (west, south, (west + east) / 2, (south + north) / 2)


def measure(port: int, log: Path, page_sizes: list[int], folder: Path) -> None:
    from registry.models import Camera

    public = Camera.objects.filter(status__in=IN_PLACE)
    box = quarter_box()
    expected = {"whole": public.count(), "quarter bbox": public.in_bbox(box).count()}
    print(f"cameras the public sees in place: {expected['whole']}, "
          f"{expected['quarter bbox']} in the quarter bbox {box}")  # fmt: skip
    print(
        f"\n{'read':<13} {'page':>6} {'wall s':>8} {'features':>9} {'pages':>6} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'first ms':>9} {'last ms':>8} {'MB':>6}"
    )
    for page_size in page_sizes:
        for name, spat in (("whole", None), ("quarter bbox", box)):
            skip = len(log.read_text().splitlines())
            output = folder / f"cameras-{page_size}.geojson"
            seconds = read_with_gdal(port, page_size, spat, output)
            time.sleep(0.5)  # the access log is written after each answer
            pages = [(query, s) for query, s in page_times(log, skip)
                     if parse_qs(query).get("limit") == [str(page_size)]]  # fmt: skip
            read = features_in(output)
            times = sorted(s for _query, s in pages)
            deep = [s for query, s in pages if "cursor=" in query]
            verdict = "" if read == expected[name] else f"  MISMATCH: expected {expected[name]}"
            print(
                f"{name:<13} {page_size:>6} {seconds:>8.2f} {read:>9} {len(pages):>6} "
                f"{statistics.median(times) * 1000:>8.1f} "
                f"{times[max(0, math.ceil(len(times) * 0.95) - 1)] * 1000:>8.1f} "
                f"{pages[0][1] * 1000:>9.1f} {(deep or times)[-1] * 1000:>8.1f} "
                f"{output.stat().st_size / 1e6:>6.1f}{verdict}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=100_000)
    parser.add_argument("--page-sizes", default="1000,10000", help="comma-separated")
    parser.add_argument("--reuse", action="store_true", help="keep a loaded database")
    parser.add_argument("--keep", action="store_true", help="leave the database afterwards")
    arguments = parser.parse_args()
    page_sizes = [int(size) for size in arguments.page_sizes.split(",")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["SIGHTLINE_BENCH_DATABASE"] = BENCH_DB
    import django

    django.setup()
    from bench import databases
    from bench.exposure import load

    if not (arguments.reuse and databases.database_exists(BENCH_DB)):
        databases.recreate_database(BENCH_DB)
        load(arguments.cameras)
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "access.log"
        log.touch()
        port = free_port()
        server = start_server(
            port, probe="/ogc/", database=BENCH_DB, access_log=log, access_format=ACCESS_FORMAT
        )
        try:
            measure(port, log, page_sizes, Path(folder))
        finally:
            stop_server(server)
            if not arguments.keep:
                databases.drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
