"""Query parameters of the camera endpoints, parsed and validated by
django-filter: a bad value is a 400 naming the parameter, never a 500."""

from __future__ import annotations

import math
from datetime import UTC

import django_filters
from django import forms
from django.conf import settings
from django.contrib.gis.geos import Point
from django.core import validators
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import QueryDict
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from registry.exports import ExportFormat
from registry.models import (
    Area,
    Camera,
    CameraCapability,
    CameraType,
    Capability,
    Kind,
    Operator,
    Status,
    Vendor,
    VendorRestriction,
)
from registry.services.moderators import is_moderator

# Statuses listed when `status` is not given: what is believed to be there.
DEFAULT_STATUSES = (Status.REPORTED, Status.VERIFIED)


def _numbers(value: str, count: int, what: str) -> list[float]:
    parts = [part.strip() for part in value.split(",")]
    if len(parts) != count:
        raise forms.ValidationError(f"{what} needs {count} comma-separated numbers.")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        raise forms.ValidationError(f"{what} must be numbers.") from None
    if not all(math.isfinite(number) for number in numbers):
        raise forms.ValidationError(f"{what} must be finite numbers.")
    return numbers


def _check_lon_lat(lon: float, lat: float) -> None:
    if not -180 <= lon <= 180:
        raise forms.ValidationError(f"Longitude {lon} is outside -180..180.")
    if not -90 <= lat <= 90:
        raise forms.ValidationError(f"Latitude {lat} is outside -90..90.")


class BboxField(forms.CharField):
    """`minlon,minlat,maxlon,maxlat` in WGS 84, at most
    API_MAX_BBOX_SQUARE_DEGREES unless `limit_area` is off."""

    def __init__(self, *args, limit_area: bool = True, **kwargs):
        self.limit_area = limit_area
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        min_lon, min_lat, max_lon, max_lat = _numbers(value, 4, "bbox")
        _check_lon_lat(min_lon, min_lat)
        _check_lon_lat(max_lon, max_lat)
        if min_lon >= max_lon or min_lat >= max_lat:
            raise forms.ValidationError(
                "bbox must be minlon,minlat,maxlon,maxlat with min below max."
            )
        area = (max_lon - min_lon) * (max_lat - min_lat)
        if self.limit_area and area > settings.API_MAX_BBOX_SQUARE_DEGREES:
            raise forms.ValidationError(
                f"bbox covers {area:g} square degrees; the most one request may ask for is "
                f"{settings.API_MAX_BBOX_SQUARE_DEGREES:g}. Use smaller boxes or the bulk "
                "download."
            )
        return (min_lon, min_lat, max_lon, max_lat)


