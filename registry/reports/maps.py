"""An area on a map: its boundary simplified for display, as GeoJSON for the
page's Leaflet map and as a static SVG (with the cameras as dots) for print
and the PDF, and the main map's address framing it; and the cameras a page
draws on its own small map (an area's report, a vendor's or an operator's
page)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.models import Kind

# A boundary drawn on a page needs no more detail than about this many steps
# across its width: official boundaries can hold a hundred thousand vertices
# (megabytes of GeoJSON) that no screen at report scale can show.
DISPLAY_STEPS = 1000
# Decimal places of coordinates sent to the browser: ~10 cm.
DISPLAY_DECIMALS = 6
# A page draws at most this many cameras on its own map (canvas circles,
# embedded in the page: ~100 bytes each); beyond that it links to the main
# map, which draws any number from tiles.
MAP_POINTS_MAX = 3000


def display_boundary(boundary: MultiPolygon, steps: int = DISPLAY_STEPS) -> MultiPolygon:
    """The boundary simplified to about `steps` across its larger side."""
    min_lon, min_lat, max_lon, max_lat = boundary.extent
    return simplified(boundary, max(max_lon - min_lon, max_lat - min_lat) / steps)


def simplified(boundary: MultiPolygon, tolerance: float) -> MultiPolygon:
    """The boundary simplified to `tolerance` (degrees), its topology kept:
    no part vanishes or crosses another."""
    if tolerance <= 0:
        return boundary
    result = boundary.simplify(tolerance, preserve_topology=True)
    # GEOS returns a single part as a Polygon; the boundary stays what it is.
    if isinstance(result, Polygon):
        result = MultiPolygon(result, srid=boundary.srid)
    return result


def geojson(geometry: GEOSGeometry) -> dict:
    """The geometry as a GeoJSON object, coordinates rounded for display."""
    return _rounded(json.loads(geometry.json))


def _rounded(value):
    if isinstance(value, float):
        return round(value, DISPLAY_DECIMALS)
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


def main_map_hash(boundary: MultiPolygon) -> str:
    """The main map's view (`#zoom/latitude/longitude`) that frames the
    boundary on a screen about 1000 by 700 pixels."""
    min_lon, min_lat, max_lon, max_lat = boundary.extent
    latitude, longitude = (min_lat + max_lat) / 2, (min_lon + max_lon) / 2
    # Web Mercator: 256 px show 360° of longitude at zoom 0; latitude spans
    # stretch by 1/cos(latitude).
    span_x = max(max_lon - min_lon, 1e-6)
    span_y = max((max_lat - min_lat) / max(math.cos(math.radians(latitude)), 0.01), 1e-6)
    zoom = math.floor(
        min(math.log2(1000 * 360 / 256 / span_x), math.log2(700 * 360 / 256 / span_y))
    )
    return f"#{max(1, min(zoom, 18))}/{latitude:.5f}/{longitude:.5f}"


def map_points(cameras) -> dict:
    """The cameras as a GeoJSON FeatureCollection for a page's small map:
    only what it draws (position, kind, status), with the pattern of the
    link to each camera's page and the kinds' names for its popups."""
    rows = (
        cameras.with_coordinates()
        .order_by("id")
        .values_list("id", "longitude", "latitude", "kind", "status")
    )
    features = [
        {
            "type": "Feature",
            "id": pk,
            "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
            "properties": {"kind": kind, "status": status},
        }
        for pk, lon, lat, kind, status in rows
    ]
    return {
        "type": "FeatureCollection",
        "features": features,
        "cameraUrl": reverse("registry:camera", args=(0,)).replace("/0/", "/{id}/"),
        "kinds": {**dict(Kind.choices), "": _("surveillance device")},
    }


# ---------------------------------------------------------------- static map


@dataclass(frozen=True)
class StaticMap:
    """The boundary as an SVG path and the cameras as dots, in a plane
    projection (longitudes shrunk by the cosine of the middle latitude),
    which at the scale of a city or a region distorts nothing a reader sees."""

    width: int
    height: int
    path: str
    # The cameras as one path each (in place, removed) of very short strokes
    # with round caps: a dot each, in one SVG element instead of thousands.
    in_place: str
    removed: str
    cameras: int
    dot_diameter: float = 4.8


STATIC_MAP_WIDTH = 600
STATIC_MAP_MAX_HEIGHT = 420
STATIC_MAP_MARGIN = 6


def static_map(boundary: GEOSGeometry, cameras: list[tuple[float, float, str]]) -> StaticMap:
    """`boundary` (simplified already) and `cameras` as (longitude,
    latitude, status) drawn in a box at most STATIC_MAP_WIDTH wide."""
    polygons = boundary if boundary.geom_type == "MultiPolygon" else [boundary]
    rings = [list(ring.coords) for polygon in polygons for ring in polygon]
    east = _east_of_antimeridian(rings)
    rings = [[(east(lon), lat) for lon, lat in ring] for ring in rings]
    longitudes = [lon for ring in rings for lon, _lat in ring]
    latitudes = [lat for ring in rings for _lon, lat in ring]
    min_lon, max_lon, min_lat, max_lat = (
        min(longitudes),
        max(longitudes),
        min(latitudes),
        max(latitudes),
    )
    shrink = max(math.cos(math.radians((min_lat + max_lat) / 2)), 0.01)
    span_x = max((max_lon - min_lon) * shrink, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    inner = STATIC_MAP_WIDTH - 2 * STATIC_MAP_MARGIN
    scale = min(inner / span_x, (STATIC_MAP_MAX_HEIGHT - 2 * STATIC_MAP_MARGIN) / span_y)

    def project(lon: float, lat: float) -> tuple[float, float]:
        x = STATIC_MAP_MARGIN + (lon - min_lon) * shrink * scale
        y = STATIC_MAP_MARGIN + (max_lat - lat) * scale
        return round(x, 1), round(y, 1)

    path = " ".join(
        "M" + " L".join(f"{x},{y}" for x, y in (project(*point) for point in ring)) + " Z"
        for ring in rings
    )
    dots: dict[bool, list[str]] = {True: [], False: []}
    for lon, lat, status in cameras:
        x, y = project(east(lon), lat)
        dots[status == "removed"].append(_dot(x, y))
    return StaticMap(
        width=round(span_x * scale) + 2 * STATIC_MAP_MARGIN,
        height=round(span_y * scale) + 2 * STATIC_MAP_MARGIN,
        path=path,
        in_place=" ".join(dots[False]),
        removed=" ".join(dots[True]),
        cameras=len(cameras),
    )


def _dot(x: float, y: float) -> str:
    """A dot drawn by its stroke's round caps: two points, where a circle's
    arcs cost the PDF renderer many more (0.73 s for 1,397 cameras)."""
    return f"M{x},{y}h0.1"


def _east_of_antimeridian(rings: list[list[tuple[float, float]]]):
    """For an area across the antimeridian (Alaska's Aleutians, Fiji,
    Chukotka), western longitudes moved east by 360°, so that its parts are
    drawn side by side rather than at both ends of the map; for any other
    area, longitudes as they are."""
    longitudes = [lon for ring in rings for lon, _lat in ring]
    span = max(longitudes) - min(longitudes)
    shifted = [lon + 360 if lon < 0 else lon for lon in longitudes]
    if span > 180 and max(shifted) - min(shifted) < span:
        return lambda lon: lon + 360 if lon < 0 else lon
    return lambda lon: lon
