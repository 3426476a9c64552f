"""Boundary files (GeoJSON, Shapefile, GeoPackage and whatever else GDAL
reads) into areas.

The whole file is read before anything is written, so a file GDAL cannot
read writes nothing; records that cannot be used (no name, no polygon) are
reported by number and the others imported, all in one transaction."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException, SpatialReference
from django.contrib.gis.gdal.layer import Layer
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import transaction

from registry.models import LEVEL_DEPTH, Area, AreaLevel
from registry.services.areas import boundary_from, parent_for

from .records import UnreadableFile

# GeoJSON without a "crs" member is WGS 84 by definition (RFC 7946); GDAL
# reports it as such. Other formats without a coordinate system need --srid.
WGS84 = 4326


@dataclass
class Boundary:
    number: int  # the record's position in the layer, from 1, for messages
    name: str
    code: str
    population: int | None
    geometry: GEOSGeometry


@dataclass
class AreaImportReport:
    layer: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0  # records joined to another of the same name (multi-part areas)
    problems: list[str] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [
            f"{self.created} created",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
        ]
        if self.merged:
            parts.append(f"{self.merged} records joined to another of the same name")
        if self.problems:
            parts.append(f"{len(self.problems)} records not imported")
        return ", ".join(parts)


@dataclass(frozen=True)
class AreaFields:
    """Which attribute of the file holds what."""

    name: str
    code: str = ""
    population: str = ""


def open_layer(path: Path, *, layer: str | None = None) -> Layer:
    """The file's only layer, or the one named; a zip holding a Shapefile
    is read in place."""
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file.")
    location = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)
    try:
        source = DataSource(location)
    except GDALException as error:
        raise UnreadableFile(f"{path}: not a boundary file GDAL can read ({error}).") from error
    names = [candidate.name for candidate in source]
    if layer is None:
        if len(names) != 1:
            raise UnreadableFile(
                f"{path} holds {len(names)} layers ({', '.join(names) or 'none'}); "
                "name one with --layer."
            )
        return source[0]
    if layer not in names:
        raise UnreadableFile(f"{path} has no layer '{layer}'; its layers are: {', '.join(names)}.")
    return source[layer]


def read_boundaries(
    layer: Layer, fields: AreaFields, *, srid: int | None = None
) -> tuple[list[Boundary], list[str]]:
    """The layer's usable records and a message for each record left out."""
    _check_fields(layer, fields)
    source_srs = _source_srs(layer, srid)
    boundaries: list[Boundary] = []
    problems: list[str] = []
    for number, feature in enumerate(_features(layer), start=1):
        try:
            boundaries.append(_boundary(number, feature, fields, source_srs))
        except ValidationError as error:
            problems.append(f"record {number}: {_message(error)}")
    return boundaries, problems


def _features(layer: Layer) -> Iterator:
    try:
        yield from layer
    except GDALException as error:
        raise UnreadableFile(f"The file breaks off: {error}.") from error


def _check_fields(layer: Layer, fields: AreaFields) -> None:
    available = layer.fields
    if not fields.name:
        raise UnreadableFile(
            "--name-field is needed for a boundary file GDAL reads: name the field holding "
            f"each area's name; the layer's fields are: {', '.join(available) or 'none'}."
        )
    for option, name in (
        ("--name-field", fields.name),
        ("--code-field", fields.code),
        ("--population-field", fields.population),
    ):
        if name and name not in available:
            raise UnreadableFile(
                f"{option}: the layer has no field '{name}'; its fields are: "
                f"{', '.join(available) or 'none'}."
            )


def _source_srs(layer: Layer, srid: int | None) -> SpatialReference:
    if srid is not None:
        try:
            return SpatialReference(srid)
        except GDALException as error:
            raise UnreadableFile(f"--srid {srid}: not a coordinate system GDAL knows.") from error
    if layer.srs is None:
        raise UnreadableFile(
            "The file does not say which coordinate system it uses; give it with --srid "
            "(e.g. --srid 4326 for longitude/latitude)."
        )
    return layer.srs


