"""The exposure analysis: which cameras see a route or an area, how much of
it lies inside at least one camera's field of view, and the same split by
vendor and by operator.

Only cameras believed in place count (reported or verified): removed ones
watch nothing, hidden ones are not public. A camera with no direction on
record sees all round if its type does (registry/cones.py); any other
camera without a direction is listed as nearby, direction unknown, and not
counted. Everything is read; nothing is written.

For a route, PostgreSQL returns the stretches (metres along the route, as
travelled) inside each camera's cones, and the unions by camera, vendor,
operator and overall are merged here as intervals; for an area, PostGIS
unions the covered shapes itself."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPoint
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import formats
from django.utils.translation import gettext as _
from psycopg import Cursor
from psycopg import errors as pg_errors

from registry.models import Camera

from . import queries
from .geometry import is_route, local_srid
from .results import (
    AREA,
    ROUTE,
    ExposureResult,
    GroupShare,
    NearbyCamera,
    Party,
    ResultCamera,
    SeeingCamera,
)

logger = logging.getLogger(__name__)

# Two stretches closer than this (metres) are one: the same point reached
# through two segments' arithmetic differs in the last bits.
TOUCHING = 1e-6

Interval = tuple[int, float, float]  # (part of the route, from, to) in metres


def analyse(geometry: GEOSGeometry) -> ExposureResult:
    """The exposure of a checked route or area (see geometry.py)."""
    parameters = queries.parameters(geometry)
    if is_route(geometry):
        return _route_result(geometry, parameters)
    return _area_result(geometry, parameters)


# -------------------------------------------------------------------- route


def _route_result(geometry: GEOSGeometry, parameters: dict[str, Any]) -> ExposureResult:
    rows = run_statement(queries.ROUTE_SQL, parameters)
    hits: dict[int, list[Interval]] = defaultdict(list)
    for what, pk, part, low, high, _text in rows:
        if what == "hit" and high - low > TOUCHING:
            hits[pk].append((part, low, high))
    total, scale = _single(rows, "total")[3:5]
    cameras = _cameras(rows)
    lengths = {pk: _length(merged(spans)) for pk, spans in hits.items()}
    seeing = [SeeingCamera(cameras[pk], length, length / total) for pk, length in lengths.items()]
    covered = merged(span for spans in hits.values() for span in spans)
    return ExposureResult(
        measure=ROUTE,
        geometry=geometry,
        total=total,
        covered=_length(covered),
        covered_geometry=_stretches(parameters, scale, covered),
        cameras=_by_coverage(seeing),
        by_vendor=_route_groups(hits, cameras, total, lambda camera: camera.vendor),
        by_operator=_route_groups(hits, cameras, total, lambda camera: camera.operator),
        direction_unknown=_nearby(rows, cameras),
        candidates=int(_single(rows, "candidates")[3]),
    )


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """Intervals of the same part that overlap or touch, joined: what lies
    inside at least one of them, counted once."""
    ordered = sorted(intervals)
    if len(ordered) < 2:  # most cameras: one stretch
        return ordered
    joined: list[Interval] = []
    for part, low, high in ordered:
        if joined and joined[-1][0] == part and low <= joined[-1][2] + TOUCHING:
            last = joined[-1]
            joined[-1] = (part, last[1], max(last[2], high))
        else:
            joined.append((part, low, high))
    return joined


def _length(intervals: Iterable[Interval]) -> float:
    return sum(high - low for _part, low, high in intervals)


def _route_groups(
    hits: dict[int, list[Interval]],
    cameras: dict[int, ResultCamera],
    total: float,
    party_of: Callable[[ResultCamera], Party | None],
) -> list[GroupShare]:
    """Per vendor (or operator): the route inside at least one of its
    cameras' cones."""
    spans: dict[Party | None, list[Interval]] = defaultdict(list)
    members: dict[Party | None, int] = defaultdict(int)
    for pk, intervals in hits.items():
        party = party_of(cameras[pk])
        spans[party].extend(intervals)
        members[party] += 1
    groups = []
    for party, intervals in spans.items():
        covered = _length(merged(intervals))
        groups.append(GroupShare(party, covered, covered / total, members[party]))
    return _by_coverage(groups)


def _stretches(parameters: dict[str, Any], scale: float, intervals: list[Interval]) -> dict:
    """The covered stretches as a GeoJSON MultiLineString."""
    if not intervals:
        return {"type": "MultiLineString", "coordinates": []}
    parts, lows, highs = zip(*intervals, strict=True)
    rows = run_statement(
        queries.STRETCHES_SQL,
        {
            "geometry": parameters["geometry"],
            "srid": parameters["srid"],
            "k": scale,
            "parts": list(parts),
            "lows": list(lows),
            "highs": list(highs),
        },
    )
    return json.loads(rows[0][0])


# --------------------------------------------------------------------- area


