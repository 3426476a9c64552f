"""Small literal layouts for the area report tests: a city 2 km by 1 km split
into two districts of 1 km², with a handful of cameras of known kind, vendor,
operator and status placed inside, on the edge, outside and hidden, and their
history made through the services at known times.

The expected figures are worked out by hand in the docstring of `Layout`."""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from unittest import mock

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from registry.models import Area, Camera, Operator, Vendor
from registry.services import (
    camera_create,
    camera_hide,
    camera_remove,
    camera_set_capability,
    camera_set_status,
    camera_update,
    evidence_add,
)
from registry.services.areas import area_upsert
from tests.factories import OperatorFactory, VendorFactory, VendorRestrictionFactory

# WGS 84
SEMI_MAJOR_KM = 6378.137
ECCENTRICITY_SQUARED = 0.00669437999014

# The south-west corner of the city: west of Chicago's Loop.
WEST, SOUTH = -87.70, 41.875
ENTITY_LIST_URL = "https://www.federalregister.gov/d/2019-22210"
# When the report is made: its months run from the first change to this one.
REPORT_TIME = datetime(2026, 5, 15, 12, 0, tzinfo=UTC)


def km_per_degree(latitude: float) -> tuple[float, float]:
    """Kilometres per degree of longitude and of latitude on the WGS 84
    ellipsoid at `latitude` (the radii of curvature of the prime vertical and
    of the meridian). Over a kilometre they change by a few parts in a
    million, so a rectangle built from them measures what it was built to,
    to better than 0.01%."""
    phi = math.radians(latitude)
    w = 1 - ECCENTRICITY_SQUARED * math.sin(phi) ** 2
    east = math.pi / 180 * SEMI_MAJOR_KM * math.cos(phi) / math.sqrt(w)
    north = math.pi / 180 * SEMI_MAJOR_KM * (1 - ECCENTRICITY_SQUARED) / w**1.5
    return east, north


# Degrees per kilometre east and north, at the middle of the city.
_EAST_KM, _NORTH_KM = km_per_degree(SOUTH + 0.5 / km_per_degree(SOUTH)[1])
DEG_PER_KM_EAST, DEG_PER_KM_NORTH = 1 / _EAST_KM, 1 / _NORTH_KM


def at_km(east: float, north: float) -> Point:
    """The point `east` km east and `north` km north of the city's corner."""
    return Point(WEST + east * DEG_PER_KM_EAST, SOUTH + north * DEG_PER_KM_NORTH, srid=4326)


def rectangle_km(west: float, south: float, east: float, north: float) -> MultiPolygon:
    """A rectangle in km from the city's corner, as a boundary."""
    corners = [at_km(west, south), at_km(east, south), at_km(east, north), at_km(west, north)]
    ring = [corner.coords for corner in corners] + [corners[0].coords]
    return MultiPolygon(Polygon(ring), srid=4326)


