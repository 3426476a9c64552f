"""How many vendor-naming records resolve to a vendor, on real data.

    .venv/bin/python -m bench.vendors [--sample PATH] [--deflock DIR] [--top 25]

Imports the shared OSM sample (168,041 features) and the two DeFlock
samples into a scratch database (`sightline_bench_vendors`, dropped at the
end) holding Sightline's schema and reference data, the way a registry
starts, then counts the cameras whose tags name a vendor (`manufacturer`,
`brand`, `surveillance:brand`, `surveillance:manufacturer`, or one of
their `:wikidata`) and how many of them point to a vendor record. Values
that only say no vendor is known (`unknown`, `other`, `?`...) are counted
apart: they name no vendor. Prints the figures and the most frequent
spellings left unmatched. Not a timed test: the figures are shares.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
SCRATCH_DB = "sightline_bench_vendors"
VENDOR_TAG_KEYS = ("manufacturer", "surveillance:manufacturer", "brand", "surveillance:brand")


def main() -> None:
    arguments = parse_arguments()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from bench.databases import drop_scratch_database, import_summary, scratch_database

    connection, reference = scratch_database(SCRATCH_DB)
    print(f"reference data: {reference}")
    try:
        for path, source in sources(arguments):
            started = time.perf_counter()
            summary = import_summary(path, source)
            print(f"imported {path.name} as {source} in {time.perf_counter() - started:.1f} s")
            print(f"  {summary}")
        report(arguments.top)
    finally:
        drop_scratch_database(connection, SCRATCH_DB)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sample", type=Path, default=SHARED_DATA / "osm-surveillance-sample.geojson.gz"
    )
    parser.add_argument("--deflock", type=Path, default=SHARED_DATA)
    parser.add_argument("--top", type=int, default=25, help="unmatched spellings to list")
    return parser.parse_args()


def sources(arguments: argparse.Namespace) -> list[tuple[Path, str]]:
    return [
        (arguments.sample, "osm"),
        (arguments.deflock / "deflock-regions-sample.json", "deflock"),
        (arguments.deflock / "deflock-maps-sample.json", "deflock-maps"),
    ]


def names_a_vendor(tags: dict) -> bool:
    return any(
        str(tags.get(key) or "").strip() or str(tags.get(f"{key}:wikidata") or "").strip()
        for key in VENDOR_TAG_KEYS
    )


def report(top: int) -> None:
    from registry import names
    from registry.models import Camera

    placeholder = getattr(names, "is_placeholder", lambda text: False)
    naming = matched = placeholders = 0
    unmatched: Counter = Counter()
    for tags, vendor_raw, vendor_id in Camera.objects.values_list(
        "tags", "vendor_raw", "vendor_id"
    ).iterator(chunk_size=5000):
        if not names_a_vendor(tags or {}):
            continue
        naming += 1
        if vendor_id is not None:
            matched += 1
        elif vendor_raw.strip() and placeholder(vendor_raw):
            placeholders += 1
        else:
            unmatched[vendor_raw] += 1
    named = naming - placeholders
    print()
    print(f"cameras whose tags name a vendor:        {naming:>7,}")
    print(f"  resolved to a vendor record:           {matched:>7,}  {share(matched, naming)}")
    print(f"  placeholder values (no vendor given):  {placeholders:>7,}")
    print(f"  resolved, placeholders aside:          {matched:>7,}  {share(matched, named)}")
    print(f"  left unmatched: {sum(unmatched.values()):,} cameras, {len(unmatched):,} spellings")
    for spelling, count in unmatched.most_common(top):
        print(f"    {count:>6,}  {spelling!r}")


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f} %" if whole else "n/a"


if __name__ == "__main__":
    main()
