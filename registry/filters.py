"""The filters of the map, the camera list and the tiles, read from a URL.

A page is a permalink: whatever its URL says, it renders. A value Sightline
does not know (a misspelt kind, a vendor slug that no longer exists, a bad
date) is dropped and reported back as `Ignored`, so that the page can say so
instead of breaking. The tile endpoint reads the same parameters and refuses
what this module ignores (see `MapFilters.from_query`'s callers)."""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django import forms
from django.contrib.gis.geos import Point
from django.http import QueryDict
from django.utils.translation import gettext as _

from .models import (
    Area,
    Camera,
    CameraCapability,
    Capability,
    Kind,
    Operator,
    Status,
    Vendor,
)
from .models.cameras import CameraQuerySet

# What the map and the list show when the URL names no status: every camera
# the public may see, removed ones drawn as removed.
DEFAULT_STATUSES = (Status.REPORTED, Status.VERIFIED, Status.REMOVED)
PUBLIC_STATUSES = DEFAULT_STATUSES
TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Ignored:
    """One URL value that was not understood, and why, for a visible notice."""

    parameter: str
    value: str
    reason: str


@dataclass(frozen=True)
class MapFilters:
    kinds: tuple[str, ...] = ()
    vendors: tuple[str, ...] = ()  # slugs
    operators: tuple[str, ...] = ()  # slugs
    capabilities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # empty: DEFAULT_STATUSES
    restricted: bool = False
    confirmed_since: datetime.date | None = None
    ignored: tuple[Ignored, ...] = field(default=(), compare=False)

    PARAMETERS = (
        "kind",
        "vendor",
        "operator",
        "capability",
        "status",
        "restricted",
        "confirmed_since",
    )

    @classmethod
    def from_query(cls, data: QueryDict) -> MapFilters:
        """The filters `data` names; what it names wrongly is in `.ignored`."""
        ignored: list[Ignored] = []
        kinds = _choices(data, "kind", Kind.values, ignored)
        capabilities = _choices(data, "capability", Capability.values, ignored)
        statuses = _choices(data, "status", PUBLIC_STATUSES, ignored)
        vendors = _slugs(data, "vendor", Vendor, ignored)
        operators = _slugs(data, "operator", Operator, ignored)
        restricted = _flag(data, "restricted", ignored)
        confirmed_since = _date(data, "confirmed_since", ignored)
        return cls(
            kinds=kinds,
            vendors=vendors,
            operators=operators,
            capabilities=capabilities,
            statuses=statuses,
            restricted=restricted,
            confirmed_since=confirmed_since,
            ignored=tuple(ignored),
        )

    @property
    def effective_statuses(self) -> tuple[str, ...]:
        return self.statuses or DEFAULT_STATUSES

    @property
    def is_default(self) -> bool:
        return self == MapFilters()

    def apply(self, cameras: CameraQuerySet) -> CameraQuerySet:
        """`cameras` narrowed to these filters (never hidden ones)."""
        cameras = cameras.filter(status__in=self.effective_statuses)
        if self.kinds:
            cameras = cameras.of_kind(*self.kinds)
        if self.vendors:
            cameras = cameras.of_vendor(*self.vendors)
        if self.operators:
            cameras = cameras.of_operator(*self.operators)
        if self.capabilities:
            cameras = cameras.filter(
                id__in=CameraCapability.objects.filter(capability__in=self.capabilities).values(
                    "camera_id"
                )
            )
        if self.restricted:
            cameras = cameras.of_restricted_vendors()
        if self.confirmed_since:
            cameras = cameras.filter(last_confirmed__gte=self.confirmed_since)
        return cameras

    def cameras(self) -> CameraQuerySet:
        return self.apply(Camera.objects.all())

    def as_query(self) -> dict[str, str]:
        """These filters as URL parameters (comma-separated lists), leaving
        out what is at its default."""
        query = {
            "kind": ",".join(self.kinds),
            "vendor": ",".join(self.vendors),
            "operator": ",".join(self.operators),
            "capability": ",".join(self.capabilities),
            "status": ",".join(self.statuses),
            "restricted": "1" if self.restricted else "",
            "confirmed_since": self.confirmed_since.isoformat() if self.confirmed_since else "",
        }
        return {name: value for name, value in query.items() if value}

    def query_string(self) -> str:
        return urlencode(self.as_query())

    def without_ignored(self) -> MapFilters:
        return replace(self, ignored=())


