"""Reading GeoJSON FeatureCollections whose properties are OSM tags
(RFC 7946; plain or gzip-compressed, recognised by content, not by name).
Features of Sightline's own export are read by sightline.py."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry

from .compression import open_text
from .records import (
    FeatureRejection,
    Source,
    SourceFeature,
    SourceItem,
    SourceNote,
    UnreadableFile,
    tag_value,
)
from .sightline import SightlineRecords, is_sightline_feature, record_id

OSM_REF = re.compile(r"(node|way|relation)/(\d+)")


@dataclass
class _Identity:
    osm_type: str = ""
    osm_id: int | None = None
    source_ref: str = ""
    consumed: set[str] = field(default_factory=set)


def load_json(path: Path, *, what: str = "JSON") -> object:
    """The whole JSON document of a plain, gzip or bzip2 file. A document
    that is cut short or malformed cannot be imported in part: it is refused
    with the line and column where it breaks."""
    try:
        with open_text(path) as text:
            return json.load(text)
    except json.JSONDecodeError as error:
        raise UnreadableFile(
            f"{path}: not valid {what}: invalid JSON at line {error.lineno} column {error.colno}"
            f" ({error.msg}), as in a truncated or damaged file"
        ) from None
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise UnreadableFile(f"{path}: cannot be read ({error})") from None


def check_geojson(path: Path, document: object) -> dict:
    if not isinstance(document, dict) or document.get("type") not in {
        "FeatureCollection",
        "Feature",
    }:
        kind = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise UnreadableFile(f"{path}: not a GeoJSON FeatureCollection (found {kind!r})")
    if document["type"] == "FeatureCollection" and not isinstance(document.get("features"), list):
        raise UnreadableFile(f"{path}: a FeatureCollection needs a 'features' list")
    return document


# Top-level members some publishers add to a FeatureCollection (not part of
# RFC 7946) that describe the dataset as a whole.
METADATA_MEMBERS = {
    "license": "licence",
    "licence": "licence",
    "attribution": "attribution",
    "description": "description",
}


def geojson_source(path: Path, document: object) -> Source:
    """Every feature of a GeoJSON document, read or rejected with a precise
    reason."""
    document = check_geojson(path, document)
    features = document["features"] if document["type"] == "FeatureCollection" else [document]
    metadata = {
        field_name: document[member]
        for member, field_name in METADATA_MEMBERS.items()
        if isinstance(document.get(member), str)
    }
    return Source(
        format="GeoJSON",
        metadata=metadata,
        items=_read_features(features),
    )


def _read_features(features: list) -> Iterator[SourceItem]:
    sightline = SightlineRecords(
        (feature["properties"], record_id(feature))
        for feature in features
        if isinstance(feature, dict) and is_sightline_feature(feature)
    )
    for index, feature in enumerate(features):
        item = read_feature(index, feature, sightline)
        if isinstance(item, tuple):
            yield from item
        else:
            yield item


def open_geojson(path: Path) -> Source:
    """A GeoJSON file, whatever else it could be. Raises UnreadableFile,
    before anything is imported, when the file is not GeoJSON at all."""
    return geojson_source(path, load_json(path, what="GeoJSON"))


def read_feature(
    index: int, feature: object, sightline: SightlineRecords | None = None
) -> SourceItem | tuple[SourceItem, ...]:
    """The feature as a SourceFeature, or why not. A feature of Sightline's
    own export is read as such (`sightline` holds what the file's other
    records tell about it)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return FeatureRejection(index, "", "type", "not a GeoJSON Feature")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        return FeatureRejection(index, "", "properties", "must be an object of tags")
    if is_sightline_feature(feature):
        return _sightline_feature(index, feature, sightline or SightlineRecords(()))
    identity = _identity(feature, properties)
    ref = f"{identity.osm_type}/{identity.osm_id}" if identity.osm_type else identity.source_ref
    position = _position(feature.get("geometry"))
    if isinstance(position, str):
        return FeatureRejection(index, ref, "geometry", position)
    tags = _tags(properties, identity)
    # PostgreSQL text and jsonb cannot hold NUL; one such tag must not sink
    # the whole import.
    for key, value in tags.items():
        if "\x00" in key or "\x00" in value:
            return FeatureRejection(
                index, ref, key.replace("\x00", "\\0"), "contains a NUL character"
            )
    lon, lat, centroid_of = position
    item = SourceFeature(
        index=index,
        lon=lon,
        lat=lat,
        tags=tags,
        osm_type=identity.osm_type,
        osm_id=identity.osm_id,
        source_ref=identity.source_ref,
        osm_version=_version(properties),
        source_date=_timestamp(properties),
    )
    if centroid_of:
        return SourceNote(index, ref, f"a {centroid_of}: imported at its centroid"), item
    return item


