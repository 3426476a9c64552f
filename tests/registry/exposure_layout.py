"""Small literal layouts for exposure tests, written in metres east and north
of one point in Chicago, so that every expected answer can be worked out by
hand from the figures in the test.

Metres are turned into degrees with the WGS 84 ellipsoid's radii of
curvature at that latitude, the metric PostGIS measures in: over a few
hundred metres the two agree to a millimetre."""

from __future__ import annotations

import math

from django.contrib.gis.geos import Point

from tests.factories import CameraFactory

ORIGIN = (-87.63, 41.88)  # longitude, latitude
_A, _E2 = 6_378_137.0, 0.00669437999014
_SIN = math.sin(math.radians(ORIGIN[1]))
# Metres per degree of longitude and of latitude at the origin.
_EAST = math.radians(1) * _A * math.cos(math.radians(ORIGIN[1])) / math.sqrt(1 - _E2 * _SIN**2)
_NORTH = math.radians(1) * _A * (1 - _E2) / (1 - _E2 * _SIN**2) ** 1.5


def lonlat(east: float, north: float) -> list[float]:
    """[longitude, latitude] of the point `east`, `north` metres from the origin."""
    return [ORIGIN[0] + east / _EAST, ORIGIN[1] + north / _NORTH]


def point(east: float, north: float) -> Point:
    return Point(*lonlat(east, north), srid=4326)


def line(*points: tuple[float, float]) -> dict:
    """A GeoJSON LineString through points given in metres."""
    return {"type": "LineString", "coordinates": [lonlat(*p) for p in points]}


def square(west: float, south: float, east: float, north: float) -> dict:
    """A GeoJSON Polygon, counter-clockwise, corners in metres."""
    corners = [(west, south), (east, south), (east, north), (west, north), (west, south)]
    return {"type": "Polygon", "coordinates": [[lonlat(*c) for c in corners]]}


# The route most tests use: 200 m along the origin's parallel, west to east,
# from x = -100 m to x = +100 m.
STREET = line((-100, 0), (100, 0))


def camera(east: float, north: float, **fields):
    """A camera at `east`, `north` metres; by default CCTV (30 m range),
    reported, of no type (60°), facing nowhere."""
    return CameraFactory(location=point(east, north), **fields)


def dome(east: float, north: float, **fields):
    """A dome: 90° when it faces somewhere, a 30 m circle when it does not."""
    return camera(east, north, camera_type="dome", **fields)
