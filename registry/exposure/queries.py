"""The exposure analysis in PostGIS: candidate cameras from the GiST index on
registry_camera.location, their cones built in SQL in a local metric grid
(the UTM zone of the input's centre), intersected with the route or area.

Raw SQL, because one statement does what the ORM would need many round trips
and Python loops for: on a 5 km route through a downtown of 100,000 cameras
(bench/exposure.py: 6,000-8,000 candidates, 1,400-2,200 cameras seeing it),
the statement takes ~0.32 s (p50) on a 2-core machine, the whole API request
~0.43 s.

The numbers of the cones (view angles, ranges, which types see all round)
are not written here: they are query parameters read from
registry/cones.FIELD_OF_VIEW_DEFAULTS, so the cones counted here are the
cones the map draws (tests compare the two)."""

from __future__ import annotations

import json
import math
from typing import Any

from django.contrib.gis.geos import GEOSGeometry

from registry.cones import ARC_STEP_DEGREES, FIELD_OF_VIEW_DEFAULTS
from registry.models.choices import IN_PLACE_STATUSES
from registry.models.organisations import RESTRICTED_VENDOR_IDS_SQL

from .geometry import local_srid

# A route is cut into straight segments of at most this many metres...
SEGMENT_METRES = 50
# ...grouped into pieces of about this length, or this many segments (a GPS
# track has a point every few metres): each piece is one probe of the index.
PIECE_METRES = 100
PIECE_SEGMENTS = 32
# An area is cut into pieces of at most this many vertices (ST_Subdivide).
PIECE_VERTICES = 64

# The local grid's scale (k: grid units per metre) and the grid bearing of
# true north (north, degrees) at the centre, from a point 100 m north on the
# ellipsoid (UTM's grid north turns up to ~3° from true north): cones
# are drawn true to the ground and lengths come out in metres.
FRAME = """
frame AS (
    SELECT ST_Distance(o, n) / 100 AS k, degrees(ST_Azimuth(o, n)) AS north
    FROM (
        SELECT ST_Transform(c, %(srid)s) AS o,
               ST_Transform(ST_Project(c::geography, 100, 0)::geometry, %(srid)s) AS n
        FROM (SELECT ST_SetSRID(ST_MakePoint(%(longitude)s, %(latitude)s), 4326) AS c) AS centre
    ) AS ends
)"""

