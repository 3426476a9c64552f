"""OSM XML, PBF and osmChange files, read through pyosmium (libosmium).

Surveillance objects are nodes tagged `man_made=surveillance`, or carrying
`surveillance:type` or `surveillance`; ways and closed areas with those tags
are placed at their centroid, with a note. A change file yields creations and
modifications as features, and deletions or lost surveillance tags as
removals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import osmium
from django.contrib.gis.geos import LineString, Polygon

from .records import FeatureRejection, Removal, Source, SourceFeature, SourceItem, SourceNote

SURVEILLANCE_KEYS = ("man_made", "surveillance:type", "surveillance")
OSM_TYPES = {"n": "node", "w": "way", "r": "relation"}


def is_surveillance(tags: dict[str, str]) -> bool:
    return (
        tags.get("man_made") == "surveillance"
        or "surveillance:type" in tags
        or "surveillance" in tags
    )


def osm_source(path: Path, osmium_format: str, *, change_file: bool) -> Source:
    """`osmium_format` is pyosmium's name for what the content is ("pbf",
    "osm.gz", "osc.bz2", ...), so that a file is read by what it holds, not by
    what it is called."""
    source = Source(
        format=_format_name(osmium_format, change_file),
        items=iter(()),
        metadata=_metadata(path, osmium_format),
        is_change_file=change_file,
    )
    reader = _changes if change_file else _extract
    source.items = _guarded(source, reader(osmium.io.File(str(path), osmium_format)))
    return source


def _format_name(osmium_format: str, change_file: bool) -> str:
    if change_file:
        return "osmChange"
    return "OSM PBF" if osmium_format == "pbf" else "OSM XML"


def _metadata(path: Path, osmium_format: str) -> dict[str, str]:
    return {
        "licence": "ODbL-1.0",
        "attribution": "© OpenStreetMap contributors",
        "description": f"OpenStreetMap data from {path.name}",
    }


def _guarded(source: Source, items: Iterator[SourceItem]) -> Iterator[SourceItem]:
    """libosmium raises when it meets a truncated or corrupt block: the items
    before it stand, and the source is marked broken with the reason."""
    count = 0
    try:
        for item in items:
            count += 1
            yield item
    except (RuntimeError, ValueError, osmium.InvalidLocationError) as error:
        source.broken = f"the file is truncated or corrupt after {count} objects ({error})"


def _tags(obj) -> dict[str, str]:
    # Straight from the C++ tag list: building Tag tuples through
    # TagList.__iter__ costs twice as much on 168k nodes.
    data = obj._pyosmium_data
    size = data.tags_size()
    if not size:
        return {}
    iterator = data.tags_begin()
    next_tag = data.tags_next
    tags = {}
    for _ in range(size):
        tag = next_tag(iterator)
        tags[tag.k] = tag.v
    return tags


def _extract(file: osmium.io.File) -> Iterator[SourceItem]:
    processor = (
        osmium.FileProcessor(file, osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter(*SURVEILLANCE_KEYS))
    )
    for index, obj in enumerate(processor):
        tags = _tags(obj)
        if not is_surveillance(tags):
            continue
        yield from _feature(index, obj, tags)


def _feature(index: int, obj, tags: dict[str, str]) -> Iterator[SourceItem]:
    osm_type = OSM_TYPES[obj.type_str()]
    osm_id = obj.id
    version = obj.version or None
    ref = f"{osm_type}/{osm_id}"
    if osm_type == "node":
        location = obj.location
        if not location.valid():
            yield FeatureRejection(index, ref, "location", "the node has no valid location")
            return
        lon, lat = location.lon, location.lat
    else:
        centre = _way_centroid(obj)
        if isinstance(centre, str):
            yield FeatureRejection(index, ref, "geometry", centre)
            return
        lon, lat, shape = centre
        yield SourceNote(index, ref, f"a {shape}: imported at its centroid")
    # New objects in JOSM files have negative ids: no OSM identity yet.
    if osm_id < 0:
        yield SourceFeature(index, lon, lat, tags, source_ref=ref, osm_version=None)
        return
    yield SourceFeature(index, lon, lat, tags, osm_type, osm_id, osm_version=version)


def _way_centroid(way) -> tuple[float, float, str] | str:
    try:
        points = [(node.lon, node.lat) for node in way.nodes]
    except osmium.InvalidLocationError:
        return "some of the way's nodes are missing from the file; cannot place it"
    if not points:
        return "the way has no nodes"
    if len(points) == 1:
        return (*points[0], "way")
    closed = len(points) >= 4 and points[0] == points[-1]
    shape = Polygon(points) if closed else LineString(points)
    centroid = shape.centroid
    return centroid.x, centroid.y, "closed area" if closed else "way"


def _changes(file: osmium.io.File) -> Iterator[SourceItem]:
    """An osmChange file may hold several versions of one object; the last
    one counts. Nodes that are not, and were never, surveillance objects pass
    through as untagged removals, which the import ignores unless it knows
    the id."""
    latest: dict[tuple[str, int], SourceItem | list[SourceItem]] = {}
    processor = osmium.FileProcessor(file, osmium.osm.NODE | osmium.osm.WAY)
    for index, obj in enumerate(processor):
        osm_type = OSM_TYPES[obj.type_str()]
        key = (osm_type, obj.id)
        latest.pop(key, None)  # re-inserted last: file order of final versions
        if obj.deleted:
            latest[key] = Removal(index, osm_type, obj.id, Removal.DELETED)
            continue
        tags = _tags(obj)
        if not is_surveillance(tags):
            latest[key] = Removal(index, osm_type, obj.id, Removal.UNTAGGED)
        elif osm_type == "way":
            latest[key] = FeatureRejection(
                index,
                f"way/{obj.id}",
                "geometry",
                "a way in a change file carries no node locations; import it from an extract",
            )
        else:
            latest[key] = list(_feature(index, obj, tags))
    for item in latest.values():
        if isinstance(item, list):
            yield from item
        else:
            yield item
