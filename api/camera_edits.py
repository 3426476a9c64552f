"""PATCH /api/v1/cameras/<id>/: a moderator's edit of a camera, on the
version they read. Input → one service (registry.services.editing.camera_edit)
→ the camera as GET returns it. A stale version is a 409 with the current
version and what changed since; a camera whose place before or after the
edit is outside the moderator's areas, or an account that does not
moderate, a 403; nothing is written then."""

from __future__ import annotations

from django.contrib.gis.geos import Point
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from registry.models import CameraType, Kind, Mount, Operator, Status, Vendor, Visibility, Zone

VERSION_MAX = 2**31 - 1


def _choice(choices):
    return serializers.ChoiceField(choices=choices, required=False, allow_blank=True)


class LocationField(serializers.ListField):
    """[longitude, latitude] in WGS 84 degrees, as a Point."""

    child = serializers.FloatField()

    def __init__(self, **kwargs):
        super().__init__(min_length=2, max_length=2, **kwargs)

    def to_internal_value(self, data) -> Point:
        numbers = super().to_internal_value(data)
        if len(numbers) != 2:
            raise serializers.ValidationError("Give [longitude, latitude] in degrees.")
        longitude, latitude = numbers
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            raise serializers.ValidationError(
                "Longitude must be within -180..180 and latitude within -90..90."
            )
        return Point(longitude, latitude, srid=4326)


class CameraFieldsSerializer(serializers.Serializer):
    """A camera's fields a client may give a value for, each as the API
    names it (vendors and operators by slug); all optional."""

    location = LocationField(required=False, help_text="[longitude, latitude]")
    kind = _choice(Kind.choices)
    visibility = _choice(Visibility.choices)
    zone = _choice(Zone.choices)
    camera_type = _choice(CameraType.choices)
    mount = _choice(Mount.choices)
    directions = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=360), required=False, max_length=16
    )
    tilt = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    height = serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1000)
    vendor = serializers.SlugRelatedField(
        slug_field="slug", queryset=Vendor.objects.all(), required=False, allow_null=True
    )
    operator = serializers.SlugRelatedField(
        slug_field="slug", queryset=Operator.objects.all(), required=False, allow_null=True
    )
    product = serializers.CharField(required=False, allow_blank=True, max_length=200)
    first_seen = serializers.DateField(required=False, allow_null=True)
    last_confirmed = serializers.DateField(required=False, allow_null=True)


class CameraEditSerializer(CameraFieldsSerializer):
    """The version read, why, and only the fields to change."""

    version = serializers.IntegerField(
        min_value=1,
        max_value=VERSION_MAX,
        help_text="The camera's version the edit was made on (`properties.version` of GET).",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Kept in the history."
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    removed_on = serializers.DateField(required=False, allow_null=True)

    STATUS_FIELDS = ("status", "removed_on")
    META_FIELDS = ("version", "reason")

    def values(self) -> dict:
        """The camera fields to change, as model values."""
        data = self.validated_data
        return {
            name: value
            for name, value in data.items()
            if name not in (*self.STATUS_FIELDS, *self.META_FIELDS)
        }

    def validate(self, data: dict) -> dict:
        changes = set(data) - set(self.META_FIELDS)
        if not changes:
            raise serializers.ValidationError("Give at least one field to change.")
        return data


CONFLICT = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "The camera changed since `version`: `current_version`, and `changes_since` (each "
        "later version: by whom, when, which fields). Nothing was written."
    ),
)
FORBIDDEN = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=(
        "Not a moderator, or a moderator limited to areas that do not hold the camera's place "
        "before or after the edit. Nothing was written."
    ),
)