# From `pieces` (piece, grid, lonlat): the cameras whose range reaches each
# piece, and their cones. A camera's range is registry/cones.py's
# ground_range (height and tilt) or its kind's; its cones are a wedge per
# direction, or a circle for the types that see all round.
CAMERAS = """
near AS MATERIALIZED (
    -- The index finds candidates within a bound in degrees no shorter than
    -- the longest range anywhere in the input; the columns come with them
    -- (reading each camera again by id cost 40 ms for 8,000 candidates).
    SELECT p.piece, c.id, c.location, c.kind, c.camera_type, c.directions, c.height, c.tilt,
           c.vendor_id, c.operator_id
    FROM pieces p
    JOIN registry_camera c
      ON ST_DWithin(c.location, p.lonlat, %(search_degrees)s)
     AND c.status = ANY(%(statuses)s::text[])
),
candidates AS MATERIALIZED (
    SELECT c.id, c.directions, c.vendor_id, c.operator_id,
           ST_Transform(c.location, %(srid)s) AS grid,
           frame.k * CASE
               WHEN c.height > 0 AND c.tilt > 0 THEN least(
                   %(range_max)s::float8,
                   greatest(%(range_min)s::float8, c.height / tan(radians(c.tilt))))
               ELSE coalesce((%(ranges)s::jsonb ->> c.kind)::float8, %(range_default)s::float8)
           END AS radius,
           coalesce((%(angles)s::jsonb ->> c.camera_type)::float8, %(angle_default)s::float8)
               AS angle,
           c.camera_type = ANY(%(circle_types)s::text[]) AS circular
    FROM (SELECT DISTINCT ON (id) * FROM near ORDER BY id) AS c, frame
),
reach AS MATERIALIZED (
    SELECT n.piece, m.*
    FROM near n
    JOIN candidates m ON m.id = n.id
    JOIN pieces p ON p.piece = n.piece
    WHERE ST_DWithin(m.grid, p.grid, m.radius)
),
views AS MATERIALIZED (
    -- One row per cone: a direction, or the whole circle.
    SELECT m.id, m.grid AS apex, m.radius, coalesce(d.direction, 0) AS direction,
           CASE WHEN d.direction IS NULL OR m.angle >= 360 THEN 360 ELSE m.angle END AS width
    FROM (SELECT * FROM candidates WHERE id IN (SELECT id FROM reach)) AS m
    LEFT JOIN LATERAL unnest(m.directions) AS d(direction) ON true
    WHERE cardinality(m.directions) > 0 OR m.circular
),
shapes AS (
    -- One cone of each width, one metre deep, pointing north from (0, 0):
    -- registry/cones.py's vertices, from the camera out to the arc, along it
    -- every arc_step degrees and back (a circle is the arc alone).
    SELECT w.width, ST_MakePolygon(ST_MakeLine(
               CASE WHEN w.width >= 360 THEN array_append(a.arc, a.arc[1])
                    ELSE array_append(array_prepend(ST_MakePoint(0, 0), a.arc),
                                      ST_MakePoint(0, 0)) END)) AS unit
    FROM (SELECT DISTINCT width FROM views) AS w,
    LATERAL (
        SELECT array_agg(ST_MakePoint(sin(radians(b.bearing)), cos(radians(b.bearing)))
                         ORDER BY i) AS arc
        FROM (SELECT greatest(2, ceil(w.width / %(arc_step)s::float8))::int AS steps) AS s,
             generate_series(0, s.steps - (w.width >= 360)::int) AS i,
             LATERAL (SELECT w.width / 2 - w.width * i / s.steps AS bearing) AS b
    ) AS a
),
cones AS MATERIALIZED (
    -- Each cone: its width's shape scaled to its range, turned clockwise to
    -- its direction (from true north to the grid's north) and moved to the
    -- camera, in one affine step (building each polygon point by point took
    -- 0.2 s for the 3,600 cones of a downtown route, this 0.03 s: EXPLAIN
    -- ANALYZE).
    SELECT v.id, v.apex, v.radius, v.width <= 180 OR v.width >= 360 AS convex,
           ST_SetSRID(ST_Affine(
               s.unit,
               v.radius * cos(t.rotation), v.radius * sin(t.rotation),
               -v.radius * sin(t.rotation), v.radius * cos(t.rotation),
               ST_X(v.apex), ST_Y(v.apex)), %(srid)s) AS grid
    FROM views v
    JOIN shapes s ON s.width = v.width,
    LATERAL (SELECT radians(v.direction + frame.north) AS rotation FROM frame) AS t
),
direction_unknown AS (
    SELECT r.id, min(ST_Distance(r.grid, p.grid)) / (SELECT k FROM frame) AS distance
    FROM reach r JOIN pieces p ON p.piece = r.piece
    WHERE cardinality(r.directions) = 0 AND NOT r.circular
    GROUP BY r.id
)"""

# What the answer says about each camera it names ({named}: a query of their
# ids), read in the same statement: a separate ORM query for the 2,000
# cameras that see a downtown route cost ~50 ms more.
ABOUT = f"""
SELECT 'about', c.id, NULL, NULL, NULL, json_build_array(
           c.kind, c.camera_type, c.status, ST_X(c.location), ST_Y(c.location), c.directions,
           c.height, c.tilt, v.id, v.slug, v.name,
           coalesce(v.id IN ({RESTRICTED_VENDOR_IDS_SQL}), false),
           o.id, o.slug, o.name)::text
FROM registry_camera c
LEFT JOIN registry_vendor v ON v.id = c.vendor_id
LEFT JOIN registry_operator o ON o.id = c.operator_id
WHERE c.id IN ({{named}})
"""

