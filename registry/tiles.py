"""Camera vector tiles: what /tiles/cameras/{z}/{x}/{y}.mvt holds.

A tile holds one of two Mapbox Vector Tile layers:

- `clusters`: the tile cut into 8x8 cells (32 px apart on a 256 px tile),
  one point per cell holding cameras, at their mean position, with
  `count` and one `count_<kind>` per kind present (`count_unknown` for
  cameras of no known kind). Drawn from the grid pyramid (TileCell) up to
  zoom 14; filters the pyramid does not carry (capability, confirmed since)
  and finer cells are counted from the cameras themselves.
- `cameras`: one point per camera, with `id`, `kind`, `status`, `stale`,
  `camera_type`, `restricted` always, and `directions` (degrees, comma-
  separated: MVT has no arrays), `height`, `tilt`, `vendor`, `operator`
  (names) and `last_confirmed` (ISO date) when known.

Below TILES_ADAPTIVE_MIN_ZOOM every tile holds clusters. From there, a tile
with at most TILES_ADAPTIVE_MAX_CAMERAS cameras (under the filters) shows them
one by one; from TILES_INDIVIDUAL_MIN_ZOOM every tile does, unless it would
hold more than TILES_INDIVIDUAL_MAX_CAMERAS cameras or TILES_MAX_BYTES, when
it falls back to clusters: no tile ever exceeds that size.

Each camera belongs to exactly one tile at each zoom (the cell arithmetic of
migration 0008, the same as the pyramid's): the map draws a symbol whole
from the tile that holds it, so nothing is counted or drawn twice.

Reads go through a psycopg cursor with server-side binding on Django's
connection (a read replica when the database router picks one) and are
prepared once per connection: every statement here is fixed text with its
values passed as parameters."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from psycopg import Cursor, sql

from .filters import MapFilters
from .models import Camera, Kind
from .models.cameras import stale_before
from .models.choices import IN_PLACE_STATUSES
from .models.organisations import RESTRICTED_VENDOR_IDS_SQL
from .models.tiles import FINEST_LEVEL

EXTENT = 4096  # MVT coordinates across a tile
CELL_SHIFT = 3  # a tile is 2**3 = 8 cells across
CELLS_ACROSS = 2**CELL_SHIFT
MAX_LATITUDE = 85.0511287798066
# A hair beyond a tile's edges, in degrees: the index search must not miss a
# camera lying exactly on an edge; the cell arithmetic then decides.
EDGE_MARGIN = 1e-7


@dataclass(frozen=True)
class TileAddress:
    z: int
    x: int
    y: int

    @property
    def exists(self) -> bool:
        return self.z <= settings.TILES_MAX_ZOOM and self.x < 2**self.z and self.y < 2**self.z

    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees, a hair wider; the top and
        bottom rows reach the poles, where the pyramid puts cameras beyond
        Web Mercator's edge."""
        size = 2**self.z
        west = self.x / size * 360 - 180
        east = (self.x + 1) / size * 360 - 180
        north = 90.0 if self.y == 0 else _latitude(self.y / size)
        south = -90.0 if self.y == size - 1 else _latitude((self.y + 1) / size)
        return (west - EDGE_MARGIN, south - EDGE_MARGIN, east + EDGE_MARGIN, north + EDGE_MARGIN)


def _latitude(row_fraction: float) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row_fraction))))


# ------------------------------------------------------------ filters as SQL

# Every filter is always in the statement, switched off by a NULL (or
# false) parameter: one prepared statement serves every combination.
ORGANISATION_FILTERS = """
  AND {alias}.status = ANY(%(statuses)s::text[])
  AND (%(kinds)s::text[] IS NULL OR {alias}.kind = ANY(%(kinds)s::text[]))
  AND (%(vendors)s::text[] IS NULL OR {alias}.vendor_id IN (
    SELECT id FROM registry_vendor WHERE slug = ANY(%(vendors)s::text[])))
  AND (%(operators)s::text[] IS NULL OR {alias}.operator_id IN (
    SELECT id FROM registry_operator WHERE slug = ANY(%(operators)s::text[])))
  AND (NOT %(restricted)s::boolean OR {alias}.vendor_id IN ({restricted_vendors}))
"""
CELL_FILTERS = ORGANISATION_FILTERS.format(alias="t", restricted_vendors=RESTRICTED_VENDOR_IDS_SQL)
CAMERA_FILTERS = (
    ORGANISATION_FILTERS.format(alias="c", restricted_vendors=RESTRICTED_VENDOR_IDS_SQL)
    + """
  AND (%(capabilities)s::text[] IS NULL OR EXISTS (
    SELECT 1 FROM registry_cameracapability cc
    WHERE cc.camera_id = c.id AND cc.capability = ANY(%(capabilities)s::text[])))
  AND (%(confirmed_since)s::date IS NULL OR c.last_confirmed >= %(confirmed_since)s::date)
"""
)
# The cameras of the tile (alias c): the GiST index finds the candidates, the
# cell arithmetic keeps those the tile owns.
TILE_CAMERAS = (
    "c.location && ST_MakeEnvelope(%(west)s, %(south)s, %(east)s, %(north)s, 4326) "
    "AND registry_tile_index(registry_mercator_x_cm(c.location), %(z)s) = %(x)s "
    "AND registry_tile_index(-registry_mercator_y_cm(c.location), %(z)s) = %(y)s" + CAMERA_FILTERS
)
TILE_ENVELOPE = "ST_TileEnvelope(%(z)s, %(x)s, %(y)s)"


