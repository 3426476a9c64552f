"""Writing areas: boundaries made valid and multi-part, a slug that stays put,
the area measured on the ellipsoid, and the parent found when not given.
Files go through area_upsert; the admin's forms through area_create and
area_update."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.contrib.gis.geos import (
    GEOSGeometry,
    LineString,
    MultiLineString,
    MultiPolygon,
    Polygon,
)
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.text import slugify

from registry.models import LEVEL_DEPTH, Area, AreaLevel

from .records import assign, check_fields, check_unchanged, locked

Outcome = Literal["created", "updated", "unchanged"]
# Boundaries whose coordinates differ by less than this (degrees, about a
# centimetre) are the same: a re-import through another format must not
# register as a change.
SAME_BOUNDARY_TOLERANCE = 1e-7


def boundary_from(geometry: GEOSGeometry) -> MultiPolygon:
    """`geometry` as a valid WGS 84 MultiPolygon, or a ValidationError that
    says what is wrong. Self-intersections and the like are repaired
    (GEOS make_valid) rather than refused: official boundary files have them
    and the area they enclose is still clear."""
    if geometry.srid not in (None, 4326):
        geometry = geometry.transform(4326, clone=True)
    if geometry.empty:
        raise ValidationError({"geometry": "The boundary is empty."})
    if not geometry.valid:
        geometry = geometry.make_valid()
    polygons = _polygons_in(geometry)
    if not polygons:
        raise ValidationError(
            {"geometry": f"A boundary must be a (multi)polygon, not a {geometry.geom_type}."}
        )
    boundary = MultiPolygon(polygons, srid=4326)
    _check_degrees(boundary)
    return boundary


def _polygons_in(geometry: GEOSGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.empty else []
    if geometry.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [part for member in geometry for part in _polygons_in(member)]
    return []


def _check_degrees(boundary: MultiPolygon) -> None:
    min_lon, min_lat, max_lon, max_lat = boundary.extent
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        raise ValidationError(
            {
                "geometry": (
                    f"Coordinates reach ({max_lon:g}, {max_lat:g}), outside longitude/latitude "
                    "range: the file's coordinate system is probably not WGS 84; give --srid."
                )
            }
        )


def area_km2(boundary: MultiPolygon) -> float:
    """The area on the WGS 84 ellipsoid, in km² (PostGIS geography)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_Area(ST_GeomFromEWKB(%s)::geography) / 1e6", [boundary.ewkb])
        return float(cursor.fetchone()[0])


def area_from_rings(lines: list[list[tuple[float, float]]]) -> GEOSGeometry:
    """The area that `lines` (longitude/latitude, in any order and
    direction: a boundary relation's ways) enclose, a ring inside another
    being a hole, rings that cross cut where they cross (PostGIS ST_Node,
    ST_BuildArea); a ValidationError when they do not close into rings."""
    linework = MultiLineString(
        [LineString(line, srid=4326) for line in lines if len(line) >= 2], srid=4326
    )
    if linework.empty:
        raise ValidationError("its ways have no length")
    merged = linework.merged
    lines_merged = [merged] if isinstance(merged, LineString) else list(merged)
    open_lines = [line for line in lines_merged if not line.closed]
    if open_lines:
        lon, lat = open_lines[0].coords[-1]
        raise ValidationError(
            f"its ways do not join into closed rings (one ends at {lat:.5f}, {lon:.5f})"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_AsEWKB(ST_BuildArea(ST_Node(ST_GeomFromEWKB(%s))))", [linework.ewkb]
        )
        built = cursor.fetchone()[0]
    if built is None:
        raise ValidationError("its rings enclose nothing")
    return GEOSGeometry(memoryview(built))


def parent_for(boundary: MultiPolygon, level: str) -> Area | None:
    """The smallest existing area of a coarser level, and larger than
    `boundary`, holding a point inside it (its point on surface, which a
    concave shape's centroid is not). Larger: an area is never its own
    parent when a file is imported again."""
    coarser = [lvl for lvl, depth in LEVEL_DEPTH.items() if depth < LEVEL_DEPTH[AreaLevel(level)]]
    candidates = Area.objects.at_level(*coarser).filter(area_km2__gt=area_km2(boundary) * 1.01)
    # Not the parent's boundary, which can weigh megabytes (a country's) and
    # is not needed to be one.
    return candidates.containing(boundary.point_on_surface).without_geometry().first()


def unique_slug(name: str, *, parent: Area | None, code: str = "") -> str:
    """slugify(name); when taken, prefixed with the parent's slug, then
    numbered. Names in scripts slugify cannot spell fall back to the code."""
    base = slugify(name) or slugify(code) or "area"
    candidates = [base]
    if parent is not None:
        candidates.append(f"{parent.slug}-{base}")
    for candidate in candidates:
        if not Area.objects.filter(slug=candidate).exists():
            return candidate
    number = 2
    while Area.objects.filter(slug=f"{candidates[-1]}-{number}").exists():
        number += 1
    return f"{candidates[-1]}-{number}"


