"""Serializers for single objects and small lists, and the shapes of the
answers built elsewhere. Camera lists do not use serializers: their GeoJSON
is built in PostGIS (api/geojson.py, the trigger of registry/migrations/0003
and 0007), and the classes below marked "for the schema" describe that text
field by field, so that the schema says exactly what a client receives."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.models import (
    Camera,
    CameraCapability,
    CameraType,
    Evidence,
    Kind,
    Mount,
    Operator,
    OsmType,
    Revision,
    Status,
    Vendor,
    VendorRestriction,
    VerifiedBy,
    Visibility,
    Zone,
)
from registry.services.history import TRACKED_FIELDS

# ------------------------------------------------------------- building blocks


def constant(value: str, **kwargs) -> serializers.CharField:
    """A string that is always `value` (GeoJSON's `type`): a one-value enum
    in the schema, inline so that no component is named after it."""
    field_class = type(f"{value}Constant", (serializers.CharField,), {})
    field_class = extend_schema_field({"type": "string", "enum": [value]})(field_class)
    return field_class(**kwargs)


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """One of `choices`, or "" where the model leaves it blank."""
    return serializers.ChoiceField(choices=choices, allow_blank=True, **kwargs)


class VerifiedByField(serializers.ChoiceField):
    """How a verified camera was verified; null when it is not verified."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "`moderator`: a moderator verified it; `confirmations`: independent contributors "
            "with standing confirmed it on the ground (the VERIFY_* settings); null: not "
            "verified. Either way its status is `verified`.",
        )
        super().__init__(choices=VerifiedBy.choices, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


def verified_at_field(**kwargs) -> serializers.DateTimeField:
    return serializers.DateTimeField(
        allow_null=True, help_text="When it was verified; null when it is not.", **kwargs
    )


class PositionField(serializers.ListField):
    """[longitude, latitude] in WGS 84 degrees."""

    child = serializers.FloatField()

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "[longitude, latitude], WGS 84 degrees.")
        super().__init__(min_length=2, max_length=2, **kwargs)


class PointSerializer(serializers.Serializer):
    """A GeoJSON Point (RFC 7946)."""

    type = constant("Point")
    coordinates = PositionField()


class StringMapField(serializers.DictField):
    """An object whose values are all strings (OSM tags)."""

    child = serializers.CharField(allow_blank=True)


class CountsField(serializers.DictField):
    """Value → number of cameras; cameras without a value count under
    "unknown"."""

    child = serializers.IntegerField(min_value=0)


# The JSON type each kind of field takes, most specific first.
JSON_TYPES = (
    (serializers.BooleanField, (bool,), "true or false"),
    (serializers.IntegerField, (int,), "an integer"),
    (serializers.FloatField, (int, float), "a number"),
    (serializers.MultipleChoiceField, (list,), "a list"),
    (serializers.ListField, (list,), "a list"),
    (serializers.DictField, (dict,), "an object"),
    (serializers.BaseSerializer, (dict,), "an object"),
    (serializers.ChoiceField, (str,), "a string"),
    (serializers.CharField, (str,), "a string"),
    (serializers.DateField, (str,), "a string"),
    (serializers.DateTimeField, (str,), "a string"),
    (serializers.SlugRelatedField, (str,), "a string"),
)


def json_type_problem(field: serializers.Field, value) -> str | None:
    """What `value` should have been, when its JSON type is not the one
    `field` takes (null is the field's own business)."""
    if value is None:
        return None
    for field_class, types, name in JSON_TYPES:
        if isinstance(field, field_class):
            if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
                return f"Expected {name}."
            if isinstance(field, serializers.ListField):
                problems = (json_type_problem(field.child, item) for item in value)
                return next((problem for problem in problems if problem), None)
            return None
    return None


class JSONTypesMixin:
    """Read from JSON, a value has the type its field's schema gives: DRF
    alone would read "5" as a number and 5 as text. A form's values are all
    text, and are left to the fields."""

    def to_internal_value(self, data):
        if type(data) is dict:
            problems = {
                name: [problem]
                for name, field in self.fields.items()
                if name in data and not field.read_only
                if (problem := json_type_problem(field, data[name]))
            }
            if problems:
                raise serializers.ValidationError(problems)
        return super().to_internal_value(data)


class OutputSerializer(serializers.ModelSerializer):
    """A record as the API writes it out, never reads it: every field is
    read-only, so the schema gives each as always present."""

    def get_fields(self) -> dict:
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


# ----------------------------------------------------- vendors and operators


class RestrictionSerializer(OutputSerializer):
    class Meta:
        model = VendorRestriction
        fields = (
            "regime",
            "regime_detail",
            "effective_date",
            "scope",
            "source_url",
            "source_title",
        )


