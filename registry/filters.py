"""The filters of the map, the camera list and the tiles, read from a URL.

A page is a permalink: whatever its URL says, it renders. A value Sightline
does not know (a misspelt kind, a vendor slug that no longer exists, a bad
date) is dropped and reported back as `Ignored`, so that the page can say so
instead of breaking. The tile endpoint reads the same parameters and refuses
what this module ignores (see `MapFilters.from_query`'s callers)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

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
