"""Cameras out of Sightline: GeoJSON, CSV, OSM XML and osmChange, streamed.

Each writer takes a Camera queryset, already filtered by its caller (the
`export_cameras` command, the site's downloads), and yields text chunks.
Rows come from a server-side cursor and chunks are flushed every few hundred
cameras, so memory stays flat however large the registry is.

The OSM formats regenerate each camera's tags from its normalised fields
(`registry.osm_tags.fields_to_tags`), so an edit made in Sightline is what
JOSM or an upload sees, while tags Sightline does not model pass through.
What OSM cannot hold (keys or values over 255 characters, characters XML 1.0
cannot carry) is left out and counted in an `ExportReport`.

Every CSV Sightline writes (this one, the area reports' tables) is safe to
open in a spreadsheet: text that a spreadsheet would run as a formula gets a
single quote in front (`escape_formula`), which the CSV import removes again
(`unescape_formula`), so that an export imports back exactly.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any
from xml.sax.saxutils import escape

from django.db.models import (
    BigIntegerField,
    Case,
    F,
    Func,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Abs

from registry.models import OsmType, Status
from registry.models.cameras import Latitude, Longitude
from registry.osm_tags import CameraFields, fields_to_tags, tags_to_fields

ATTRIBUTION = (
    "Data derived from OpenStreetMap is (c) OpenStreetMap contributors, available under "
    "the Open Database License (ODbL 1.0): https://www.openstreetmap.org/copyright"
)
LICENSE = "ODbL-1.0"

# Rows fetched per round trip of the server-side cursor.
CHUNK = 2000
# Cameras per yielded chunk: a streamed response makes one write per chunk,
# and one per camera would be 168k small writes for the whole registry.
BATCH = 500

# What the public may see, and what is believed to still be in place.
PUBLIC_STATUSES = (Status.REPORTED, Status.VERIFIED, Status.REMOVED)
IN_PLACE_STATUSES = (Status.REPORTED, Status.VERIFIED)

# The OSM API refuses longer keys and values (counted in characters).
OSM_MAX_LENGTH = 255
# Characters XML 1.0 cannot carry at all, escaped or not.
XML_UNSAFE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Escaping for a double-quoted attribute; the whitespace entities keep tabs
# and line breaks from being normalised to spaces by XML parsers.
ATTRIBUTE_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}

# The CSV's columns. With the raw tags (as a JSON object), the record's id in
# its dataset and the OSM version, an export imports back as it was
# (registry/imports/csvfile.py reads this layout by its header). How and when
# a camera was verified are bookkeeping, like its status: never tags.
CSV_COLUMNS = (
    "id", "longitude", "latitude", "kind", "status", "verified_by", "verified_at",
    "visibility", "zone", "camera_type", "mount", "directions", "tilt", "height", "vendor",
    "vendor_raw", "product", "operator", "operator_raw", "last_confirmed", "first_seen",
    "removed_on", "osm_type", "osm_id", "osm_version", "source_ref", "version", "updated_at",
    "tags",
)  # fmt: skip
# CSV columns read from a related record rather than the camera itself.
CSV_SOURCES = {"vendor": "vendor__slug", "operator": "operator__slug"}
# What a GeoJSON feature's properties gain over the stored Feature text, for
# the same reason.
GEOJSON_PROPERTIES = (
    "tags", "vendor_raw", "product", "operator_raw", "first_seen", "osm_version", "source_ref",
)  # fmt: skip


@dataclass
class ExportReport:
    """What a writer wrote and what it had to leave out; filled in as the
    stream is consumed, so read it once the last chunk is out."""

    cameras: int = 0
    # Dropped tags by key: over OSM's length limit, or unusable in XML (a
    # character XML cannot carry, or an empty key or value).
    too_long: Counter[str] = field(default_factory=Counter)
    unusable: Counter[str] = field(default_factory=Counter)
    # OSM nodes left out of an OSM XML export because their version is not
    # known: JOSM refuses a whole file with one existing node lacking it.
    unversioned_nodes: int = 0
    # Cameras that are OSM ways or relations, left out of the OSM formats
    # (see `osm_identity`): how many, and the first few, to name them.
    not_nodes: int = 0
    not_nodes_named: list[str] = field(default_factory=list)

    def leave_out_object(self, osm_type: str, osm_id: int) -> None:
        self.not_nodes += 1
        if len(self.not_nodes_named) < NAMED_OBJECTS:
            self.not_nodes_named.append(f"{osm_type}/{osm_id}")

    @property
    def tags_dropped(self) -> int:
        return self.too_long.total() + self.unusable.total()

    def drop(self, key: str, value: str) -> bool:
        """Whether OSM cannot take this tag; counts it if so."""
        if len(key) > OSM_MAX_LENGTH or len(value) > OSM_MAX_LENGTH:
            self.too_long[_short(key)] += 1
            return True
        if not key or not value or XML_UNSAFE.search(key) or XML_UNSAFE.search(value):
            self.unusable[_short(key)] += 1
            return True
        return False

    def summary(self) -> str:
        lines = [f"{self.cameras} cameras exported."]
        reasons = [
            f"{counts.total()} {reason} ({_top(counts)})"
            for reason, counts in (
                (f"over OSM's {OSM_MAX_LENGTH}-character limit", self.too_long),
                ("empty or with characters XML cannot carry", self.unusable),
            )
            if counts
        ]
        if reasons:
            lines.append(f"{self.tags_dropped} tags dropped: {'; '.join(reasons)}.")
        if self.unversioned_nodes:
            lines.append(
                f"{self.unversioned_nodes} OSM nodes left out: their OSM version is not known "
                "(imported from a source without versions), and JOSM refuses a file with an "
                "existing node lacking its version. Re-import them from a source with versions."
            )
        if self.not_nodes:
            named = ", ".join(self.not_nodes_named)
            more = self.not_nodes - len(self.not_nodes_named)
            named += f" and {more} more" if more else ""
            lines.append(
                f"{self.not_nodes} OSM ways and relations left out ({named}): Sightline keeps "
                "their centre, not their members, so it cannot write them as what they are, "
                "and a node in their place would duplicate them in OSM. Edit them in OSM."
            )
        return "\n".join(lines)


# Ways and relations named in a summary; the rest are counted.
NAMED_OBJECTS = 5


def _short(key: str) -> str:
    """A key short enough to show in a summary line."""
    return key if len(key) <= 40 else key[:39] + "…"


def _top(counts: Counter[str], n: int = 3) -> str:
    """The keys dropped most, e.g. `pe_external_orgs x2483`."""
    shown = ", ".join(f"{key} x{count}" for key, count in counts.most_common(n))
    return shown + (f" and {len(counts) - n} more keys" if len(counts) > n else "")


def _batches(items: Iterable[str]) -> Iterator[list[str]]:
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH)):
        yield batch


# ---------------------------------------------------------------- GeoJSON


class ExportFeature(Func):
    """The camera's stored Feature text (kept by a trigger) with what an
    export adds, built in PostgreSQL (a jsonb merge per row costs far less
    than parsing and re-serialising every Feature in Python): the position to
    its last digit, where the stored text rounds it to 7 decimals (1 cm), and
    the GEOJSON_PROPERTIES, raw OSM tags first, so that an export imports
    back as it was."""

    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("feature"), F("location"), *map(F, GEOJSON_PROPERTIES))

    def as_sql(self, compiler, connection, **extra_context):
        compiled = [compiler.compile(expression) for expression in self.source_expressions]
        feature, location, *columns = (sql for sql, _params in compiled)
        properties = ", ".join(
            f"'{name}', {column}" for name, column in zip(GEOJSON_PROPERTIES, columns, strict=True)
        )
        sql = (
            f"({feature}::jsonb || jsonb_build_object("
            f"'geometry', ST_AsGeoJSON({location}, 15)::jsonb, "
            f"'properties', ({feature}::jsonb -> 'properties') || jsonb_build_object({properties})"
            "))::text"
        )
        return sql, [param for _sql, params in compiled for param in params]


def geojson_chunks(cameras: QuerySet, report: ExportReport | None = None) -> Iterator[str]:
    """An RFC 7946 FeatureCollection; the licence and attribution are
    top-level foreign members, which the RFC allows."""
    report = report if report is not None else ExportReport()
    yield (
        '{"type":"FeatureCollection",'
        f'"license":{json.dumps(LICENSE)},"attribution":{json.dumps(ATTRIBUTION)},'
        '"features":['
    )
    features = (
        cameras.annotate(export_feature=ExportFeature())
        .values_list("export_feature", flat=True)
        .iterator(chunk_size=CHUNK)
    )
    separator = ""
    for batch in _batches(features):
        report.cameras += len(batch)
        yield separator + ",".join(batch)
        separator = ","
    yield "]}\n"


# ---------------------------------------------------------------- CSV

# A spreadsheet runs a cell that starts with one of =, +, -, @, a tab or a
# carriage return as a formula (OWASP, "CSV Injection"), and anyone can send
# such text. Leading single quotes are counted too, so that text which
# already starts with a quote and then one of those keeps its own quote
# through escaping and unescaping.
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
# Text that is a plain number (-87.63, +5, -1e-3) is no formula: a
# spreadsheet reads it as the number, and so does the import.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Prepended to a CSV for spreadsheets that take UTF-8 only with it (`?bom=1`,
# `export_cameras --bom`).
BYTE_ORDER_MARK = "\ufeff"


def _runs_as_formula(text: str) -> bool:
    return _FORMULA_START.match(text) is not None and _PLAIN_NUMBER.fullmatch(text) is None


def escape_formula(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as the text it is: text starting with
    =, +, -, @, a tab or a carriage return (after any single quotes) gets a
    single quote in front. Numbers, and text that is a plain number such as
    a negative coordinate, stay as they are."""
    if value is None or isinstance(value, int | float | Decimal):
        return value
    text = str(value)  # a lazily translated label, a date
    return "'" + text if _runs_as_formula(text) else value


