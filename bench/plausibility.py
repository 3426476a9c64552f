"""How many plausibility warnings the shared OSM sample raises against
itself: the false alarms a curator would see if each of its cameras were
contributed into a registry already holding all the others.

    .venv/bin/python bench/plausibility.py [--sample PATH] [--cameras 3000] [--all]

Loads the countries (`load_countries`) and the sample (168,041 features,
`import_cameras --source osm`) into a scratch database
(`sightline_bench_warnings`, dropped at the end) with Sightline's schema and
reference data, then runs the checks of registry/services/plausibility.py
over the sample's cameras as if each were just contributed: the camera
itself never counts for itself, and every other camera is an import, so
trusted. The position checks (duplicate, outside every country) run over a
seeded random choice of `--cameras` cameras (`--all`: every one), the vendor
checks (vendor rare in the country, kind the vendor does not make) over as
many of the cameras that name a known vendor. A burst and a photo far away need
contributions' times and photos, which an OSM extract has not: they are
not counted. Prints the warnings per kind, with their share, and the time
the checks take per camera. Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "data" / "osm-surveillance-sample.geojson.gz"
SCRATCH_DB = "sightline_bench_warnings"
SEED = 20261206


def main() -> None:
    arguments = parse_arguments()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from bench.databases import drop_scratch_database, scratch_database

    connection, _reference = scratch_database(SCRATCH_DB)
    try:
        load(arguments.sample)
        position_checks(arguments.cameras, arguments.all)
        vendor_checks(arguments.cameras, arguments.all)
    finally:
        drop_scratch_database(connection, SCRATCH_DB)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    parser.add_argument(
        "--cameras", type=int, default=3000, help="cameras the position checks run over"
    )
    parser.add_argument("--all", action="store_true", help="run them over every camera")
    return parser.parse_args()


def load(sample: Path) -> None:
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("load_countries", stdout=StringIO())
    out = StringIO()
    call_command("import_cameras", str(sample), "--source", "osm", stdout=out, stderr=StringIO())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    lines = out.getvalue().strip().splitlines()
    print(f"countries and sample loaded in {time.perf_counter() - started:.0f} s: {lines[-1]}")


def chosen(cameras, count: int, everything: bool) -> tuple[list[int], int]:
    """A seeded random choice of `count` of these cameras' ids, and how many
    there are."""
    ids = list(cameras.order_by("pk").values_list("pk", flat=True))
    if everything:
        return ids, len(ids)
    return sorted(random.Random(SEED).sample(ids, min(count, len(ids)))), len(ids)


def position_checks(count: int, everything: bool) -> None:
    from registry.models import Camera
    from registry.services import plausibility

    chosen_ids, total = chosen(Camera.objects.all(), count, everything)
    raised: Counter = Counter()
    seconds = []
    for camera in Camera.objects.filter(pk__in=chosen_ids).select_related("vendor").iterator():
        started = time.perf_counter()
        country = plausibility._country_of(camera)
        found = [
            plausibility.duplicate(camera),
            plausibility.outside_countries(camera, country),
        ]
        seconds.append(time.perf_counter() - started)
        raised.update(warning["code"] for warning in found if warning)
        if warning := found[0]:
            raised["duplicate, exact"] += warning["params"]["exact"]
    print(f"\nposition checks over {len(chosen_ids):,} of the sample's {total:,} cameras")
    for code in ("duplicate", "duplicate, exact", "outside_countries"):
        print(f"  {code:<24} {raised[code]:>7,}  {share(raised[code], len(chosen_ids))}")
    print(f"  time per camera: p50 {ms(statistics.median(seconds))}, p95 {ms(p95(seconds))}")


def vendor_checks(count: int, everything: bool) -> None:
    from registry.models import Camera
    from registry.services import plausibility

    chosen_ids, total = chosen(Camera.objects.exclude(vendor=None), count, everything)
    cameras = Camera.objects.filter(pk__in=chosen_ids).select_related("vendor")
    raised: Counter = Counter()
    by_vendor: Counter = Counter()
    seconds = []
    for camera in cameras.iterator(chunk_size=2000):
        started = time.perf_counter()
        country = plausibility._country_of(camera)
        found = [plausibility.vendor_rare(camera, country), plausibility.vendor_kind(camera)]
        seconds.append(time.perf_counter() - started)
        for warning in found:
            if warning:
                raised[warning["code"]] += 1
                by_vendor[(warning["code"], camera.vendor.name)] += 1
    print(f"\nvendor checks over {len(chosen_ids):,} of the {total:,} cameras naming a vendor")
    for code in ("vendor_rare", "vendor_kind"):
        print(f"  {code:<24} {raised[code]:>7,}  {share(raised[code], len(chosen_ids))}")
    print("  most warned vendors:")
    for (code, vendor), number in by_vendor.most_common(12):
        print(f"    {number:>6,}  {code:<12} {vendor}")
    if seconds:
        print(f"  time per camera: p50 {ms(statistics.median(seconds))}, p95 {ms(p95(seconds))}")


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f} %" if whole else "n/a"


if __name__ == "__main__":
    main()