@transaction.atomic
def area_upsert(
    *,
    name: str,
    level: str,
    geometry: GEOSGeometry,
    parent: Area | None = None,
    code: str = "",
    population: int | None = None,
    source: str = "",
    surface_km2: float | None = None,
    surface_source: str = "",
    population_source: str = "",
) -> tuple[Area, Outcome]:
    """Create the area, or update the one it matches: the same level and
    code when a code is given, else the same name, level and parent. The
    slug of an existing area never changes (links to it keep working).
    `surface_km2` is an official surface, from `surface_source`, that
    densities use instead of the one measured from the boundary (kept in
    `area_km2` either way); without it the area is measured only."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "An area needs a name."})
    if level not in AreaLevel.values:
        raise ValidationError(
            {"level": f"'{level}' is not a level; use one of {', '.join(AreaLevel.values)}."}
        )
    boundary = boundary_from(geometry)
    area = _matching_area(name=name, level=level, parent=parent, code=code)
    values = {
        "name": name,
        "level": level,
        "parent": parent,
        "code": code,
        "population": population,
        "source": source,
        "surface_km2": surface_km2,
        "surface_source": surface_source if surface_km2 is not None else "",
        "population_source": population_source if population is not None else "",
    }
    if area is None:
        area = Area(**values, geometry=boundary, area_km2=area_km2(boundary))
        area.slug = unique_slug(name, parent=parent, code=code)
        _save(area)
        return area, "created"
    if not _differs(area, values, boundary):
        return area, "unchanged"
    for field, value in values.items():
        setattr(area, field, value)
    area.geometry, area.area_km2 = boundary, area_km2(boundary)
    _save(area)
    return area, "updated"


def _matching_area(*, name: str, level: str, parent: Area | None, code: str) -> Area | None:
    areas = Area.objects.select_for_update().filter(level=level)
    if code:
        return areas.filter(code=code).first()
    return areas.filter(name=name, parent=parent).first()


def _differs(area: Area, values: dict, boundary: MultiPolygon) -> bool:
    # The parent compared by id: loading the current one would fetch its
    # boundary for nothing.
    parent = values["parent"]
    if area.parent_id != (parent.pk if parent is not None else None):
        return True
    if any(getattr(area, field) != value for field, value in values.items() if field != "parent"):
        return True
    return not area.geometry.equals_exact(boundary, SAME_BOUNDARY_TOLERANCE)


def _save(area: Area) -> None:
    if area.parent is not None and area.parent.depth >= area.depth:
        raise ValidationError(
            {
                "parent": (
                    f"A {area.get_level_display()} cannot be part of "
                    f"a {area.parent.get_level_display()} ({area.parent.name})."
                )
            }
        )
    area.full_clean(exclude=["geometry"])
    area.save()


# ----------------------------------------------------------- one by one

# What the admin may set; the area in km² follows the boundary.
AREA_FIELDS = ("name", "slug", "level", "parent", "code", "population", "source", "geometry")


@transaction.atomic
def area_create(*, values: dict[str, Any]) -> Area:
    """One area entered by hand (files go through area_upsert): its
    boundary made valid and measured, a slug made from the name if none."""
    check_fields(values, AREA_FIELDS)
    area = Area(**{name: value for name, value in values.items() if name != "geometry"})
    if values.get("geometry") is None:
        raise ValidationError({"geometry": "An area needs a boundary."})
    area.geometry = boundary_from(values["geometry"])
    area.area_km2 = area_km2(area.geometry)
    if not area.slug:
        area.slug = unique_slug(area.name, parent=area.parent, code=area.code)
    _save(area)
    return area


@transaction.atomic
def area_update(
    *,
    area: Area | int,
    values: dict[str, Any],
    expected_updated_at: datetime | None = None,
) -> Area:
    """Correct an area: names, codes, population, its place in the
    hierarchy and, where needed, its boundary (made valid and measured
    again). Refused (StaleRecord) if it was saved after
    `expected_updated_at`, when given, for instance by a re-import."""
    current = locked(Area, area)
    check_unchanged(current, expected_updated_at)
    values = dict(values)
    geometry = values.pop("geometry", None)
    changed = assign(current, values, AREA_FIELDS)
    if geometry is not None:
        boundary = boundary_from(geometry)
        if not current.geometry.equals_exact(boundary, SAME_BOUNDARY_TOLERANCE):
            current.geometry, current.area_km2 = boundary, area_km2(boundary)
            changed = True
    if changed:
        _check_children(current)
        _save(current)
    return current


def _check_children(area: Area) -> None:
    """A level changed is still coarser than its parts' levels."""
    for child in area.children.all():
        if child.depth <= area.depth:
            raise ValidationError(
                {
                    "level": (
                        f"A {area.get_level_display()} cannot contain "
                        f"a {child.get_level_display()} ({child.name})."
                    )
                }
            )
