"""Cameras and the other surveillance devices, in OSM's vocabulary, and
their reads: chainable QuerySet methods, spatial conditions as ORM lookups."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models import Extent
from django.contrib.gis.db.models.functions import AsGeoJSON, Distance, Transform
from django.contrib.gis.geos import Polygon
from django.contrib.gis.measure import D
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import OpClass
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
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
    JSONField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, JSONObject, Lower, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .areas import Area
from .choices import (
    HIDDEN_STATUS,
    IN_PLACE_STATUSES,
    CameraType,
    Kind,
    Mount,
    OsmType,
    Status,
    VerifiedBy,
    Visibility,
    Zone,
)
from .datasets import Dataset
from .organisations import Operator, Vendor, VendorQuerySet
from .places import Place
from .search import SearchKey


def validate_finite(value: float) -> None:
    if not math.isfinite(value):
        raise ValidationError(_("Enter a finite number."), code="not_finite")


class Longitude(Func):
    """ST_X of a point: its longitude, for a WGS 84 location."""

    function = "ST_X"
    output_field = FloatField()


class Latitude(Func):
    function = "ST_Y"
    output_field = FloatField()


class FlipCoordinates(Func):
    """A geometry with its axes swapped: latitude first, as EPSG:4326 orders them."""

    function = "ST_FlipCoordinates"


class StoredProperties(Func):
    """The `properties` of a stored feature text, read as `json`, not
    `jsonb`: the properties keep their order and their numbers' text."""

    template = "((%(expressions)s)::json -> 'properties')"
    output_field = JSONField()


@dataclass(frozen=True)
class Footprint:
    """Where and when a set of cameras lies: the box around them
    (min_lon, min_lat, max_lon, max_lat) and their first and last changes;
    None for an empty set."""

    bbox: tuple[float, float, float, float] | None
    first_change: datetime | None
    last_change: datetime | None


