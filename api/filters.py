"""Query parameters of the camera endpoints, parsed and validated by
django-filter: a bad value is a 400 naming the parameter, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django import forms
from django.conf import settings
from django.core import validators
from django.db.models import Exists, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import QueryDict
from django_filters.fields import IsoDateTimeField
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.utils import OpenApiParameter

from registry.exports import ExportFormat
from registry.filters import (
    DEFAULT_RADIUS_METRES,
    MAX_RADIUS_METRES,
    MIN_RADIUS_METRES,
    RadiusField,
    check_lon_lat,
    parse_lon_lat,
    parse_numbers,
)
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
)
from registry.services.moderators import is_moderator

# Statuses listed when `status` is not given: what is believed to be there.
DEFAULT_STATUSES = (Status.REPORTED, Status.VERIFIED)


# Coordinates as the API reads them (registry.filters.parse_numbers): plain
# decimals (no exponent, no "+", no spaces), longitude within -180..180 and
# latitude within -90..90. The schema publishes the same patterns, so a
# client can check before sending.
LONGITUDE = r"-?(?:180(?:\.0+)?|(?:1[0-7][0-9]|[1-9]?[0-9])(?:\.[0-9]+)?)"
LATITUDE = r"-?(?:90(?:\.0+)?|[1-8]?[0-9](?:\.[0-9]+)?)"
BBOX_PATTERN = rf"^{LONGITUDE},{LATITUDE},{LONGITUDE},{LATITUDE}$"
LON_LAT_PATTERN = rf"^{LONGITUDE},{LATITUDE}$"
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
BLANK = "Give a value, or leave the parameter out."


class NotBlankMixin:
    """A parameter sent empty (`?radius=`) is an error naming it, not the
    same as leaving it out: an empty value is no number, date or place."""

    def to_python(self, value):
        if value == "":
            raise forms.ValidationError(BLANK, code="blank")
        return super().to_python(value)


class BboxField(NotBlankMixin, forms.CharField):
    """`minlon,minlat,maxlon,maxlat` in WGS 84, at most
    API_MAX_BBOX_SQUARE_DEGREES unless `limit_area` is off."""

    def __init__(self, *args, limit_area: bool = True, **kwargs):
        self.limit_area = limit_area
        super().__init__(*args, strip=False, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:  # absent
            return None
        min_lon, min_lat, max_lon, max_lat = parse_numbers(value, 4, "bbox")
        check_lon_lat(min_lon, min_lat)
        check_lon_lat(max_lon, max_lat)
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


class LonLatField(NotBlankMixin, forms.CharField):
    """`lon,lat` in WGS 84."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, strip=False, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:  # absent
            return None
        return parse_lon_lat(value, "near")


class BboxFilter(django_filters.Filter):
    field_class = BboxField

    def openapi_schema(self) -> dict:
        return {"type": "string", "pattern": BBOX_PATTERN}


class LonLatFilter(django_filters.Filter):
    field_class = LonLatField

    def openapi_schema(self) -> dict:
        return {"type": "string", "pattern": LON_LAT_PATTERN}


class StrictBooleanField(NotBlankMixin, forms.CharField):
    """`true` or `false`, as OpenAPI writes booleans in a query (1/0 and
    yes/no are read too); anything else is an error, not "unset"."""

    VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def to_python(self, value):
        value = super().to_python(value)
        if not value:  # absent
            return None
        if value not in self.VALUES:
            raise forms.ValidationError("Use true or false.")
        return self.VALUES[value]


class UtcDateTimeField(NotBlankMixin, IsoDateTimeField):
    """An ISO 8601 time, converted to UTC: PostgreSQL refuses offsets beyond
    ±15:59 that Python accepts."""

    def to_python(self, value):
        moment = super().to_python(value)
        return None if moment is None else in_utc(moment)