# Rows of (what, id, part, a, b, text) for a route:
# - ("hit", camera, part, from, to): metres along part `part` of the route
#   (from its start, as travelled) inside one of the camera's cones;
# - ("unknown", camera, -, metres away); ("candidates", -, -, count);
# - ("total", -, -, metres, k); ("about", camera, -, -, -, JSON of ABOUT).
ROUTE_SQL = f"""
WITH {FRAME},
route AS (
    SELECT ST_Multi(ST_Transform(ST_GeomFromEWKB(%(geometry)s), %(srid)s)) AS grid
),
segments AS (
    -- Straight segments with where each starts along its part: a hit is
    -- placed on the route by where it lies on its segment, so a street
    -- walked twice is two different stretches of the route.
    SELECT part, seq, grid, length, start,
           dense_rank() OVER (ORDER BY part, floor(start / (%(piece_metres)s * k)),
                                       seq / %(piece_segments)s) AS piece
    FROM (
        SELECT part, seq, grid, length, k,
               sum(length) OVER (PARTITION BY part ORDER BY seq) - length AS start
        FROM (
            SELECT (d.path)[1] AS part, (d.path)[2] AS seq, d.geom AS grid,
                   ST_Length(d.geom) AS length, frame.k
            FROM route, frame,
                 ST_DumpSegments(ST_Segmentize(route.grid, %(segment_metres)s * frame.k)) AS d
        ) AS dumped
        WHERE length > 0
    ) AS measured
),
pieces AS (
    SELECT piece, ST_Collect(grid) AS grid, ST_Transform(ST_Collect(grid), 4326) AS lonlat
    FROM segments
    GROUP BY piece
),
{CAMERAS},
pairs AS (
    -- Segments near enough to each cone (a box test, then a distance); those
    -- whose two ends lie in a convex cone lie in it whole: two
    -- point-in-polygon tests spare GEOS's intersection for a fifth of them
    -- (0.31 s against 0.36 s for the 7,700 pairs of a downtown route).
    SELECT r.id, s.part, s.start, s.length, s.grid AS segment, c.grid AS cone,
           c.convex AND ST_Intersects(ST_StartPoint(s.grid), c.grid)
                    AND ST_Intersects(ST_EndPoint(s.grid), c.grid) AS whole
    FROM reach r
    JOIN cones c ON c.id = r.id
    JOIN segments s
      ON s.piece = r.piece AND s.grid && c.grid AND ST_DWithin(s.grid, c.apex, c.radius)
),
hits AS (
    SELECT id, part, start, length, 0::float8 AS a, 1::float8 AS b
    FROM pairs WHERE whole
    UNION ALL
    SELECT id, part, start, length,
           ST_LineLocatePoint(segment, ST_StartPoint(inside.geom)),
           ST_LineLocatePoint(segment, ST_EndPoint(inside.geom))
    FROM pairs, ST_Dump(ST_Intersection(segment, cone)) AS inside
    WHERE NOT whole AND GeometryType(inside.geom) = 'LINESTRING'
)
SELECT 'hit', h.id, h.part,
       (h.start + h.length * least(h.a, h.b)) / frame.k,
       (h.start + h.length * greatest(h.a, h.b)) / frame.k, NULL::text
FROM hits h, frame
UNION ALL
SELECT 'unknown', id, NULL, distance, NULL, NULL FROM direction_unknown
UNION ALL
SELECT 'candidates', NULL, NULL, count(*), NULL, NULL FROM candidates
UNION ALL
SELECT 'total', NULL, NULL, ST_Length(route.grid) / frame.k, frame.k, NULL FROM route, frame
UNION ALL
{ABOUT.format(named="SELECT id FROM hits UNION SELECT id FROM direction_unknown")}"""

# Stretches of a route, given as parts and metres from each part's start,
# as a GeoJSON MultiLineString in longitude/latitude.
STRETCHES_SQL = """
SELECT ST_AsGeoJSON(ST_Transform(ST_Multi(ST_Collect(ST_LineSubstring(
           line.grid,
           least(1, s.low * %(k)s / ST_Length(line.grid)),
           least(1, s.high * %(k)s / ST_Length(line.grid))))), 4326), 7)
FROM (SELECT ST_Multi(ST_Transform(ST_GeomFromEWKB(%(geometry)s), %(srid)s)) AS grid) AS route,
     unnest(%(parts)s::int[], %(lows)s::float8[], %(highs)s::float8[]) AS s(part, low, high),
     LATERAL (SELECT ST_GeometryN(route.grid, s.part) AS grid) AS line
"""