def unescape_formula(text: str) -> str:
    """A CSV cell as it was before `escape_formula`: its leading single quote
    is removed where `escape_formula` would have added it, and only there."""
    if text.startswith("'") and _runs_as_formula(text[1:]):
        return text[1:]
    return text


def formula_safe_row(values: Iterable[Any]) -> list[Any]:
    return [escape_formula(value) for value in values]


def wants_byte_order_mark(value: str | None) -> bool:
    """`bom=1` (or true) asks for a byte-order mark, `bom=0` (false) or no
    `bom` for none; anything else is a ValueError naming what is allowed."""
    if value is None or value.lower() in {"0", "false", ""}:
        return False
    if value.lower() in {"1", "true"}:
        return True
    raise ValueError(f"bom must be 1 (or true) or 0 (or false), not {value!r}.")


def exact_number(value: float) -> str:
    """90.0 -> `90`, 12.345678901 -> `12.345678901`: the shortest text that
    reads back as the same number (OSM's tags round to 6 decimals)."""
    return str(int(value)) if value.is_integer() else repr(value)


class _Line:
    """csv.writer target that hands each written line back."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    cameras: QuerySet, report: ExportReport | None = None, *, byte_order_mark: bool = False
) -> Iterator[str]:
    """One row per camera, directions joined by `;`, numbers to their last
    digit, the raw tags as a JSON object, text cells safe from spreadsheets
    (`escape_formula`). A CSV has no place for the attribution: callers carry
    it beside the file (stderr, a header)."""
    report = report if report is not None else ExportReport()
    writer = csv.writer(_Line())
    yield (BYTE_ORDER_MARK if byte_order_mark else "") + writer.writerow(CSV_COLUMNS)
    rows = (
        cameras.annotate(longitude=Longitude("location"), latitude=Latitude("location"))
        .values_list(*(CSV_SOURCES.get(column, column) for column in CSV_COLUMNS))
        .iterator(chunk_size=CHUNK)
    )
    directions = CSV_COLUMNS.index("directions")
    updated_at = CSV_COLUMNS.index("updated_at")
    verified_at = CSV_COLUMNS.index("verified_at")
    tags = CSV_COLUMNS.index("tags")

    def line(row: tuple) -> str:
        values = list(row)
        values[directions] = ";".join(map(exact_number, values[directions] or []))
        values[updated_at] = values[updated_at].isoformat()
        values[verified_at] = values[verified_at].isoformat() if values[verified_at] else ""
        values[tags] = json.dumps(values[tags], ensure_ascii=False, separators=(",", ":"))
        return writer.writerow(formula_safe_row(values))

    for batch in _batches(map(line, rows)):
        report.cameras += len(batch)
        yield "".join(batch)


# ---------------------------------------------------------------- OSM tags

# What tag regeneration reads of each camera: one query, vendor and operator
# joined, no model instances.
OSM_FIELDS = (
    "id", "osm_type", "osm_id", "osm_version", "tags", "kind", "visibility", "zone",
    "camera_type", "mount", "directions", "tilt", "height", "vendor_raw", "product",
    "operator_raw", "last_confirmed",
)  # fmt: skip
OSM_RELATED = {
    "vendor_name": F("vendor__name"),
    "vendor_wikidata": F("vendor__wikidata"),
    "operator_name": F("operator__name"),
    "operator_wikidata": F("operator__wikidata"),
}


def osm_rows(cameras: QuerySet) -> Iterator[Any]:
    """Named rows with everything a node needs, from a server-side cursor."""
    return (
        cameras.annotate(lon=Longitude("location"), lat=Latitude("location"), **OSM_RELATED)
        .values_list("lon", "lat", *OSM_FIELDS, *OSM_RELATED, named=True)
        .iterator(chunk_size=CHUNK)
    )


def camera_fields(row: Any) -> CameraFields:
    """The normalised fields of one row of `osm_rows`.

    The raw vendor and operator strings are written, not the records' names,
    so that an export does not respell other mappers' `Flock` as `Flock
    Safety`; the record's name stands in only where no string was given (a
    vendor picked from a list). Wikidata ids come from the records; where
    Sightline knows none, the id the raw tags carry is kept rather than
    deleted (fields_to_tags removes an id the fields do not repeat).
    """
    has_ids = any(str(key).endswith(":wikidata") for key in row.tags)
    raw = tags_to_fields(row.tags).fields if has_ids else CameraFields()
    fields = CameraFields(
        kind=row.kind,
        visibility=row.visibility,
        zone=row.zone,
        camera_type=row.camera_type,
        mount=row.mount,
        directions=list(row.directions or []),
        tilt=row.tilt,
        height=row.height,
        vendor_raw=_name(row.vendor_raw, row.vendor_name, named_by_id=bool(raw.vendor_wikidata)),
        vendor_wikidata=row.vendor_wikidata or raw.vendor_wikidata,
        product=row.product,
        operator_raw=_name(
            row.operator_raw, row.operator_name, named_by_id=bool(raw.operator_wikidata)
        ),
        operator_wikidata=row.operator_wikidata or raw.operator_wikidata,
        last_confirmed=row.last_confirmed,
    )
    return fields


def _name(raw: str, record_name: str | None, *, named_by_id: bool) -> str:
    """The raw string; the record's name only where the tags name it neither
    by string nor by Wikidata id (a vendor picked from a list), so that what
    a mapper tagged by id alone comes back as they tagged it."""
    if raw or named_by_id:
        return raw
    return record_name or ""


def osm_tags(row: Any, report: ExportReport) -> dict[str, str]:
    """The camera's tags as OSM should see them, sorted by key, without what
    OSM cannot hold (counted in `report`)."""
    raw_tags = {str(key): str(value) for key, value in row.tags.items() if value is not None}
    tags = fields_to_tags(camera_fields(row), raw_tags=raw_tags)
    # Whatever the source said (a mast, a building), Sightline exports cameras.
    tags["man_made"] = "surveillance"
    return {key: tags[key] for key in sorted(tags) if not report.drop(key, tags[key])}


# ---------------------------------------------------------------- OSM XML


def _attribute(value: str) -> str:
    return '"' + escape(value, ATTRIBUTE_ENTITIES) + '"'


def _comment(text: str) -> str:
    # "--" may not appear inside an XML comment, nor may what XML cannot
    # carry (a dropped key named in the summary may hold such characters).
    text = XML_UNSAFE.sub("\ufffd", re.sub("-(?=-)", "- ", text))
    return "<!-- " + text + " -->\n"


XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"
OSM_ROOT = (
    '<osm version="0.6" generator="Sightline" copyright="OpenStreetMap contributors" '
    'attribution="https://www.openstreetmap.org/copyright" '
    'license="https://opendatacommons.org/licenses/odbl/1-0/">\n'
)


def node_xml(node_id: int, row: Any, tags: Mapping[str, str], version: int | None = None) -> str:
    """One `<node>` with its tags; 7 decimals is OSM's own precision."""
    version_attribute = f' version="{version}"' if version is not None else ""
    head = f'  <node id="{node_id}"{version_attribute} lat="{row.lat:.7f}" lon="{row.lon:.7f}"'
    if not tags:
        return head + "/>\n"
    lines = [head + ">\n"]
    lines += [f"    <tag k={_attribute(k)} v={_attribute(v)}/>\n" for k, v in tags.items()]
    lines.append("  </node>\n")
    return "".join(lines)


def osm_identity(row: Any) -> tuple[int, int | None] | None:
    """(node id, version): an OSM node keeps its id and version; a camera OSM
    does not have is a new node with the JOSM convention of a negative id,
    here minus the camera's id. None for an OSM way or relation: Sightline
    has only its centre, and a node there, uploaded, would be a second copy
    of an object OSM has (with nothing to say they are one)."""
    if row.osm_id is None:
        return -row.id, None
    if row.osm_type == OsmType.NODE:
        return row.osm_id, row.osm_version
    return None


def in_osmium_order(cameras: QuerySet) -> QuerySet:
    """Ordered as the node ids an OSM export gives them (`osm_identity`), the
    way libosmium orders a file (osmium sort; `osmium fileinfo` checks it):
    negative ids first, by absolute value, then positive ids, ascending.
    Tools that read a file as a stream (osmium check-refs, apply-changes,
    osm2pgsql's updates) count on it."""
    node_id = Case(
        When(osm_type=OsmType.NODE, osm_id__isnull=False, then=F("osm_id")),
        default=-F("id"),
        output_field=BigIntegerField(),
    )
    positive = Case(When(node_id__gt=0, then=Value(1)), default=Value(0))
    return cameras.annotate(node_id=node_id).order_by(positive, Abs("node_id"))


def _osm_nodes(
    cameras: QuerySet, report: ExportReport, *, include_unversioned: bool
) -> Iterator[str]:
    for row in osm_rows(in_osmium_order(cameras)):
        identity = osm_identity(row)
        if identity is None:
            report.leave_out_object(row.osm_type, row.osm_id)
            continue
        node_id, version = identity
        if node_id > 0 and version is None and not include_unversioned:
            report.unversioned_nodes += 1
            continue
        report.cameras += 1
        yield node_xml(node_id, row, osm_tags(row, report), version)


def _report_comment(report: ExportReport) -> str:
    """What was left out, at the end of the file where a reader of the
    download (who sees no command output) can find it."""
    if not (report.tags_dropped or report.unversioned_nodes or report.not_nodes):
        return ""
    return _comment(report.summary().replace("\n", " "))


def osm_xml_chunks(
    cameras: QuerySet, report: ExportReport | None = None, *, include_unversioned: bool = False
) -> Iterator[str]:
    """An OSM XML 0.6 file, openable in JOSM: one node per camera, in the
    order osmium expects. JOSM refuses a whole file for one existing node
    without a version, so OSM nodes whose version is unknown (imported from
    GeoJSON, say) are left out and counted, unless `include_unversioned` asks
    for a file for other tools (osmium, osm2pgsql, a round trip through
    import_cameras). Cameras that are OSM ways or relations are left out and
    named (`osm_identity`)."""
    report = report if report is not None else ExportReport()
    yield XML_DECLARATION + _comment(ATTRIBUTION) + OSM_ROOT
    nodes = _osm_nodes(cameras, report, include_unversioned=include_unversioned)
    for batch in _batches(nodes):
        yield "".join(batch)
    yield _report_comment(report) + "</osm>\n"


# ---------------------------------------------------------------- osmChange


def contributable(cameras: QuerySet) -> QuerySet:
    """Cameras OSM does not have: no OSM id, and believed to be in place
    (removed and hidden cameras are never offered upstream)."""
    return cameras.filter(osm_id__isnull=True, status__in=IN_PLACE_STATUSES)


def _new_nodes(cameras: QuerySet, report: ExportReport) -> Iterator[str]:
    for row in osm_rows(in_osmium_order(contributable(cameras))):
        report.cameras += 1
        yield node_xml(-row.id, row, osm_tags(row, report))


def osmchange_chunks(cameras: QuerySet, report: ExportReport | None = None) -> Iterator[str]:
    """An osmChange file creating, as new nodes, the cameras OSM lacks, for
    moderators to review in JOSM and contribute upstream. A camera with an
    OSM identity (a node, way or relation) is never among them."""
    report = report if report is not None else ExportReport()
    yield (
        XML_DECLARATION
        + _comment(ATTRIBUTION)
        + '<osmChange version="0.6" generator="Sightline">\n<create>\n'
    )
    for batch in _batches(_new_nodes(cameras, report)):
        yield "".join(batch)
    yield "</create>\n" + _report_comment(report) + "</osmChange>\n"


# ---------------------------------------------------------------- formats

Writer = Callable[[QuerySet, ExportReport], Iterator[str]]


@dataclass(frozen=True)
class ExportFormat:
    name: str
    label: str
    writer: Writer
    content_type: str
    filename: str
    # Statuses exported when the caller asks for none, and the only ones it
    # may ask for.
    default_statuses: tuple[str, ...]
    allowed_statuses: tuple[str, ...] = tuple(Status.values)


GEOJSON = ExportFormat(
    name="geojson",
    label="GeoJSON",
    writer=geojson_chunks,
    content_type="application/geo+json",
    filename="sightline-cameras.geojson",
    default_statuses=PUBLIC_STATUSES,
)
CSV = ExportFormat(
    name="csv",
    label="CSV",
    writer=csv_lines,
    content_type="text/csv; charset=utf-8",
    filename="sightline-cameras.csv",
    default_statuses=PUBLIC_STATUSES,
)
# Removed cameras are gone from the ground: not OSM nodes unless asked for.
OSM_XML = ExportFormat(
    name="osm",
    label="OSM XML",
    writer=osm_xml_chunks,
    content_type="application/xml",
    filename="sightline-cameras.osm",
    default_statuses=IN_PLACE_STATUSES,
)
# Only cameras in place are ever offered to OSM as new nodes.
OSMCHANGE = ExportFormat(
    name="osmchange",
    label="osmChange",
    writer=osmchange_chunks,
    content_type="application/xml",
    filename="sightline-new-cameras.osc",
    default_statuses=IN_PLACE_STATUSES,
    allowed_statuses=IN_PLACE_STATUSES,
)
FORMATS = {export.name: export for export in (GEOJSON, CSV, OSM_XML, OSMCHANGE)}
