"""How many operator strings resolve to an operator, on real data, and how
fast the moderators' "Operators to review" page answers.

    .venv/bin/python -m bench.operators [--sample PATH] [--deflock DIR] [--operators 5000]

Imports the shared OSM sample (168,041 features) and the two DeFlock
samples into a scratch database (`sightline_bench_operators`, dropped at the
end) holding Sightline's schema and reference data, the way a registry
starts, then counts the distinct operator strings the cameras carry and how
many point to an operator record (placeholders such as `unknown` apart:
they name nobody), and the records the imports made from the data. Then it
adds unreviewed operators up to `--operators` and times
/moderation/operators/ in the process (Django's test client, a moderator
signed in): the first page, a page deep in the list and a search, each
`--repeat` times. Not a timed test: the figures are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
SCRATCH_DB = "sightline_bench_operators"


def main() -> None:
    arguments = parse_arguments()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from bench.databases import drop_scratch_database, import_summary, scratch_database

    connection, reference = scratch_database(SCRATCH_DB)
    print(f"reference data: {reference}")
    try:
        for path, source in (
            (arguments.sample, "osm"),
            (arguments.deflock / "deflock-regions-sample.json", "deflock"),
            (arguments.deflock / "deflock-maps-sample.json", "deflock-maps"),
        ):
            started = time.perf_counter()
            summary = import_summary(path, source)
            print(f"imported {path.name} as {source} in {time.perf_counter() - started:.1f} s")
            print(f"  {summary}")
        resolution()
        page_times(arguments.operators, arguments.repeat)
    finally:
        connection.settings_dict["TEST"]["NAME"] = SCRATCH_DB
        drop_scratch_database(connection, SCRATCH_DB)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sample", type=Path, default=SHARED_DATA / "osm-surveillance-sample.geojson.gz"
    )
    parser.add_argument("--deflock", type=Path, default=SHARED_DATA)
    parser.add_argument("--operators", type=int, default=5000, help="operators on the page")
    parser.add_argument("--repeat", type=int, default=20)
    return parser.parse_args()


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f} %" if whole else "n/a"


def resolution() -> None:
    from django.db.models import Count, Q

    from registry.models import Camera, Operator
    from registry.names import is_placeholder

    rows = (
        Camera.objects.exclude(operator_raw="")
        .values("operator_raw")
        .annotate(cameras=Count("pk"), resolved=Count("pk", filter=Q(operator__isnull=False)))
    )
    strings = resolved = placeholders = cameras = cameras_resolved = 0
    left: list[str] = []
    for row in rows:
        if is_placeholder(row["operator_raw"]):
            placeholders += 1
            continue
        strings += 1
        cameras += row["cameras"]
        cameras_resolved += row["resolved"]
        if row["resolved"] == row["cameras"]:
            resolved += 1
        else:
            left.append(row["operator_raw"])
    made = Operator.objects.filter(origin="data").count()
    print()
    print(f"distinct operator strings (placeholders apart): {strings:>7,}")
    print(
        f"  resolved to an operator record:               {resolved:>7,}", share(resolved, strings)
    )
    print(
        f"  cameras naming them / resolved:      {cameras:>7,} / {cameras_resolved:,}  "
        f"{share(cameras_resolved, cameras)}"
    )
    print(f"  placeholder strings (no operator made):       {placeholders:>7,}")
    print(f"operators made from the data (not reviewed):    {made:>7,}")
    print(f"operators in all:                               {Operator.objects.count():>7,}")
    for text in left[:10]:
        print(f"  left unresolved: {text!r}")


def page_times(target: int, repeat: int) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from registry.models import Operator, OperatorOrigin

    setup_test_environment()
    missing = target - Operator.objects.filter(reviewed=False).count()
    if missing > 0:
        Operator.objects.bulk_create(
            Operator(
                name=f"Bench operator {number}",
                slug=f"bench-operator-{number}",
                origin=OperatorOrigin.DATA,
                reviewed=False,
                first_source="bench",
            )
            for number in range(missing)
        )
    unreviewed = Operator.objects.filter(reviewed=False).count()
    user = get_user_model().objects.create_superuser("bench-moderator", "", "a-long-pass-41")
    client = Client()
    client.force_login(user)
    print()
    print(f"/moderation/operators/ with {unreviewed:,} operators to review, {repeat} times each:")
    for label, query in (
        ("first page", {}),
        ("page 150", {"page": 150}),
        ("search 'police'", {"q": "police"}),
    ):
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get("/moderation/operators/", query)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        times.sort()
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        print(f"  {label:<16} p50 {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms")


if __name__ == "__main__":
    main()
