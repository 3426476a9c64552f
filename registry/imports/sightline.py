"""Sightline's own exports read back as the cameras they were, GeoJSON (and
the API's features) or CSV (registry/exports.py writes both).

A record says which camera it is: the OSM object, else the record's id in
its dataset (`source_ref`; exports made before they carried it give the
exporting registry's camera id instead). It carries the raw tags, and the
fields as the registry held them, edits made there included, which the raw
tags may no longer say: those are the camera's fields
(SourceFeature.stated_fields). Everything else it carries is the exporting
registry's bookkeeping (its camera id, status, versions, timestamps, the
slugs and names of its vendor and operator records, its pages), and none of
it becomes a tag.

A camera removed or hidden there is left out, with a note: an import adds
cameras in place and never sets a status. A record id that several records
without an OSM identity share (cameras of different datasets) names none of
them: they are imported without it, matched by position and kind, with a
note.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import fields as dataclass_fields
from datetime import date
from typing import Any

from registry.osm_tags import CameraFields, fields_to_tags
from registry.text_input import text_problem

from .records import FeatureRejection, SourceFeature, SourceItem, SourceNote, tag_value

# The fields a Sightline export states beside the raw tags.
STATED_FIELDS = (
    "kind", "visibility", "zone", "camera_type", "mount", "directions", "tilt", "height",
    "vendor", "vendor_raw", "product", "operator", "operator_raw", "last_confirmed",
    "first_seen",
)  # fmt: skip
IN_PLACE_STATUSES = {"reported", "verified"}
OSM_OBJECT_TYPES = {"node", "way", "relation"}
CAMERA_FIELDS = {item.name for item in dataclass_fields(CameraFields)}


def is_sightline_feature(feature: dict) -> bool:
    """A GeoJSON feature of Sightline's export or API: its fields, and its
    raw OSM tags as an object beside them."""
    properties = feature.get("properties")
    return (
        isinstance(properties, dict)
        and isinstance(properties.get("tags"), dict)
        and "kind" in properties
    )


def record_id(feature: dict) -> str:
    """A feature's id: for Sightline's, the exporting registry's camera id."""
    feature_id = feature.get("id")
    return str(feature_id) if feature_id is not None else ""


class SightlineRecords:
    """The records of one file. `records` are each record's values (JSON
    values or CSV text, by name) with the exporting registry's camera id,
    read once before the import to find the record ids several share."""

    def __init__(self, records: Iterable[tuple[Mapping[str, Any], str]]) -> None:
        counts = Counter(_record_ref(values, camera_id) for values, camera_id in records)
        counts.pop("", None)
        self.shared = {ref for ref, count in counts.items() if count > 1}

    def item(
        self,
        index: int,
        values: Mapping[str, Any],
        lon: float,
        lat: float,
        *,
        camera_id: str,
        where: str = "",
        tags_around: tuple[Mapping[str, str], Mapping[str, str]] = ({}, {}),
    ) -> SourceItem | tuple[SourceItem, ...]:
        """The record as a SourceFeature, or why not. `where` says where it
        is (a CSV's line); `tags_around` are tags under its own (shared by
        the file) and over them (columns added to a CSV export)."""
        identity = _osm_identity(values)
        if isinstance(identity, str):
            return FeatureRejection(index, where or camera_id, "osm_id", identity)
        osm_type, osm_id = identity
        ref = f"{osm_type}/{osm_id}" if osm_id is not None else _record_ref(values, camera_id)
        label = ", ".join(filter(None, (where, ref)))
        status = values.get("status") or ""
        if status and status not in IN_PLACE_STATUSES:
            return SourceNote(
                index, label, f"left out: {status} in the registry it was exported from "
                "(an import adds cameras in place, and never sets a status)",
            )  # fmt: skip
        read = _read_record(values)
        if isinstance(read, FeatureRejection):
            return FeatureRejection(index, label, read.field, read.message)
        stated, tags, osm_version = read
        below, above = tags_around
        tags = {**below, **tags, **above}
        source_ref = "" if osm_id is not None or ref in self.shared else ref
        problem = text_problem(source_ref, max_length=10_000)
        if problem:
            return FeatureRejection(index, label, "source_ref", str(problem))
        feature = SourceFeature(
            index, lon, lat, tags, osm_type, osm_id, source_ref, osm_version,
            source_text=_text_of(lon, lat, identity, osm_version, source_ref, tags, stated),
            stated_fields=stated,
        )  # fmt: skip
        if osm_id is None and ref in self.shared:
            message = (
                f"imported without its record id {ref!r}, which other records of the file "
                "share: matched by position and kind"
            )
            return SourceNote(index, label, message), feature
        return feature