def _values(data: QueryDict, name: str) -> list[str]:
    """Comma-separated or repeated values, stripped, blanks dropped, in order,
    without repeats."""
    values: list[str] = []
    for raw in data.getlist(name):
        for part in raw.split(","):
            part = part.strip()
            if part and part not in values:
                values.append(part)
    return values


def _choices(data, name, known, ignored: list[Ignored]) -> tuple[str, ...]:
    chosen = []
    for value in _values(data, name):
        if value in known:
            chosen.append(value)
        else:
            ignored.append(Ignored(name, value, _("not a known value")))
    return tuple(chosen)


def _slugs(data, name, model, ignored: list[Ignored]) -> tuple[str, ...]:
    asked = _values(data, name)
    if not asked:
        return ()
    known = set(model.objects.filter(slug__in=asked).values_list("slug", flat=True))
    for value in asked:
        if value not in known:
            ignored.append(Ignored(name, value, _("no such %(what)s") % {"what": name}))
    return tuple(value for value in asked if value in known)


def _flag(data, name, ignored: list[Ignored]) -> bool:
    value = data.get(name)
    if value is None or value.strip().lower() in FALSE_VALUES:
        return False
    if value.strip().lower() in TRUE_VALUES:
        return True
    ignored.append(Ignored(name, value, _("use 1 or 0")))
    return False