class KNN(Func):
    """`a <-> b`: PostGIS's distance that a GiST index orders by, nearest
    first (GeometryDistance refuses an OuterRef)."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    arity = 2
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

    def changed_between(self, start: datetime | None, end: datetime | None) -> CameraQuerySet:
        """Last changed at or after `start` and at or before `end` (either
        may be None: open)."""
        cameras = self
        if start is not None:
            cameras = cameras.filter(updated_at__gte=start)
        if end is not None:
            cameras = cameras.filter(updated_at__lte=end)
        return cameras

    def footprint(self) -> Footprint:
        """The box around these cameras and when they last changed, first
        and last: one aggregate pass."""
        found = self.order_by().aggregate(
            box=Extent("location"), first=Min("updated_at"), last=Max("updated_at")
        )
        return Footprint(found["box"], found["first"], found["last"])

    def with_feature_in(self, srid: int, *, north_first: bool = False) -> CameraQuerySet:
        """Annotates `feature_in_crs`: the stored feature text with its point
        transformed to `srid` (latitude first with `north_first`, as
        EPSG:4326 orders its axes); the properties as stored. Metres in
        projected systems keep 2 decimals (centimetres), degrees 7."""
        point = Transform("location", srid) if srid != 4326 else F("location")
        if north_first:
            point = FlipCoordinates(point, output_field=models.PointField(srid=srid))
        precision = 7 if srid == 4326 else 2
        geometry = Cast(AsGeoJSON(point, precision=precision), JSONField())
        properties = StoredProperties(F("feature"))
        feature = Func(
            *(Value("type"), Value("Feature"), Value("id"), F("id")),
            *(Value("geometry"), geometry, Value("properties"), properties),
            function="json_build_object",
            output_field=JSONField(),
        )
        return self.annotate(feature_in_crs=Cast(feature, TextField()))

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

    def with_nearest_place(self) -> CameraQuerySet:
        """Annotates `nearest_place`: the gazetteer's place nearest the
        camera, as a dict (id, geonameid, name, admin1_code, country_code,
        population, metres on the sphere), or None without a gazetteer. For
        each camera the places' GiST index is walked nearest first (the KNN
        operator `<->`) and stops at the first: a page of cameras costs one
        query, whatever its length. Nearest in degrees, which at high
        latitudes can pass over a place a little nearer east or west."""
        nearest = (
            Place.objects.alias(knn=KNN(F("location"), OuterRef("location")))
            .order_by("knn")
            .values(
                json=JSONObject(
                    id="id",
                    geonameid="geonameid",
                    name="name",
                    admin1_code="admin1_code",
                    country_code="country_code",
                    population="population",
                    metres=Func(
                        F("location"),
                        OuterRef("location"),
                        function="ST_DistanceSphere",
                        output_field=FloatField(),
                    ),
                )
            )[:1]
        )
        return self.annotate(nearest_place=Subquery(nearest, output_field=models.JSONField()))

    def with_country(self) -> CameraQuerySet:
        """Annotates `country`: the ISO 3166-1 code of the country area
        holding the camera, None when none does (offshore, or no countries
        loaded). About 30 µs a camera on the 168k sample (790 ms for one
        vendor's 24,746): callers cache the counts they build from it."""
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

    def osm_ids(self, osm_type: str) -> list[int]:
        """The ids of the OSM objects of `osm_type` these cameras are."""
        return list(
            self.filter(osm_type=osm_type, osm_id__isnull=False)
            .order_by()
            .values_list("osm_id", flat=True)
        )

    def offerable_to_osm(self) -> CameraQuerySet:
        """Verified cameras OSM does not have whose data may go into it: a
        contribution to Sightline (no dataset: under Sightline's own terms,
        the ODbL) or a dataset whose licence is marked ODbL-compatible."""
        return self.filter(status=Status.VERIFIED, osm_id__isnull=True).filter(
            Q(dataset__isnull=True) | Q(dataset__odbl_compatible=True)
        )

    def corrected_since_osm(self) -> CameraQuerySet:
        """OSM nodes (with a known version) still in place whose latest
        revision is a moderator's edit in Sightline: no import has written
        over it since, and it is not the record of an upload to OSM. Whether
        the tags then differ from OSM's is for the caller to compare (the
        raw tags hold OSM's as last imported or uploaded)."""
        from .history import Changeset, Revision

        moderator = (
            Q(user__is_superuser=True)
            | Q(user__user_permissions__codename="moderate")
            | Q(user__groups__permissions__codename="moderate")
            | Q(moderation_actions__isnull=False)
        )
        by_moderator = Changeset.objects.filter(
            moderator, pk=OuterRef("last_changeset"), dataset__isnull=True, osm_uploads=None
        )
        latest = Revision.objects.filter(camera=OuterRef("pk")).order_by("-version")
        return (
            self.filter(
                osm_type=OsmType.NODE,
                osm_id__isnull=False,
                osm_version__isnull=False,
                status__in=IN_PLACE_STATUSES,
            )
            .annotate(last_changeset=Subquery(latest.values("changeset_id")[:1]))
            .filter(Exists(by_moderator))
        )

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
        """Annotates `vendor_restricted`: its vendor, or a company that owns
        it, is under a legal restriction."""
        return self.annotate(vendor_restricted=Exists(_restricted_vendor(OuterRef("vendor_id"))))

    def of_restricted_vendors(self, *, restricted: bool = True) -> CameraQuerySet:
        """Cameras whose vendor, or a company that owns it, is under a legal
        restriction (or, with `restricted=False`, all the others)."""
        condition = Exists(_restricted_vendor(OuterRef("vendor_id")))
        return self.filter(condition) if restricted else self.exclude(condition)

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


class Camera(models.Model):
    """One surveillance device. Written only through registry.services, which
    bump `version` and leave a Revision; never hard-deleted."""

    location = models.PointField(_("location"), srid=4326)
    kind = models.CharField(
        _("kind"),
        max_length=30,
        choices=Kind.choices,
        blank=True,
        help_text=_(
            "OSM surveillance:type. Empty when the source did not say or said "
            "something unrecognised (kept in the raw tags)."
        ),
    )
    visibility = models.CharField(
        _("watches"),
        max_length=10,
        choices=Visibility.choices,
        blank=True,
        help_text=_("OSM surveillance."),
    )
    zone = models.CharField(
        _("zone"),
        max_length=30,
        choices=Zone.choices,
        blank=True,
        help_text=_("OSM surveillance:zone."),
    )
    camera_type = models.CharField(
        _("camera type"),
        max_length=10,
        choices=CameraType.choices,
        blank=True,
        help_text=_("OSM camera:type."),
    )
    mount = models.CharField(
        _("mount"),
        max_length=20,
        choices=Mount.choices,
        blank=True,
        help_text=_("OSM camera:mount."),
    )
    directions = ArrayField(
        models.FloatField(
            validators=[validate_finite, MinValueValidator(0), MaxValueValidator(360)]
        ),
        default=list,
        blank=True,
        verbose_name=_("directions"),
        help_text=_(
            "Degrees clockwise from north (0 = north is a real value); a camera "
            "may face several ways. OSM camera:direction, else direction."
        ),
    )
    tilt = models.FloatField(
        _("tilt"),
        null=True,
        blank=True,
        validators=[validate_finite, MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_("Degrees below horizontal. OSM camera:angle."),
    )
    height = models.FloatField(
        _("height"),
        null=True,
        blank=True,
        validators=[validate_finite, MinValueValidator(0)],
        help_text=_("Metres above ground. OSM height."),
    )
    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cameras",
        verbose_name=_("vendor"),
        db_index=False,  # indexed where set (Meta): most cameras have none
    )
    vendor_raw = models.CharField(
        _("vendor as given"),
        max_length=255,
        blank=True,
        help_text=_("The vendor string of the source (manufacturer, brand, ...), kept as is."),
    )
    product = models.CharField(
        _("product or model"), max_length=200, blank=True, help_text=_("OSM model.")
    )
    operator = models.ForeignKey(
        Operator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cameras",
        verbose_name=_("operator"),
        db_index=False,  # indexed where set (Meta): most cameras have none
    )
    operator_raw = models.CharField(
        _("operator as given"),
        max_length=255,
        blank=True,
        help_text=_("The operator string of the source, kept as is."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REPORTED
    )
    removed_on = models.DateField(
        _("removed on"),
        null=True,
        blank=True,
        help_text=_("When the device was found gone; required when removed."),
    )
    status_note = models.TextField(
        _("status note"),
        blank=True,
        help_text=_("Why it was removed or hidden; the evidence is attached as Evidence."),
    )
    verified_by = models.CharField(
        _("verified by"),
        max_length=13,
        choices=VerifiedBy.choices,
        blank=True,
        default="",
        db_default="",  # for rows written in SQL (imports' INSERT ... SELECT)
        help_text=_(
            "How a verified camera was verified: a moderator's decision or independent "
            "confirmations on the ground; empty unless verified."
        ),
    )
    verified_at = models.DateTimeField(
        _("verified at"),
        null=True,
        blank=True,
        help_text=_("When it was verified; empty unless verified."),
    )
    first_seen = models.DateField(_("first seen"), null=True, blank=True)
    last_confirmed = models.DateField(
        _("last confirmed"),
        null=True,
        blank=True,
        help_text=_("Last time someone confirmed it on the ground (OSM check_date, survey:date)."),
    )
    osm_type = models.CharField(_("OSM type"), max_length=8, choices=OsmType.choices, blank=True)
    osm_id = models.BigIntegerField(_("OSM id"), null=True, blank=True)
    osm_version = models.PositiveIntegerField(
        _("OSM version"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The OSM object's version when last imported; exports write it back."),
    )
    tags = models.JSONField(
        _("raw tags"),
        default=dict,
        blank=True,
        help_text=_("Every tag of the source object as it came, so nothing is lost."),
    )
    dataset = models.ForeignKey(
        Dataset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cameras",
        verbose_name=_("dataset"),
        # The (dataset, source_ref) index serves lookups by dataset too.
        db_index=False,
    )
    source_ref = models.CharField(
        _("source record"),
        max_length=100,
        blank=True,
        help_text=_("The record's id in its dataset, when it has one."),
    )
    feature = models.TextField(
        _("GeoJSON feature"),
        default="",
        editable=False,
        help_text=_(
            "This camera as GeoJSON Feature text for lists and downloads, kept current by "
            "the database (trigger registry_camera_feature) on every write, however made."
        ),
    )
    source_hash = models.BigIntegerField(
        _("source fingerprint"),
        null=True,
        editable=False,
        help_text=_(
            "A fingerprint of the source record as last imported: a re-import skips records "
            "whose fingerprint has not changed."
        ),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CameraQuerySet.as_manager()

    class Meta:
        verbose_name = _("camera")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["osm_type", "osm_id"],
                condition=models.Q(osm_id__isnull=False),
                name="camera_osm_object_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(osm_id__isnull=True, osm_type="")
                | models.Q(osm_id__isnull=False) & ~models.Q(osm_type=""),
                name="camera_osm_type_with_id",
                violation_error_message=_("An OSM id needs an OSM type, and the reverse."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=Status.REMOVED) | models.Q(removed_on__isnull=False),
                name="camera_removed_has_date",
                violation_error_message=_("A removed camera needs the date it was removed."),
            ),
            models.CheckConstraint(
                condition=models.Q(verified_by="", verified_at__isnull=True)
                | models.Q(status=Status.VERIFIED, verified_at__isnull=False)
                & ~models.Q(verified_by=""),
                name="camera_verified_says_how",
                violation_error_message=_(
                    "Only a verified camera says how and when it was verified, and it says both."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(height__isnull=True) | models.Q(height__gte=0),
                name="camera_height_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "status"], name="camera_kind_status"),
            models.Index(
                fields=["vendor_raw"],
                condition=models.Q(vendor__isnull=True) & ~models.Q(vendor_raw=""),
                name="camera_unmatched_vendor",
            ),
            models.Index(
                fields=["vendor"], condition=models.Q(vendor__isnull=False), name="camera_vendor"
            ),
            models.Index(
                fields=["operator_raw"],
                condition=models.Q(operator__isnull=True) & ~models.Q(operator_raw=""),
                name="camera_unmatched_operator",
            ),
            models.Index(
                fields=["operator"],
                condition=models.Q(operator__isnull=False),
                name="camera_operator",
            ),
            models.Index(fields=["dataset", "source_ref"], name="camera_source_record"),
            # The place search's prefix match on a camera's street, accents and
            # case ignored (registry.places).
            models.Index(
                OpClass(SearchKey(KT("tags__addr:street")), name="text_pattern_ops"),
                name="camera_addr_street_search",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display() or _("surveillance device")
        return f"{label} #{self.pk}" if self.pk else str(label)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.location is not None and not (
            -180 <= self.location.x <= 180 and -90 <= self.location.y <= 90
        ):
            errors["location"] = _("Longitude must be within -180..180 and latitude -90..90.")
        if self.status == Status.REMOVED and self.removed_on is None:
            errors["removed_on"] = _("A removed camera needs the date it was removed.")
        if (self.osm_id is None) != (not self.osm_type):
            errors["osm_id"] = _("An OSM id needs an OSM type, and the reverse.")
        if errors:
            raise ValidationError(errors)

    @property
    def osm_url(self) -> str:
        if self.osm_id is None:
            return ""
        return f"https://www.openstreetmap.org/{self.osm_type}/{self.osm_id}"


def _restricted_vendor(vendor_id: OuterRef) -> VendorQuerySet:
    return VendorQuerySet(Vendor).under_restriction().filter(pk=vendor_id)