def _text_of(*parts: Any) -> str:
    """The record's text for its fingerprint (SourceFeature.source_text):
    everything the import takes from it, in one order, ASCII (a lone
    surrogate the tags may hold is refused later, not here)."""
    return json.dumps(parts, ensure_ascii=True, sort_keys=True, default=str)


def _record_ref(values: Mapping[str, Any], camera_id: str) -> str:
    """The record's id in its dataset, or the exporting registry's camera id
    in exports that did not carry it; empty for an OSM object."""
    if values.get("osm_id") not in (None, ""):
        return ""
    ref = values.get("source_ref", camera_id)
    return "" if ref is None else str(ref)


def _whole(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _osm_identity(values: Mapping[str, Any]) -> tuple[str, int | None] | str:
    """(osm_type, osm_id), ("", None) for a camera OSM does not have, or why
    the two do not name an OSM object."""
    osm_type, osm_id = values.get("osm_type") or "", values.get("osm_id")
    if osm_id in (None, "") and not osm_type:
        return "", None
    number = _whole(osm_id)
    if osm_type not in OSM_OBJECT_TYPES or number is None or number <= 0:
        return f"osm_type {osm_type!r} with osm_id {osm_id!r} is not an OSM object"
    return osm_type, number


def _read_record(values: Mapping[str, Any]) -> tuple[dict, dict, int | None] | FeatureRejection:
    """(stated fields, raw tags, OSM version), or the first value that cannot
    be read (a rejection without index or label)."""
    stated = {}
    for name in STATED_FIELDS:
        if name in values:
            reader, what = STATED_READERS.get(name, (_text, "text"))
            try:
                stated[name] = reader(values[name])
            except (TypeError, ValueError):
                return FeatureRejection(0, "", name, f"{values[name]!r} is not {what}")
    version = values.get("osm_version")
    osm_version = _whole(version) if version not in (None, "") else None
    if version not in (None, "") and not osm_version:
        return FeatureRejection(0, "", "osm_version", f"{version!r} is not an OSM version")
    tags = _record_tags(values.get("tags"))
    if isinstance(tags, str):
        return FeatureRejection(0, "", "tags", tags)
    if tags is None:  # a CSV export from before the raw tags were written
        fields = {name: value for name, value in stated.items() if name in CAMERA_FIELDS}
        tags = fields_to_tags(CameraFields(**fields))
    return stated, tags, osm_version


def _record_tags(tags: object) -> dict[str, str] | str | None:
    """The raw tags: an object (GeoJSON) or its JSON text (CSV); None when
    the record has none."""
    if tags is None or tags == "":
        return None
    if isinstance(tags, str):
        try:
            tags = json.loads(tags)
        except ValueError:
            return "not a JSON object of tags"
    if not isinstance(tags, dict):
        return "not an object of tags"
    return {str(key): tag_value(value) for key, value in tags.items() if value is not None}


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _slug(value: object) -> str:
    """A vendor's or operator's slug; the API writes the record as an object."""
    return _text(value.get("slug") if isinstance(value, dict) else value)


def _number(value: object) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(value)
    return float(value)


def _numbers(value: object) -> list[float]:
    """A JSON list of numbers, or CSV text joining them with `;`."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [item for item in value.split(";") if item.strip()]
    if not isinstance(value, list):
        raise TypeError(value)
    return [number for number in map(_number, value) if number is not None]


def _date(value: object) -> date | None:
    if value is None or value == "":
        return None
    return date.fromisoformat(_text(value))


STATED_READERS = {
    "directions": (_numbers, "a list of degrees"),
    "tilt": (_number, "a number"),
    "height": (_number, "a number"),
    "vendor": (_slug, "the slug of a vendor"),
    "operator": (_slug, "the slug of an operator"),
    "last_confirmed": (_date, "a date (YYYY-MM-DD)"),
    "first_seen": (_date, "a date (YYYY-MM-DD)"),
}
