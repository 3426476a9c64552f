"""Camera counts by country and kind for a vendor's or an operator's page.

Placing each camera in its country costs about 30 µs a camera (see
`CameraQuerySet.with_country`), so the table is cached. The cache key holds
what any change to the counts changes (`registry.versions.data_version`):
the number of cameras and their latest edit, and the same for the country
boundaries. A page is therefore never stale after an edit, and an unchanged
vendor's page reads the table from the cache."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache

from registry.models import Area, AreaLevel, Kind
from registry.models.cameras import CameraQuerySet
from registry.versions import class_shape, data_version

# A day: the key changes with every edit anyway; this only bounds how long
# an unvisited page's table occupies the cache.
CACHE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class CountryRow:
    code: str  # ISO 3166-1 alpha-2, "" for cameras in no country
    name: str
    total: int
    by_kind: tuple[int, ...]  # in the order of CountryTable.kinds


@dataclass(frozen=True)
class CountryTable:
    # The kinds present, as values: labels are translated when the page is
    # drawn, since the cached table serves every language.
    kinds: tuple[str, ...]
    rows: tuple[CountryRow, ...]


def country_table(cameras: CameraQuerySet, *, owner: str) -> CountryTable:
    """`cameras` counted by country and kind, most cameras first. `owner`
    names whose cameras they are (e.g. "vendor:12") in the cache key."""
    key = (
        f"country-table:{TABLE_SHAPE}:{owner}:{data_version(cameras)}:{data_version(_countries())}"
    )
    return cache.get_or_set(key, lambda: _count(cameras), CACHE_SECONDS)


# Part of the key: a release whose table classes differ reads none of the
# previous release's kept tables.
TABLE_SHAPE = class_shape(globals())


def _countries():
    return Area.objects.at_level(AreaLevel.COUNTRY)


def _count(cameras: CameraQuerySet) -> CountryTable:
    counts: dict[str, dict[str, int]] = {}
    for code, kind, n in cameras.with_country().tally("country", "kind"):
        counts.setdefault(code or "", {})[kind or ""] = n
    present = sorted({kind for by_kind in counts.values() for kind in by_kind}, key=_kind_order)
    names = dict(_countries().filter(code__in=counts).values_list("code", "name"))
    rows = [
        CountryRow(
            code=code,
            name=names.get(code, code),
            total=sum(by_kind.values()),
            by_kind=tuple(by_kind.get(kind, 0) for kind in present),
        )
        for code, by_kind in counts.items()
    ]
    rows.sort(key=lambda row: (-row.total, row.code == "", row.name))
    return CountryTable(kinds=tuple(present), rows=tuple(rows))


def _kind_order(kind: str) -> tuple[int, str]:
    """The kinds in the order the model lists them, "not recorded" last."""
    values = list(Kind.values)
    return (values.index(kind), kind) if kind in values else (len(values), kind)