class EvidenceSerializer(OutputSerializer):
    document = serializers.FileField(use_url=True, allow_null=True)

    class Meta:
        model = Evidence
        fields = ("id", "kind", "title", "url", "document", "date", "note")


class VendorSummarySerializer(OutputSerializer):
    restrictions = RestrictionSerializer(many=True, read_only=True)

    class Meta:
        model = Vendor
        fields = ("slug", "name", "country", "wikidata", "website", "restrictions")


class OwnerRestrictionSerializer(RestrictionSerializer):
    """A restriction on a company that owns the vendor, not on the vendor."""

    owner = serializers.CharField(source="vendor.slug", help_text="The owner's slug.")
    owner_name = serializers.CharField(source="vendor.name")

    class Meta(RestrictionSerializer.Meta):
        fields = ("owner", "owner_name", *RestrictionSerializer.Meta.fields)


class VendorSerializer(VendorSummarySerializer):
    aliases = serializers.ListField(child=serializers.CharField())
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Kind.choices),
        help_text="The kinds of device it makes (surveillance:type values).",
    )
    parent = serializers.SlugRelatedField(
        slug_field="slug",
        read_only=True,
        allow_null=True,
        help_text="The company that owns this brand; null: none.",
    )
    brands = serializers.SlugRelatedField(
        source="subsidiaries",
        slug_field="slug",
        many=True,
        read_only=True,
        help_text="The brands it owns (the vendors whose parent it is).",
    )
    owner_restrictions = OwnerRestrictionSerializer(
        many=True,
        read_only=True,
        help_text="The legal restrictions on the companies that own it (its parent, and "
        "theirs), each naming its owner: they are not the vendor's own.",
    )
    evidence = EvidenceSerializer(many=True, read_only=True)
    cameras_by_kind = CountsField(read_only=True)
    brands_included = serializers.BooleanField(
        read_only=True,
        help_text="Whether cameras_by_kind counts the cameras of its brands too "
        "(`include_brands=1`).",
    )

    class Meta(VendorSummarySerializer.Meta):
        fields = (
            *VendorSummarySerializer.Meta.fields,
            "aliases",
            "kinds",
            "parent",
            "brands",
            "owner_restrictions",
            "evidence",
            "cameras_by_kind",
            "brands_included",
        )


class VendorListSerializer(VendorSummarySerializer):
    camera_count = serializers.IntegerField(read_only=True)

    class Meta(VendorSummarySerializer.Meta):
        fields = (*VendorSummarySerializer.Meta.fields, "camera_count")


class OperatorSummarySerializer(OutputSerializer):
    """`origin` says whether a curator entered the record or an import or a
    contribution made it from an operator string no record matched; such a
    record is `reviewed` once a curator has checked it."""

    class Meta:
        model = Operator
        fields = ("slug", "name", "operator_type", "wikidata", "website", "origin", "reviewed")


class OperatorListSerializer(OperatorSummarySerializer):
    camera_count = serializers.IntegerField(read_only=True)

    class Meta(OperatorSummarySerializer.Meta):
        fields = (*OperatorSummarySerializer.Meta.fields, "camera_count")


class OperatorSerializer(OperatorSummarySerializer):
    aliases = serializers.ListField(child=serializers.CharField())
    evidence = EvidenceSerializer(many=True, read_only=True)
    cameras_by_kind = CountsField(read_only=True)

    class Meta(OperatorSummarySerializer.Meta):
        fields = (*OperatorSummarySerializer.Meta.fields, "aliases", "evidence", "cameras_by_kind")


# ------------------------------------------------------------ one camera


class CapabilitySerializer(OutputSerializer):
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = CameraCapability
        fields = ("capability", "note", "evidence")


class FieldSourceSerializer(serializers.Serializer):
    """Who set a field's current value, and when: the latest version of the
    camera that changed the field."""

    source = serializers.CharField(
        help_text=(
            "The dataset's name for an import (`osm`, `deflock`), `moderator` for a "
            "moderator's change, `survey` for a resident's report."
        )
    )
    version = serializers.IntegerField(
        min_value=1, help_text="The camera's version that set it (see its history)."
    )
    at = serializers.DateTimeField(help_text="When that version was recorded.")


class CameraFieldSourcesSerializer(serializers.Serializer):
    """Per field of the camera, who set its current value. A field that no
    recorded version changed (one empty since the camera was first recorded,
    say) is left out."""

    def get_fields(self) -> dict:
        return {name: FieldSourceSerializer(required=False) for name in SOURCED_FIELDS}


class NearestPlaceSerializer(serializers.Serializer):
    """The gazetteer's place nearest a camera (GeoNames, CC BY 4.0)."""

    name = serializers.CharField()
    label = serializers.CharField(help_text="The name with its region and country, to show.")
    country_code = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    geonameid = serializers.IntegerField(help_text="Its GeoNames id.")
    distance_m = serializers.FloatField(
        source="metres", min_value=0, help_text="Metres from the place's point (its centre)."
    )


