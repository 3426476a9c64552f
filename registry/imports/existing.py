"""The cameras an import can match, loaded once per run."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import NamedTuple

import orjson
from django.conf import settings
from django.db import connection

from registry.models import Dataset
from registry.osm_tags import READ_KEYS, SIGHTING_KEYS

from .records import SourceFeature


class Existing(NamedTuple):
    """An existing camera as the matching query returns it. The maps below
    hold the query's plain rows (building 168k of these takes 0.4 s, plain
    rows nothing): read them by position in hot loops, or wrap one with
    `Existing._make(row)`."""

    pk: int
    version: int
    dataset_id: int | None
    kind: str
    source_hash: int | None
    status: str
    status_note: str
    osm_type: str
    osm_id: int | None
    source_ref: str
    lon: float | None  # only for cameras matched by position
    lat: float | None
    tags: str | None  # JSON text, only for cameras an OSM object may link to


PK, DATASET, KIND, SOURCE_HASH, STATUS, STATUS_NOTE = 0, 2, 3, 4, 5, 6
OSM_ID, LON, LAT, TAGS = 8, 10, 11, 12
_COLUMNS = "id, version, dataset_id, kind, source_hash, status, status_note, osm_type, osm_id"
# Cameras an OSM object may link to, on a grid of this many degrees (1.1 m of
# latitude): a link is looked for in the object's cell and the eight around it.
LINK_CELL_DEGREES = 1e-5
METRES_PER_DEGREE = 111_195.0  # of a great circle on the mean Earth radius
# Tags that describe the device (not when it was seen): a camera whose value
# of one differs from the object's is another device, however close.
DESCRIBING_KEYS = frozenset(READ_KEYS) - set(SIGHTING_KEYS)


class ExistingCameras:
    """Every camera with an OSM id; the dataset's other cameras by record id
    and by position; and the cameras of other sources without an OSM id,
    which a record at their very position may turn out to be."""

    def __init__(self, dataset: Dataset, *, near_metres: float = 0.0) -> None:
        # One pass over the table for all three (two scans cost 0.3 s for
        # the 168k sample, one 0.2 s); the position only where it matches.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_COLUMNS}, "
                "CASE WHEN osm_id IS NULL THEN source_ref ELSE '' END, "
                "ST_X(location), ST_Y(location), "
                "CASE WHEN osm_id IS NULL AND dataset_id IS DISTINCT FROM %(dataset)s "
                "  THEN tags::text END "
                "FROM registry_camera WHERE osm_id IS NOT NULL OR dataset_id = %(dataset)s "
                "OR status <> 'hidden'",
                {"dataset": dataset.pk},
            )
            rows = cursor.fetchall()
        self.by_osm: dict[tuple[str, int], tuple] = {
            (row[7], row[OSM_ID]): row for row in rows if row[OSM_ID] is not None
        }
        # In id order: the n-th record at a spot matches the n-th camera there.
        own = sorted(Existing._make(row) for row in rows if row[DATASET] == dataset.pk)
        self.by_ref: dict[str, tuple] = {}
        self.by_position: dict[tuple[float, float], list[tuple]] = defaultdict(list)
        for existing in own:
            if existing.source_ref and existing.osm_id is None:
                self.by_ref.setdefault(existing.source_ref, existing)
            self.by_position[_position_key(existing.lon, existing.lat)].append(existing)
        self.near_metres = near_metres
        self.near_cells: set[tuple[str, int, int]] = set()
        if near_metres > 0:
            self.near_cells = {
                (row[KIND], *_cell(row[LON], row[LAT], near_metres / METRES_PER_DEGREE))
                for row in rows
                if row[STATUS] != "hidden"
            }
        self.link_metres = settings.IMPORT_LINK_METRES
        self.linkable: dict[tuple[int, int], list[tuple]] = defaultdict(list)
        if self.link_metres > 0:
            for row in rows:
                if row[TAGS] is not None:
                    self.linkable[_cell(row[LON], row[LAT])].append(row)

    def has_neighbour(self, lon: float, lat: float, kind: str) -> bool:
        """Whether a camera of this kind, visible, was in the grid cell of
        (lon, lat) or one close enough to hold a camera within the
        near-duplicate distance: the cells are that many degrees on a side,
        which in longitude is fewer metres away from the equator."""
        if not self.near_cells:
            return False
        size = self.near_metres / METRES_PER_DEGREE
        x, y = _cell(lon, lat, size)
        reach = min(math.ceil(1 / max(math.cos(math.radians(lat)), 0.01)), 50)
        return any(
            (kind, x + dx, y + dy) in self.near_cells
            for dx in range(-reach, reach + 1)
            for dy in (-1, 0, 1)
        )

    def link(self, lon: float, lat: float, kind: str, tags: dict[str, str]) -> tuple | None:
        """The camera without an OSM id, of another source, that a record at
        (lon, lat) is (the same mapping come through two sources): within
        IMPORT_LINK_METRES, of the same kind, no describing tag saying
        otherwise; the nearest such. Taken, so that no other record links
        to it."""
        if not self.linkable:
            return None
        x, y = _cell(lon, lat)
        found, nearest = None, self.link_metres
        for cell in ((x + dx, y + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)):
            for candidate in self.linkable.get(cell, ()):
                if candidate[KIND] != kind:
                    continue
                distance = _metres(lon, lat, candidate[LON], candidate[LAT])
                if distance <= nearest and not _contradicts(tags, candidate[TAGS]):
                    found, nearest = candidate, distance
        if found is not None:
            self.linkable[_cell(found[LON], found[LAT])].remove(found)
        return found

    def match_position(
        self, feature: SourceFeature, source_hash: int, kind: str | None
    ) -> tuple | None:
        """The n-th record at a spot matches the n-th camera there, so that
        two devices on one pole stay two; first by fingerprint (unchanged),
        then by kind."""
        candidates = self.by_position.get(_position_key(feature.lon, feature.lat))
        if not candidates:
            return None
        for index, candidate in enumerate(candidates):
            if candidate[SOURCE_HASH] == source_hash if kind is None else candidate[KIND] == kind:
                return candidates.pop(index)
        return None


def _position_key(lon: float, lat: float) -> tuple[float, float]:
    return round(lon, 7), round(lat, 7)


def _cell(lon: float, lat: float, size: float = LINK_CELL_DEGREES) -> tuple[int, int]:
    return math.floor(lon / size), math.floor(lat / size)


def _metres(lon: float, lat: float, other_lon: float, other_lat: float) -> float:
    """Distance on the sphere, as a plane at this scale (under 2 m, the
    error is far below a millimetre)."""
    dx = (other_lon - lon) * math.cos(math.radians(lat))
    return math.hypot(dx, other_lat - lat) * METRES_PER_DEGREE


def _contradicts(tags: dict[str, str], other_json: str) -> bool:
    other = orjson.loads(other_json)
    return any(
        str(other[key]).strip().casefold() != str(value).strip().casefold()
        for key, value in tags.items()
        if key in DESCRIBING_KEYS and key in other
    )
