"""Uploaded routes and areas: a GeoJSON or GPX file, told apart by its
content whatever it is called, read into a checked geometry.

GPX is read by GDAL's GPX driver, and only by it: GDAL would otherwise try
every format it knows on the bytes (some of which, like VRT, can name other
files on the server). A GPX file's one track is the route; a file without
tracks may instead hold one route (`<rte>`). Waypoints are ignored.
"""

from __future__ import annotations

import json
import re
import tempfile
from ctypes import c_char_p
from typing import Any
from xml.parsers import expat

from django.conf import settings
from django.contrib.gis.gdal import DataSource, Driver, GDALException
from django.contrib.gis.gdal.prototypes import ds as gdal_ds
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.encoding import force_bytes
from django.utils.translation import gettext as _

from .geometry import check_points, geometry_from_geojson, route_from_lines

# The root element of a GPX document, maybe with a namespace prefix.
GPX_ROOT = re.compile(rb"<(?:[\w.-]+:)?gpx[\s>/]")
# Where to look for it: past an XML declaration and a comment or two.
SNIFF_BYTES = 4096
# GPX is UTF-8 (its schema says so); ASCII is UTF-8 too. A file declaring
# another encoding would be read one way by the checks here and another by
# GDAL, or not at all.
XML_ENCODING = re.compile(rb"<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")
GPX_ENCODINGS = {"utf-8", "utf8", "us-ascii", "ascii"}
# The points of a track or route, counted before GDAL reads any of them.
GPX_POINT = re.compile(rb"<(?:[\w.-]+:)?(?:trkpt|rtept)[\s>/]")
WHITESPACE = b" \t\r\n\xef\xbb\xbf"  # and the UTF-8 byte order mark


def geometry_from_bytes(data: bytes) -> GEOSGeometry:
    """The route or area in a file's content, GeoJSON or GPX."""
    check_size(len(data))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError(
            _(
                "The file is written in UTF-16; Sightline reads GeoJSON and GPX in UTF-8: save "
                "it as UTF-8 and send it again."
            ),
            code="encoding",
        )
    start = data.lstrip(WHITESPACE)[:1]
    if not start:
        raise ValidationError(_("The file is empty."), code="empty")
    if start == b"<":
        return geometry_from_gpx(data)
    return geometry_from_geojson(parse_json(data))


def check_size(size: int) -> None:
    limit = settings.EXPOSURE_MAX_UPLOAD_BYTES
    if size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; Sightline reads files of up to %(limit)s MB.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)},
            code="too_big",
        )


def _megabytes(size: int) -> str:
    return formats.number_format(round(size / 1_000_000, 1), decimal_pos=1)


def parse_json(data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            _("This is neither GeoJSON nor GPX: it is not UTF-8 text."), code="not_json"
        ) from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise ValidationError(
            _(
                "This is neither GeoJSON nor GPX: it is not valid JSON (%(problem)s at line "
                "%(line)s, column %(column)s)."
            )
            % {"problem": error.msg, "line": error.lineno, "column": error.colno},
            code="not_json",
        ) from None
    except (RecursionError, ValueError):
        raise ValidationError(
            _("This is not valid GeoJSON: its arrays are nested too deeply."), code="not_json"
        ) from None


def _refuse_constant(name: str) -> None:
    # Python's json reads NaN and Infinity, which JSON does not have.
    raise ValidationError(
        _("This is not valid JSON: %(name)s is not a JSON number.") % {"name": name},
        code="not_json",
    )


# --------------------------------------------------------------------- GPX


def geometry_from_gpx(data: bytes) -> GEOSGeometry:
    head = data[:SNIFF_BYTES]
    if not GPX_ROOT.search(head):
        raise ValidationError(
            _("This is an XML file but not GPX: send GPX or GeoJSON."), code="not_gpx"
        )
    if b"<!DOCTYPE" in head or b"<!ENTITY" in data:
        # GPX needs no document type; entities are how XML bombs explode.
        raise ValidationError(
            _("This GPX file declares a document type or entities, which GPX does not use."),
            code="not_gpx",
        )
    _check_encoding(head)
    check_points(len(GPX_POINT.findall(data)))
    _check_well_formed(data)
    with tempfile.NamedTemporaryFile(suffix=".gpx") as handle:
        handle.write(data)
        handle.flush()
        lines = _gpx_lines(handle.name)
    return route_from_lines(lines, _("The GPX track"))


def _gpx_lines(path: str) -> list[list[tuple[float, float]]]:
    """The (longitude, latitude) lines of the file's one track (its
    segments), or of its one route when it has no track."""
    source = _open_gpx(path)
    tracks = _geometries(source, "tracks")
    if len(tracks) > 1:
        raise ValidationError(
            _("The GPX file holds %(count)s tracks; send one track at a time.")
            % {"count": len(tracks)},
            code="several_geometries",
        )
    routes = [] if tracks else _geometries(source, "routes")
    if len(routes) > 1:
        raise ValidationError(
            _("The GPX file holds %(count)s routes; send one route at a time.")
            % {"count": len(routes)},
            code="several_geometries",
        )
    if not tracks and not routes:
        raise ValidationError(
            _("The GPX file holds no track or route: there is nothing to analyse in it."),
            code="no_geometry",
        )
    return (tracks or routes)[0]


def _check_encoding(head: bytes) -> None:
    declared = XML_ENCODING.search(head)
    name = declared[1].decode("ascii", "replace").strip() if declared else "utf-8"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or name.lower() not in GPX_ENCODINGS:
        raise ValidationError(
            _(
                "The GPX file is written in %(encoding)s; GPX is UTF-8, and Sightline reads "
                "only that: save the file as UTF-8 and send it again."
            )
            % {"encoding": name[:40] if declared else "UTF-16"},
            code="encoding",
        )


def _check_well_formed(data: bytes) -> None:
    """GDAL's GPX reader stops quietly at the first XML error, keeping what it
    read: a broken file is refused whole instead, with where it breaks."""
    parser = expat.ParserCreate("utf-8")  # whatever the file declares
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise ValidationError(
            _(
                "The GPX file is not well-formed XML (%(problem)s at line %(line)s, "
                "column %(column)s)."
            )
            % {
                "problem": expat.ErrorString(error.code),
                "line": error.lineno,
                "column": error.offset + 1,
            },
            code="not_gpx",
        ) from None


def _open_gpx(path: str) -> DataSource:
    Driver.ensure_registered()
    only_gpx = (c_char_p * 2)(b"GPX", None)
    flags = gdal_ds.GDAL_OF_READONLY | gdal_ds.GDAL_OF_VECTOR
    try:
        pointer = gdal_ds.open_ds(force_bytes(path), flags, only_gpx, None, None)
    except GDALException:
        raise ValidationError(
            _("The GPX file could not be read as GPX."), code="not_gpx"
        ) from None
    return DataSource(pointer, ds_driver=gdal_ds.get_dataset_driver(pointer))


def _geometries(source: DataSource, layer_name: str) -> list[list[list[tuple[float, float]]]]:
    """Each non-empty geometry of one of the GPX driver's layers, as its
    lines of coordinates (a track's segments, or a route's one line)."""
    try:
        layer = source[layer_name]
    except IndexError:
        return []
    found = []
    for feature in layer:
        geometry = feature.geom
        if geometry is None or geometry.empty:
            continue
        if geometry.geom_type.name.startswith("Multi"):
            found.append([list(line) for line in geometry.coords])
        else:
            found.append([list(geometry.coords)])
    return found
