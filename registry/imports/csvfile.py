"""CSV lists from official open data (a city's CCTV register, a police
department's ALPR list): any delimiter, any encoding the file declares or
that is detected, coordinates in lat/lon, x/y or one location column.

Which column is which comes from a mapping: inline (`lat=LATITUDE,lon=LONG`)
or a small TOML/JSON file, which can also name the delimiter, encoding,
coordinate system and tags every row shares:

    [columns]
    lat = "Latitude"
    lon = "Longitude"
    ref = "Camera ID"
    direction = "Facing"

    [tags]
    "surveillance:type" = "camera"
    operator = "City of Springfield Police Department"

    [file]
    delimiter = ";"
    encoding = "cp1252"
    srid = 3435

Without a mapping, common column names (latitude, lon, x, y, location...) are
recognised. Columns the mapping does not name are kept as raw tags under
their own names, so nothing in the record is lost.

A cell Sightline's own CSV files protected from spreadsheets (`'=1+2`, see
registry/exports.py) reads back as it was (`=1+2`), and a UTF-8 byte-order
mark is accepted. A file with the columns of Sightline's own export, and no
mapping naming columns, is read as one (sightline.py): its identity, fields
and raw tags as they were, its bookkeeping columns never as tags, so that an
export imports back exactly. A record id (the `ref` column) names one row:
rows sharing one are all refused, with the lines they are on, since nothing
says which of them is the record.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes
from django.contrib.gis.gdal import CoordTransform, GDALException, SpatialReference
from django.contrib.gis.geos import Point

from registry.exports import CSV_COLUMNS, unescape_formula

from .compression import open_binary
from .geojson import checked_position
from .records import (
    FeatureRejection,
    Source,
    SourceFeature,
    SourceItem,
    SourceNote,
    UnreadableFile,
)
from .sightline import SightlineRecords

# The columns by which a CSV is Sightline's own export (registry/exports.py),
# all of them in every version of it.
SIGHTLINE_COLUMNS = frozenset(
    {"id", "longitude", "latitude", "kind", "status", "osm_type", "osm_id", "version"}
)

# Friendly names a mapping may use for OSM keys.
FIELD_KEYS = {
    "kind": "surveillance:type",
    "type": "surveillance:type",
    "direction": "camera:direction",
    "directions": "camera:direction",
    "camera_type": "camera:type",
    "mount": "camera:mount",
    "zone": "surveillance:zone",
    "visibility": "surveillance",
    "vendor": "manufacturer",
    "manufacturer": "manufacturer",
    "brand": "brand",
    "product": "model",
    "model": "model",
    "operator": "operator",
    "height": "height",
    "tilt": "camera:angle",
    "angle": "camera:angle",
    "confirmed": "check_date",
    "check_date": "check_date",
    "name": "name",
    "description": "description",
    "start_date": "start_date",
}
COORDINATE_TARGETS = {"lat", "lon", "x", "y", "location"}
TARGET_ALIASES = {"latitude": "lat", "longitude": "lon", "lng": "lon", "long": "lon", "id": "ref"}
# Column names recognised without a mapping (compared without case, spaces,
# underscores and dashes).
GUESSED_COLUMNS = {
    "lat": {"lat", "latitude", "latdd", "ylat", "latwgs84"},
    "lon": {"lon", "lng", "long", "longitude", "londd", "xlon", "lonwgs84", "longwgs84"},
    "y": {"y", "ycoord", "ycoordinate", "pointy"},
    "x": {"x", "xcoord", "xcoordinate", "pointx"},
    "location": {"location", "geom", "thegeom", "geometry", "wkt", "point", "coordinates"},
    "ref": {"id", "ref", "objectid", "fid", "cameraid", "camera", "recordid", "assetid"},
}
# Other columns whose name says which tag they hold, by tag, in order of
# preference: the first such column present fills the tag, the others stay
# raw tags under their own names. Sightline's own CSV export is among them
# (its raw vendor and operator strings before the records' slugs). A column
# called "type" could be the kind or the camera type: left to the mapping.
GUESSED_TAG_COLUMNS = {
    "surveillance:type": ("kind", "surveillancetype"),
    "camera:type": ("cameratype",),
    "camera:mount": ("mount", "cameramount"),
    "surveillance:zone": ("zone", "surveillancezone"),
    "surveillance": ("visibility",),
    "camera:direction": ("directions", "direction", "facing", "cameradirection"),
    "camera:angle": ("tilt", "cameraangle"),
    "height": ("height",),
    "manufacturer": ("vendorraw", "manufacturer", "vendor", "make"),
    "model": ("product", "model"),
    "operator": ("operatorraw", "operator", "agency", "owner"),
    "check_date": ("lastconfirmed", "checkdate"),
    "start_date": ("startdate", "installed", "installdate", "installationdate", "dateinstalled"),
    "name": ("name",),
    "description": ("description",),
}
DELIMITERS = ",;\t|"
_LOCATION_WKT = re.compile(
    r"^\s*POINT\s*\(\s*(?P<x>[-+\d.eE]+)\s+(?P<y>[-+\d.eE]+)\s*\)\s*$", re.IGNORECASE
)
_LOCATION_PAIR = re.compile(r"^\s*\(?\s*(?P<lat>[-+\d.]+)\s*[,;\s]\s*(?P<lon>[-+\d.]+)\s*\)?\s*$")


class MappingError(UnreadableFile):
    """The mapping cannot be used with this file; nothing is imported."""


@dataclass
class CsvMapping:
    columns: dict[str, str] = field(default_factory=dict)  # target -> column
    tags: dict[str, str] = field(default_factory=dict)  # constant tags
    delimiter: str = ""
    encoding: str = ""
    srid: int = 4326

    @classmethod
    def parse(cls, spec: str) -> CsvMapping:
        """`--map` is a mapping file (.toml or .json) or inline
        `target=column,target=column`."""
        path = Path(spec)
        if path.suffix.lower() in {".toml", ".json"} or ("=" not in spec and path.is_file()):
            return cls.from_file(path)
        columns = {}
        for part in filter(None, (piece.strip() for piece in spec.split(","))):
            target, sep, column = part.partition("=")
            if not sep or not target.strip() or not column.strip():
                raise MappingError(
                    f"--map: {part!r} is not target=column (for example lat=LATITUDE)"
                )
            columns[target.strip()] = column.strip()
        return cls(columns=_normalised_targets(columns))

    @classmethod
    def from_file(cls, path: Path) -> CsvMapping:
        try:
            text = path.read_text(encoding="utf-8")
            document = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
        except FileNotFoundError:
            raise MappingError(f"mapping file {path}: no such file") from None
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise MappingError(f"mapping file {path}: cannot be read ({error})") from None
        if not isinstance(document, dict):
            raise MappingError(f"mapping file {path}: must be a table of sections")
        unknown = set(document) - {"columns", "tags", "file"}
        if unknown:
            raise MappingError(
                f"mapping file {path}: unknown section {sorted(unknown)[0]!r}; "
                "use [columns], [tags] and [file]"
            )
        sections = {name: document.get(name, {}) for name in ("columns", "tags", "file")}
        for name, section in sections.items():
            if not isinstance(section, dict) or not all(
                isinstance(value, str | int) for value in section.values()
            ):
                raise MappingError(f"mapping file {path}: [{name}] must map names to text")
        options = sections["file"]
        unknown = set(options) - {"delimiter", "encoding", "srid"}
        if unknown:
            raise MappingError(f"mapping file {path}: [file] has no option {sorted(unknown)[0]!r}")
        try:
            srid = int(options.get("srid", 4326))
        except ValueError:
            raise MappingError(f"mapping file {path}: srid must be a number") from None
        return cls(
            columns=_normalised_targets({k: str(v) for k, v in sections["columns"].items()}),
            tags={str(k): str(v) for k, v in sections["tags"].items()},
            delimiter=str(options.get("delimiter", "")),
            encoding=str(options.get("encoding", "")),
            srid=srid,
        )


def _normalised_targets(columns: dict[str, str]) -> dict[str, str]:
    return {
        TARGET_ALIASES.get(target.lower(), target): column for target, column in columns.items()
    }


def _simplified(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name.lower())


def csv_source(path: Path, mapping: CsvMapping | None = None) -> Source:
    mapping = mapping or CsvMapping()
    data = _read_bytes(path)
    encoding, note = _encoding(path, data, mapping.encoding)
    # A byte-order mark is no part of the header, even under a declared
    # encoding (`utf-8` rather than `utf-8-sig`).
    text = _decode(path, data, encoding).removeprefix("\ufeff")
    delimiter = mapping.delimiter or _sniff_delimiter(text)
    if mapping.delimiter and len(mapping.delimiter) != 1:
        raise MappingError(f"delimiter {mapping.delimiter!r} must be one character")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(column.strip() for column in header):
        raise UnreadableFile(f"{path}: an empty CSV file, no header row")
    header = [column.strip() for column in header]
    notes = [SourceNote(0, "", note)] if note else []
    if not mapping.columns and set(header) >= SIGHTLINE_COLUMNS:
        rows = _sightline_rows(text, delimiter, reader, header, mapping.tags, notes)
        return Source(
            format="CSV (Sightline export)",
            items=_parsed(path, reader, rows),
            metadata={"description": f"Sightline CSV export {path.name}"},
        )
    columns = _resolve_columns(path, header, mapping)
    transform = _transform(mapping.srid)
    repeated = _repeated_ids(text, delimiter, columns["ref"]) if "ref" in columns else {}
    rows = _rows(reader, header, columns, mapping, transform, notes, repeated)
    return Source(
        format="CSV",
        items=_parsed(path, reader, rows),
        metadata={"description": f"CSV list {path.name}"},
    )


def _cells(row: list[str]) -> list[str]:
    """A row's cells as they were before Sightline's export protected them
    from spreadsheets."""
    return [unescape_formula(value) for value in row]


def _ref(row: list[str], column: int) -> str:
    """The record id of a row, as stored (at most 100 characters)."""
    return row[column].strip()[:100] if len(row) > column else ""


def _repeated_ids(text: str, delimiter: str, column: int) -> dict[str, list[int]]:
    """Each record id found on more than one row, with the lines of those
    rows, read before any row is imported: a repeated id would otherwise
    make two cameras of one record, then, on the next import, update one
    camera twice in one run."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader, None)
    lines: dict[str, list[int]] = defaultdict(list)
    try:
        for row in reader:
            ref = _ref(_cells(row), column)
            if ref:
                lines[ref].append(reader.line_num)
    except csv.Error:
        pass  # the import's own reading stops at that line, and says why
    return {ref: found for ref, found in lines.items() if len(found) > 1}


