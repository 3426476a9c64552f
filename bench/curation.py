"""Benchmark of the curators' pages at the size of real data.

    make bench-curation         (or: .venv/bin/python bench/curation.py)
    .venv/bin/python bench/curation.py [--groups 5000] [--items 5000] [--runs 10] [--keep]

On a scratch database (`sightline_bench_curation`) it makes --groups groups
of vendor spellings no record matches and as many of operator spellings
(distinct names nobody would group, one to 40 cameras each, as an import of
real data leaves them), and --items open import conflicts and possible
duplicates. It then times, --runs times each, what a moderator's browser
asks the server for: the spellings page (first page after the spellings
changed, so that they are grouped again; first page, a later page and a
search, with the groups kept), and the queue's sections of import conflicts and possible
duplicates (first page, a later page). It prints the server time of each
(p50, p95, max, through Django's test client in this process: no network)
beside the target of under 1 s, and the size of each page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "sightline_bench_curation"
SEED = 20261206
TARGET_SECONDS = 1.0
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def main() -> None:
    arguments = parse_arguments()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict["TEST"]["NAME"] = BENCH_DB
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        started = time.perf_counter()
        client = load(arguments.groups, arguments.items)
        print(f"loaded in {time.perf_counter() - started:.1f} s")
        report(client, arguments)
    finally:
        if not arguments.keep:
            connection.creation.destroy_test_db(BENCH_DB, verbosity=0)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=5000, help="spelling groups of each role")
    parser.add_argument("--items", type=int, default=5000, help="open items of each section")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help=f"keep the database {BENCH_DB}")
    return parser.parse_args()


def spelling(rng: random.Random, number: int) -> str:
    """A made-up company name, unlike every other by more than a few letters."""
    word = "".join(rng.choice(LETTERS) for _ in range(rng.randint(6, 12)))
    return f"{word.title()} {number:05d} {rng.choice(['Inc.', 'LLC', 'Ltd', 'Security'])}"


def load(groups: int, items: int):
    """The cameras, spellings, conflicts and candidates; a signed-in client of
    a moderator of everything."""
    from django.contrib.auth import get_user_model
    from django.contrib.gis.geos import Point
    from django.test import Client

    from registry.models import Camera, Dataset, ImportConflict, MergeCandidate
    from registry.services.history import open_changeset

    rng = random.Random(SEED)
    cameras = []
    for role in ("vendor", "operator"):
        for number in range(groups):
            name = spelling(rng, number)
            for _copy in range(min(40, int(rng.paretovariate(1.2)))):
                cameras.append(
                    Camera(
                        location=Point(rng.uniform(-120, -70), rng.uniform(25, 48), srid=4326),
                        kind="camera",
                        **{f"{role}_raw": name},
                    )
                )
    Camera.objects.bulk_create(cameras, batch_size=5000)
    print(f"{len(cameras)} cameras with {groups} unmatched spellings of each role")
    dataset = Dataset.objects.create(name="bench")
    changeset = open_changeset(actor="import: bench", dataset=dataset)
    ids = list(Camera.objects.values_list("pk", flat=True))
    rng.shuffle(ids)
    pairs = list(zip(ids[:items], ids[items : 2 * items], strict=True))
    ImportConflict.objects.bulk_create(
        ImportConflict(
            camera_id=camera, dataset=dataset, changeset=changeset, field="operator_raw",
            local_value="Local", source_value=f"Source {camera}",
        )
        for camera, _other in pairs
    )  # fmt: skip
    MergeCandidate.objects.bulk_create(
        MergeCandidate(camera_id=camera, duplicate_of_id=other, distance=2.5, changeset=changeset)
        for camera, other in pairs
    )
    print(f"{items} open import conflicts and {items} possible duplicates")
    moderator = get_user_model().objects.create_superuser("bench-moderator", password=None)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(moderator)
    return client


def report(client, arguments: argparse.Namespace) -> None:
    groups_page = arguments.groups // 50 // 2 or 1
    items_page = arguments.items // 25 // 2 or 1
    requests = [
        ("spellings, after a change (regrouped)", "/moderation/spellings/", True),
        ("spellings, first page", "/moderation/spellings/"),
        ("spellings, a later page", f"/moderation/spellings/?vendor_page={groups_page}"),
        ("spellings, a search", "/moderation/spellings/?q=00042"),
        ("import conflicts, first page", "/moderation/import-conflicts/"),
        ("import conflicts, a later page", f"/moderation/import-conflicts/?page={items_page}"),
        ("possible duplicates, first page", "/moderation/merge-candidates/"),
        ("possible duplicates, a later page", f"/moderation/merge-candidates/?page={items_page}"),
    ]
    print(f"\n{'page':36} {'p50 s':>7} {'p95 s':>7} {'max s':>7} {'KB':>6}  target")
    for name, url, *regrouped in requests:
        seconds, size = timed(client, url, arguments.runs, regrouped=bool(regrouped))
        p95 = percentile(seconds, 95)
        verdict = "met" if p95 < TARGET_SECONDS else "MISSED"
        print(
            f"{name:36} {statistics.median(seconds):7.3f} {p95:7.3f} {max(seconds):7.3f} "
            f"{size / 1024:6.0f}  under {TARGET_SECONDS:.0f} s: {verdict}"
        )


def timed(client, url: str, runs: int, *, regrouped: bool = False) -> tuple[list[float], int]:
    """Server times of `runs` requests; with `regrouped`, each finds no
    groups kept, as after a mapping or an import changed the spellings."""
    from django.core.cache import cache

    client.get(url)  # warm: the first request of a process loads templates
    seconds, size = [], 0
    for _ in range(runs):
        if regrouped:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        seconds.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"{url} answered {response.status_code}")
        size = len(response.content)
    return seconds, size


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share / 100 * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()
