"""Read paths: chainable QuerySet methods, spatial conditions as ORM lookups."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Polygon
from django.contrib.gis.measure import D
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Lower, TruncDate
from django.utils import timezone

# Statuses of a device believed to be in place: only these can be stale.
IN_PLACE_STATUSES = ("reported", "verified")
# What the public never sees nor counts.
HIDDEN_STATUS = "hidden"


class Longitude(Func):
    """ST_X of a point: its longitude, for a WGS 84 location."""

    function = "ST_X"
    output_field = FloatField()


class Latitude(Func):
    function = "ST_Y"
    output_field = FloatField()


class CameraQuerySet(models.QuerySet):
    def visible(self) -> CameraQuerySet:
        """What the public sees: everything but cameras hidden by moderation.
        Removed cameras stay visible, marked as removed."""
        return self.exclude(status=HIDDEN_STATUS)

    def active(self) -> CameraQuerySet:
        """Still believed to be in place."""
        return self.filter(status__in=IN_PLACE_STATUSES)

    def in_bbox(self, bbox: tuple[float, float, float, float]) -> CameraQuerySet:
        """bbox = (min_lon, min_lat, max_lon, max_lat)."""
        polygon = Polygon.from_bbox(bbox)
        polygon.srid = 4326
        return self.filter(location__intersects=polygon)

    def in_area(self, area) -> CameraQuerySet:
        """Inside `area`'s boundary or on it. The boundary goes into the query
        as a value, so that the cameras' spatial index narrows the search to
        its bounding box first."""
        return self.in_areas([area])

    def in_areas(self, areas: Iterable) -> CameraQuerySet:
        """Inside or on the boundary of any of `areas`."""
        inside = Q()
        for area in areas:
            inside |= Q(location__intersects=area.geometry)
        return self.filter(inside)

    def near(self, point, metres: float) -> CameraQuerySet:
        """Within `metres` of `point` on the ground, nearest first, with
        `distance` annotated. A radius in degrees at least as wide lets the
        GiST index narrow the candidates before the exact distance test."""
        metres_per_degree = 111_320 * max(math.cos(math.radians(min(abs(point.y), 89.0))), 0.01)
        degrees = metres / metres_per_degree * 1.01
        return (
            self.filter(location__dwithin=(point, degrees))
            .annotate(distance=Distance("location", point))
            .filter(distance__lte=D(m=metres))
            .order_by("distance", "id")
        )

    def with_country(self) -> CameraQuerySet:
        """Annotates `country`: the ISO 3166-1 code of the country area
        holding the camera, None when none does (offshore, or no countries
        loaded). About 30 µs a camera on the 168k sample (790 ms for one
        vendor's 24,746): callers cache the counts they build from it."""
        from registry.models import Area  # the models import this module

        holding = Area.objects.at_level("country").filter(
            geometry__intersects=OuterRef("location")
        )
        return self.annotate(country=Subquery(holding.values("code")[:1]))

    def of_kind(self, *kinds: str) -> CameraQuerySet:
        return self.filter(kind__in=kinds)

    def of_vendor(self, *slugs: str) -> CameraQuerySet:
        return self.filter(vendor__slug__in=slugs)

    def of_operator(self, *slugs: str) -> CameraQuerySet:
        return self.filter(operator__slug__in=slugs)

    def from_dataset(self, dataset) -> CameraQuerySet:
        return self.filter(dataset=dataset)

    def with_osm_object(self, osm_type: str, osm_id: int) -> CameraQuerySet:
        return self.filter(osm_type=osm_type, osm_id=osm_id)

    def count_by(self, field: str) -> dict[str, int]:
        """How many cameras per value of `field` (a path like `vendor__slug`),
        most first; no value counts as "unknown"."""
        rows = self.order_by().values_list(field).annotate(n=Count("id")).order_by("-n", field)
        return {value or "unknown": n for value, n in rows}

    def tally(self, *fields: str) -> list[tuple]:
        """How many cameras per combination of `fields` (paths like
        `operator__slug`, `operator__name`): rows of (*values, count), most
        first. Unlike `count_by`, a missing value stays None."""
        rows = self.order_by().values_list(*fields).annotate(n=Count("id"))
        return list(rows.order_by("-n", *fields))

    def with_staleness(self, *, today: date | None = None) -> CameraQuerySet:
        """Annotates `confirmed_on`, the latest sign the device was there
        (last confirmed, else first seen, else the day it was recorded), and
        `is_stale`: in place but not confirmed for CAMERA_STALE_AFTER_DAYS."""
        confirmed_on = Coalesce("last_confirmed", "first_seen", TruncDate("created_at"))
        stale = Q(status__in=IN_PLACE_STATUSES, confirmed_on__lt=stale_before(today))
        return self.annotate(confirmed_on=confirmed_on).annotate(
            is_stale=ExpressionWrapper(stale, output_field=BooleanField())
        )

    def stale(self, *, today: date | None = None) -> CameraQuerySet:
        return self.with_staleness(today=today).filter(is_stale=True)

    def with_coordinates(self) -> CameraQuerySet:
        """Annotates `longitude` and `latitude`, for lists of points."""
        return self.annotate(longitude=Longitude("location"), latitude=Latitude("location"))

    def ordered_by(self, key: str, *, descending: bool = False) -> CameraQuerySet:
        """Ordered for a list by one of CAMERA_SORT_KEYS, unknown values
        last either way and the id breaking ties. Kinds and statuses sort by
        their label in the active language: the order the reader sees."""
        expression = _camera_sort_expression(key)
        order = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        return self.order_by(order, "id")

    def with_vendor_restricted(self) -> CameraQuerySet:
        """Annotates `vendor_restricted`: its vendor is under a legal restriction."""
        from registry.models import VendorRestriction  # the models import this module

        restrictions = VendorRestriction.objects.filter(vendor_id=OuterRef("vendor_id"))
        return self.annotate(vendor_restricted=Exists(restrictions))

    def unmatched_vendor_values(self) -> Iterable[dict]:
        """Raw vendor strings no Vendor matched, with how many cameras carry each."""
        return self._unmatched_values("vendor")

    def unmatched_operator_values(self) -> Iterable[dict]:
        return self._unmatched_values("operator")

    def _unmatched_values(self, role: str) -> Iterable[dict]:
        raw = f"{role}_raw"
        return (
            self.filter(**{f"{role}__isnull": True})
            .exclude(**{raw: ""})
            .values(raw)
            .annotate(cameras=Count("id"))
            .order_by(Lower(raw))
            .values_list(raw, "cameras")
        )


CAMERA_SORT_KEYS = ("id", "kind", "vendor", "operator", "status", "last_confirmed")


def _camera_sort_expression(key: str):
    from registry.models.choices import Kind, Status  # the models import this module

    labelled = {"kind": Kind, "status": Status}
    if key in labelled:
        whens = [
            When(**{key: value}, then=Value(str(label))) for value, label in labelled[key].choices
        ]
        return Lower(Case(*whens, default=Value(None), output_field=CharField()))
    paths = {"vendor": Lower("vendor__name"), "operator": Lower("operator__name")}
    if key in paths:
        return paths[key]
    if key in ("id", "last_confirmed"):
        return F(key)
    raise ValueError(f"Cameras cannot be sorted by {key!r}; use one of {CAMERA_SORT_KEYS}.")


def stale_before(today: date | None = None) -> date:
    """A device in place and last confirmed before this day is stale."""
    today = today or timezone.localdate()
    return today - timedelta(days=settings.CAMERA_STALE_AFTER_DAYS)


# Counts the public sees leave hidden cameras out, like every other read.
VISIBLE_CAMERAS = ~Q(cameras__status=HIDDEN_STATUS)


class OrganisationQuerySet(models.QuerySet):
    """Reads shared by vendors and operators. (Build one with
    `VendorQuerySet(Vendor)`, or adopt it as the model's manager with
    `objects = VendorQuerySet.as_manager()`.)"""

    def with_camera_count(self) -> OrganisationQuerySet:
        """Annotates `camera_count`: the cameras the public sees."""
        return self.annotate(camera_count=Count("cameras", filter=VISIBLE_CAMERAS))

    def ordered_by(self, key: str, *, descending: bool = False) -> OrganisationQuerySet:
        """By `name` (case-insensitively) or by `count` (of visible cameras,
        needs `with_camera_count`), the name breaking ties."""
        by_name = Lower("name")
        if key == "count":
            count = F("camera_count").desc() if descending else F("camera_count").asc()
            return self.order_by(count, by_name, "pk")
        return self.order_by(by_name.desc() if descending else by_name.asc(), "pk")


class VendorQuerySet(OrganisationQuerySet):
    def with_restricted(self) -> VendorQuerySet:
        """Annotates `restricted`: at least one legal restriction is recorded."""
        from registry.models import VendorRestriction  # the models import this module

        return self.annotate(
            restricted=Exists(VendorRestriction.objects.filter(vendor_id=OuterRef("pk")))
        )

    def restricted(self) -> VendorQuerySet:
        return self.with_restricted().filter(restricted=True)


class OperatorQuerySet(OrganisationQuerySet):
    def of_type(self, *operator_types: str) -> OperatorQuerySet:
        return self.filter(operator_type__in=operator_types)


class AreaQuerySet(models.QuerySet):
    def at_level(self, *levels: str) -> AreaQuerySet:
        return self.filter(level__in=levels)

    def containing(self, geometry) -> AreaQuerySet:
        """Areas whose boundary holds `geometry` (a point, usually), the
        smallest first."""
        return self.filter(geometry__intersects=geometry).order_by("area_km2", "pk")

    def without_geometry(self) -> AreaQuerySet:
        """Lists rarely need boundaries, which can weigh megabytes."""
        return self.defer("geometry")