def _repeated_message(ref: str, column: str, lines: list[int]) -> str:
    listed = ", ".join(map(str, lines[:-1])) + f" and {lines[-1]}"
    return (
        f"the id {ref!r} (column {column!r}) is on lines {listed}: an id names one record, "
        "so none of these rows is imported"
    )


def _parsed(path: Path, reader, rows: Iterator[SourceItem]) -> Iterator[SourceItem]:
    """A line the csv module cannot parse at all (a field over its size
    limit, say) means the file is not the CSV it seemed: the import stops
    and, in its transaction, writes nothing."""
    try:
        yield from rows
    except csv.Error as error:
        raise UnreadableFile(
            f"{path}: line {reader.line_num}: not readable as CSV ({error})"
        ) from None


def _read_bytes(path: Path) -> bytes:
    try:
        with open_binary(path) as stream:
            return stream.read()
    except (OSError, EOFError) as error:
        raise UnreadableFile(f"{path}: cannot be read ({error})") from None


def _encoding(path: Path, data: bytes, declared: str) -> tuple[str, str]:
    """The declared encoding, a byte-order mark, UTF-8, or what detection
    finds, with a note when it was guessed."""
    if declared:
        try:
            return codecs.lookup(declared).name, ""
        except LookupError:
            raise MappingError(f"encoding {declared!r} is not an encoding Python knows") from None
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):  # fmt: skip
        if data.startswith(bom):
            return name, ""
    try:
        data.decode("utf-8")
        return "utf-8", ""
    except UnicodeDecodeError:
        pass
    encoding = _detected_encoding(data[:1_000_000])
    if encoding is None:
        raise UnreadableFile(
            f"{path}: the text encoding cannot be recognised; name it with --encoding"
        )
    return encoding, f"the file is not UTF-8; read as {encoding} (detected)"