def _mvt_point(x_cm: str, y_cm: str) -> str:
    """A Web-Mercator position in centimetres, as MVT coordinates of the tile."""
    return (
        f"ST_AsMVTGeom(ST_Point(({x_cm}) / 100.0, ({y_cm}) / 100.0, 3857), "
        f"{TILE_ENVELOPE}, {EXTENT}, 0, false)"
    )


def _counts_by_kind(unit: str, kind: str) -> str:
    """`count` and a `count_<kind>` column per kind, NULL (so left out of
    the feature) where the cell has none."""
    columns = [sql.SQL("sum({unit}) AS count").format(unit=sql.SQL(unit))]
    for value in ["", *Kind.values]:
        columns.append(
            sql.SQL("sum({unit}) FILTER (WHERE {kind} = {value}) AS {name}").format(
                unit=sql.SQL(unit),
                kind=sql.SQL(kind),
                value=sql.Literal(value),
                name=sql.Identifier(f"count_{value or 'unknown'}"),
            )
        )
    return sql.SQL(", ").join(columns).as_string()


# ------------------------------------------------------------ statements

# How many cameras the tile holds, from the pyramid at the tile's own level.
PYRAMID_COUNT_SQL = (
    "SELECT coalesce(sum(t.n), 0) FROM registry_tilecell t "
    "WHERE t.level = %(z)s AND t.x = %(x)s AND t.y = %(y)s" + CELL_FILTERS
)
# ... or counted from the cameras, stopping past the limit that matters.
LIVE_COUNT_SQL = (
    f"SELECT count(*) FROM (SELECT FROM registry_camera c WHERE {TILE_CAMERAS} "
    "LIMIT %(limit)s + 1) AS found"
)

PYRAMID_CLUSTERS_SQL = f"""
SELECT ST_AsMVT(cluster, 'clusters', {EXTENT}, 'geom') FROM (
  SELECT {_counts_by_kind("t.n", "t.kind")},
    {_mvt_point("sum(t.sum_x)::float8 / sum(t.n)", "sum(t.sum_y)::float8 / sum(t.n)")} AS geom
  FROM registry_tilecell t
  WHERE t.level = %(z)s + {CELL_SHIFT}
    AND t.x BETWEEN %(x)s * {CELLS_ACROSS} AND (%(x)s + 1) * {CELLS_ACROSS} - 1
    AND t.y BETWEEN %(y)s * {CELLS_ACROSS} AND (%(y)s + 1) * {CELLS_ACROSS} - 1
    {CELL_FILTERS}
  GROUP BY t.x, t.y
) AS cluster
"""

LIVE_CLUSTERS_SQL = f"""
SELECT ST_AsMVT(cluster, 'clusters', {EXTENT}, 'geom') FROM (
  SELECT {_counts_by_kind("1", "kind")},
    {_mvt_point("sum(x_cm)::float8 / count(*)", "sum(y_cm)::float8 / count(*)")} AS geom
  FROM (
    SELECT c.kind, registry_mercator_x_cm(c.location) AS x_cm,
      registry_mercator_y_cm(c.location) AS y_cm
    FROM registry_camera c WHERE {TILE_CAMERAS}
  ) AS camera
  GROUP BY registry_tile_index(x_cm, %(z)s + {CELL_SHIFT}),
    registry_tile_index(-y_cm, %(z)s + {CELL_SHIFT})
) AS cluster
"""

# The cameras one by one, and how many (at most limit + 1: past the limit the
# tile is not sent as it is).
CAMERAS_SQL = f"""
SELECT ST_AsMVT(camera, 'cameras', {EXTENT}, 'geom'), count(*) FROM (
  SELECT c.id, c.kind, c.status,
    (c.status = ANY(%(in_place)s::text[]) AND coalesce(
      c.last_confirmed, c.first_seen, c.created_at::date) < %(stale_before)s::date) AS stale,
    c.camera_type,
    nullif(array_to_string(c.directions, ','), '') AS directions,
    c.height, c.tilt, v.name AS vendor, o.name AS operator,
    coalesce(c.vendor_id IN ({RESTRICTED_VENDOR_IDS_SQL}), false) AS restricted,
    to_char(c.last_confirmed, 'YYYY-MM-DD') AS last_confirmed,
    {_mvt_point("registry_mercator_x_cm(c.location)", "registry_mercator_y_cm(c.location)")}
      AS geom
  FROM registry_camera c
  LEFT JOIN registry_vendor v ON v.id = c.vendor_id
  LEFT JOIN registry_operator o ON o.id = c.operator_id
  WHERE {TILE_CAMERAS}
  LIMIT %(limit)s + 1
) AS camera
"""


