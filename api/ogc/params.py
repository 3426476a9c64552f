"""Query parameters of the OGC API - Features endpoints, each read once and
refused with a 400 naming it. OGC's own syntax (bbox with an optional CRS,
RFC 3339 times and intervals, CRS URIs) is read here; the queryables
(`kind`, `status`, `vendor`, `operator`) by the camera list's own filters."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from api.filters import QUERYABLES, in_utc
from api.geojson import Cursor

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"

# The API's page: a client that does not say reads 168k cameras in 168
# requests, well inside the anonymous rate limit (API_ANON_RATE).
DEFAULT_LIMIT = settings.API_DEFAULT_PAGE_SIZE
# What `next` links carry: base64url, padded or not (as api.views reads it).
CURSOR = re.compile(r"[A-Za-z0-9_-]{1,200}={0,2}")
# A number as OGC clients write one: GDAL may use an exponent.
NUMBER = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?")
# RFC 3339: a date-time with its offset, or a full date.
DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:[Zz]|[-+][0-9]{2}:[0-9]{2})"
)
FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
OPEN_END = ("", "..")
# Web Mercator's square world, in metres.
MERCATOR_HALF_WORLD = 20_037_508.342789244


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    north_first: bool = False  # EPSG:4326 orders latitude first

    @property
    def is_default(self) -> bool:
        return self.uri == CRS84


CRSES = {
    crs.uri: crs
    for crs in (Crs(CRS84, 4326), Crs(EPSG_4326, 4326, north_first=True), Crs(EPSG_3857, 3857))
}
BBox = tuple[float, float, float, float]


@dataclass
class ItemsQuery:
    limit: int = DEFAULT_LIMIT
    cursor: Cursor | None = None
    # In lon/lat; two boxes when the one asked for crosses the antimeridian.
    boxes: list[BBox] = field(default_factory=list)
    changed_from: datetime | None = None
    changed_until: datetime | None = None
    crs: Crs = CRSES[CRS84]
    queryables: QueryDict = field(default_factory=QueryDict)


ITEMS_PARAMETERS = ("limit", "cursor", "bbox", "bbox-crs", "datetime", "crs", "f", *QUERYABLES)


def refuse(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


def check_names(query: QueryDict, known: tuple[str, ...]) -> None:
    """Unknown parameters are refused, so that a misspelt filter is never
    silently ignored; each parameter but the queryables is given once."""
    for name in query:
        if name not in known:
            raise refuse(name, f"Unknown parameter; this endpoint takes {', '.join(known)}.")
        if name not in QUERYABLES and len(query.getlist(name)) > 1:
            raise refuse(name, "Give this parameter once.")


def read_format(query: QueryDict) -> None:
    if query.get("f", "json") != "json":
        raise refuse("f", "Only f=json is served (JSON and GeoJSON).")


def read_plain(query: QueryDict) -> None:
    """The documents other than features take only `f`."""
    check_names(query, ("f",))
    read_format(query)


def read_crs(uri: str | None, name: str = "crs") -> Crs:
    uri = CRS84 if uri is None else uri
    if uri not in CRSES:
        raise refuse(name, f"Unsupported CRS; use one of {', '.join(CRSES)}.")
    return CRSES[uri]


def read_item(query: QueryDict) -> Crs:
    check_names(query, ("crs", "f"))
    read_format(query)
    return read_crs(query.get("crs"))


def read_items(query: QueryDict) -> ItemsQuery:
    check_names(query, ITEMS_PARAMETERS)
    read_format(query)
    changed_from, changed_until = read_datetime(query.get("datetime"))
    return ItemsQuery(
        limit=read_limit(query.get("limit")),
        cursor=read_cursor(query.get("cursor")),
        boxes=read_bbox(query.get("bbox"), query.get("bbox-crs")),
        changed_from=changed_from,
        changed_until=changed_until,
        crs=read_crs(query.get("crs")),
        queryables=query,
    )


def read_limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    most = settings.API_MAX_PAGE_SIZE
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= most:
        raise refuse("limit", f"A whole number from 1 to {most}; follow `next` for more.")
    return int(text)


def read_cursor(text: str | None) -> Cursor | None:
    if text is None:
        return None
    try:
        if not CURSOR.fullmatch(text):
            raise DjangoValidationError("not a cursor")
        return Cursor.decode(text)
    except DjangoValidationError:
        raise refuse("cursor", "Invalid cursor; use the `next` link as given.") from None


def read_bbox(text: str | None, crs_text: str | None) -> list[BBox]:
    """The lon/lat boxes `bbox` covers: minx,miny,maxx,maxy in `bbox-crs`
    (CRS84 by default), or with a height (6 numbers, heights ignored:
    cameras have none). Clamped to the world, since map clients zoomed out
    ask for more; in CRS84 a west edge east of the east edge crosses the
    antimeridian."""
    if text is None:
        if crs_text is not None:
            raise refuse("bbox-crs", "bbox-crs says the CRS of bbox; give bbox too.")
        return []
    crs = read_crs(crs_text, "bbox-crs")
    numbers = _numbers(text)
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    west, south, east, north = numbers
    if crs.north_first:
        west, south, east, north = south, west, north, east
    if crs.srid == 3857:
        return [_mercator_box(west, south, east, north)]
    return _lon_lat_boxes(west, south, east, north)


def _numbers(text: str) -> list[float]:
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise refuse("bbox", "Four numbers minx,miny,maxx,maxy (or six, with heights).")
    if not all(NUMBER.fullmatch(part) for part in parts):
        raise refuse("bbox", "bbox takes numbers such as -87.63, comma-separated, no spaces.")
    numbers = [float(part) for part in parts]
    if not all(math.isfinite(number) for number in numbers):
        raise refuse("bbox", "bbox takes finite numbers.")
    return numbers


def _lon_lat_boxes(west: float, south: float, east: float, north: float) -> list[BBox]:
    south, north = max(south, -90.0), min(north, 90.0)
    if south >= north:
        raise refuse("bbox", "The south edge must be below the north edge, inside -90..90.")
    if east - west >= 360:
        return [(-180.0, south, 180.0, north)]
    west, east = _wrap(west), _wrap(east)
    if west == east:
        raise refuse("bbox", "The west and east edges must differ.")
    if west > east:  # across the antimeridian
        return [(west, south, 180.0, north), (-180.0, south, east, north)]
    return [(west, south, east, north)]


def _wrap(longitude: float) -> float:
    """A longitude within -180..180 (180 itself stays 180)."""
    if -180 <= longitude <= 180:
        return longitude
    return (longitude + 180) % 360 - 180


def _mercator_box(west: float, south: float, east: float, north: float) -> BBox:
    """A Web Mercator box in lon/lat: exact, since a rectangle in Web
    Mercator is a rectangle in lon/lat."""
    limit = MERCATOR_HALF_WORLD
    west, east = max(west, -limit), min(east, limit)
    south, north = max(south, -limit), min(north, limit)
    if west >= east or south >= north:
        raise refuse("bbox", "In EPSG:3857, min below max, inside the world's ±20037508.34 m.")
    return (*_mercator_to_lon_lat(west, south), *_mercator_to_lon_lat(east, north))


def _mercator_to_lon_lat(x: float, y: float) -> tuple[float, float]:
    radius = MERCATOR_HALF_WORLD / math.pi
    return math.degrees(x / radius), math.degrees(
        2 * math.atan(math.exp(y / radius)) - math.pi / 2
    )


def read_datetime(text: str | None) -> tuple[datetime | None, datetime | None]:
    """The changes `datetime` selects, as (from, until), either None when
    open: an instant (a date-time, or a date: that whole day in UTC) or an
    interval `a/b`, `../b`, `a/..` of them, both ends included."""
    if text is None:
        return None, None
    if "/" not in text:
        start, end = _moment(text)
        return start, end
    if text.count("/") > 1:
        raise refuse("datetime", "One instant, or an interval start/end.")
    first, last = text.split("/")
    start = None if first in OPEN_END else _moment(first)[0]
    end = None if last in OPEN_END else _moment(last)[1]
    if start is not None and end is not None and start > end:
        raise refuse("datetime", "The interval ends before it starts.")
    return start, end


def _moment(text: str) -> tuple[datetime, datetime]:
    """The first and last microsecond a date-time or date stands for."""
    try:
        if DATE_TIME.fullmatch(text):
            moment = in_utc(datetime.fromisoformat(text.upper()))
            return moment, moment
        if FULL_DATE.fullmatch(text):
            day = date.fromisoformat(text)
            start = datetime.combine(day, time.min, tzinfo=UTC)
            return start, datetime.combine(day, time.max, tzinfo=UTC)
    except ValueError:
        pass
    raise refuse(
        "datetime",
        "RFC 3339 date-times with an offset (2026-01-31T12:00:00Z) or dates (2026-01-31), "
        "an instant or an interval such as 2026-01-01/.. .",
    )
