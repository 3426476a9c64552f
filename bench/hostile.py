"""Benchmark of the limits on hostile input: what a decompression bomb and the
largest accepted GPX track cost a worker.

    make bench-hostile          (or: .venv/bin/python bench/hostile.py)
    .venv/bin/python bench/hostile.py [--cameras 100000] [--runs 5] [--reuse] [--keep]

1. A gzip bomb: 2 MB of gzip holding about 2 GB of JSON whitespace, given to
   `manage.py import_cameras` in a process of its own. Prints how it ended,
   its wall time and its peak resident memory (from the kernel's rusage),
   beside the same for a plain 50 MB GeoJSON of the shared OSM sample's
   size: target, refused after reading at most IMPORT_MAX_DECOMPRESSED_BYTES
   with a peak under 300 MB.
2. The largest GPX track the exposure analysis accepts: EXPOSURE_MAX_POINTS
   points along a route of EXPOSURE_MAX_ROUTE_KM through the dense downtown
   of bench/exposure.py (its scratch database, `sightline_bench_exposure`),
   uploaded to POST /api/v1/exposure/ as a file, --runs times; beside it a
   track of five times as many points, which is refused, and the 5 km routes
   of 333 points the exposure benchmark times.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.exposure import BENCH_DB, SEED, figures, load, route, timed  # noqa: E402

BOMB_DECOMPRESSED = 2_000_000_000
PEAK_TARGET_MB = 300


# ------------------------------------------------------------------- bomb


def gzip_bomb(path: Path) -> int:
    """About 2 GB of whitespace after an opening brace, gzipped: ~2 MB."""
    chunk = b" " * (1 << 24)
    with gzip.open(path, "wb", compresslevel=9) as stream:
        stream.write(b"{")
        for _ in range(BOMB_DECOMPRESSED // len(chunk)):
            stream.write(chunk)
        stream.write(b"}")
    return path.stat().st_size


def import_in_child(path: Path, database_url: str) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak RSS in MB, last line of output) of one
    import_cameras run in a process of its own."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "manage.py", "import_cameras", str(path), "--source", "bench-hostile"],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        },
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = (finished.stdout + finished.stderr).strip().splitlines()
    # ru_maxrss of the children is the largest of any: this run's when larger.
    return finished.returncode, seconds, max(peak, before) / 1024, lines[-1] if lines else ""


def database_url() -> str:
    """The scratch database, for the import's own process."""
    from urllib.parse import quote

    from django.db import connection

    settings = connection.settings_dict
    host = quote(settings["HOST"] or "", safe="")
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgis://{settings['USER']}@{host}{port}/{settings['NAME']}"


def bomb_figures(database_url: str) -> None:
    from django.conf import settings

    with tempfile.TemporaryDirectory() as folder:
        bomb = Path(folder) / "bomb.geojson.gz"
        size = gzip_bomb(bomb)
        code, seconds, peak, said = import_in_child(bomb, database_url)
        cap = settings.IMPORT_MAX_DECOMPRESSED_BYTES / 1e6
        print(
            f"gzip bomb: {size / 1e6:.1f} MB gzip, {BOMB_DECOMPRESSED / 1e9:.1f} GB inside; "
            f"cap IMPORT_MAX_DECOMPRESSED_BYTES = {cap:,.0f} MB"
        )
        print(f"  exit {code} after {seconds:.1f} s, peak RSS {peak:.0f} MB: {said[:160]}")
        verdict = "met" if code != 0 and "decompresses to more than" in said else "MISSED"
        verdict_rss = "met" if peak < PEAK_TARGET_MB else "MISSED"
        print(
            f"  target: refused at the cap: {verdict}; "
            f"peak under {PEAK_TARGET_MB} MB: {verdict_rss}"
        )


# -------------------------------------------------------------------- GPX


def gpx(document: dict) -> bytes:
    points = "".join(f'<trkpt lat="{lat}" lon="{lon}"/>' for lon, lat in document["coordinates"])
    return (
        '<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="bench" '
        f'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{points}</trkseg></trk></gpx>'
    ).encode()


def length_km(document: dict) -> float:
    from registry.exposure import geometry_from_geojson
    from registry.exposure.geometry import measure

    return measure(geometry_from_geojson(document)) / 1000


def gpx_figures(runs: int) -> None:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    settings.EXPOSURE_ANON_RATE = "100000000/minute"
    settings.API_ANON_RATE = "100000000/minute"
    client = Client(HTTP_HOST="localhost")
    # A GPS track wobbles a metre or two around the street: at a point every
    # 2.5 m that adds about 40% to the length, which must stay within the limit.
    metres = settings.EXPOSURE_MAX_ROUTE_KM * 1000 * 0.65
    most = settings.EXPOSURE_MAX_POINTS
    largest = route(SEED, metres, metres / most)
    largest["coordinates"] = largest["coordinates"][:most]
    cases = [
        ("5 km route, a point every 15 m", route(SEED), 200),
        ("as long, a point every 15 m", route(SEED, metres), 200),
        ("largest accepted", largest, 200),
        ("five times the points", route(SEED, metres, metres / (5 * most)), 400),
    ]
    for label, document, status in cases:
        data = gpx(document)

        def post(data=data, status=status):
            upload = SimpleUploadedFile("track.gpx", data, content_type="application/gpx+xml")
            response = client.post("/api/v1/exposure/", {"file": upload})
            assert response.status_code == status, response.content[:300]
            return response

        times = timed(post, runs)
        answer = post()
        length = f", {length_km(document):.1f} km" if status == 200 else ""
        print(
            f"GPX {label}: {len(document['coordinates'])} points, {len(data) / 1e6:.1f} MB, "
            f"answer {answer.status_code}{length}\n  API request   {figures(times)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep a loaded database")
    parser.add_argument("--keep", action="store_true", help="leave the database afterwards")
    arguments = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = BENCH_DB
    import django

    django.setup()
    from bench import databases

    if not (arguments.reuse and databases.database_exists(BENCH_DB)):
        databases.recreate_database(BENCH_DB)
        load(arguments.cameras)
    try:
        bomb_figures(database_url())
        print()
        gpx_figures(arguments.runs)
    finally:
        if not arguments.keep:
            databases.drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