# ------------------------------------------------------------ the tile


def shared_camera_tile(tile: TileAddress, filters: MapFilters) -> bytes:
    """camera_tile, kept in the shared cache (Redis in production) for
    TILES_SHARED_CACHE_SECONDS: a tile many clients ask for at once (the
    low-zoom ones everybody sees) is computed once for all app servers
    rather than once per server's nginx. A tile is as fresh as the
    Cache-Control max-age its response already promises browsers and
    proxies (TILES_CACHE_SECONDS), which is the default lifetime here."""
    seconds = settings.TILES_SHARED_CACHE_SECONDS
    if not seconds:
        return camera_tile(tile, filters)
    return cache.get_or_set(
        tile_cache_key(tile, filters), lambda: camera_tile(tile, filters), seconds
    )


def tile_cache_key(tile: TileAddress, filters: MapFilters) -> str:
    """Everything a tile's query depends on (its parameters, with lists in
    a canonical order, and today's staleness date), as one short key."""
    query = _parameters(tile, filters)
    canonical = sorted(
        (name, sorted(value) if isinstance(value, list) else value)
        for name, value in query.items()
    )
    digest = hashlib.sha256(repr(canonical).encode()).hexdigest()[:32]
    return f"tile:{tile.z}/{tile.x}/{tile.y}:{digest}"


def camera_tile(tile: TileAddress, filters: MapFilters) -> bytes:
    """The tile as MVT bytes; empty when it holds no camera."""
    query = _parameters(tile, filters)
    with Cursor(_psycopg_connection()) as cursor:
        limit = _individual_limit(tile)
        if limit is not None and _count(cursor, tile, filters, query, limit) <= limit:
            data = _cameras(cursor, query, limit)
            if data is not None:
                return data
        return _clusters(cursor, tile, filters, query)


def _psycopg_connection():
    connection = connections[router.db_for_read(Camera)]
    # Django's own cursors check a persistent connection once a request
    # (CONN_HEALTH_CHECKS) and this raw one must too: without it, after a
    # PostgreSQL restart each worker thread's dropped connection failed its
    # next tile with a 500 (measured by bench/load.py) instead of reconnecting.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    return connection.connection


def _parameters(tile: TileAddress, filters: MapFilters) -> dict[str, Any]:
    west, south, east, north = tile.bounds()
    return {
        "z": tile.z,
        "x": tile.x,
        "y": tile.y,
        "west": west,
        "south": south,
        "east": east,
        "north": north,
        "statuses": list(filters.effective_statuses),
        "kinds": list(filters.kinds) or None,
        "vendors": list(filters.vendors) or None,
        "operators": list(filters.operators) or None,
        "restricted": filters.restricted,
        "capabilities": list(filters.capabilities) or None,
        "confirmed_since": filters.confirmed_since,
        "in_place": list(IN_PLACE_STATUSES),
        "stale_before": stale_before(),
    }


def _individual_limit(tile: TileAddress) -> int | None:
    """The most cameras this tile may show one by one; None: clusters only."""
    if tile.z >= settings.TILES_INDIVIDUAL_MIN_ZOOM:
        return settings.TILES_INDIVIDUAL_MAX_CAMERAS
    if tile.z >= settings.TILES_ADAPTIVE_MIN_ZOOM:
        return settings.TILES_ADAPTIVE_MAX_CAMERAS
    return None


def _in_pyramid(level: int, filters: MapFilters) -> bool:
    """Whether the pyramid can answer for cells of `level` under `filters`."""
    return level <= FINEST_LEVEL and not (filters.capabilities or filters.confirmed_since)


def _count(cursor: Cursor, tile: TileAddress, filters: MapFilters, query: dict, limit: int) -> int:
    if _in_pyramid(tile.z, filters):
        return _scalar(cursor, PYRAMID_COUNT_SQL, query)
    return _scalar(cursor, LIVE_COUNT_SQL, {**query, "limit": limit})


def _cameras(cursor: Cursor, query: dict, limit: int) -> bytes | None:
    """The cameras one by one, or None if there are too many or the tile
    would be too large."""
    cursor.execute(CAMERAS_SQL, {**query, "limit": limit}, prepare=True)
    data, found = cursor.fetchone()
    if found > limit or len(data) > settings.TILES_MAX_BYTES:
        return None
    return bytes(data)


def _clusters(cursor: Cursor, tile: TileAddress, filters: MapFilters, query: dict) -> bytes:
    statement = (
        PYRAMID_CLUSTERS_SQL if _in_pyramid(tile.z + CELL_SHIFT, filters) else LIVE_CLUSTERS_SQL
    )
    return bytes(_scalar(cursor, statement, query))


def _scalar(cursor: Cursor, statement: str, query: dict) -> Any:
    cursor.execute(statement, query, prepare=True)
    return cursor.fetchone()[0]
