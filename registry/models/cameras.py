"""Cameras and the other surveillance devices, in OSM's vocabulary."""

import math

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from registry.querysets import CameraQuerySet

from .choices import (
    CameraType,
    Capability,
    EvidenceKind,
    Kind,
    Mount,
    OsmType,
    Status,
    Visibility,
    Zone,
)
from .organisations import Operator, Vendor


def validate_finite(value: float) -> None:
    if not math.isfinite(value):
        raise ValidationError(_("Enter a finite number."), code="not_finite")


class Dataset(models.Model):
    """Where cameras came from: an import source (an OSM extract, a city's open
    data list) or Sightline's own contributions."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("URL"), blank=True)
    licence = models.CharField(
        _("licence"), max_length=100, blank=True, help_text=_("e.g. ODbL-1.0")
    )
    attribution = models.CharField(_("attribution"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dataset")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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


class Evidence(models.Model):
    """A source behind a fact: a photo, a contract, a use policy, a news story.
    Attached to exactly one camera, vendor or operator."""

    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    document = models.FileField(_("document"), upload_to="evidence/%Y/%m/", blank=True)
    thumbnail = models.FileField(
        _("thumbnail"),
        blank=True,
        max_length=200,
        help_text=_("A small copy of a photo, for lists and the moderation queue."),
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    date = models.DateField(
        _("date"), null=True, blank=True, help_text=_("When the evidence was made or published.")
    )
    note = models.TextField(_("note"), blank=True)
    camera = models.ForeignKey(
        Camera, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    operator = models.ForeignKey(
        Operator, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What kept reports and their PDFs are keyed on (registry/reports/versions.py):
    # an edited title, address or date changes them.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(camera__isnull=False, vendor__isnull=True, operator__isnull=True)
                    | models.Q(camera__isnull=True, vendor__isnull=False, operator__isnull=True)
                    | models.Q(camera__isnull=True, vendor__isnull=True, operator__isnull=False)
                ),
                name="evidence_has_one_subject",
                violation_error_message=_(
                    "Evidence belongs to exactly one camera, vendor or operator."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(url="") | ~models.Q(document=""),
                name="evidence_has_url_or_document",
                violation_error_message=_("Evidence needs a URL or a document."),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url or self.document.name


class CameraCapability(models.Model):
    """A capability OSM has no tag for (face recognition, audio, ...), asserted
    for one camera with the evidence that backs it."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="capabilities")
    capability = models.CharField(_("capability"), max_length=30, choices=Capability.choices)
    note = models.TextField(_("note"), blank=True)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="capabilities")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("camera capability")
        verbose_name_plural = _("camera capabilities")
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "capability"], name="camera_capability_unique"
            )
        ]

    def __str__(self) -> str:
        return self.get_capability_display()
