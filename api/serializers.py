"""Serializers for single objects and small lists. Camera lists do not use
them: their GeoJSON is built in PostGIS (api/geojson.py)."""

from __future__ import annotations

from rest_framework import serializers

from registry.models import (
    Camera,
    CameraCapability,
    Evidence,
    Operator,
    Revision,
    Vendor,
    VendorRestriction,
)


class RestrictionSerializer(serializers.ModelSerializer):
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


class EvidenceSerializer(serializers.ModelSerializer):
    document = serializers.FileField(use_url=True, allow_null=True)

    class Meta:
        model = Evidence
        fields = ("id", "kind", "title", "url", "document", "date", "note")


class VendorSummarySerializer(serializers.ModelSerializer):
    restrictions = RestrictionSerializer(many=True, read_only=True)

    class Meta:
        model = Vendor
        fields = ("slug", "name", "country", "wikidata", "website", "restrictions")


class VendorSerializer(VendorSummarySerializer):
    aliases = serializers.ListField(child=serializers.CharField())
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    cameras_by_kind = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta(VendorSummarySerializer.Meta):
        fields = (
            *VendorSummarySerializer.Meta.fields,
            "aliases",
            "parent",
            "evidence",
            "cameras_by_kind",
        )


class VendorListSerializer(VendorSummarySerializer):
    camera_count = serializers.IntegerField(read_only=True)

    class Meta(VendorSummarySerializer.Meta):
        fields = (*VendorSummarySerializer.Meta.fields, "camera_count")


class OperatorSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Operator
        fields = ("slug", "name", "operator_type", "wikidata", "website")


class OperatorListSerializer(OperatorSummarySerializer):
    camera_count = serializers.IntegerField(read_only=True)

    class Meta(OperatorSummarySerializer.Meta):
        fields = (*OperatorSummarySerializer.Meta.fields, "camera_count")


class OperatorSerializer(OperatorSummarySerializer):
    aliases = serializers.ListField(child=serializers.CharField())
    evidence = EvidenceSerializer(many=True, read_only=True)
    cameras_by_kind = serializers.DictField(child=serializers.IntegerField(), read_only=True)

    class Meta(OperatorSummarySerializer.Meta):
        fields = (*OperatorSummarySerializer.Meta.fields, "aliases", "evidence", "cameras_by_kind")


class CapabilitySerializer(serializers.ModelSerializer):
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = CameraCapability
        fields = ("capability", "note", "evidence")


class CameraPropertiesSerializer(serializers.ModelSerializer):
    vendor = VendorSummarySerializer(read_only=True)
    operator = OperatorSummarySerializer(read_only=True)
    capabilities = CapabilitySerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    dataset = serializers.SlugRelatedField(slug_field="name", read_only=True)
    revision_count = serializers.IntegerField(read_only=True)
    osm_url = serializers.CharField(read_only=True)

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
            "removed_on",
            "status_note",
            "first_seen",
            "last_confirmed",
            "osm_type",
            "osm_id",
            "osm_url",
            "tags",
            "dataset",
            "source_ref",
            "evidence",
            "version",
            "revision_count",
            "created_at",
            "updated_at",
        )


class CameraFeatureSerializer(serializers.BaseSerializer):
    """One camera as a GeoJSON Feature with everything Sightline knows."""

    def to_representation(self, camera: Camera) -> dict:
        return {
            "type": "Feature",
            "id": camera.pk,
            "geometry": {"type": "Point", "coordinates": [camera.location.x, camera.location.y]},
            "properties": CameraPropertiesSerializer(camera, context=self.context).data,
        }


class RevisionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="changeset.actor")
    comment = serializers.CharField(source="changeset.comment")
    changeset = serializers.IntegerField(source="changeset_id")

    class Meta:
        model = Revision
        fields = ("version", "created_at", "actor", "comment", "changeset", "changes")