class LonLatField(forms.CharField):
    """`lon,lat` in WGS 84."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        lon, lat = _numbers(value, 2, "near")
        _check_lon_lat(lon, lat)
        return Point(lon, lat, srid=4326)


@extend_schema_field(OpenApiTypes.STR)
class BboxFilter(django_filters.Filter):
    field_class = BboxField


@extend_schema_field(OpenApiTypes.STR)
class LonLatFilter(django_filters.Filter):
    field_class = LonLatField


class StrictBooleanField(forms.CharField):
    """`true`/`false` (or 1/0, yes/no); anything else is an error, not "unset"."""

    VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def to_python(self, value):
        value = (super().to_python(value) or "").strip().lower()
        if not value:
            return None
        if value not in self.VALUES:
            raise forms.ValidationError("Use true or false.")
        return self.VALUES[value]


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, converted to UTC: PostgreSQL refuses offsets beyond
    ±15:59 that Python accepts."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("This time is out of range.") from None


@extend_schema_field(OpenApiTypes.DATETIME)
class UtcDateTimeFilter(django_filters.Filter):
    field_class = UtcDateTimeField


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class CommaChoicesField(forms.CharField):
    """Several values, comma-separated or repeated, each one of `choices`."""

    def __init__(self, *args, choices=(), **kwargs):
        self.valid = {str(value) for value, _label in choices}
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        values = [part.strip() for part in (value or "").split(",") if part.strip()]
        unknown = [part for part in values if part not in self.valid]
        if unknown:
            # Through params, not an f-string: django-filter %-formats every
            # message, and the value is the client's text.
            raise forms.ValidationError(
                "Unknown value %(value)s; known: %(known)s.",
                params={"value": repr(unknown[0]), "known": ", ".join(sorted(self.valid))},
            )
        return values


@extend_schema_field(OpenApiTypes.STR)
class CommaChoicesFilter(django_filters.Filter):
    field_class = CommaChoicesField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class SlugsField(forms.CharField):
    def to_python(self, value):
        slugs = [part.strip() for part in (value or "").split(",") if part.strip()]
        invalid = [slug for slug in slugs if not validators.slug_re.fullmatch(slug)]
        if invalid:
            raise forms.ValidationError(
                "%(slug)s is not a slug (letters, digits, - and _).",
                params={"slug": repr(invalid[0])},
            )
        return slugs


@extend_schema_field(OpenApiTypes.STR)
class SlugsFilter(django_filters.Filter):
    """Records by slug; an unknown slug is an error, not an empty result."""

    field_class = SlugsField
    unknown = "Unknown slug"

    def __init__(self, *args, target, **kwargs):
        self.target = target
        super().__init__(*args, **kwargs)

    def records(self, slugs: list[str]) -> list:
        """The records `slugs` name; the first unknown one is an error."""
        found = {record.slug: record for record in self.target.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            raise forms.ValidationError({self.field_name: f"{self.unknown} {unknown[0]!r}."})
        return list(found.values())

    def filter(self, qs, value):
        if not value:
            return qs
        self.records(value)
        return qs.filter(**{f"{self.field_name}__slug__in": value})


@extend_schema_field(OpenApiTypes.STR)
class AreaFilter(SlugsFilter):
    """Cameras inside (or on the boundary of) any of the areas named by
    slug; an unknown slug is an error, not an empty result."""

    unknown = "Unknown area"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, target=Area, **kwargs)

    def filter(self, qs, value):
        return qs.in_areas(self.records(value)) if value else qs


class CameraFilter(django_filters.FilterSet):
    bbox = BboxFilter(
        method="filter_bbox",
        label="Bounding box minlon,minlat,maxlon,maxlat (WGS 84).",
    )
    near = LonLatFilter(
        method="filter_near",
        label="lon,lat: cameras within `radius` metres, nearest first.",
    )
    radius = django_filters.NumberFilter(
        method="filter_noop",
        min_value=1,
        max_value=50_000,
        label="Metres around `near` (default 1000, at most 50000).",
    )
    kind = CommaChoicesFilter(
        choices=Kind.choices, label="surveillance:type values, comma-separated."
    )
    camera_type = CommaChoicesFilter(choices=CameraType.choices, label="camera:type values.")
    status = CommaChoicesFilter(
        method="filter_status",
        choices=Status.choices,
        label="Statuses (default reported,verified); hidden only for moderators.",
    )
    vendor = SlugsFilter(target=Vendor, label="Vendor slugs, comma-separated.")
    operator = SlugsFilter(target=Operator, label="Operator slugs, comma-separated.")
    area = AreaFilter(label="Area slugs (/api/v1/areas/), comma-separated: cameras inside any.")
    restricted = StrictBooleanFilter(
        method="filter_restricted", label="true: only vendors with a legal restriction."
    )
    capability = CommaChoicesFilter(
        method="filter_capability", choices=Capability.choices, label="Capabilities (any of)."
    )
    confirmed_since = django_filters.DateFilter(
        field_name="last_confirmed", lookup_expr="gte", label="Last confirmed on or after."
    )
    changed_since = UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after (ISO 8601)."
    )
    q = django_filters.CharFilter(
        method="filter_text", max_length=200, label="Text in raw tags, vendor or operator."
    )

    class Meta:
        model = Camera
        fields: list[str] = []

    def __init__(
        self,
        *args,
        moderator: bool | None = None,
        default_statuses: tuple[str, ...] = DEFAULT_STATUSES,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # None: the request decides (its user is staff or not), as for every
        # API read; the export command, run by an administrator, says True.
        self.moderator = moderator
        self.default_statuses = default_statuses

    def is_moderator(self) -> bool:
        if self.moderator is not None:
            return self.moderator
        return is_moderator(getattr(self.request, "user", None))

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status__in=self.default_statuses)
        return queryset

    def filter_bbox(self, qs, name, value):
        return qs.in_bbox(value) if value else qs

    def filter_near(self, qs, name, value):
        if value is None:
            return qs
        metres = float(self.form.cleaned_data.get("radius") or 1000)
        return qs.near(value, metres)

    def filter_noop(self, qs, name, value):
        return qs  # read by filter_near

    def filter_status(self, qs, name, value):
        if Status.HIDDEN in value and not self.is_moderator():
            raise forms.ValidationError(
                {"status": "Hidden cameras are listed only for moderators."}
            )
        return qs.filter(status__in=value)

    def filter_restricted(self, qs, name, value):
        if value is None:
            return qs
        restricted = Exists(VendorRestriction.objects.filter(vendor=OuterRef("vendor")))
        return qs.filter(restricted) if value else qs.exclude(restricted)

    def filter_capability(self, qs, name, value):
        if not value:
            return qs
        having = CameraCapability.objects.filter(camera=OuterRef("pk"), capability__in=value)
        return qs.filter(Exists(having))

    def filter_text(self, qs, name, value):
        if not value:
            return qs
        return qs.annotate(tags_text=Cast("tags", TextField())).filter(
            Q(tags_text__icontains=value)
            | Q(vendor__name__icontains=value)
            | Q(operator__name__icontains=value)
            | Q(vendor_raw__icontains=value)
            | Q(operator_raw__icontains=value)
        )


class ExportCameraFilter(CameraFilter):
    """The camera filters of bulk exports (the downloads, `export_cameras`):
    a bbox of any size, since leaving it out already exports everything."""

    bbox = BboxFilter(
        method="filter_bbox",
        limit_area=False,
        label="Bounding box minlon,minlat,maxlon,maxlat (WGS 84), any size.",
    )
    status = CommaChoicesFilter(
        method="filter_status",
        choices=Status.choices,
        label=(
            "Statuses (default: reported,verified,removed for GeoJSON and CSV, "
            "reported,verified for OSM XML; osmChange takes only those two); "
            "hidden only for moderators."
        ),
    )


def cameras_to_export(
    data: QueryDict, export: ExportFormat, *, moderator: bool
) -> QuerySet[Camera]:
    """The cameras `data` selects for an export in `export`'s format, read
    exactly as `cameras/` reads its query parameters. Raises ValidationError
    {parameter: [problems]} before anything is written."""
    filterset = ExportCameraFilter(
        data,
        queryset=Camera.objects.all(),
        moderator=moderator,
        default_statuses=export.default_statuses,
    )
    if not filterset.is_valid():
        raise forms.ValidationError(filterset.errors)
    asked = set(filterset.form.cleaned_data.get("status") or ())
    if asked - set(export.allowed_statuses):
        raise forms.ValidationError(
            {
                "status": (
                    f"{export.label} exports only cameras with status "
                    f"{', '.join(export.allowed_statuses)}."
                )
            }
        )
    # Unknown slugs and a refused `hidden` are found while building the query.
    return filterset.qs
