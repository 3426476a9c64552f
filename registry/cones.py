"""Field-of-view cones: the ground a camera can see, as GeoJSON polygons.

A cone is a wedge centred on the camera, one per direction it faces, or a
circle for a camera that can look every way and has no direction on record.
The shapes are geographic (metres on the ground, in longitude/latitude), so
they keep their true size at every zoom. The camera page draws the polygons
computed here; the map's JavaScript (registry/frontend/cones.js) draws the
same shapes from the same numbers, which it receives through
`defaults_for_browser()`: change a number in `FIELD_OF_VIEW_DEFAULTS` and
both follow.

The numbers are conservative, typical values, not measurements of any one
device:

=====================  =============  ==========================================
what                   value          used when
=====================  =============  ==========================================
view angle, fixed      60°            ``camera:type=fixed``
view angle, dome       90°            ``camera:type=dome`` with a direction
view angle, panning    90°            ``camera:type=panning`` (PTZ) with a
                                      direction: where it was seen pointing
view angle, panorama   360°           ``camera:type=panorama``: always a circle
view angle, doorbell   160°           ``camera:type=doorbell``
view angle, other      60°            no or another camera type
range, camera          30 m           ``surveillance:type=camera``
range, ALPR            40 m           ``surveillance:type=ALPR``
range, other           30 m           any other or no kind
range from mounting    height / tan(tilt), clamped to 5-80 m, when both the
                       height and a downward tilt (``camera:angle`` > 0) are
                       known; it replaces the range by kind
circle                 dome, panning, panorama with no direction on record
nothing                any other camera with no direction on record: where it
                       looks is unknown, so no cone is guessed
=====================  =============  ==========================================
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# The one table of defaults, shared with the map's JavaScript.
FIELD_OF_VIEW_DEFAULTS: dict[str, Any] = {
    # Horizontal view angle in degrees, by camera:type.
    "angles": {"fixed": 60, "dome": 90, "panning": 90, "panorama": 360, "doorbell": 160},
    "angle_default": 60,
    # Ground range in metres, by surveillance:type.
    "ranges": {"camera": 30, "ALPR": 40},
    "range_default": 30,
    # Bounds of a range computed from height and tilt, in metres.
    "range_min": 5,
    "range_max": 80,
    # Camera types drawn as a circle when no direction is on record.
    "circle_types": ["dome", "panning", "panorama"],
}

# Mean Earth radius (IUGG), as in the map's JavaScript.
EARTH_RADIUS_METRES = 6_371_008.8
# Degrees of bearing between two points of an arc: smooth at street zoom,
# and the same step as the map's JavaScript.
ARC_STEP_DEGREES = 6
# About a centimetre: more digits would only make the page heavier.
COORDINATE_DECIMALS = 7


@dataclass(frozen=True)
class ConeShape:
    """How wide (degrees) and how far (metres) a camera sees, and whether it
    is drawn as a circle when it has no direction."""

    angle: float
    range: float
    circle: bool


def defaults_for_browser() -> dict[str, Any]:
    """`FIELD_OF_VIEW_DEFAULTS` for the map's configuration (a copy, so
    callers cannot change the shared table)."""
    return copy.deepcopy(FIELD_OF_VIEW_DEFAULTS)


def cone_shape(
    *, camera_type: str, kind: str, height: float | None, tilt: float | None
) -> ConeShape:
    """The view angle by camera type; the range from height and tilt when
    both are known and the camera looks down, else by kind."""
    table = FIELD_OF_VIEW_DEFAULTS
    angle = table["angles"].get(camera_type, table["angle_default"])
    radius = ground_range(height, tilt)
    if radius is None:
        radius = table["ranges"].get(kind, table["range_default"])
    return ConeShape(
        angle=float(angle), range=float(radius), circle=camera_type in table["circle_types"]
    )


def ground_range(height: float | None, tilt: float | None) -> float | None:
    """Where the centre of the view meets the ground: height / tan(tilt),
    clamped to `range_min`..`range_max`; None unless the camera is above the
    ground and looks down."""
    if height is None or tilt is None or height <= 0 or tilt <= 0:
        return None
    table = FIELD_OF_VIEW_DEFAULTS
    distance = height / math.tan(math.radians(tilt))
    return min(float(table["range_max"]), max(float(table["range_min"]), distance))


def field_of_view(
    *,
    location: Sequence[float],
    directions: Sequence[float],
    camera_type: str = "",
    kind: str = "",
    height: float | None = None,
    tilt: float | None = None,
) -> list[dict[str, Any]]:
    """GeoJSON Polygons (RFC 7946, [longitude, latitude]) of what a camera at
    `location` (longitude, latitude) can see: one wedge per direction, one
    circle for a dome, panning or panorama camera without a direction, none
    when where it looks is unknown."""
    longitude, latitude = float(location[0]), float(location[1])
    shape = cone_shape(camera_type=camera_type, kind=kind, height=height, tilt=tilt)
    if not directions:
        return [circle(longitude, latitude, shape.range)] if shape.circle else []
    return [
        wedge(longitude, latitude, direction, shape.angle, shape.range) for direction in directions
    ]


def wedge(
    longitude: float, latitude: float, direction: float, angle: float, radius: float
) -> dict[str, Any]:
    """A GeoJSON Polygon: the sector of `angle` degrees centred on bearing
    `direction` (degrees clockwise from north), `radius` metres deep. A view
    of 360° or more is the whole circle."""
    if angle >= 360:
        return circle(longitude, latitude, radius)
    start, end = direction - angle / 2, direction + angle / 2
    # RFC 7946 rings run counter-clockwise: from the camera out along the
    # clockwise-most edge, back along the arc, and home along the other edge.
    ring = [
        _rounded((longitude, latitude)),
        *_arc(longitude, latitude, end, start, radius),
        _rounded((longitude, latitude)),
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def circle(longitude: float, latitude: float, radius: float) -> dict[str, Any]:
    """A GeoJSON Polygon approximating the circle of `radius` metres."""
    ring = _arc(longitude, latitude, 360, 0, radius)
    ring[-1] = ring[0]  # bearings 360 and 0 are the same point: close exactly
    return {"type": "Polygon", "coordinates": [ring]}


def destination(
    longitude: float, latitude: float, bearing: float, metres: float
) -> tuple[float, float]:
    """The point `metres` away on the initial `bearing` (degrees clockwise
    from north), on a sphere; (longitude, latitude)."""
    angular = metres / EARTH_RADIUS_METRES
    theta = math.radians(bearing)
    phi1, lambda1 = math.radians(latitude), math.radians(longitude)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(angular) + math.cos(phi1) * math.sin(angular) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(angular) * math.cos(phi1),
        math.cos(angular) - math.sin(phi1) * math.sin(phi2),
    )
    return (math.degrees(lambda2) + 540) % 360 - 180, math.degrees(phi2)


def _arc(
    longitude: float, latitude: float, start: float, end: float, radius: float
) -> list[list[float]]:
    """Points from bearing `start` to `end` (either way round), both included."""
    steps = max(2, math.ceil(abs(end - start) / ARC_STEP_DEGREES))
    return [
        _rounded(destination(longitude, latitude, start + (end - start) * i / steps, radius))
        for i in range(steps + 1)
    ]


def _rounded(point: Sequence[float]) -> list[float]:
    return [round(point[0], COORDINATE_DECIMALS), round(point[1], COORDINATE_DECIMALS)]