def _detected_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess; where Windows-1252 reads the text as well
    as the best guess (short Western files often fit several code pages),
    Windows-1252, by far the most common legacy encoding of open data."""
    matches = list(from_bytes(data))
    if not matches:
        return None
    least_chaos = min(match.percent_chaos for match in matches)
    for match in matches:
        if match.percent_chaos == least_chaos and "cp1252" in match.could_be_from_charset:
            return "cp1252"
    return matches[0].encoding


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UnreadableFile(
            f"{path}: line {line} is not valid {encoding} (byte {error.start}); "
            "is the encoding right? Name it with --encoding"
        ) from None
    if "\x00" in text:
        raise UnreadableFile(f"{path}: contains NUL characters: not a text CSV file")
    return text


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = text.split("\n", 1)[0]
        return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


def _resolve_columns(path: Path, header: list[str], mapping: CsvMapping) -> dict[str, int]:
    """target -> column index, from the mapping or guessed from the names."""
    positions = {name: index for index, name in enumerate(header)}
    columns: dict[str, int] = {}
    for target, column in mapping.columns.items():
        if column not in positions:
            raise MappingError(
                f"{path}: the mapping names column {column!r} for {target}, but the file has "
                f"no such column (it has: {', '.join(header)})"
            )
        columns[target] = positions[column]
    simplified = {_simplified(name): index for index, name in enumerate(header)}
    for target, names in GUESSED_COLUMNS.items():
        if target in columns:
            continue
        found = next((simplified[name] for name in names if name in simplified), None)
        if found is not None and found not in columns.values():
            columns[target] = found
    has_pair = {"lat", "lon"} <= columns.keys() or {"x", "y"} <= columns.keys()
    if not has_pair and "location" not in columns:
        raise MappingError(
            f"{path}: no coordinate columns found (columns: {', '.join(header)}); name them "
            "with --map lat=COLUMN,lon=COLUMN (or x=,y= with --srid, or location=)"
        )
    if has_pair:
        columns.pop("location", None)
    if {"lat", "lon"} <= columns.keys():
        columns.pop("x", None)
        columns.pop("y", None)
    return columns


def _transform(srid: int) -> CoordTransform | None:
    if srid == 4326:
        return None
    try:
        return CoordTransform(SpatialReference(srid), SpatialReference(4326))
    except (GDALException, TypeError, ValueError):
        raise MappingError(f"srid {srid} is not a coordinate system GDAL knows") from None


def _rows(reader, header, columns, mapping, transform, notes, repeated) -> Iterator[SourceItem]:
    yield from notes
    targets = {index: target for target, index in columns.items()}
    guessed_keys = _guessed_keys(header, columns)
    for number, raw_row in enumerate(reader, start=1):
        line = reader.line_num
        if not any(value.strip() for value in raw_row):
            continue
        row = _cells(raw_row)
        ref = _ref(row, columns["ref"]) if "ref" in columns else ""
        label = f"line {line}" + (f", {ref}" if ref else "")
        if ref in repeated:
            message = _repeated_message(ref, header[columns["ref"]], repeated[ref])
            yield FeatureRejection(number, label, "id", message)
            continue
        if len(row) != len(header):
            yield FeatureRejection(
                number, label, "row", f"has {len(row)} fields, the header has {len(header)}"
            )
            continue
        position = _row_position(row, columns, transform)
        if isinstance(position, str):
            yield FeatureRejection(number, label, "coordinates", position)
            continue
        tags = dict(mapping.tags)
        for index, value in enumerate(row):
            value = value.strip()
            target = targets.get(index)
            if not value or target in COORDINATE_TARGETS or target == "ref":
                continue
            key = FIELD_KEYS.get(target, target) if target else guessed_keys[index]
            tags[key] = value
        yield SourceFeature(number, position[0], position[1], tags, source_ref=ref)


def _sightline_rows(text, delimiter, reader, header, shared_tags, notes) -> Iterator[SourceItem]:
    """The rows of Sightline's own CSV export, each read as the camera it
    was. Columns the export does not write (added in a spreadsheet) are
    tags, over the record's own."""
    yield from notes
    records = SightlineRecords(_sightline_values(text, delimiter, header))
    added = [name for name in header if name not in CSV_COLUMNS]
    coordinates = {"lon": header.index("longitude"), "lat": header.index("latitude")}
    for number, raw_row in enumerate(reader, start=1):
        if not any(value.strip() for value in raw_row):
            continue
        where = f"line {reader.line_num}"
        if len(raw_row) != len(header):
            message = f"has {len(raw_row)} fields, the header has {len(header)}"
            yield FeatureRejection(number, where, "row", message)
            continue
        row = _cells(raw_row)
        values = dict(zip(header, row, strict=True))
        position = _row_position(row, coordinates, None)
        if isinstance(position, str):
            yield FeatureRejection(number, where, "coordinates", position)
            continue
        above = {name: values[name].strip() for name in added if values[name].strip()}
        item = records.item(
            number, values, *position, camera_id=values["id"], where=where,
            tags_around=(shared_tags, above),
        )  # fmt: skip
        yield from item if isinstance(item, tuple) else (item,)


