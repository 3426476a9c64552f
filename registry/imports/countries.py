"""Countries as top-level areas, from country-coder's borders (the npm
package @rapideditor/country-coder, ISC licence, which OpenStreetMap's iD
editor uses to tell which country a point is in).

The file has one feature per country and separate features for parts and
territories (England, Puerto Rico, Greenland) that name their country. Each
country's area is the union of its own feature and its parts', coded by
ISO 3166-1 alpha-2: counts by country follow who governs the ground, the way
the file's own country lookup does."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from registry.models import AreaLevel
from registry.services.areas import area_upsert

from .areas import AreaImportReport
from .records import UnreadableFile

SOURCE = "country-coder borders (ISC licence), from OpenStreetMap and Natural Earth"


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
def load_countries(path: Path | None = None) -> AreaImportReport:
    """Create or update one country area per ISO code; idempotent."""
    path = Path(path or settings.COUNTRY_BORDERS_FILE)
    names, parts = country_parts(path)
    report = AreaImportReport(layer=path.name)
    for code, polygons in sorted(parts.items()):
        boundary = MultiPolygon(
            [p for polygon in polygons for p in _as_list(polygon)], srid=4326
        ).unary_union
        area, outcome = area_upsert(
            name=names.get(code, code),
            level=AreaLevel.COUNTRY,
            geometry=boundary,
            code=code,
            source=SOURCE,
        )
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.areas.append(area)
    return report


def _as_list(geometry: GEOSGeometry) -> list[GEOSGeometry]:
    return list(geometry) if geometry.geom_type == "MultiPolygon" else [geometry]
