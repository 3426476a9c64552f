"""Which reader a file needs, decided by its content (after gzip or bzip2),
never by its name alone: a `.json` may be GeoJSON, Overpass output or one of
DeFlock's lists, a `.osm` may be an osmChange, a download may have no
extension at all."""

from __future__ import annotations

import re
from pathlib import Path

from .compression import check_decompressed_size, compression_of, head_bytes
from .csvfile import CsvMapping, csv_source
from .deflock import deflock_shape, deflock_source
from .geojson import geojson_source, load_json
from .osm import osm_source
from .overpass import is_overpass, overpass_source
from .records import Source, UnreadableFile, with_shared_tags

OSM_XML_ROOT = re.compile(rb"<(osmChange|osm)[\s>/]")


def open_source(
    path: Path,
    *,
    csv_mapping: CsvMapping | None = None,
    shared_tags: dict[str, str] | None = None,
) -> Source:
    """Open any file Sightline imports, its records carrying `shared_tags`
    where they do not say otherwise. Raises UnreadableFile, before anything
    is imported, when the file is missing or is no format Sightline reads."""
    return with_shared_tags(_open(path, csv_mapping), shared_tags or {})


def _open(path: Path, csv_mapping: CsvMapping | None) -> Source:
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    if path.is_dir():
        raise UnreadableFile(f"{path}: is a folder, not a file")
    compression = compression_of(path)
    check_decompressed_size(path)
    head = head_bytes(path)
    if not head.strip():
        raise UnreadableFile(f"{path}: the file is empty")
    if is_pbf(head):
        if compression:
            raise UnreadableFile(f"{path}: a compressed PBF; PBF is compressed already")
        return osm_source(path, "pbf", change_file=False)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return _xml_source(path, head, compression)
    if stripped[:1] in {b"{", b"["}:
        document = load_json(path)
        if is_overpass(document):
            return overpass_source(path, document)
        shape = deflock_shape(document)
        if shape:
            return deflock_source(path, document, shape)
        return geojson_source(path, document)
    if csv_mapping is None and not _looks_like_text(head):
        raise UnreadableFile(
            f"{path}: not a format Sightline reads (OSM XML or PBF, osmChange, GeoJSON, "
            "Overpass JSON, DeFlock's JSON, CSV)"
        )
    return csv_source(path, csv_mapping)


def is_pbf(head: bytes) -> bool:
    """A PBF starts with a 4-byte header length and a BlobHeader whose first
    field is the string "OSMHeader"."""
    return len(head) > 16 and head[4] == 0x0A and b"OSMHeader" in head[5:20]


def _xml_source(path: Path, head: bytes, compression: str) -> Source:
    match = OSM_XML_ROOT.search(head)
    if not match:
        raise UnreadableFile(f"{path}: an XML file, but neither OSM XML nor osmChange")
    change_file = match[1] == b"osmChange"
    osmium_format = ("osc" if change_file else "osm") + (f".{compression}" if compression else "")
    return osm_source(path, osmium_format, change_file=change_file)


def _looks_like_text(head: bytes) -> bool:
    """Binary files (images, archives) have NUL bytes or many control
    characters; text in any encoding has few."""
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    controls = sum(byte < 9 or 13 < byte < 32 for byte in head[:4096])
    return controls < len(head[:4096]) / 100 + 1