def _sightline_values(text: str, delimiter: str, header: list[str]) -> Iterator[tuple]:
    """(values, camera id) of each row, read before the import."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    next(reader, None)
    try:
        for row in reader:
            if len(row) == len(header):
                values = dict(zip(header, _cells(row), strict=True))
                yield values, values["id"]
    except csv.Error:
        pass  # the import's own reading stops at that line, and says why


def _guessed_keys(header: list[str], columns: dict[str, int]) -> list[str]:
    """The tag each column fills: a guessed OSM key, or its own name. A
    guess never takes a key the mapping already sends a column to."""
    keys = list(header)
    taken = {FIELD_KEYS.get(target, target) for target in columns}
    simplified = [_simplified(name) for name in header]
    for key, names in GUESSED_TAG_COLUMNS.items():
        if key in taken:
            continue
        found = next((simplified.index(name) for name in names if name in simplified), None)
        if found is not None and found not in columns.values():
            keys[found] = key
    return keys


def _number(text: str) -> float | str:
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # a decimal comma
    try:
        return float(cleaned)
    except ValueError:
        return f"{text.strip()!r} is not a number" if text.strip() else "is empty"


def _row_position(row, columns, transform) -> tuple[float, float] | str:
    if "location" in columns:
        return _location_text(row[columns["location"]])
    lon_key, lat_key = ("lon", "lat") if "lat" in columns else ("x", "y")
    lon, lat = _number(row[columns[lon_key]]), _number(row[columns[lat_key]])
    for name, value in ((lon_key, lon), (lat_key, lat)):
        if isinstance(value, str):
            return f"{name} {value}"
    if transform is not None:
        point = Point(lon, lat)
        try:
            point.transform(transform)
        except GDALException as error:
            return f"({lon}, {lat}) cannot be transformed to WGS 84 ({error})"
        lon, lat = point.x, point.y
    return checked_position(lon, lat)


def _location_text(text: str) -> tuple[float, float] | str:
    """`POINT (lon lat)` (WKT) or `(lat, lon)` as open-data portals write it."""
    match = _LOCATION_WKT.match(text)
    if match:
        values = _number(match["x"]), _number(match["y"])
    else:
        match = _LOCATION_PAIR.match(text)
        if not match:
            return f"location {text.strip()!r} is neither POINT (lon lat) nor (lat, lon)"
        values = _number(match["lon"]), _number(match["lat"])
    if any(isinstance(value, str) for value in values):
        return f"location {text.strip()!r} is not a pair of numbers"
    return checked_position(*values)
