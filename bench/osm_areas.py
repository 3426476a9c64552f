"""How long `import_areas` takes to import the administrative boundaries of
an OpenStreetMap extract of regional size.

    .venv/bin/python -m bench.osm_areas [--regions 5x4] [--keep-file PATH]

Writes a synthetic extract (PBF) shaped like OSM's: a grid of
municipalities (admin level 8) grouped into counties (6) and regions (4),
20 + 180 + 1,800 = 2,000 boundary relations by default, whose borders are
shared ways of 30 nodes each between grid corners, as neighbouring
boundaries share ways in OSM, every coarser boundary made of the ways
along its edge; beside them, the objects that are not boundaries and that
the import must skip: 200,000 tagged points and 20,000 buildings (closed
ways, which libosmium's area assembly also sees). Then, on a scratch
database (`sightline_bench_osm_areas`, dropped at the end) holding
Sightline's schema and the countries of `load_countries` (the extract lies
inside Germany), times:

1. reading the boundaries alone (pyosmium, libosmium's assembly);
2. `manage.py import_areas EXTRACT --admin-levels 4,6,8`, first import;
3. the same again (every area unchanged), the cost of a routine re-import.

Not a timed test: the figures are printed.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRATCH_DB = "sightline_bench_osm_areas"
SEED = 20261207
# Inside Germany: the boundaries nest under the country load_countries makes.
WEST, SOUTH, EAST, NORTH = 8.0, 49.0, 12.5, 52.5
COUNTIES_PER_REGION = (3, 3)
MUNICIPALITIES_PER_COUNTY = (5, 2)
NODES_PER_BORDER_WAY = 30
POINTS, BUILDINGS = 200_000, 20_000


class Grid:
    """The municipalities' grid: corners, and the border ways between
    neighbouring corners, wiggling so that rings are not rectangles."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.width = (EAST - WEST) / columns
        self.height = (NORTH - SOUTH) / rows

    def corner_id(self, i: int, j: int) -> int:
        return 1 + j * (self.columns + 1) + i

    def corner(self, i: int, j: int) -> tuple[float, float]:
        return WEST + i * self.width, SOUTH + j * self.height

    def horizontal(self, i: int, j: int) -> int:
        """The id of the way from corner (i, j) to (i + 1, j)."""
        return 1 + j * self.columns + i

    def vertical(self, i: int, j: int) -> int:
        """The id of the way from corner (i, j) to (i, j + 1)."""
        return 1 + (self.rows + 1) * self.columns + i * self.rows + j

    def perimeter(self, i0: int, j0: int, i1: int, j1: int) -> list[int]:
        """The border ways around the block of cells from (i0, j0) to (i1, j1)."""
        return (
            [self.horizontal(i, j0) for i in range(i0, i1)]
            + [self.vertical(i1, j) for j in range(j0, j1)]
            + [self.horizontal(i, j1) for i in range(i0, i1)]
            + [self.vertical(i0, j) for j in range(j0, j1)]
        )


def write_extract(path: Path, regions: tuple[int, int]) -> dict[str, int]:
    import osmium
    from osmium.osm import mutable

    columns = regions[0] * COUNTIES_PER_REGION[0] * MUNICIPALITIES_PER_COUNTY[0]
    rows = regions[1] * COUNTIES_PER_REGION[1] * MUNICIPALITIES_PER_COUNTY[1]
    grid = Grid(columns, rows)
    rng = random.Random(SEED)
    counts = {"nodes": 0, "ways": 0, "relations": 0}
    with osmium.SimpleWriter(str(path), overwrite=True) as writer:
        next_node = grid.corner_id(columns, rows) + 1
        for j in range(rows + 1):
            for i in range(columns + 1):
                writer.add_node(mutable.Node(id=grid.corner_id(i, j), location=grid.corner(i, j)))
        ways: list[mutable.Way] = []
        for (i, j), (di, dj), way_id in _borders(grid):
            start, end = grid.corner(i, j), grid.corner(i + di, j + dj)
            inner = []
            for step in range(1, NODES_PER_BORDER_WAY - 1):
                writer.add_node(
                    mutable.Node(id=next_node, location=_wiggled(start, end, step, grid))
                )
                inner.append(next_node)
                next_node += 1
            nodes = [grid.corner_id(i, j), *inner, grid.corner_id(i + di, j + dj)]
            ways.append(
                mutable.Way(
                    id=way_id, nodes=nodes, tags={"boundary": "administrative", "admin_level": "8"}
                )
            )
        next_node, buildings = _noise(writer, rng, next_node, len(ways) + 1)
        counts["nodes"] = next_node - 1
        for way in ways + buildings:
            writer.add_way(way)
        counts["ways"] = len(ways) + len(buildings)
        for relation in _relations(grid, regions, rng):
            writer.add_relation(relation)
            counts["relations"] += 1
    return counts


def _borders(grid: Grid):
    for j in range(grid.rows + 1):
        for i in range(grid.columns):
            yield (i, j), (1, 0), grid.horizontal(i, j)
    for i in range(grid.columns + 1):
        for j in range(grid.rows):
            yield (i, j), (0, 1), grid.vertical(i, j)


