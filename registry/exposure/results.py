"""What an exposure analysis answers, and its JSON form (the API's body, and
the page's map data).

Measures are metres for a route and square metres for an area; a share is
the covered measure over the total, 0..1."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import GEOSGeometry

from registry.cones import cone_shape

ROUTE, AREA = "length", "area"
UNITS = {ROUTE: "m", AREA: "m2"}


@dataclass(frozen=True)
class Party:
    """A vendor or an operator, as a result names it."""

    id: int
    slug: str
    name: str
    restricted: bool = False


@dataclass(frozen=True)
class ResultCamera:
    """A camera as a result lists it: what the map needs to draw it and its
    cone, and what the lists say about it."""

    id: int
    kind: str
    camera_type: str
    status: str
    location: tuple[float, float]
    directions: list[float]
    height: float | None
    tilt: float | None
    vendor: Party | None
    operator: Party | None

    def view(self) -> dict[str, Any]:
        """How wide and how far it sees (registry/cones.py's numbers)."""
        shape = cone_shape(
            camera_type=self.camera_type, kind=self.kind, height=self.height, tilt=self.tilt
        )
        return {"angle": shape.angle, "range": round(shape.range, 1), "circle": shape.circle}


@dataclass(frozen=True)
class SeeingCamera:
    """A camera whose field of view covers part of the route or area."""

    camera: ResultCamera
    covered: float
    share: float


@dataclass(frozen=True)
class NearbyCamera:
    """A camera within its range of the route or area whose direction is
    unknown (and that is not a type that sees all round): it may watch it,
    so it is named, but it is not counted."""

    camera: ResultCamera
    distance: float


@dataclass(frozen=True)
class GroupShare:
    """The part of the route or area inside at least one cone of one
    vendor's (or operator's) cameras; `party` None gathers the cameras whose
    vendor (or operator) is not recorded."""

    party: Party | None
    covered: float
    share: float
    cameras: int


@dataclass(frozen=True)
class ExposureResult:
    measure: str  # ROUTE ("length") or AREA ("area")
    geometry: GEOSGeometry
    total: float
    covered: float
    covered_geometry: dict[str, Any]
    cameras: list[SeeingCamera] = field(default_factory=list)
    by_vendor: list[GroupShare] = field(default_factory=list)
    by_operator: list[GroupShare] = field(default_factory=list)
    direction_unknown: list[NearbyCamera] = field(default_factory=list)
    candidates: int = 0

    @property
    def share(self) -> float:
        return min(1.0, self.covered / self.total) if self.total > 0 else 0.0

    @property
    def is_route(self) -> bool:
        return self.measure == ROUTE

    @property
    def unit(self) -> str:
        return UNITS[self.measure]

    def as_dict(self, link: Callable[[int], str]) -> dict[str, Any]:
        """The result as JSON-ready data; `link(id)` is a camera's page."""
        return {
            "measure": self.measure,
            "unit": self.unit,
            "total": _rounded(self.total, self.measure),
            "covered": _rounded(self.covered, self.measure),
            "share": round(self.share, 4),
            "geometry": json.loads(self.geometry.geojson),
            "covered_geometry": self.covered_geometry,
            "cameras": [_seeing(item, self.measure, link) for item in self.cameras],
            "by_vendor": [_group(item, self.measure, vendor=True) for item in self.by_vendor],
            "by_operator": [_group(item, self.measure, vendor=False) for item in self.by_operator],
            "direction_unknown": [_nearby(item, link) for item in self.direction_unknown],
            "candidates": self.candidates,
        }


def _rounded(value: float, measure: str) -> float:
    # A decimetre, a square metre: finer would claim a precision the cones lack.
    return round(float(value), 1) if measure == ROUTE else float(round(value))


def _camera(camera: ResultCamera, link: Callable[[int], str]) -> dict[str, Any]:
    return {
        "id": camera.id,
        "url": link(camera.id),
        "kind": camera.kind,
        "camera_type": camera.camera_type,
        "status": camera.status,
        "location": [round(camera.location[0], 7), round(camera.location[1], 7)],
        "directions": camera.directions,
        "height": camera.height,
        "tilt": camera.tilt,
        "view": camera.view(),
        "vendor": _party(camera.vendor, restricted=True),
        "operator": _party(camera.operator, restricted=False),
    }


def _party(party: Party | None, *, restricted: bool) -> dict[str, Any] | None:
    if party is None:
        return None
    data = {"slug": party.slug, "name": party.name}
    return {**data, "restricted": party.restricted} if restricted else data


def _seeing(item: SeeingCamera, measure: str, link) -> dict[str, Any]:
    return {
        **_camera(item.camera, link),
        "covered": _rounded(item.covered, measure),
        "share": round(item.share, 4),
    }


def _nearby(item: NearbyCamera, link) -> dict[str, Any]:
    return {**_camera(item.camera, link), "distance": round(item.distance, 1)}


def _group(item: GroupShare, measure: str, *, vendor: bool) -> dict[str, Any]:
    party = item.party
    named = {"slug": party.slug if party else None, "name": party.name if party else None}
    if vendor:
        named["restricted"] = party.restricted if party else False
    return {
        **named,
        "cameras": item.cameras,
        "covered": _rounded(item.covered, measure),
        "share": round(item.share, 4),
    }
