"""Who makes the devices (vendors) and who runs them (operators), and the
reads shared by both."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import CharField, Count, Exists, F, Func, OuterRef, Q, Value
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from registry.names import name_key

from .choices import HIDDEN_STATUS, Kind, OperatorOrigin, OperatorType, RestrictionRegime
from .search import SearchKey

wikidata_validator = RegexValidator(r"^Q[1-9][0-9]*$", _("A Wikidata id looks like Q108485435."))


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    aliases = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text=_(
            "Other spellings seen in the wild (OSM tags, contracts). Imports match "
            "these as well as the name."
        ),
    )
    wikidata = models.CharField(
        _("Wikidata id"),
        max_length=20,
        blank=True,
        validators=[wikidata_validator],
        help_text=_("e.g. Q108485435; OSM's manufacturer:wikidata / operator:wikidata."),
    )
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def all_names(self) -> list[str]:
        return [self.name, *self.aliases]

    def add_aliases(self, spellings: list[str]) -> bool:
        """Append the spellings no name or alias of this record already
        matches; returns whether any was added (the caller saves)."""
        known = {name_key(name) for name in self.all_names()}
        new = [spelling for spelling in spellings if name_key(spelling) not in known]
        self.aliases = [*self.aliases, *new]
        return bool(new)


class Vendor(Organisation):
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 code.")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidiaries",
        verbose_name=_("parent company"),
        help_text=_("The company that owns this brand (Vigilant: Motorola Solutions)."),
    )
    kinds = ArrayField(
        models.CharField(max_length=30, choices=Kind.choices),
        default=list,
        blank=True,
        verbose_name=_("kinds it makes"),
        help_text=_("The kinds of device it makes, as OSM's surveillance:type values."),
    )

    class Meta(Organisation.Meta):
        verbose_name = _("vendor")
        constraints = [
            models.UniqueConstraint(
                fields=["wikidata"],
                condition=~models.Q(wikidata=""),
                name="vendor_wikidata_unique",
            )
        ]

    @property
    def kind_labels(self) -> list[str]:
        labels = dict(Kind.choices)
        return [str(labels.get(kind, kind)) for kind in self.kinds]

    def owners(self) -> list[Vendor]:
        """The companies that own this brand, its parent first."""
        owners: list[Vendor] = []
        owner = self.parent
        while owner is not None and owner.pk != self.pk and owner not in owners:
            owners.append(owner)
            owner = owner.parent
        return owners

    def with_brands(self) -> list[int]:
        """Its own id and those of the brands it owns, at any depth."""
        children: dict[int, list[int]] = {}
        for pk, parent in Vendor.objects.exclude(parent=None).values_list("pk", "parent_id"):
            children.setdefault(parent, []).append(pk)
        family, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = [
                pk for parent in frontier for pk in children.get(parent, ()) if pk not in family
            ]
            family += frontier
        return family


class VendorRestriction(models.Model):
    """One legal restriction on a vendor, with its own source, so that the table
    can be corrected and extended (EU, UK lists) by moderators."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="restrictions")
    regime = models.CharField(_("regime"), max_length=40, choices=RestrictionRegime.choices)
    regime_detail = models.CharField(
        _("regime detail"), max_length=200, blank=True, help_text=_("Used with 'other'.")
    )
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    scope = models.TextField(
        _("scope"), blank=True, help_text=_("To what extent the restriction applies.")
    )
    source_url = models.URLField(_("source URL"), max_length=500)
    source_title = models.CharField(_("source title"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("vendor restriction")
        ordering = ["vendor__name", "effective_date", "regime"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "regime", "regime_detail"], name="vendor_restriction_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vendor}: {self.get_regime_display()}"

    @property
    def label(self) -> str:
        """The regime's name with its detail; for "other", the detail alone."""
        if self.regime == RestrictionRegime.OTHER and self.regime_detail:
            return self.regime_detail
        name = str(self.get_regime_display())
        return f"{name} ({self.regime_detail})" if self.regime_detail else name


class Operator(Organisation):
    operator_type = models.CharField(
        _("type"), max_length=20, choices=OperatorType.choices, blank=True
    )
    origin = models.CharField(
        _("origin"),
        max_length=10,
        choices=OperatorOrigin.choices,
        default=OperatorOrigin.CURATED,
        help_text=_(
            "Entered by a curator, or made from an operator string an import or a "
            "contribution brought that no record matched."
        ),
    )
    reviewed = models.BooleanField(
        _("reviewed"),
        default=True,
        help_text=_(
            "A curator checked the record (its name, its type, that it is no duplicate). "
            "Records made from the data start unreviewed."
        ),
    )
    # Kept by PostgreSQL: the name's search key (registry.models.search).
    name_key = models.GeneratedField(
        expression=SearchKey("name"),
        output_field=models.CharField(max_length=200),
        db_persist=True,
        verbose_name=_("search key"),
    )
    first_source = models.CharField(
        _("first source"),
        max_length=200,
        blank=True,
        help_text=_(
            "For a record made from the data: the dataset that first named it, or “contribution”."
        ),
    )
    # Merged records are deleted; their addresses lead here instead of
    # nowhere, so links and bookmarks to them keep working.
    former_slugs = ArrayField(
        models.SlugField(max_length=200),
        default=list,
        blank=True,
        editable=False,
        help_text=_("The slugs of operators merged into this one."),
    )

    class Meta(Organisation.Meta):
        verbose_name = _("operator")
        constraints = [
            models.UniqueConstraint(
                fields=["wikidata"],
                condition=~models.Q(wikidata=""),
                name="operator_wikidata_unique",
            )
        ]
        indexes = [
            # The place search: a name by its start, or any word's, accents and
            # case ignored (registry.places).
            models.Index(
                fields=["name_key"],
                opclasses=["varchar_pattern_ops"],
                name="operator_name_prefix",
            ),
            GinIndex(fields=["name_key"], opclasses=["gin_trgm_ops"], name="operator_name_search"),
            GinIndex(fields=["former_slugs"], name="operator_former_slugs"),
        ]


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


# A restriction on a company reaches the brands it owns: section 889 and the
# FCC's Covered List name each company "and its subsidiaries and affiliates".
# Ownership on record is at most brand -> company -> group deep.
OWNED_BY_RESTRICTED = (
    Q(restrictions__isnull=False)
    | Q(parent__restrictions__isnull=False)
    | Q(parent__parent__restrictions__isnull=False)
)

# The same, for the tile and exposure statements written in SQL.
RESTRICTED_VENDOR_IDS_SQL = """
  SELECT v.id FROM registry_vendor v LEFT JOIN registry_vendor p ON p.id = v.parent_id
  WHERE EXISTS (SELECT 1 FROM registry_vendorrestriction r
                WHERE r.vendor_id IN (v.id, v.parent_id, p.parent_id))"""


class VendorQuerySet(OrganisationQuerySet):
    def under_restriction(self) -> VendorQuerySet:
        """Vendors under a legal restriction, their own or a restriction on a
        company that owns them."""
        return self.filter(OWNED_BY_RESTRICTED).distinct()

    def with_restricted(self) -> VendorQuerySet:
        """Annotates `restricted`: a legal restriction is recorded on the
        vendor or on a company that owns it."""
        restricted = VendorQuerySet(Vendor).under_restriction().filter(pk=OuterRef("pk"))
        return self.annotate(restricted=Exists(restricted))

    def restricted(self) -> VendorQuerySet:
        return self.with_restricted().filter(restricted=True)


class OperatorQuerySet(OrganisationQuerySet):
    def of_type(self, *operator_types: str) -> OperatorQuerySet:
        return self.filter(operator_type__in=operator_types)

    def to_review(self) -> OperatorQuerySet:
        """Records no curator has checked yet: those made from the data."""
        return self.filter(reviewed=False)

    def merged_into_from(self, slug: str) -> Operator | None:
        """The operator that a record once at `slug` was merged into."""
        return self.filter(former_slugs__contains=[slug]).first()

    def matching(self, text: str) -> OperatorQuerySet:
        """Whose name, an alias or Wikidata id holds `text` (any case)."""
        text = text.strip()
        if not text:
            return self
        aliases = Func(
            F("aliases"), Value("\x1f"), function="array_to_string", output_field=CharField()
        )
        return self.alias(alias_text=aliases).filter(
            Q(name__icontains=text) | Q(alias_text__icontains=text) | Q(wikidata__iexact=text)
        )