def _wiggled(start, end, step: int, grid: Grid) -> tuple[float, float]:
    """A point along the border, off the straight line by a sine of a few
    percent of a cell: the same for both neighbours, who share the way."""
    share = step / (NODES_PER_BORDER_WAY - 1)
    offset = 0.05 * math.sin(share * math.pi * 3)
    lon = (
        start[0] + (end[0] - start[0]) * share + (offset * grid.width if start[0] == end[0] else 0)
    )
    lat = (
        start[1]
        + (end[1] - start[1]) * share
        + (offset * grid.height if start[1] == end[1] else 0)
    )
    return lon, lat


def _noise(writer, rng: random.Random, next_node: int, next_way: int):
    """Points with tags and buildings: what an extract mostly holds."""
    from osmium.osm import mutable

    for _ in range(POINTS):
        location = (rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH))
        tags = {"amenity": rng.choice(["bench", "cafe", "school", "parking"]), "name": "x"}
        writer.add_node(mutable.Node(id=next_node, location=location, tags=tags))
        next_node += 1
    buildings = []
    for _ in range(BUILDINGS):
        lon, lat = rng.uniform(WEST, EAST - 0.001), rng.uniform(SOUTH, NORTH - 0.001)
        corners = [
            (lon, lat),
            (lon + 0.0003, lat),
            (lon + 0.0003, lat + 0.0002),
            (lon, lat + 0.0002),
        ]
        ids = list(range(next_node, next_node + 4))
        for node_id, location in zip(ids, corners, strict=True):
            writer.add_node(mutable.Node(id=node_id, location=location))
        next_node += 4
        buildings.append(mutable.Way(id=next_way, nodes=[*ids, ids[0]], tags={"building": "yes"}))
        next_way += 1
    return next_node, buildings


def _relations(grid: Grid, regions: tuple[int, int], rng: random.Random):
    from osmium.osm import mutable

    county_w = MUNICIPALITIES_PER_COUNTY[0]
    county_h = MUNICIPALITIES_PER_COUNTY[1]
    region_w, region_h = COUNTIES_PER_REGION[0] * county_w, COUNTIES_PER_REGION[1] * county_h
    next_id = 1

    def relation(level: int, name: str, block, extra: dict[str, str]):
        nonlocal next_id
        members = [("w", way, "outer") for way in grid.perimeter(*block)]
        tags = {"type": "boundary", "boundary": "administrative", "admin_level": str(level)}
        next_id += 1
        return mutable.Relation(
            id=next_id - 1, members=members, tags=tags | {"name": name} | extra
        )

    for ry in range(regions[1]):
        for rx in range(regions[0]):
            number = ry * regions[0] + rx + 1
            i0, j0 = rx * region_w, ry * region_h
            yield relation(
                4,
                f"Region {number}",
                (i0, j0, i0 + region_w, j0 + region_h),
                {"ISO3166-2": f"DE-Z{number:02}"},
            )
    for j0 in range(0, grid.rows, county_h):
        for i0 in range(0, grid.columns, county_w):
            yield relation(6, f"County {i0}-{j0}", (i0, j0, i0 + county_w, j0 + county_h), {})
    for j in range(grid.rows):
        for i in range(grid.columns):
            population = rng.randint(300, 90_000)
            yield relation(
                8,
                f"Municipality {i}-{j}",
                (i, j, i + 1, j + 1),
                {"population": str(population) if population % 10 else f"ca. {population}"},
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--regions",
        default="5x4",
        help="regions across x down (each 3x3 counties of 5x2 municipalities)",
    )
    parser.add_argument("--keep-file", type=Path, help="write the extract here and keep it")
    arguments = parser.parse_args()
    regions = tuple(int(part) for part in arguments.regions.split("x"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.databases import drop_scratch_database, scratch_database
    from registry.imports.countries import load_countries
    from registry.imports.osm_areas import read_osm_boundaries
    from registry.models import Area

    with tempfile.TemporaryDirectory(prefix="sightline-bench-") as folder:
        path = arguments.keep_file or Path(folder) / "boundaries.osm.pbf"
        started = time.perf_counter()
        counts = write_extract(path, regions)
        print(
            f"wrote {path.name}: {counts['nodes']:,} nodes, {counts['ways']:,} ways, "
            f"{counts['relations']:,} boundary relations, {path.stat().st_size / 1e6:.1f} MB "
            f"in {time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        boundaries = read_osm_boundaries(path, "pbf", [4, 6, 8])
        print(
            f"read {len(boundaries):,} boundaries (pyosmium, libosmium's assembly) in "
            f"{time.perf_counter() - started:.2f} s"
        )
        connection, _ = scratch_database(SCRATCH_DB)
        try:
            started = time.perf_counter()
            print(f"load_countries: {load_countries()} in {time.perf_counter() - started:.1f} s")
            for run in ("first import", "re-import"):
                out = StringIO()
                started = time.perf_counter()
                call_command("import_areas", str(path), "--admin-levels", "4,6,8", stdout=out)
                elapsed = time.perf_counter() - started
                print(f"import_areas --admin-levels 4,6,8, {run}: {elapsed:.1f} s")
                print("  " + out.getvalue().splitlines()[0])
            germany = Area.objects.get(level="country", code="DE")
            nested = Area.objects.filter(level="region", parent=germany).count()
            cities = Area.objects.filter(level="city", parent__parent=germany).count()
            print(f"  nesting: {nested} regions under Germany, {cities} cities under them")
        finally:
            connection.settings_dict["TEST"]["NAME"] = SCRATCH_DB
            drop_scratch_database(connection, SCRATCH_DB)


if __name__ == "__main__":
    main()
