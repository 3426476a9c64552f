"""A small town to watch, and its cameras' history made through the services."""

from __future__ import annotations

import time
from datetime import date

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from registry.models import Area, Camera
from registry.services import camera_create, camera_remove, camera_set_status, camera_update
from registry.services.areas import area_upsert

# A square of about 1.1 km by 0.8 km west of Chicago's Loop.
TOWN = (-87.70, 41.875, -87.69, 41.885)


def town() -> Area:
    area, _outcome = area_upsert(
        name="Watched Town",
        level="city",
        geometry=MultiPolygon(Polygon.from_bbox(TOWN), srid=4326),
    )
    return area


def inside(n: int = 0) -> Point:
    return Point(-87.699 + n * 0.0005, 41.88, srid=4326)


def outside() -> Point:
    return Point(-87.60, 41.95, srid=4326)


def add(location: Point, **values) -> Camera:
    return camera_create(location=location, actor=None, reason="seen", **values)


def history(location: Point) -> Camera:
    """A camera added, changed, verified and removed: four events."""
    camera = add(location, kind="camera")
    camera = camera_update(camera=camera, actor=None, reason="closer look", kind="ALPR")
    camera = camera_set_status(camera=camera, status="verified", actor=None, reason="checked")
    return camera_remove(camera=camera, removed_on=date(2026, 1, 2), actor=None, reason="gone")


def settled() -> None:
    """Waits out the margin between clocks that news wait for
    (registry/services/watches.py, CLOCK_MARGIN)."""
    from registry.services.watches import CLOCK_MARGIN

    time.sleep(CLOCK_MARGIN.total_seconds() + 0.1)