# Rows of (what, id, -, m², -, text) for an area: ("camera", id, -, area
# inside its cones), ("vendor"/"operator", id or NULL, -, area inside at
# least one cone of that vendor's or operator's cameras), ("covered", -, -,
# area inside any cone, -, GeoJSON of it), ("unknown", id, -, metres away),
# ("candidates", -, -, count), ("total", -, -, m²), ("about", ...) as for a
# route.
AREA_SQL = f"""
WITH {FRAME},
area AS (
    SELECT ST_Transform(ST_GeomFromEWKB(%(geometry)s), %(srid)s) AS grid
),
pieces AS (
    SELECT row_number() OVER () AS piece, g AS grid, ST_Transform(g, 4326) AS lonlat
    FROM area, ST_Subdivide(area.grid, %(piece_vertices)s) AS g
),
{CAMERAS},
fields AS (
    -- A camera's cones as one shape: two directions that overlap count once.
    SELECT id, ST_UnaryUnion(ST_Collect(grid)) AS grid FROM cones GROUP BY id
),
seen AS (
    -- The pieces do not overlap, so a camera's areas over them add up.
    SELECT r.id, r.vendor_id, r.operator_id, ST_Intersection(p.grid, f.grid) AS inside
    FROM reach r
    JOIN fields f ON f.id = r.id
    JOIN pieces p ON p.piece = r.piece AND p.grid && f.grid
)
SELECT 'camera', id, NULL::int, sum(ST_Area(inside)) / (SELECT k * k FROM frame),
       NULL::float8, NULL::text
FROM seen
GROUP BY id
UNION ALL
SELECT CASE WHEN grouping(vendor_id) = 0 THEN 'vendor'
            WHEN grouping(operator_id) = 0 THEN 'operator'
            ELSE 'covered' END,
       coalesce(vendor_id, operator_id), NULL,
       ST_Area(ST_Union(inside)) / (SELECT k * k FROM frame), NULL,
       CASE WHEN grouping(vendor_id) = 1 AND grouping(operator_id) = 1
            THEN ST_AsGeoJSON(ST_Transform(ST_Multi(
                     ST_CollectionExtract(ST_Union(inside), 3)), 4326), 7) END
FROM seen
GROUP BY GROUPING SETS ((vendor_id), (operator_id), ())
UNION ALL
SELECT 'unknown', id, NULL, distance, NULL, NULL FROM direction_unknown
UNION ALL
SELECT 'candidates', NULL, NULL, count(*), NULL, NULL FROM candidates
UNION ALL
SELECT 'total', NULL, NULL, ST_Area(area.grid) / (frame.k * frame.k), frame.k, NULL
FROM area, frame
UNION ALL
{ABOUT.format(named="SELECT id FROM seen UNION SELECT id FROM direction_unknown")}"""

# The cones of given cameras as the analysis builds them, in
# longitude/latitude, for comparison with registry/cones.py's polygons.
CONES_SQL = f"""
WITH {FRAME},
pieces AS (
    SELECT id AS piece, ST_Transform(location, %(srid)s) AS grid, location AS lonlat
    FROM registry_camera WHERE id = ANY(%(ids)s::bigint[])
),
{CAMERAS}
SELECT id, ST_AsGeoJSON(ST_Transform(grid, 4326), 9) FROM cones
WHERE id = ANY(%(ids)s::bigint[])
ORDER BY id
"""


def field_of_view_parameters() -> dict[str, Any]:
    """registry/cones.py's table as the statements' parameters."""
    table = FIELD_OF_VIEW_DEFAULTS
    return {
        "angles": json.dumps(table["angles"]),
        "angle_default": float(table["angle_default"]),
        "ranges": json.dumps(table["ranges"]),
        "range_default": float(table["range_default"]),
        "range_min": float(table["range_min"]),
        "range_max": float(table["range_max"]),
        "circle_types": list(table["circle_types"]),
        "arc_step": float(ARC_STEP_DEGREES),
        "statuses": list(IN_PLACE_STATUSES),
    }


def longest_range() -> float:
    """The farthest any camera sees: a range by kind, or from height and tilt
    (clamped to range_max)."""
    table = FIELD_OF_VIEW_DEFAULTS
    return float(max(table["range_max"], table["range_default"], *table["ranges"].values()))


def search_degrees(geometry: GEOSGeometry) -> float:
    """The longest range in degrees, as an upper bound anywhere in the
    geometry: a degree of latitude is at least 110,574 m, one of longitude at
    least 111,320 m times cos(latitude) (both on WGS 84)."""
    _west, south, _east, north = geometry.extent
    latitude = min(89.0, max(abs(south), abs(north)))
    metres_per_degree = min(110_574.0, 111_320.0 * math.cos(math.radians(latitude)))
    return longest_range() / metres_per_degree * 1.01


def parameters(geometry: GEOSGeometry) -> dict[str, Any]:
    """Everything a statement needs about `geometry` (SRID 4326)."""
    centre = geometry.centroid
    return {
        **field_of_view_parameters(),
        "geometry": bytes(geometry.ewkb),
        "srid": local_srid(centre.x, centre.y),
        "longitude": centre.x,
        "latitude": centre.y,
        "search_degrees": search_degrees(geometry),
        "segment_metres": float(SEGMENT_METRES),
        "piece_metres": float(PIECE_METRES),
        "piece_segments": PIECE_SEGMENTS,
        "piece_vertices": PIECE_VERTICES,
    }