@contextmanager
def recorded_at(moment: datetime):
    """Writes inside are recorded at `moment` (auto_now fields read
    django.utils.timezone.now)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def january(day: int = 10) -> datetime:
    return datetime(2026, 1, day, 9, 0, tzinfo=UTC)


def make_city(*, population: int | None = 2000, name: str = "Testville") -> Area:
    city, _ = area_upsert(
        name=name, level="city", geometry=rectangle_km(0, 0, 2, 1), population=population
    )
    return city


def make_districts(city: Area) -> tuple[Area, Area]:
    west, _ = area_upsert(
        name="West Side",
        level="district",
        parent=city,
        geometry=rectangle_km(0, 0, 1, 1),
        population=500,
    )
    east, _ = area_upsert(
        name="East Side", level="district", parent=city, geometry=rectangle_km(1, 0, 2, 1)
    )
    return west, east


@dataclass
class Layout:
    """The city (2.000 km², 2,000 residents) and its cameras:

    | # | where                    | kind   | type  | vendor    | operator     | status   |
    |---|--------------------------|--------|-------|-----------|--------------|----------|
    | 1 | inside, west district    | ALPR   | fixed | Flock     | Police       | verified |
    | 2 | inside, east district    | camera | dome  | Hikvision | City Hall    | reported |
    | 3 | on the city's west edge  | camera | —     | Hikvision | —            | reported |
    | 4 | inside, west district    | ALPR   | fixed | Flock     | Police       | removed  |
    | 5 | inside, east district    | camera | —     | Hikvision | —            | hidden   |
    | 6 | outside, 1 km east       | ALPR   | —     | Flock     | —            | reported |

    Counted: 1-4 (3 on the boundary counts; 5 is hidden; 6 is outside).
    In place: 1, 2, 3 -> 3 per 2 km² = 1.5 per km²; 3 per 2,000 residents
    = 1.5 per 1,000. Hikvision (restricted): 2 and 3. Face recognition: 2
    (and 5, hidden). West district (1 km², 500 residents): 1, 3, 4 -> 2 in
    place, 2 per km², 4 per 1,000; east district (1 km², population
    unknown): 2 -> 1 per km².

    History: all created in January 2026 (capability of 2 too); in February
    1 verified and 2 given a new check date (two confirmations); in March 4
    removed and 5 hidden. Report made in May 2026: January to May."""

    city: Area
    west: Area
    east: Area
    flock: Vendor
    hikvision: Vendor
    police: Operator
    city_hall: Operator
    cameras: dict[int, Camera]


def make_layout() -> Layout:
    city = make_city()
    west, east = make_districts(city)
    flock = VendorFactory(name="Flock Safety", slug="flock-safety")
    hikvision = VendorFactory(name="Hikvision", slug="hikvision")
    VendorRestrictionFactory(
        vendor=hikvision,
        regime="us_entity_list",
        effective_date=date(2019, 10, 9),
        source_url=ENTITY_LIST_URL,
        source_title="84 FR 54002",
    )
    police = OperatorFactory(
        name="Testville Police", slug="testville-police", operator_type="police"
    )
    city_hall = OperatorFactory(
        name="Testville City Hall", slug="testville-city-hall", operator_type="city"
    )
    with recorded_at(january()):
        cameras = {
            1: camera_create(location=at_km(0.5, 0.5), actor=None, kind="ALPR",
                             camera_type="fixed", vendor=flock, operator=police),
            2: camera_create(location=at_km(1.5, 0.5), actor=None, kind="camera",
                             camera_type="dome", vendor=hikvision, operator=city_hall),
            3: camera_create(location=Point(WEST, at_km(0, 0.5).y, srid=4326), actor=None,
                             kind="camera", vendor=hikvision),
            4: camera_create(location=at_km(0.25, 0.25), actor=None, kind="ALPR",
                             camera_type="fixed", vendor=flock, operator=police),
            5: camera_create(location=at_km(1.75, 0.75), actor=None, kind="camera",
                             vendor=hikvision),
            6: camera_create(location=at_km(3, 0.5), actor=None, kind="ALPR", vendor=flock),
        }  # fmt: skip
        contract = evidence_add(
            kind="contract",
            url="https://example.org/contract-17",
            title="Contract 17",
            operator=city_hall,
        )
        for number in (2, 5):
            cameras[number] = camera_set_capability(
                camera=cameras[number],
                capability="face_recognition",
                present=True,
                actor=None,
                evidence=[contract],
            )
        evidence_add(
            kind="policy", url="https://example.org/alpr-policy", title="ALPR policy",
            operator=police, date=date(2025, 6, 1),
        )  # fmt: skip
    with recorded_at(datetime(2026, 2, 3, 9, 0, tzinfo=UTC)):
        cameras[1] = camera_set_status(
            camera=cameras[1], status="verified", actor=None, reason="checked"
        )
        cameras[2] = camera_update(camera=cameras[2], actor=None, last_confirmed=date(2026, 2, 1))
    with recorded_at(datetime(2026, 3, 20, 9, 0, tzinfo=UTC)):
        cameras[4] = camera_remove(
            camera=cameras[4],
            removed_on=date(2026, 3, 19),
            actor=None,
            reason="pole taken down",
            evidence_url="https://example.org/photo-of-empty-pole",
        )
        cameras[5] = camera_hide(camera=cameras[5], actor=None, reason="duplicate report")
    return Layout(city, west, east, flock, hikvision, police, city_hall, cameras)
