"""Reading GeoJSON FeatureCollections whose properties are OSM tags
(RFC 7946; plain or gzip-compressed, recognised by content, not by name)."""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
OSM_REF = re.compile(r"(node|way|relation)/(\d+)")


class UnreadableFile(Exception):
    """The file cannot be read as GeoJSON at all; nothing is imported."""


@dataclass(frozen=True)
class SourceFeature:
    index: int
    lon: float
    lat: float
    tags: dict[str, str]
    osm_type: str = ""
    osm_id: int | None = None
    source_ref: str = ""

    @property
    def label(self) -> str:
        return feature_label(self.index, self.ref)

    @property
    def ref(self) -> str:
        return f"{self.osm_type}/{self.osm_id}" if self.osm_id is not None else self.source_ref


@dataclass(frozen=True)
class FeatureRejection:
    index: int
    ref: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{feature_label(self.index, self.ref)}: {self.field}: {self.message}"


@dataclass
class _Identity:
    osm_type: str = ""
    osm_id: int | None = None
    source_ref: str = ""
    consumed: set[str] = field(default_factory=set)


def feature_label(index: int, ref: str) -> str:
    return f"feature {index}" + (f" ({ref})" if ref else "")


def load_document(path: Path) -> dict:
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
        opener = gzip.open if compressed else open
        with opener(path, "rt", encoding="utf-8") as text:
            document = json.load(text)
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{path}: is a folder, not a file") from None
    except json.JSONDecodeError as error:
        raise UnreadableFile(
            f"{path}: not GeoJSON: invalid JSON at line {error.lineno} column {error.colno}"
            f" ({error.msg})"
        ) from None
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise UnreadableFile(f"{path}: cannot be read ({error})") from None
    if not isinstance(document, dict) or document.get("type") not in {
        "FeatureCollection",
        "Feature",
    }:
        kind = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise UnreadableFile(f"{path}: not a GeoJSON FeatureCollection (found {kind!r})")
    if document["type"] == "FeatureCollection" and not isinstance(document.get("features"), list):
        raise UnreadableFile(f"{path}: a FeatureCollection needs a 'features' list")
    return document


@dataclass
class GeoJSONSource:
    """A readable GeoJSON file: its dataset-level metadata and its features."""

    metadata: dict[str, str]
    features: Iterator[SourceFeature | FeatureRejection]


# Top-level members some publishers add to a FeatureCollection (not part of
# RFC 7946) that describe the dataset as a whole.
METADATA_MEMBERS = {
    "license": "licence",
    "licence": "licence",
    "attribution": "attribution",
    "description": "description",
}


def open_geojson(path: Path) -> GeoJSONSource:
    """Every feature of the file, read or rejected with a precise reason.
    Raises UnreadableFile, before anything is imported, when the file is not
    GeoJSON at all."""
    document = load_document(path)
    features = document["features"] if document["type"] == "FeatureCollection" else [document]
    metadata = {
        field_name: document[member]
        for member, field_name in METADATA_MEMBERS.items()
        if isinstance(document.get(member), str)
    }
    return GeoJSONSource(
        metadata=metadata,
        features=(read_feature(index, feature) for index, feature in enumerate(features)),
    )


def read_feature(index: int, feature: object) -> SourceFeature | FeatureRejection:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return FeatureRejection(index, "", "type", "not a GeoJSON Feature")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        return FeatureRejection(index, "", "properties", "must be an object of tags")
    identity = _identity(feature, properties)
    ref = f"{identity.osm_type}/{identity.osm_id}" if identity.osm_type else identity.source_ref
    position = _point(feature.get("geometry"))
    if isinstance(position, str):
        return FeatureRejection(index, ref, "geometry", position)
    tags = {
        str(key): _tag_value(value)
        for key, value in properties.items()
        if key not in identity.consumed and not str(key).startswith("@") and value is not None
    }
    # PostgreSQL text and jsonb cannot hold NUL; one such tag must not sink
    # the whole import.
    for key, value in tags.items():
        if "\x00" in key or "\x00" in value:
            return FeatureRejection(
                index, ref, key.replace("\x00", "\\0"), "contains a NUL character"
            )
    return SourceFeature(
        index=index,
        lon=position[0],
        lat=position[1],
        tags=tags,
        osm_type=identity.osm_type,
        osm_id=identity.osm_id,
        source_ref=identity.source_ref,
    )


def _point(geometry: object) -> tuple[float, float] | str:
    """(lon, lat), or the reason there is none."""
    if geometry is None:
        return "missing: the feature has no geometry"
    if not isinstance(geometry, dict):
        return "not a GeoJSON geometry object"
    if geometry.get("type") != "Point":
        return f"is a {geometry.get('type')!s}; only Point features are imported"
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return "a Point needs [longitude, latitude] coordinates"
    lon, lat = coordinates[0], coordinates[1]
    for name, value in (("longitude", lon), ("latitude", lat)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"{name} {value!r} is not a number"
        if not math.isfinite(value):
            return f"{name} {value!r} is not a finite number"
    if not -180 <= lon <= 180:
        return f"longitude {lon} is outside -180..180"
    if not -90 <= lat <= 90:
        return f"latitude {lat} is outside -90..90"
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


def _tag_value(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