class CameraPropertiesSerializer(OutputSerializer):
    vendor = VendorSummarySerializer(read_only=True, allow_null=True, help_text="null: unknown.")
    operator = OperatorSummarySerializer(
        read_only=True, allow_null=True, help_text="null: unknown."
    )
    capabilities = CapabilitySerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    dataset = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True, help_text="null: entered by hand."
    )
    directions = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=360),
        read_only=True,
        help_text="Degrees clockwise from north; empty when unknown.",
    )
    tags = StringMapField(read_only=True, help_text="The source's raw tags, as they came.")
    revision_count = serializers.IntegerField(read_only=True)
    field_sources = CameraFieldSourcesSerializer(
        read_only=True,
        help_text="Where each field's value came from: an import, a moderator or a survey.",
    )
    osm_url = serializers.CharField(read_only=True, help_text='"" when not from OpenStreetMap.')
    verified_by = VerifiedByField(read_only=True)
    verified_at = verified_at_field(read_only=True)
    confirmed_by = serializers.IntegerField(
        read_only=True,
        min_value=0,
        help_text="How many people confirmed it still there (each account or receipt once, "
        "anonymous ones included): support, which alone verifies nothing.",
    )
    place = NearestPlaceSerializer(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The town or city of the gazetteer nearest the camera; null when the site "
        "has no gazetteer loaded.",
    )

    class Meta:
        model = Camera
        fields = (
            "kind",
            "visibility",
            "zone",
            "camera_type",
            "mount",
            "directions",
            "tilt",
            "height",
            "vendor",
            "vendor_raw",
            "product",
            "operator",
            "operator_raw",
            "capabilities",
            "status",
            "verified_by",
            "verified_at",
            "removed_on",
            "status_note",
            "first_seen",
            "last_confirmed",
            "confirmed_by",
            "place",
            "osm_type",
            "osm_id",
            "osm_url",
            "tags",
            "dataset",
            "source_ref",
            "evidence",
            "version",
            "revision_count",
            "field_sources",
            "created_at",
            "updated_at",
        )


# The fields whose source the detail gives: those a revision records (the
# place, the tracked columns, the capabilities) that the detail itself shows,
# so that no field the reader cannot see is named. How a camera was verified
# says its own source.
SOURCED_FIELDS = tuple(
    name
    for name in ("location", *CameraPropertiesSerializer.Meta.fields)
    if name in {*TRACKED_FIELDS, "capabilities"} - {"verified_by", "verified_at"}
)


class CameraFeatureSerializer(serializers.Serializer):
    """One camera as a GeoJSON Feature with everything Sightline knows."""

    type = constant("Feature")
    id = serializers.IntegerField()
    geometry = PointSerializer()
    properties = CameraPropertiesSerializer()

    def to_representation(self, camera: Camera) -> dict:
        return {
            "type": "Feature",
            "id": camera.pk,
            "geometry": {"type": "Point", "coordinates": [camera.location.x, camera.location.y]},
            "properties": CameraPropertiesSerializer(camera, context=self.context).data,
        }


# --------------------------------------------- camera lists (for the schema)


class CameraSummarySerializer(serializers.Serializer):
    """For the schema: the properties of a camera in lists and feeds, as the
    database's registry_camera_feature_text() writes them."""

    kind = choice(Kind.choices, help_text='OSM surveillance:type; "" when unknown.')
    status = serializers.ChoiceField(Status.choices)
    verified_by = VerifiedByField()
    verified_at = verified_at_field()
    visibility = choice(Visibility.choices)
    zone = choice(Zone.choices)
    camera_type = choice(CameraType.choices)
    mount = choice(Mount.choices)
    directions = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=360),
        help_text="Degrees clockwise from north; empty when unknown.",
    )
    tilt = serializers.FloatField(allow_null=True, help_text="Degrees below horizontal.")
    height = serializers.FloatField(allow_null=True, help_text="Metres above ground.")
    vendor = serializers.SlugField(allow_null=True, help_text="The vendor's slug; null: unknown.")
    vendor_name = serializers.CharField(allow_null=True)
    operator = serializers.SlugField(allow_null=True, help_text="The operator's slug.")
    operator_name = serializers.CharField(allow_null=True)
    last_confirmed = serializers.DateField(allow_null=True)
    osm_type = choice(OsmType.choices)
    osm_id = serializers.IntegerField(allow_null=True)
    version = serializers.IntegerField(min_value=1)
    updated_at = serializers.DateTimeField()


class CameraSummaryFeatureSerializer(serializers.Serializer):
    """For the schema: a camera in a list, as a GeoJSON Feature."""

    type = constant("Feature")
    id = serializers.IntegerField()
    geometry = PointSerializer()
    properties = CameraSummarySerializer()


