"""The cameras an import can match, loaded once per run."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from django.db import connection

from registry.models import Dataset

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


PK, KIND, SOURCE_HASH, STATUS, STATUS_NOTE = 0, 3, 4, 5, 6
_COLUMNS = "id, version, dataset_id, kind, source_hash, status, status_note, osm_type, osm_id"


class ExistingCameras:
    """Every camera with an OSM id, and the dataset's other cameras by record
    id and by position."""

    def __init__(self, dataset: Dataset) -> None:
        # One pass over the table for both kinds (two scans cost 0.3 s for
        # the 168k sample, one 0.2 s); the position only where it matches.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {_COLUMNS}, "
                "CASE WHEN osm_id IS NULL THEN source_ref ELSE '' END, "
                "CASE WHEN osm_id IS NULL THEN ST_X(location) END, "
                "CASE WHEN osm_id IS NULL THEN ST_Y(location) END "
                "FROM registry_camera WHERE osm_id IS NOT NULL OR dataset_id = %s",
                [dataset.pk],
            )
            rows = cursor.fetchall()
        self.by_osm: dict[tuple[str, int], tuple] = {
            (row[7], row[8]): row for row in rows if row[8] is not None
        }
        # In id order: the n-th record at a spot matches the n-th camera there.
        others = sorted(Existing._make(row) for row in rows if row[8] is None)
        self.by_ref: dict[str, tuple] = {}
        self.by_position: dict[tuple[float, float], list[tuple]] = defaultdict(list)
        for existing in others:
            if existing.source_ref:
                self.by_ref.setdefault(existing.source_ref, existing)
            self.by_position[_position_key(existing.lon, existing.lat)].append(existing)

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
