"""Overpass API JSON (`[out:json]`, with `out body`, `out meta` or
`out center`): nodes at their position, ways and relations at the `center`
Overpass computed (or the centroid of their `geometry`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.contrib.gis.geos import LineString

from .geojson import checked_position
from .osm import is_surveillance
from .records import FeatureRejection, Source, SourceFeature, SourceItem, SourceNote

OSM_TYPES = {"node", "way", "relation"}


def is_overpass(document: object) -> bool:
    return isinstance(document, dict) and isinstance(document.get("elements"), list)


def overpass_source(path: Path, document: dict) -> Source:
    metadata = {"licence": "ODbL-1.0", "description": f"Overpass API result {path.name}"}
    notice = (document.get("osm3s") or {}).get("copyright")
    if isinstance(notice, str):
        metadata["attribution"] = notice
    return Source(format="Overpass JSON", items=_elements(document["elements"]), metadata=metadata)


def _elements(elements: list) -> Iterator[SourceItem]:
    for index, element in enumerate(elements):
        if not isinstance(element, dict) or element.get("type") not in OSM_TYPES:
            yield FeatureRejection(index, "", "type", "not an OSM node, way or relation")
            continue
        tags = element.get("tags")
        # Members fetched for a way's geometry carry no tags of their own.
        if not isinstance(tags, dict) or not is_surveillance(tags):
            continue
        yield from _element(index, element, {str(k): str(v) for k, v in tags.items()})


def _element(index: int, element: dict, tags: dict[str, str]) -> Iterator[SourceItem]:
    osm_type, osm_id = element["type"], element.get("id")
    if isinstance(osm_id, bool) or not isinstance(osm_id, int):
        yield FeatureRejection(index, "", "id", f"{osm_id!r} is not an OSM id")
        return
    ref = f"{osm_type}/{osm_id}"
    if osm_type == "node":
        position = checked_position(element.get("lon"), element.get("lat"))
    else:
        position = _centre(element)
    if isinstance(position, str):
        yield FeatureRejection(index, ref, "geometry", position)
        return
    if osm_type != "node":
        yield SourceNote(index, ref, f"a {osm_type}: imported at its centre")
    version = element.get("version")
    yield SourceFeature(
        index,
        position[0],
        position[1],
        tags,
        osm_type,
        osm_id,
        osm_version=version if isinstance(version, int) and version > 0 else None,
    )


def _centre(element: dict) -> tuple[float, float] | str:
    centre = element.get("center")
    if isinstance(centre, dict):
        return checked_position(centre.get("lon"), centre.get("lat"))
    geometry = element.get("geometry")
    if isinstance(geometry, list) and geometry:
        points = []
        for point in geometry:
            if not isinstance(point, dict):
                return "geometry: not a list of points"
            position = checked_position(point.get("lon"), point.get("lat"))
            if isinstance(position, str):
                return f"geometry: {position}"
            points.append(position)
        if len(points) == 1:
            return points[0]
        centroid = LineString(points).centroid
        return centroid.x, centroid.y
    return f"a {element['type']} without `center`: query it with `out center`"