def _date(data, name, ignored: list[Ignored]) -> datetime.date | None:
    value = (data.get(name) or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        ignored.append(Ignored(name, value, _("not a date (YYYY-MM-DD)")))
        return None


@dataclass(frozen=True)
class Within:
    """Where the camera list looks: a bbox (`?bbox=minlon,minlat,maxlon,maxlat`)
    or an area (`?area=slug`), as the API's camera list takes them; what the
    place search sets."""

    bbox: tuple[float, float, float, float] | None = None
    area: Area | None = None

    @classmethod
    def from_query(cls, data: QueryDict, ignored: list[Ignored]) -> Within:
        bbox = None
        raw = (data.get("bbox") or "").strip()
        if raw:
            bbox = _bbox(raw)
            if bbox is None:
                ignored.append(
                    Ignored(
                        "bbox",
                        raw,
                        _("not minlon,minlat,maxlon,maxlat in degrees with min below max"),
                    )
                )
        area = None
        slug = (data.get("area") or "").strip()
        if slug:
            area = Area.objects.filter(slug=slug).first()
            if area is None:
                ignored.append(Ignored("area", slug, _("no such %(what)s") % {"what": "area"}))
        return cls(bbox=bbox, area=area)

    def apply(self, cameras: CameraQuerySet) -> CameraQuerySet:
        if self.bbox:
            cameras = cameras.in_bbox(self.bbox)
        if self.area:
            cameras = cameras.in_area(self.area)
        return cameras

    def as_query(self) -> dict[str, str]:
        query = {}
        if self.bbox:
            query["bbox"] = ",".join(f"{value:g}" for value in self.bbox)
        if self.area:
            query["area"] = self.area.slug
        return query


def _bbox(raw: str) -> tuple[float, float, float, float] | None:
    parts = raw.split(",")
    if len(parts) != 4:
        return None
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return (west, south, east, north)


# ------------------------------------------------------------ coordinates
#
# One parse of coordinates and radii for the API's camera list
# (api/filters.py) and the camera list page: the same values are accepted,
# and the same message says what is wrong with the others.

# Plain decimals: no exponent, no "+", no spaces.
DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
MIN_RADIUS_METRES = 1
MAX_RADIUS_METRES = 50_000
DEFAULT_RADIUS_METRES = 1_000


def parse_numbers(value: str, count: int, what: str) -> list[float]:
    """`count` comma-separated plain decimals; `what` names them in errors."""
    parts = value.split(",")
    if len(parts) != count:
        raise forms.ValidationError(
            _("%(what)s needs %(count)s comma-separated numbers.") % {"what": what, "count": count}
        )
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise forms.ValidationError(_("%(what)s must be numbers.") % {"what": what}) from None
    if not all(math.isfinite(number) for number in numbers):
        raise forms.ValidationError(_("%(what)s must be finite numbers.") % {"what": what})
    if not all(DECIMAL.fullmatch(part) for part in parts):
        raise forms.ValidationError(
            _("%(what)s takes plain decimals such as -87.63: no spaces, exponent or + sign.")
            % {"what": what}
        )
    return numbers


def check_lon_lat(lon: float, lat: float) -> None:
    if not -180 <= lon <= 180:
        raise forms.ValidationError(
            _("Longitude %(value)s is outside -180..180.") % {"value": f"{lon:g}"}
        )
    if not -90 <= lat <= 90:
        raise forms.ValidationError(
            _("Latitude %(value)s is outside -90..90.") % {"value": f"{lat:g}"}
        )


def plain_decimal(value: float, places: int = 6) -> str:
    """`value` as a plain decimal that parse_numbers reads back, to `places`
    decimals (6: about 10 cm), without trailing zeros."""
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def parse_lon_lat(value: str, what: str = "near") -> Point:
    """`lon,lat` in WGS 84 decimal degrees, as a point."""
    lon, lat = parse_numbers(value, 2, what)
    check_lon_lat(lon, lat)
    return Point(lon, lat, srid=4326)


class RadiusField(forms.DecimalField):
    """Metres around `near`: MIN_RADIUS_METRES to MAX_RADIUS_METRES."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", MIN_RADIUS_METRES)
        kwargs.setdefault("max_value", MAX_RADIUS_METRES)
        super().__init__(*args, **kwargs)


@dataclass(frozen=True)
class Near:
    """Cameras around a point, nearest first (`?near=lon,lat`, optionally
    `&radius=` metres), as the API's camera list takes them; what the camera
    list's "Near me" button sets."""

    point: Point | None = None
    radius: float = DEFAULT_RADIUS_METRES

    @classmethod
    def from_query(cls, data: QueryDict, ignored: list[Ignored]) -> Near:
        raw = (data.get("near") or "").strip()
        if not raw:
            return cls()
        try:
            point = parse_lon_lat(raw)
        except forms.ValidationError as error:
            ignored.append(Ignored("near", raw, " ".join(error.messages)))
            return cls()
        radius = DEFAULT_RADIUS_METRES
        raw_radius = (data.get("radius") or "").strip()
        if raw_radius:
            try:
                radius = float(RadiusField().clean(raw_radius))
            except forms.ValidationError as error:
                ignored.append(Ignored("radius", raw_radius, " ".join(error.messages)))
        return cls(point=point, radius=radius)

    def __bool__(self) -> bool:
        return self.point is not None

    def apply(self, cameras: CameraQuerySet) -> CameraQuerySet:
        """Within the radius, nearest first, with `distance` annotated."""
        return cameras.near(self.point, self.radius) if self.point else cameras

    def as_query(self) -> dict[str, str]:
        if not self.point:
            return {}
        query = {"near": f"{plain_decimal(self.point.x)},{plain_decimal(self.point.y)}"}
        if self.radius != DEFAULT_RADIUS_METRES:
            query["radius"] = f"{self.radius:g}"
        return query
