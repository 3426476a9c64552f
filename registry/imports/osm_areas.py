"""Administrative boundaries from an OpenStreetMap extract (PBF or XML,
plain, gzip or bzip2) into areas, assembled by libosmium through pyosmium.

Every `boundary=administrative` relation, and every named closed way so
tagged, at the admin levels asked for becomes an area. libosmium's filters
drop every other object before Python sees it, and its multipolygon
assembler builds the boundaries (outer and inner rings, holes subtracted).
A relation it cannot assemble (members missing from an extract cut at its
edge, ways that do not close into rings) is reported with the reason and
left out. As with boundary files, the whole extract is read before anything
is written, and everything is written in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import osmium
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import transaction
from osmium.filter import EntityFilter, IdFilter, TagFilter

from registry.models import LEVEL_DEPTH, Area, AreaLevel
from registry.services.areas import boundary_from, parent_for

from .areas import AreaImportReport, whole_number
from .compression import check_decompressed_size, compression_of, head_bytes
from .formats import OSM_XML_ROOT, is_pbf
from .records import UnreadableFile

# OSM's admin_level (https://wiki.openstreetmap.org/wiki/Key:admin_level)
# onto Sightline's levels. Countries' own meanings differ, but broadly: 2
# countries; 3-4 states, provinces, regions; 5-6 counties, Kreise,
# départements; 7-8 municipalities, cities, communes; 9-10 city districts,
# boroughs, quarters; 11 neighbourhoods. Counties have no level of their own
# in Sightline: they become cities, beside the municipalities, unless
# mapped elsewhere (--level-map 6=region) or not imported.
ADMIN_LEVELS = range(2, 12)
DEFAULT_LEVEL_MAP: dict[int, str] = {
    2: AreaLevel.COUNTRY,
    3: AreaLevel.REGION,
    4: AreaLevel.REGION,
    5: AreaLevel.CITY,
    6: AreaLevel.CITY,
    7: AreaLevel.CITY,
    8: AreaLevel.CITY,
    9: AreaLevel.DISTRICT,
    10: AreaLevel.DISTRICT,
    11: AreaLevel.WARD,
}
# A regional extract holds a few thousand boundaries (Germany's levels 4 to
# 8: about 12,000); a file with more is a larger extract than one import
# should write in one transaction.
MAX_BOUNDARIES = 25_000
ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
# libosmium assembles these relation types into areas.
AREA_RELATION_TYPES = ("boundary", "multipolygon")


@dataclass
class OsmBoundary:
    osm_id: str  # "r123" or "w123", for messages and as the fallback code
    admin_level: int
    tags: dict[str, str]
    geometry: GEOSGeometry | None = None  # None: libosmium could not assemble it
    member_ways: list[int] = field(default_factory=list)
    relation_type: str = ""

    @property
    def label(self) -> str:
        name = self.tags.get("name")
        return f"{self.osm_id} '{name}'" if name else self.osm_id


# ------------------------------------------------------------ the file


def osm_format_of(path: Path) -> str | None:
    """pyosmium's name for what the file holds ("pbf", "osm", "osm.gz",
    ...), judged by its content as the camera imports do; None when it is
    no OSM file (a boundary file for GDAL, then). An osmChange file is
    refused: it holds edits, not boundaries whole."""
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file.")
    if path.is_dir():
        return None
    compression = compression_of(path)
    head = head_bytes(path)
    if is_pbf(head):
        if compression:
            raise UnreadableFile(f"{path}: a compressed PBF; PBF is compressed already.")
        return "pbf"
    match = OSM_XML_ROOT.search(head[:4096])
    if not match:
        return None
    if match[1] == b"osmChange":
        raise UnreadableFile(
            f"{path}: an osmChange file holds edits, not whole boundaries; import an extract "
            "(.osm.pbf, .osm, .osm.bz2 or .osm.gz)."
        )
    check_decompressed_size(path)
    return "osm" + (f".{compression}" if compression else "")


def parse_admin_levels(text: str) -> list[int]:
    """ "4,6,8" as [4, 6, 8]; a ValueError naming what is wrong."""
    levels: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdecimal() or int(part) not in ADMIN_LEVELS:
            raise ValueError(
                f"'{part}' is not an admin level; OSM's run from {ADMIN_LEVELS[0]} "
                f"to {ADMIN_LEVELS[-1]} (e.g. --admin-levels 4,6,8)"
            )
        levels.append(int(part))
    return sorted(set(levels))


def parse_level_map(text: str) -> dict[int, str]:
    """ "6=region,10=ward" as {6: "region", 10: "ward"}: the levels mapped
    otherwise than DEFAULT_LEVEL_MAP does."""
    mapping: dict[int, str] = {}
    for part in filter(None, (part.strip() for part in text.split(","))):
        admin_level, _, level = part.partition("=")
        [number] = parse_admin_levels(admin_level)
        if level.strip() not in AreaLevel.values:
            raise ValueError(
                f"'{part}': '{level.strip()}' is not a level; use one of "
                f"{', '.join(AreaLevel.values)} (e.g. --level-map 6=region)"
            )
        mapping[number] = level.strip()
    return mapping


def read_osm_boundaries(
    path: Path, osmium_format: str, admin_levels: list[int]
) -> list[OsmBoundary]:
    """The boundaries at `admin_levels`, assembled or not: relations first
    (those libosmium could not assemble have no geometry), then the named
    closed ways that are no member of one of those relations."""
    try:
        relations, ways = _read(path, osmium_format, admin_levels)
    except RuntimeError as error:
        raise UnreadableFile(
            f"{path}: libosmium cannot read it (truncated or corrupt?): {error}."
        ) from error
    member_ways = {way for relation in relations.values() for way in relation.member_ways}
    boundaries = list(relations.values())
    boundaries += [way for way_id, way in ways.items() if way_id not in member_ways]
    return boundaries


def _file(path: Path, osmium_format: str) -> osmium.io.File:
    return osmium.io.File(str(path), osmium_format)


def _boundary_filters(admin_levels: list[int]) -> list[TagFilter]:
    """Both must pass (a chain of filters is an AND; each one an OR)."""
    return [
        TagFilter(("boundary", "administrative")),
        TagFilter(*(("admin_level", str(level)) for level in admin_levels)),
    ]


def _read(
    path: Path, osmium_format: str, admin_levels: list[int]
) -> tuple[dict[int, OsmBoundary], dict[int, OsmBoundary]]:
    """One read of the relations (libosmium noting the ways the boundaries
    need), one of the whole file: only boundary relations and the areas
    assembled from them, or from closed ways, reach Python."""
    processor = osmium.FileProcessor(_file(path, osmium_format)).with_areas(
        *_boundary_filters(admin_levels)
    )
    for boundary_filter in _boundary_filters(admin_levels):
        processor.with_filter(boundary_filter)
    processor.with_filter(EntityFilter(osmium.osm.RELATION | osmium.osm.AREA))
    relations: dict[int, OsmBoundary] = {}
    ways: dict[int, OsmBoundary] = {}
    factory = osmium.geom.WKBFactory()
    for count, entity in enumerate(processor, start=1):
        if count > 2 * MAX_BOUNDARIES:  # a relation and its area each
            raise UnreadableFile(
                f"{path}: more than {MAX_BOUNDARIES:,} boundaries at admin levels "
                f"{', '.join(map(str, admin_levels))}, the most one import takes; import "
                "fewer levels or a smaller extract."
            )
        if entity.is_area():
            _add_area(entity, factory, relations, ways)
        else:
            _add_relation(entity, relations)
    return relations, ways


def _add_relation(relation, relations: dict[int, OsmBoundary]) -> None:
    boundary = relations.setdefault(
        relation.id, OsmBoundary(f"r{relation.id}", _admin_level(relation.tags), {})
    )
    boundary.tags = dict(relation.tags)
    boundary.relation_type = relation.tags.get("type", "")
    boundary.member_ways = [member.ref for member in relation.members if member.type == "w"]


def _add_area(
    area, factory, relations: dict[int, OsmBoundary], ways: dict[int, OsmBoundary]
) -> None:
    """The area's geometry; an area libosmium could not assemble comes
    empty, and stays without one."""
    tags = dict(area.tags)
    if area.from_way():
        if "name" not in tags:
            return  # an unnamed closed way is a stretch of some relation's border
        boundary = ways[area.orig_id()] = OsmBoundary(
            f"w{area.orig_id()}", _admin_level(area.tags), tags
        )
    else:
        boundary = relations.setdefault(
            area.orig_id(), OsmBoundary(f"r{area.orig_id()}", _admin_level(area.tags), tags)
        )
    try:
        boundary.geometry = GEOSGeometry(factory.create_multipolygon(area), srid=4326)
    except (RuntimeError, GEOSException, ValueError):
        boundary.geometry = None


def _admin_level(tags) -> int:
    return int(tags.get("admin_level"))  # the filters let through only levels asked for


# ------------------------------------------------------------ why one failed


def rebuild_or_explain(
    path: Path, osmium_format: str, broken: list[OsmBoundary]
) -> dict[str, str]:
    """For each boundary libosmium could not assemble, why; one more read
    of the file, in which only those relations' member ways reach Python.
    libosmium refuses rings that cross themselves or each other: when all
    members are there and their ways close into rings, the boundary is
    built from them here instead (and made valid on import), and so not
    listed."""
    reasons: dict[str, str] = {}
    wanted: set[int] = set()
    for boundary in broken:
        reason = _not_a_relation_area(boundary)
        if reason:
            reasons[boundary.osm_id] = reason
        else:
            wanted.update(boundary.member_ways)
    ways = _member_ways(path, osmium_format, wanted) if wanted else {}
    for boundary in broken:
        if boundary.osm_id not in reasons:
            reason = _missing(boundary.member_ways, ways) or _rebuilt(boundary, ways)
            if reason:
                reasons[boundary.osm_id] = reason
    return reasons


def _not_a_relation_area(boundary: OsmBoundary) -> str:
    if boundary.osm_id.startswith("w"):
        return "its nodes do not make a ring libosmium can read"
    if boundary.relation_type not in AREA_RELATION_TYPES:
        return (
            f"a type={boundary.relation_type or '(none)'} relation; boundaries are "
            "type=boundary (or multipolygon) relations"
        )
    if not boundary.member_ways:
        return "it has no member ways"
    return ""


def _member_ways(
    path: Path, osmium_format: str, wanted: set[int]
) -> dict[int, list[tuple[float, float]] | None]:
    """The coordinates of each of the `wanted` ways the file holds; None
    for a way some of whose nodes it does not hold."""
    processor = (
        osmium.FileProcessor(_file(path, osmium_format))
        .with_locations()
        .with_filter(EntityFilter(osmium.osm.WAY))
        .with_filter(IdFilter(wanted))
    )
    ways: dict[int, list[tuple[float, float]] | None] = {}
    for way in processor:
        locations = [node.location for node in way.nodes]
        ways[way.id] = (
            [(location.lon, location.lat) for location in locations]
            if all(location.valid() for location in locations)
            else None
        )
    return ways


def _missing(members: list[int], ways: dict[int, list[tuple[float, float]] | None]) -> str:
    absent = [way for way in members if way not in ways]
    if absent:
        return (
            f"{len(absent)} of its {len(members)} member ways are not in the extract "
            f"({_listed(absent)}): it is cut at the extract's edge"
        )
    short = [way for way in members if ways[way] is None]
    if short:
        return (
            f"member ways {_listed(short)} lack nodes the extract does not hold: it is cut "
            "at the extract's edge"
        )
    return ""


def _rebuilt(boundary: OsmBoundary, ways: dict[int, list[tuple[float, float]] | None]) -> str:
    """Builds the boundary from its member ways into `boundary.geometry`;
    why it cannot be, if so."""
    from registry.services.areas import area_from_rings

    lines = [ways[way] for way in dict.fromkeys(boundary.member_ways)]
    try:
        boundary.geometry = area_from_rings([line for line in lines if line])
    except ValidationError as error:
        return _message(error)
    return ""


def _listed(ways: list[int], shown: int = 3) -> str:
    listed = ", ".join(f"w{way}" for way in ways[:shown])
    return listed + (f" and {len(ways) - shown} more" if len(ways) > shown else "")


# ------------------------------------------------------------ the import


@dataclass
class _Prepared:
    boundary: OsmBoundary
    name: str
    level: str
    code: str
    population: int | None
    geometry: GEOSGeometry


def import_osm_areas(
    path: Path,
    *,
    osmium_format: str,
    admin_levels: list[int],
    level_map: dict[int, str] | None = None,
    source: str = "",
    dry_run: bool = False,
) -> AreaImportReport:
    """Read the extract, then create or update one area per boundary,
    coarsest first so that each finds its parent among those before it
    (and the areas already there, countries included): the smallest area of
    a coarser level holding it. Areas are matched on their code: the ISO
    3166 code where the boundary has one, else the OSM id ("r62422")."""
    from registry.services.areas import area_upsert  # keeps the import graph one-way

    levels = DEFAULT_LEVEL_MAP | (level_map or {})
    boundaries = read_osm_boundaries(path, osmium_format, admin_levels)
    if not boundaries:
        raise UnreadableFile(
            f"{path}: no boundary=administrative relation or named closed way at admin "
            f"levels {', '.join(map(str, admin_levels))}."
        )
    report = AreaImportReport(layer=path.name)
    prepared = _prepared(path, osmium_format, boundaries, levels, report)
    full_source = _source(source or f"OpenStreetMap: {path.name}")
    with transaction.atomic():
        for item in prepared:
            kept = _loaded_country(item)
            if kept is not None:
                report.problems.append(
                    f"{item.boundary.label}: country {item.code} is loaded already "
                    f"({kept.source or 'by load_countries'}) and kept as it is; the areas "
                    "inside it nest under it"
                )
                continue
            try:
                area, outcome = area_upsert(
                    name=item.name,
                    level=item.level,
                    geometry=item.geometry,
                    parent=parent_for(item.geometry, item.level),
                    code=item.code,
                    population=item.population,
                    source=full_source,
                )
            except ValidationError as error:
                report.problems.append(f"{item.boundary.label}: {_message(error)}")
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.areas.append(area)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _loaded_country(item: _Prepared) -> Area | None:
    """The country of the same ISO code loaded from another source (with
    its official surface and population, which OSM has not), if any."""
    if item.level != AreaLevel.COUNTRY or item.code == item.boundary.osm_id:
        return None
    existing = Area.objects.at_level(AreaLevel.COUNTRY).filter(code=item.code).first()
    if existing is None or existing.source.endswith(f"({ATTRIBUTION})"):
        return None
    return existing


def _prepared(
    path: Path,
    osmium_format: str,
    boundaries: list[OsmBoundary],
    levels: dict[int, str],
    report: AreaImportReport,
) -> list[_Prepared]:
    """The boundaries that can be imported, coarsest first; a message in
    `report` for each of the others."""
    broken = [boundary for boundary in boundaries if boundary.geometry is None]
    reasons = rebuild_or_explain(path, osmium_format, broken) if broken else {}
    prepared: list[_Prepared] = []
    codes: dict[str, str] = {}
    for boundary in boundaries:
        if boundary.osm_id in reasons:
            report.problems.append(f"{boundary.label}: {reasons[boundary.osm_id]}")
            continue
        try:
            item = _prepare(boundary, levels)
        except ValidationError as error:
            report.problems.append(f"{boundary.label}: {_message(error)}")
            continue
        if item.code in codes:
            report.problems.append(
                f"{boundary.label}: code {item.code} is {codes[item.code]}'s already"
            )
            continue
        codes[item.code] = boundary.osm_id
        prepared.append(item)
    prepared.sort(key=lambda item: (LEVEL_DEPTH[AreaLevel(item.level)], -item.geometry.area))
    return prepared


def _prepare(boundary: OsmBoundary, levels: dict[int, str]) -> _Prepared:
    tags = boundary.tags
    name = tags.get("name", "").strip()
    if not name:
        raise ValidationError("no name tag")
    assert boundary.geometry is not None
    population = tags.get("population", "")
    return _Prepared(
        boundary=boundary,
        name=name,
        level=levels[boundary.admin_level],
        code=_code(boundary),
        # OSM populations come with notes ("ca. 12000", "12000 (2011)"):
        # those are left empty rather than the boundary refused.
        population=whole_number(population) if population else None,
        geometry=boundary_from(boundary.geometry),
    )


def _code(boundary: OsmBoundary) -> str:
    """The ISO 3166 code, which names one area worldwide (a country's own
    `ref` numbers repeat from one country to the next, so matching on them
    could update another country's area); else the OSM id."""
    tags = boundary.tags
    if boundary.admin_level == 2:
        iso = tags.get("ISO3166-1:alpha2") or tags.get("ISO3166-1") or ""
    else:
        iso = tags.get("ISO3166-2", "")
    iso = iso.strip().upper()
    return iso if iso and len(iso) <= 50 else boundary.osm_id


def _source(source: str) -> str:
    """What the areas' source says: where from, and the licence ODbL asks
    to be shown with the data."""
    room = 300 - len(ATTRIBUTION) - 3
    return f"{source[:room]} ({ATTRIBUTION})"


def _message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(m for messages in error.message_dict.values() for m in messages)
    return "; ".join(error.messages)
