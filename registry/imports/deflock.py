"""DeFlock's published licence-plate readers (deflock.me), the largest ALPR
data set there is, in the two shapes of its JSON lists. Every record is an
ALPR by construction, and an OpenStreetMap object:

- the region files of its web map: `id` (the OSM node id), `lat`, `lon` and
  `tags`, a few OSM keys DeFlock keeps (`manufacturer`, `operator`,
  `direction`...);
- the national file of its maps: `osmId` and `osmType` (node or way),
  `lat`, `lon`, and fields DeFlock names itself (DEFLOCK_KEYS).

Each record is imported as the OSM object it is, so that a camera imported
from OSM and from DeFlock is one camera, tagged `man_made=surveillance`,
`surveillance:type=ALPR` and the OSM keys its fields stand for. DeFlock
carries no OSM versions, so an OSM XML export for JOSM leaves these cameras
out until an import from OSM gives them theirs. A malformed record is
refused, naming its index and id; the others are imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from registry.osm_tags import format_number

from .geojson import checked_position
from .records import FeatureRejection, Source, SourceFeature, SourceItem, SourceNote, tag_value

REGIONS = "DeFlock region file"
NATIONAL = "DeFlock national file"
ALPR_TAGS = {"man_made": "surveillance", "surveillance:type": "ALPR"}
# The national file's fields, by the OSM key each stands for. `brand` is the
# vendor, which the GUIDE tags `manufacturer` (`brand` is the older key);
# `directionCardinal` is the raw direction tag, `direction` a number read
# from it (see _direction).
DEFLOCK_KEYS = {
    "brand": "manufacturer",
    "model": "model",
    "operator": "operator",
    "surveillanceZone": "surveillance:zone",
    "mountType": "camera:mount",
    "ref": "ref",
    "startDate": "start_date",
}
# DeFlock's words for what OSM spells otherwise. `other` stands for any value
# outside DeFlock's short list: the OSM value behind it is not known, so it
# becomes no tag.
DEFLOCK_VALUES = {
    "camera:mount": {"street_light": "street_lamp", "other": None},
    "surveillance:zone": {"other": None},
}
OSM_TYPES = {"node", "way", "relation"}
# Records looked at to recognise a shape; a few malformed ones among them
# do not hide it.
SAMPLED_RECORDS = 50


def deflock_shape(document: object) -> str | None:
    """REGIONS or NATIONAL when the document is a list of DeFlock's records
    of that shape (most of its first records), else None."""
    if not isinstance(document, list):
        return None
    records = [record for record in document[:SAMPLED_RECORDS] if isinstance(record, dict)]
    national = sum("osmId" in record and "osmType" in record for record in records)
    regions = sum({"id", "lat", "lon", "tags"} <= record.keys() for record in records)
    if max(national, regions) * 2 <= len(records):
        return None
    return NATIONAL if national > regions else REGIONS


def deflock_source(path: Path, document: list, shape: str) -> Source:
    read = _national_record if shape == NATIONAL else _region_record
    return Source(
        format=shape,
        items=_records(document, read),
        metadata={
            "licence": "ODbL-1.0",
            "attribution": "© OpenStreetMap contributors, as collected by DeFlock (deflock.me)",
            "description": f"DeFlock's licence-plate readers, {path.name}",
        },
    )


def _records(document: list, read) -> Iterator[SourceItem]:
    for index, record in enumerate(document):
        if not isinstance(record, dict):
            yield FeatureRejection(index, "", "record", "not an object")
            continue
        yield from read(index, record)


def _region_record(index: int, record: dict) -> Iterator[SourceItem]:
    """`{"id": 13014215672, "lat": .., "lon": .., "tags": {..}}`: a node."""
    osm_id = record.get("id")
    if not _is_osm_id(osm_id):
        yield FeatureRejection(index, f"id {osm_id!r}", "id", "not an OSM node id")
        return
    ref = f"node/{osm_id}"
    tags = record.get("tags", {})
    if not isinstance(tags, dict):
        yield FeatureRejection(index, ref, "tags", "not an object of tags")
        return
    own = {str(key): tag_value(value) for key, value in tags.items() if value is not None}
    yield from _feature(index, record, "node", osm_id, {**ALPR_TAGS, **own})


def _national_record(index: int, record: dict) -> Iterator[SourceItem]:
    """`{"osmId": .., "osmType": "node", "lat": .., "lon": .., "brand": ..}`."""
    osm_type, osm_id = record.get("osmType"), record.get("osmId")
    if osm_type not in OSM_TYPES or not _is_osm_id(osm_id):
        label = f"{osm_type}/{osm_id}" if isinstance(osm_type, str) else f"id {osm_id!r}"
        message = f"osmType {osm_type!r} with osmId {osm_id!r} is not an OSM object"
        yield FeatureRejection(index, label, "osmId", message)
        return
    tags = dict(ALPR_TAGS)
    for name, key in DEFLOCK_KEYS.items():
        value = record.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            yield FeatureRejection(index, f"{osm_type}/{osm_id}", name, f"{value!r} is not text")
            return
        value = DEFLOCK_VALUES.get(key, {}).get(str(value), str(value))
        if value is not None:
            tags[key] = value
    direction = _direction(record)
    if isinstance(direction, FeatureRejection):
        yield FeatureRejection(index, f"{osm_type}/{osm_id}", direction.field, direction.message)
        return
    if direction:
        tags["direction"] = direction
    yield from _feature(index, record, osm_type, osm_id, tags)


def _direction(record: dict) -> str | FeatureRejection:
    """The raw tag (`directionCardinal`: `180`, `56-101`, `NE`), else the
    number DeFlock read from it (`direction`)."""
    for value in (record.get("directionCardinal"), record.get("direction")):
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return format_number(value)
        if value not in (None, ""):
            return FeatureRejection(0, "", "direction", f"{value!r} is not a direction")
    return ""


def _feature(
    index: int, record: dict, osm_type: str, osm_id: int, tags: dict[str, str]
) -> Iterator[SourceItem]:
    ref = f"{osm_type}/{osm_id}"
    position = checked_position(record.get("lon"), record.get("lat"))
    if isinstance(position, str):
        yield FeatureRejection(index, ref, "position", position)
        return
    if osm_type != "node":
        yield SourceNote(index, ref, f"a {osm_type}: imported where DeFlock places it")
    yield SourceFeature(index, *position, tags, osm_type, osm_id)


def _is_osm_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