def in_utc(moment: datetime) -> datetime:
    """`moment` in UTC. A time on the calendar's first or last day whose UTC
    falls beyond it (0001-01-01T00:00+01:00) is read as the earliest or
    latest time there is, which is what "at or after" it means."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return (datetime.min if moment.year == 1 else datetime.max).replace(tzinfo=UTC)


class UtcDateTimeFilter(django_filters.Filter):
    field_class = UtcDateTimeField

    def openapi_schema(self) -> dict:
        return {"type": "string", "format": "date-time"}


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField

    def openapi_schema(self) -> dict:
        return {"type": "boolean"}


class NotBlankDateField(NotBlankMixin, forms.DateField):
    pass


class DateFilter(django_filters.DateFilter):
    field_class = NotBlankDateField

    def openapi_schema(self) -> dict:
        return {"type": "string", "format": "date"}


class NotBlankDecimalField(NotBlankMixin, forms.DecimalField):
    pass


class NotBlankRadiusField(NotBlankMixin, RadiusField):
    pass


class NumberFilter(django_filters.NumberFilter):
    """A number; `min_value` and `max_value` are published in the schema."""

    field_class = NotBlankDecimalField

    def openapi_schema(self) -> dict:
        schema = {"type": "number"}
        if self.extra.get("min_value") is not None:
            schema["minimum"] = self.extra["min_value"]
        if self.extra.get("max_value") is not None:
            schema["maximum"] = self.extra["max_value"]
        return schema


class RadiusFilter(NumberFilter):
    """Metres around `near`, read as the camera list page reads them."""

    field_class = NotBlankRadiusField


class CommaSeparatedInput(forms.TextInput):
    """A list parameter, comma-separated (`kind=ALPR,camera`, as OpenAPI's
    `style: form, explode: false` writes it) or repeated (`kind=ALPR&kind=camera`,
    as many clients write lists): the values of both, comma-joined."""

    def value_from_datadict(self, data, files, name):
        if hasattr(data, "getlist"):
            values = data.getlist(name)
            return ",".join(values) if values else None
        return data.get(name)


def comma_separated(value: str | None) -> list[str]:
    """The items of a list parameter (none when it is absent). Sent empty, it
    is an error like any other; an empty item (`a,,b`) or a space around one
    is kept, for the caller to refuse."""
    if value == "":
        raise forms.ValidationError(BLANK, code="blank")
    return value.split(",") if value else []


class CommaChoicesField(forms.CharField):
    """Several values, comma-separated or repeated, each one of `choices`."""

    widget = CommaSeparatedInput

    def __init__(self, *args, choices=(), **kwargs):
        self.valid = {str(value) for value, _label in choices}
        super().__init__(*args, strip=False, **kwargs)

    def to_python(self, value):
        values = comma_separated(value)
        unknown = [part for part in values if part not in self.valid]
        if unknown:
            # Through params, not an f-string: django-filter %-formats every
            # message, and the value is the client's text.
            raise forms.ValidationError(
                "Unknown value %(value)s; known: %(known)s.",
                params={"value": repr(unknown[0]), "known": ", ".join(sorted(self.valid))},
            )
        return values


class CommaChoicesFilter(django_filters.Filter):
    field_class = CommaChoicesField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs

    def openapi_schema(self) -> dict:
        values = sorted(str(value) for value, _label in self.extra["choices"])
        return list_of({"type": "string", "enum": values})


class SlugsField(forms.CharField):
    widget = CommaSeparatedInput

    def __init__(self, *args, **kwargs):
        super().__init__(*args, strip=False, **kwargs)

    def to_python(self, value):
        slugs = comma_separated(value)
        invalid = [slug for slug in slugs if not validators.slug_re.fullmatch(slug)]
        if invalid:
            raise forms.ValidationError(
                "%(slug)s is not a slug (letters, digits, - and _).",
                params={"slug": repr(invalid[0])},
            )
        return slugs


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

    def openapi_schema(self) -> dict:
        return list_of({"type": "string", "pattern": SLUG_PATTERN})


class AreaFilter(SlugsFilter):
    """Cameras inside (or on the boundary of) any of the areas named by
    slug; an unknown slug is an error, not an empty result."""

    unknown = "Unknown area"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, target=Area, **kwargs)

    def filter(self, qs, value):
        return qs.in_areas(self.records(value)) if value else qs


def list_of(item: dict) -> dict:
    return {"type": "array", "items": item, "minItems": 1}


class FilterSchema(DjangoFilterExtension):
    """The query parameters of Sightline's filters as the filters read them:
    lists as arrays written comma-separated, numbers with their bounds, text
    with its longest length. Filters without `openapi_schema` are left to
    drf-spectacular."""

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        describe = getattr(filter_field, "openapi_schema", None)
        if describe is None:
            parameters = super().resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
            if filter_field.extra.get("max_length"):
                for parameter in parameters:
                    parameter["schema"]["maxLength"] = filter_field.extra["max_length"]
            return parameters
        schema = describe()
        is_list = schema["type"] == "array"
        return [
            build_parameter_type(
                name=field_name,
                location=OpenApiParameter.QUERY,
                description=str(filter_field.label or ""),
                schema=schema,
                explode=False if is_list else None,
                style="form" if is_list else None,
            )
        ]


class CameraFilter(django_filters.FilterSet):
    bbox = BboxFilter(
        method="filter_bbox",
        label=(
            "Bounding box minlon,minlat,maxlon,maxlat (WGS 84 decimals), min below max, "
            f"covering at most {settings.API_MAX_BBOX_SQUARE_DEGREES:g} square degrees."
        ),
    )
    near = LonLatFilter(
        method="filter_near",
        label="lon,lat (WGS 84 decimals): cameras within `radius` metres, nearest first.",
    )
    radius = RadiusFilter(
        method="filter_noop",
        min_value=MIN_RADIUS_METRES,
        max_value=MAX_RADIUS_METRES,
        label=(
            f"Metres around `near` (default {DEFAULT_RADIUS_METRES}, at most {MAX_RADIUS_METRES})."
        ),
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
    confirmed_since = DateFilter(
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
        metres = float(self.form.cleaned_data.get("radius") or DEFAULT_RADIUS_METRES)
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
        return qs.of_restricted_vendors(restricted=value)

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
        label="Bounding box minlon,minlat,maxlon,maxlat (WGS 84 decimals), min below max.",
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


class QueryableCameraFilter(CameraFilter):
    """The queryables of the OGC API's camera collection (api/ogc): `kind`,
    `status`, `vendor` and `operator`, read exactly as `cameras/` reads
    them. Its bbox and time are OGC's own parameters (api/ogc/params.py)."""

    status = CommaChoicesFilter(
        method="filter_status",
        choices=Status.choices,
        label="Statuses (default reported,verified); hidden cameras are never listed here.",
    )
    bbox = None
    near = None
    radius = None
    camera_type = None
    area = None
    restricted = None
    capability = None
    confirmed_since = None
    changed_since = None
    q = None

    def __init__(self, *args, **kwargs):
        # The OGC API is for everyone: no one sees hidden cameras there.
        super().__init__(*args, moderator=False, **kwargs)


QUERYABLES = tuple(QueryableCameraFilter.base_filters)


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
