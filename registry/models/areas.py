"""Named areas (countries, regions, cities, districts) that reports and
exposure figures are computed for."""

from __future__ import annotations

from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MinValueValidator
from django.db.models import Value
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _

from .search import SearchKey


class AreaLevel(models.TextChoices):
    """Where an area sits in the hierarchy, coarsest first. District, ward and
    precinct are alternatives at the same depth: cities divide themselves in
    different ways."""

    COUNTRY = "country", _("country")
    REGION = "region", _("region")
    CITY = "city", _("city")
    DISTRICT = "district", _("district")
    WARD = "ward", _("ward")
    PRECINCT = "precinct", _("precinct")


# Depth of each level: a parent is always of a smaller depth than its child.
LEVEL_DEPTH = {
    AreaLevel.COUNTRY: 0,
    AreaLevel.REGION: 1,
    AreaLevel.CITY: 2,
    AreaLevel.DISTRICT: 3,
    AreaLevel.WARD: 3,
    AreaLevel.PRECINCT: 3,
}


class AreaQuerySet(models.QuerySet):
    def at_level(self, *levels: str) -> AreaQuerySet:
        return self.filter(level__in=levels)

    def containing(self, geometry) -> AreaQuerySet:
        """Areas whose boundary holds `geometry` (a point, usually), the
        smallest first."""
        return self.filter(geometry__intersects=geometry).order_by("area_km2", "pk")

    def named_like(self, text: str) -> AreaQuerySet:
        """Whose name holds `text`, accents and case ignored: their search
        keys compared (registry.models.search), through the trigram index.
        None for a text without a key (all marks or punctuation)."""
        key = SearchKey(Value(text))
        return self.filter(GreaterThan(Length(key), 0), name_key__contains=key)

    def without_geometry(self) -> AreaQuerySet:
        """Lists rarely need boundaries, which can weigh megabytes."""
        return self.defer("geometry")


class Area(models.Model):
    """A named boundary. Areas are reference data imported from boundary
    files (`import_areas`); re-importing a file updates them in place."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("slug"), max_length=200, unique=True, help_text=_("The area's address: /areas/<slug>/.")
    )
    # Kept by PostgreSQL: the name's search key (registry.models.search).
    name_key = models.GeneratedField(
        expression=SearchKey("name"),
        output_field=models.CharField(max_length=200),
        db_persist=True,
        verbose_name=_("search key"),
    )
    level = models.CharField(_("level"), max_length=10, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    code = models.CharField(
        _("code"),
        max_length=50,
        blank=True,
        help_text=_(
            "An official identifier: ISO 3166 for countries, the boundary file's own id "
            "otherwise. Re-imports match on it when given."
        ),
    )
    geometry = models.MultiPolygonField(_("boundary"), srid=4326)
    area_km2 = models.FloatField(
        _("area (km²)"),
        editable=False,
        help_text=_("Computed on the ellipsoid from the boundary."),
    )
    surface_km2 = models.FloatField(
        _("official surface (km²)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_(
            "The surface a statistical source publishes for the area (land and inland "
            "waters), used for densities instead of the boundary's own: a country's boundary "
            "also takes in its coastal waters. Empty for areas measured from their boundary."
        ),
    )
    surface_source = models.CharField(_("source of the surface"), max_length=300, blank=True)
    population = models.PositiveBigIntegerField(
        _("population"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    population_source = models.CharField(
        _("source of the population"),
        max_length=300,
        blank=True,
        help_text=_("Empty when the population comes with the boundary file."),
    )
    source = models.CharField(
        _("source"),
        max_length=300,
        blank=True,
        help_text=_("Where the boundary comes from: file, publisher, licence."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "level", "name"],
                nulls_distinct=False,
                name="area_name_unique_in_parent",
            ),
            models.CheckConstraint(condition=models.Q(area_km2__gte=0), name="area_km2_positive"),
        ]
        indexes = [
            models.Index(fields=["level", "code"], name="area_level_code"),
            # The place search: a name by its start, or any word's, accents and
            # case ignored (registry.places).
            models.Index(
                fields=["name_key"], opclasses=["varchar_pattern_ops"], name="area_name_prefix"
            ),
            GinIndex(fields=["name_key"], opclasses=["gin_trgm_ops"], name="area_name_search"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def density_km2(self) -> float:
        """The surface densities divide by: the official one where a source
        gives it, else the one measured from the boundary."""
        return self.area_km2 if self.surface_km2 is None else self.surface_km2

    @property
    def depth(self) -> int:
        return LEVEL_DEPTH[AreaLevel(self.level)]

    def ancestors(self) -> list[Area]:
        """From the top of the hierarchy down to this area's parent."""
        chain: list[Area] = []
        parent = self.parent
        while parent is not None:
            chain.insert(0, parent)
            parent = parent.parent
        return chain