def _area_result(geometry: GEOSGeometry, parameters: dict[str, Any]) -> ExposureResult:
    rows = run_statement(queries.AREA_SQL, parameters)
    areas = {pk: area for what, pk, _p, area, _b, _t in rows if what == "camera" and area > 0}
    total = _single(rows, "total")[3]
    cameras = _cameras(rows)
    covered_row = _single(rows, "covered")
    seeing = [SeeingCamera(cameras[pk], area, area / total) for pk, area in areas.items()]
    return ExposureResult(
        measure=AREA,
        geometry=geometry,
        total=total,
        covered=covered_row[3] or 0.0,
        covered_geometry=(
            json.loads(covered_row[5])
            if covered_row[5]
            else {"type": "MultiPolygon", "coordinates": []}
        ),
        cameras=_by_coverage(seeing),
        by_vendor=_area_groups(rows, "vendor", seeing, total),
        by_operator=_area_groups(rows, "operator", seeing, total),
        direction_unknown=_nearby(rows, cameras),
        candidates=int(_single(rows, "candidates")[3]),
    )


def _area_groups(
    rows: list[tuple], role: str, seeing: list[SeeingCamera], total: float
) -> list[GroupShare]:
    parties: dict[int | None, Party | None] = {None: None}
    members: dict[int | None, int] = defaultdict(int)
    for item in seeing:
        party = getattr(item.camera, role)
        key = party.id if party else None
        parties[key] = party
        members[key] += 1
    groups = [
        GroupShare(parties[pk], area, area / total, members[pk])
        for what, pk, _p, area, _b, _t in rows
        if what == role and area and members[pk]
    ]
    return _by_coverage(groups)


# ------------------------------------------------------------------- shared


def run_statement(sql: str, parameters: dict[str, Any]) -> list[tuple]:
    """One read statement, bounded in time; a geometry PostGIS cannot handle
    is the input's problem, reported as such, never a server error.

    Bound on the server and prepared once per connection, as the tile
    queries are: with the values written into its text, PostgreSQL spent
    ~50 ms planning each 5 km route (folding the route's constants), against
    ~1.5 ms with parameters."""
    timeout = max(1, round(settings.EXPOSURE_TIMEOUT_SECONDS * 1000))  # 0 would mean none
    try:
        with transaction.atomic(), Cursor(connection.connection) as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(timeout)])
            cursor.execute(sql, parameters, prepare=True)
            return cursor.fetchall()
    except pg_errors.QueryCanceled:
        raise ValidationError(
            _(
                "The analysis took longer than %(seconds)s seconds and was stopped: try a "
                "shorter route or a smaller area."
            )
            % {"seconds": formats.number_format(settings.EXPOSURE_TIMEOUT_SECONDS)},
            code="timeout",
        ) from None
    except (psycopg.DataError, psycopg.InternalError):
        logger.exception("Exposure analysis failed in PostGIS")
        raise ValidationError(
            _("This geometry could not be analysed: PostGIS could not process it."),
            code="geometry_error",
        ) from None


def _single(rows: list[tuple], what: str) -> tuple:
    return next(row for row in rows if row[0] == what)


def _unknown(rows: list[tuple]) -> dict[int, float]:
    return {row[1]: row[3] for row in rows if row[0] == "unknown"}


def _nearby(rows: list[tuple], cameras: dict[int, ResultCamera]) -> list[NearbyCamera]:
    nearby = [NearbyCamera(cameras[pk], distance) for pk, distance in _unknown(rows).items()]
    return sorted(nearby, key=lambda item: (item.distance, item.camera.id))


def _by_coverage(items: list) -> list:
    """Most covered first; ties by camera id or by name, unrecorded last."""

    def key(item):
        if isinstance(item, SeeingCamera):
            return (-item.covered, item.camera.id)
        return (-item.covered, item.party is None, item.party.name.lower() if item.party else "")

    return sorted(items, key=key)


def _cameras(rows: list[tuple]) -> dict[int, ResultCamera]:
    """What the result says about each camera it names (queries.ABOUT)."""
    return {
        row[1]: _result_camera(row[1], json.loads(row[5])) for row in rows if row[0] == "about"
    }


def _result_camera(pk: int, about: list) -> ResultCamera:
    kind, camera_type, status, longitude, latitude, directions, height, tilt = about[:8]
    vendor_id, vendor_slug, vendor_name, restricted = about[8:12]
    operator_id, operator_slug, operator_name = about[12:15]
    return ResultCamera(
        id=pk,
        kind=kind,
        camera_type=camera_type,
        status=status,
        location=(longitude, latitude),
        directions=directions,
        height=height,
        tilt=tilt,
        vendor=Party(vendor_id, vendor_slug, vendor_name, restricted) if vendor_id else None,
        operator=Party(operator_id, operator_slug, operator_name) if operator_id else None,
    )


def sql_cones(cameras: Iterable[Camera]) -> dict[int, list[dict]]:
    """The cones the analysis builds for these (in-place) cameras, as GeoJSON
    polygons in longitude/latitude: for comparison with registry/cones.py."""
    cameras = list(cameras)
    centre = MultiPoint([camera.location for camera in cameras], srid=4326).centroid
    parameters = {
        **queries.field_of_view_parameters(),
        "ids": [camera.pk for camera in cameras],
        "srid": local_srid(centre.x, centre.y),
        "longitude": centre.x,
        "latitude": centre.y,
        "search_degrees": queries.search_degrees(centre),
    }
    found: dict[int, list[dict]] = defaultdict(list)
    for pk, text in run_statement(queries.CONES_SQL, parameters):
        found[pk].append(json.loads(text))
    return dict(found)