class CameraCollectionSerializer(serializers.Serializer):
    """For the schema: a page of cameras."""

    type = constant("FeatureCollection")
    features = CameraSummaryFeatureSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")


class CameraExportPropertiesSerializer(CameraSummarySerializer):
    """For the schema: a camera in the GeoJSON download, with what an export
    adds to the list's properties (registry.exports.GEOJSON_PROPERTIES) so
    that it imports back as it was."""

    tags = StringMapField(help_text="The source's raw tags, as they came.")
    vendor_raw = serializers.CharField(
        allow_blank=True, help_text="The vendor as the source gave it."
    )
    product = serializers.CharField(allow_blank=True)
    operator_raw = serializers.CharField(
        allow_blank=True, help_text="The operator as the source gave it."
    )
    first_seen = serializers.DateField(
        allow_null=True,
        help_text="When the camera was first seen, as its sources date it (an OSM object's "
        "first version, start_date, check_date...), or as a moderator set it.",
    )
    osm_version = serializers.IntegerField(
        allow_null=True, help_text="The OSM object's version when last imported."
    )
    source_ref = serializers.CharField(
        allow_blank=True, help_text="The record's id in its dataset, when it has one."
    )


class CameraExportFeatureSerializer(CameraSummaryFeatureSerializer):
    properties = CameraExportPropertiesSerializer()


class CameraExportSerializer(serializers.Serializer):
    """For the schema: the GeoJSON download."""

    type = constant("FeatureCollection")
    license = constant("ODbL-1.0")
    attribution = serializers.CharField()
    features = CameraExportFeatureSerializer(many=True)


class StatsSerializer(serializers.Serializer):
    """For the schema: the counts of /stats/."""

    total = serializers.IntegerField(min_value=0)
    by_kind = CountsField()
    by_status = CountsField()
    by_vendor = CountsField(help_text="By vendor slug.")
    by_operator = CountsField(help_text="By operator slug.")


class ChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField(min_value=1)
    status = serializers.ChoiceField(Status.choices)
    updated_at = serializers.DateTimeField()
    feature = CameraSummaryFeatureSerializer(
        allow_null=True, help_text="null: hidden, mirrors drop it."
    )


class ChangesSerializer(serializers.Serializer):
    """For the schema: a page of the changes feed."""

    changes = ChangeSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")


# ---------------------------------------------------------------- history


class ChangeValuesField(serializers.DictField):
    """Field → [before, after], each value as JSON (a place as [lon, lat], a
    date as ISO 8601, a vendor or operator by id)."""

    child = serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2)


class RevisionSerializer(OutputSerializer):
    actor = serializers.CharField(source="changeset.actor")
    comment = serializers.CharField(source="changeset.comment")
    changeset = serializers.IntegerField(source="changeset_id")
    changes = ChangeValuesField()

    class Meta:
        model = Revision
        fields = ("version", "created_at", "actor", "comment", "changeset", "changes")


# ----------------------------------------------------------------- errors


class ValidationErrorSerializer(serializers.Serializer):
    """For the schema: a 400. Each input that is wrong, by name (a query
    parameter, a body field, `non_field_errors` for the request as a whole),
    with its problems: a list of messages or, for a list or an object, its
    items' problems by index or name. A body that cannot be read at all is
    {"detail": message}."""


class ValidationErrorSchema(OpenApiSerializerExtension):
    """The 400 body is a map from input names to problems, which a serializer
    with fixed fields cannot describe."""

    target_class = ValidationErrorSerializer

    def map_serializer(self, auto_schema, direction) -> dict:
        return {
            "type": "object",
            "description": ValidationErrorSerializer.__doc__.split("\n\n")[0].replace("\n", " "),
            "additionalProperties": {
                "oneOf": [
                    {"type": "array", "items": {"type": "string"}},
                    {"type": "object", "additionalProperties": {}},
                    {"type": "string"},
                ]
            },
            "example": {"bbox": ["bbox must be minlon,minlat,maxlon,maxlat with min below max."]},
        }


class DetailSerializer(serializers.Serializer):
    """For the schema: any other refusal (403, 404, 405, 413, 415, 429)."""

    detail = serializers.CharField()


class ChangeSinceSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    by = serializers.CharField(help_text="Who made it.")
    at = serializers.DateTimeField()
    fields = serializers.ListField(child=serializers.CharField(), help_text="What it changed.")


class VersionConflictSerializer(serializers.Serializer):
    """For the schema: a 409, the camera changed since the version sent."""

    detail = serializers.CharField()
    current_version = serializers.IntegerField(min_value=1)
    changes_since = ChangeSinceSerializer(many=True, help_text="Each later version, oldest first.")