def _boundary(number: int, feature, fields: AreaFields, source_srs) -> Boundary:
    name = _text(feature, fields.name)
    if not name:
        raise ValidationError(f"no name in field '{fields.name}'")
    try:
        ogr = feature.geom
    except GDALException as error:  # GDAL hands back no geometry at all
        raise ValidationError(f"'{name}' has no geometry") from error
    ogr.srs = source_srs
    try:
        ogr.transform(WGS84)
    except GDALException as error:
        raise ValidationError(f"'{name}' cannot be converted to WGS 84 ({error})") from error
    try:
        geometry = boundary_from(GEOSGeometry(ogr.wkb, srid=WGS84))
    except ValidationError as error:
        raise ValidationError(f"'{name}': {_message(error)}") from error
    return Boundary(
        number=number,
        name=name,
        code=_text(feature, fields.code),
        population=_population(feature, fields.population, name),
        geometry=geometry,
    )


def _text(feature, field_name: str) -> str:
    if not field_name:
        return ""
    value = feature.get(field_name)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a numeric id read as 1234.0
    return str(value).strip()


def _population(feature, field_name: str, name: str) -> int | None:
    """A whole, non-negative number, written with or without thousands
    separators; empty means unknown."""
    raw = _text(feature, field_name)
    if not raw:
        return None
    number = whole_number(raw)
    if number is None:
        raise ValidationError(f"'{name}': population '{raw}' is not a whole number")
    return number


def whole_number(raw: str) -> int | None:
    """`raw` as a whole, non-negative number, with or without thousands
    separators ("12,000", "12 000"); None when it is something else."""
    raw = raw.strip()
    digits = (
        re.sub(r"[\s,._'’]", "", raw) if re.fullmatch(r"\d{1,3}([\s,._'’]\d{3})+", raw) else raw
    )
    return int(digits) if digits.isdecimal() else None


def _message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return "; ".join(m for messages in error.message_dict.values() for m in messages)
    return "; ".join(error.messages)


def joined_by_key(boundaries: list[Boundary], *, by_code: bool) -> tuple[list[Boundary], int]:
    """Records that name the same area (islands stored as separate
    features, say) become one multi-part boundary."""
    joined: dict[str, Boundary] = {}
    for boundary in boundaries:
        key = boundary.code if by_code else boundary.name
        first = joined.get(key)
        if first is None:
            joined[key] = boundary
            continue
        first.geometry = boundary_from(first.geometry.union(boundary.geometry))
        first.population = _summed(first.population, boundary.population)
    return list(joined.values()), len(boundaries) - len(joined)


def _summed(first: int | None, second: int | None) -> int | None:
    return None if first is None and second is None else (first or 0) + (second or 0)


def import_areas(
    path: Path,
    *,
    fields: AreaFields,
    level: str | None = None,
    parent: Area | None = None,
    layer: str | None = None,
    srid: int | None = None,
    source: str = "",
    dry_run: bool = False,
) -> AreaImportReport:
    """Read the file, then create or update one area per name (or code),
    inside `parent` or, without one, inside the smallest coarser area that
    holds each boundary. Without `level`, the areas sit one level below
    their parent."""
    from registry.services.areas import area_upsert  # keeps the import graph one-way

    opened = open_layer(path, layer=layer)
    boundaries, problems = read_boundaries(opened, fields, srid=srid)
    if not boundaries:
        raise UnreadableFile(f"{path}: no usable boundary in the file. " + " ".join(problems[:5]))
    boundaries, merged = joined_by_key(boundaries, by_code=bool(fields.code))
    report = AreaImportReport(layer=opened.name, merged=merged, problems=problems)
    with transaction.atomic():
        for boundary in boundaries:
            area_parent = parent if parent is not None else _detected_parent(boundary, level)
            area_level = level or _level_below(area_parent)
            try:
                area, outcome = area_upsert(
                    name=boundary.name,
                    level=area_level,
                    geometry=boundary.geometry,
                    parent=area_parent,
                    code=boundary.code,
                    population=boundary.population,
                    source=source or path.name,
                )
            except ValidationError as error:
                report.problems.append(f"record {boundary.number}: {_message(error)}")
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)
            report.areas.append(area)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _detected_parent(boundary: Boundary, level: str | None) -> Area | None:
    # Without a level, any existing area holding the boundary can be its parent.
    return parent_for(boundary.geometry, level or AreaLevel.PRECINCT)


def _level_below(parent: Area | None) -> str:
    if parent is None:
        return AreaLevel.COUNTRY
    depth = parent.depth + 1
    return next((lvl for lvl, d in LEVEL_DEPTH.items() if d == depth), AreaLevel.DISTRICT)
