"""What an exposure analysis accepts, checked: one route or one area in GeoJSON
(RFC 7946: WGS 84 longitude/latitude), as a GEOS geometry.

A route is a LineString or MultiLineString, an area a Polygon or
MultiPolygon. Every problem is a ValidationError whose message names it, in
the reader's language: the API and the page show it as it is.

A route may cross or retrace itself (a walk round the block and back is
normal). Its length is counted as travelled: a street walked twice counts
twice, in the total and in the covered length, so the share is the share of
the walk spent in view.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.conf import settings
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import (
    GEOSGeometry,
    LinearRing,
    LineString,
    MultiLineString,
    MultiPolygon,
    Polygon,
)
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

ROUTE_TYPES = ("LineString", "MultiLineString")
AREA_TYPES = ("Polygon", "MultiPolygon")
# `crs` names that mean WGS 84 longitude/latitude (GeoJSON 2008 files carry
# them; RFC 7946 dropped the member). EPSG:4326 is latitude-first on paper,
# but GeoJSON files that name it are written longitude-first.
WGS84_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:ogc::crs84",
    "urn:ogc:def:crs:epsg::4326",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84",
    "http://www.opengis.net/def/crs/epsg/0/4326",
    "epsg:4326",
    "crs84",
    "ogc:crs84",
}
# UTM is defined from 80°S to 84°N; beyond, the polar stereographic grids.
UPS_NORTH_SRID, UPS_SOUTH_SRID = 32661, 32761


def is_route(geometry: GEOSGeometry) -> bool:
    return geometry.geom_type in ROUTE_TYPES


def geometry_from_geojson(document: Any) -> GEOSGeometry:
    """The one route or area in a GeoJSON geometry, Feature or
    FeatureCollection, checked and within the configured limits."""
    geometry = _only_geometry(document)
    return checked(_build(geometry))


def check_points(count: int) -> None:
    """A route or area of at most EXPOSURE_MAX_POINTS points: each point costs
    the analysis time, and a GPS track rarely needs more (one point every
    2.5 m along the longest route)."""
    limit = settings.EXPOSURE_MAX_POINTS
    if count > limit:
        raise ValidationError(
            _(
                "The geometry has %(count)s points; Sightline analyses up to %(limit)s "
                "(EXPOSURE_MAX_POINTS). Simplify it (GPS software calls this reducing or "
                "simplifying a track) and send it again."
            )
            % {"count": formats.number_format(count), "limit": formats.number_format(limit)},
            code="too_many_points",
        )


def checked(geometry: GEOSGeometry) -> GEOSGeometry:
    """`geometry` (SRID 4326) if Sightline can analyse it: valid, in
    longitude/latitude, not across the antimeridian, within the limits."""
    if geometry.geom_type in AREA_TYPES and not geometry.valid:
        raise ValidationError(
            _(
                "The area is not a valid polygon: %(reason)s. Redraw it so that its edges "
                "do not cross."
            )
            % {"reason": _describe_invalidity(geometry.valid_reason)},
            code="invalid_polygon",
        )
    check_points(geometry.num_coords)
    west, _south, east, _north = geometry.extent
    if east - west > 180:
        raise ValidationError(
            _(
                "The geometry spans more than 180° of longitude. Sightline does not analyse "
                "geometries that cross the antimeridian; split it there, as RFC 7946 asks."
            ),
            code="antimeridian",
        )
    _check_size(geometry)
    return geometry


# ------------------------------------------------------------ the structure


def _only_geometry(document: Any) -> dict:
    """The single geometry object of a geometry, Feature or FeatureCollection."""
    if not isinstance(document, dict) or not isinstance(document.get("type"), str):
        raise ValidationError(
            _("This is not a GeoJSON object: expected a JSON object with a “type”."),
            code="not_geojson",
        )
    _check_crs(document)
    kind = document["type"]
    if kind == "FeatureCollection":
        return _only_geometry(_only_feature(document.get("features")))
    if kind == "Feature":
        document = _feature_geometry(document)
        kind = document["type"]
    if kind in ROUTE_TYPES or kind in AREA_TYPES:
        return document
    raise _wrong_type(kind)


def _feature_geometry(feature: dict) -> dict:
    geometry = feature.get("geometry")
    if geometry is None:
        raise ValidationError(
            _("The feature has no geometry: there is no route or area in it."),
            code="no_geometry",
        )
    if not isinstance(geometry, dict) or not isinstance(geometry.get("type"), str):
        raise ValidationError(
            _("The feature's geometry is not a GeoJSON geometry object."), code="not_geojson"
        )
    _check_crs(geometry)
    return geometry


def _only_feature(features: Any) -> Any:
    if not isinstance(features, list):
        raise ValidationError(
            _("The FeatureCollection has no “features” list."), code="not_geojson"
        )
    if not features:
        raise ValidationError(
            _("The FeatureCollection holds no feature: there is no route or area in it."),
            code="no_geometry",
        )
    if len(features) > 1:
        raise ValidationError(
            _(
                "The FeatureCollection holds %(count)s features; send exactly one route "
                "or one area."
            )
            % {"count": len(features)},
            code="several_geometries",
        )
    if not isinstance(features[0], dict) or features[0].get("type") != "Feature":
        raise ValidationError(
            _("The FeatureCollection's member is not a GeoJSON Feature."), code="not_geojson"
        )
    return features[0]


def _wrong_type(kind: str) -> ValidationError:
    if kind in ("Point", "MultiPoint", "GeometryCollection"):
        message = _(
            "A %(type)s cannot be analysed: send a route (LineString or MultiLineString) "
            "or an area (Polygon or MultiPolygon)."
        ) % {"type": kind}
    else:
        message = _(
            "“%(type)s” is not a GeoJSON geometry type: send a route (LineString or "
            "MultiLineString) or an area (Polygon or MultiPolygon)."
        ) % {"type": str(kind)[:40]}
    return ValidationError(message, code="wrong_type")


def _check_crs(member: dict) -> None:
    """RFC 7946 GeoJSON is WGS 84 longitude/latitude only; an older file may
    still name its coordinate system, and one that names another is refused
    rather than read as degrees."""
    crs = member.get("crs")
    if crs is None:
        return
    name = _crs_name(crs)
    if name.lower() in WGS84_NAMES:
        return
    raise ValidationError(
        _(
            "The file declares the coordinate reference system “%(crs)s”. GeoJSON (RFC 7946) "
            "is in WGS 84 longitude/latitude only: export it in WGS 84 (EPSG:4326)."
        )
        % {"crs": name[:80]},
        code="wrong_crs",
    )


def _crs_name(crs: Any) -> str:
    properties = crs.get("properties") if isinstance(crs, dict) else None
    if isinstance(properties, dict):
        for key in ("name", "href", "code"):
            if properties.get(key) is not None:
                value = str(properties[key])
                return f"EPSG:{value}" if key == "code" else value
    return str(crs)


# ----------------------------------------------------------- the positions


def _build(geometry: dict) -> GEOSGeometry:
    kind, coordinates = geometry["type"], geometry.get("coordinates")
    builders = {
        "LineString": lambda: _line(coordinates, _("The route")),
        "MultiLineString": lambda: MultiLineString(
            *[
                _line(line, _("Line %(number)s of the route") % {"number": n})
                for n, line in enumerate(_members(coordinates, kind), start=1)
            ]
        ),
        "Polygon": lambda: _polygon(coordinates, _("The area")),
        "MultiPolygon": lambda: MultiPolygon(
            *[
                _polygon(polygon, _("Polygon %(number)s of the area") % {"number": n})
                for n, polygon in enumerate(_members(coordinates, kind), start=1)
            ]
        ),
    }
    built = builders[kind]()
    built.srid = 4326
    return built


def _members(coordinates: Any, kind: str) -> list:
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(
            _("The %(type)s has no coordinates.") % {"type": kind}, code="no_geometry"
        )
    return coordinates


def _line(coordinates: Any, what: str) -> LineString:
    positions = _positions(coordinates, what)
    if len(set(positions)) < 2:
        raise ValidationError(
            _("%(what)s needs at least two different points.") % {"what": what},
            code="too_few_points",
        )
    return LineString(positions)


def _polygon(coordinates: Any, what: str) -> Polygon:
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(
            _("%(what)s has no coordinates.") % {"what": what}, code="no_geometry"
        )
    rings = []
    for number, ring in enumerate(coordinates, start=1):
        label = _("Ring %(number)s of %(what)s") % {"number": number, "what": what.lower()}
        positions = _positions(ring, label)
        if len(positions) < 4 or positions[0] != positions[-1]:
            raise ValidationError(
                _(
                    "%(what)s is not a closed ring: it needs at least four positions, the "
                    "last repeating the first."
                )
                % {"what": label},
                code="open_ring",
            )
        rings.append(LinearRing(positions))
    return Polygon(*rings)


def _no_coordinates(what: str) -> ValidationError:
    return ValidationError(_("%(what)s has no coordinates.") % {"what": what}, code="no_geometry")


def _positions(coordinates: Any, what: str) -> list[tuple[float, float]]:
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(
            _("%(what)s has no coordinates.") % {"what": what}, code="no_geometry"
        )
    return [_position(value, what) for value in coordinates]


def _position(value: Any, what: str) -> tuple[float, float]:
    """(longitude, latitude) of a GeoJSON position; an altitude is ignored,
    but must be a number too (RFC 7946: two or three numbers)."""
    numbers = value if isinstance(value, list) else []
    if not 2 <= len(numbers) <= 3 or not all(_is_number(number) for number in numbers):
        raise ValidationError(
            _("%(what)s has a position that is not [longitude, latitude]: %(value)s.")
            % {"what": what, "value": str(value)[:60]},
            code="bad_position",
        )
    longitude, latitude = float(numbers[0]), float(numbers[1])
    if -180 <= longitude <= 180 and -90 <= latitude <= 90:
        return longitude, latitude
    raise ValidationError(_out_of_range(longitude, latitude), code="not_lonlat")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _out_of_range(longitude: float, latitude: float) -> str:
    values = {"longitude": longitude, "latitude": latitude}
    if abs(longitude) <= 90 and abs(latitude) <= 180:
        return (
            _(
                "The position %(longitude)s, %(latitude)s has a latitude beyond ±90°: are "
                "longitude and latitude swapped? GeoJSON positions are [longitude, latitude]."
            )
            % values
        )
    return (
        _(
            "The position %(longitude)s, %(latitude)s is not longitude/latitude in degrees: "
            "it looks projected (metres). GeoJSON (RFC 7946) is WGS 84 longitude/latitude "
            "only: export it in WGS 84 (EPSG:4326)."
        )
        % values
    )


def _describe_invalidity(reason: str) -> str:
    """GEOS says "Self-intersection[-87.63 41.88]"; the reader gets the place
    in words."""
    match = re.fullmatch(r"(.*)\[(\S+) (\S+)\]", reason)
    if not match:
        return reason
    problem, longitude, latitude = match.groups()
    return _("%(problem)s at longitude %(longitude)s, latitude %(latitude)s") % {
        "problem": problem.lower(),
        "longitude": _coordinate(longitude),
        "latitude": _coordinate(latitude),
    }


def _coordinate(text: str) -> str:
    try:
        return formats.number_format(round(float(text), 6), decimal_pos=6)
    except ValueError:
        return text


# ----------------------------------------------------------- size and frame


def local_srid(longitude: float, latitude: float) -> int:
    """The SRID of the UTM zone (or polar grid) around a place: a conformal
    projection in metres, its scale within 0.1% of true across a zone."""
    if latitude > 84:
        return UPS_NORTH_SRID
    if latitude < -80:
        return UPS_SOUTH_SRID
    zone = min(60, int((longitude + 180) // 6) + 1)
    return (32600 if latitude >= 0 else 32700) + zone


def measure(geometry: GEOSGeometry) -> float:
    """Length in metres of a route, area in m² of an area, in the local
    projection (precise to the projection's scale, ~0.1%: enough for limits)."""
    centre = geometry.centroid
    try:
        projected = geometry.transform(local_srid(centre.x, centre.y), clone=True)
    except GDALException as error:
        raise ValidationError(
            _("The geometry could not be projected: %(error)s") % {"error": error},
            code="projection",
        ) from None
    return projected.length if is_route(geometry) else projected.area


def _check_size(geometry: GEOSGeometry) -> None:
    size = measure(geometry)
    if size < 1:  # points a hair apart: nothing a camera could be said to see
        raise ValidationError(
            _("The route is shorter than a metre.")
            if is_route(geometry)
            else _("The area is smaller than a square metre."),
            code="too_small",
        )
    if is_route(geometry):
        limit = settings.EXPOSURE_MAX_ROUTE_KM
        if size > limit * 1000:
            raise ValidationError(
                _(
                    "The route is %(length)s km long; Sightline analyses routes of up to "
                    "%(limit)s km. Split it into shorter parts."
                )
                % {"length": _km(size / 1000), "limit": _km(limit)},
                code="too_long",
            )
        return
    limit = settings.EXPOSURE_MAX_AREA_KM2
    if size > limit * 1_000_000:
        raise ValidationError(
            _("The area covers %(area)s km²; Sightline analyses areas of up to %(limit)s km².")
            % {"area": _km(size / 1_000_000), "limit": _km(limit)},
            code="too_large",
        )


def _km(value: float) -> str:
    rounded = round(float(value), 1)
    return formats.number_format(rounded, decimal_pos=0 if rounded.is_integer() else 1)


def route_from_lines(lines: list[list[tuple[float, float]]], what: str) -> GEOSGeometry:
    """A route from lines of (longitude, latitude), as a GPS track's
    segments: lines of fewer than two different points (a receiver standing
    still) are left out; `what` names the source in messages."""
    kept = []
    for points in lines:
        positions = [_position(list(point[:2]), what) for point in points]
        if len(set(positions)) >= 2:
            kept.append(LineString(positions))
    if not kept:
        raise ValidationError(
            _("%(what)s needs at least two different points.") % {"what": what},
            code="too_few_points",
        )
    route = kept[0] if len(kept) == 1 else MultiLineString(*kept)
    route.srid = 4326
    return checked(route)
