"""Read paths: chainable QuerySet methods, spatial conditions as ORM lookups."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.gis.geos import Polygon
from django.db import models
from django.db.models import Count, FloatField, Func
from django.db.models.functions import Lower


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
        return self.exclude(status="hidden")

    def active(self) -> CameraQuerySet:
        """Still believed to be in place."""
        return self.filter(status__in=["reported", "verified"])

    def in_bbox(self, bbox: tuple[float, float, float, float]) -> CameraQuerySet:
        """bbox = (min_lon, min_lat, max_lon, max_lat)."""
        polygon = Polygon.from_bbox(bbox)
        polygon.srid = 4326
        return self.filter(location__intersects=polygon)

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