def _sightline_feature(
    index: int, feature: dict, sightline: SightlineRecords
) -> SourceItem | tuple[SourceItem, ...]:
    camera_id = record_id(feature)
    position = _position(feature.get("geometry"))
    if isinstance(position, str):
        return FeatureRejection(index, camera_id, "geometry", position)
    lon, lat, _centroid_of = position
    return sightline.item(index, feature["properties"], lon, lat, camera_id=camera_id)


def _tags(properties: dict, identity: _Identity) -> dict[str, str]:
    return {
        str(key): tag_value(value)
        for key, value in properties.items()
        if key not in identity.consumed and not str(key).startswith("@") and value is not None
    }


def _version(properties: dict) -> int | None:
    """The OSM version osmtogeojson writes as `@version`."""
    value = properties.get("@version")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _timestamp(properties: dict) -> date | None:
    """The day of the OSM timestamp osmtogeojson writes as `@timestamp`
    (ISO 8601 text, or seconds since 1970 in some tools' output)."""
    value = properties.get("@timestamp")
    try:
        if isinstance(value, str):
            return datetime.fromisoformat(value.strip()).date()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, tz=UTC).date()
    except (ValueError, OverflowError, OSError):
        pass
    return None


def _position(geometry: object) -> tuple[float, float, str] | str:
    """(lon, lat, what it is the centroid of, or ""), or the reason there is
    none. Ways and areas (osmtogeojson writes them as lines and polygons) are
    placed at their centroid."""
    if geometry is None:
        return "missing: the feature has no geometry"
    if not isinstance(geometry, dict):
        return "not a GeoJSON geometry object"
    kind = geometry.get("type")
    if kind == "Point":
        point = _point(geometry.get("coordinates"))
        return point if isinstance(point, str) else (*point, "")
    if kind not in CENTROID_TYPES:
        return f"is a {kind!s}; only points, lines and areas are imported"
    try:
        shape = GEOSGeometry(json.dumps(geometry))
    except (ValueError, TypeError, GEOSException, GDALException):
        return f"is not a valid {kind}"
    if shape.empty:
        return f"is an empty {kind}"
    centroid = shape.centroid
    point = _point([centroid.x, centroid.y])
    return point if isinstance(point, str) else (*point, CENTROID_TYPES[kind])


CENTROID_TYPES = {
    "LineString": "line",
    "MultiLineString": "line",
    "Polygon": "closed area",
    "MultiPolygon": "closed area",
}


def _point(coordinates: object) -> tuple[float, float] | str:
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return "a Point needs [longitude, latitude] coordinates"
    return checked_position(coordinates[0], coordinates[1])


def checked_position(lon: object, lat: object) -> tuple[float, float] | str:
    """(lon, lat) as floats, or why they are not a position on Earth."""
    for name, value in (("longitude", lon), ("latitude", lat)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} {value!r} is not a number"
        if not math.isfinite(value):
            return f"{name} {value!r} is not a finite number"
    if not -90 <= lat <= 90:
        swapped = " (are longitude and latitude swapped?)" if -90 <= lon <= 90 else ""
        return f"latitude {lat} is outside -90..90{swapped}"
    if not -180 <= lon <= 180:
        return f"longitude {lon} is outside -180..180"
    return float(lon), float(lat)


def _identity(feature: dict, properties: dict) -> _Identity:
    """The OSM object behind a feature: `@id`/feature id `node/123`
    (osmtogeojson, Overpass), `osm_type`+`osm_id`, or a bare `id` in a planet
    extract. Any other feature id is kept as the source's record id."""
    for key, value in (("@id", properties.get("@id")), ("id", properties.get("id"))):
        match = OSM_REF.fullmatch(value) if isinstance(value, str) else None
        if match:
            return _Identity(match[1], int(match[2]), consumed={key})
    match = OSM_REF.fullmatch(str(feature.get("id", "")))
    if match:
        return _Identity(match[1], int(match[2]))
    osm_type, osm_id = properties.get("osm_type"), properties.get("osm_id")
    if osm_type in {"node", "way", "relation"} and str(osm_id).isdigit():
        return _Identity(osm_type, int(osm_id), consumed={"osm_type", "osm_id"})
    if properties.get("data_source") == "planet_osm" and str(properties.get("id")).isdigit():
        return _Identity("node", int(properties["id"]), consumed={"id"})
    feature_id = feature.get("id")
    return _Identity(source_ref=str(feature_id) if feature_id is not None else "")
