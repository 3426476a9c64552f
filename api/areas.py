"""Areas in the API: the list (paged, filtered by level, parent and name),
one area as a GeoJSON Feature with its boundary (simplified on request), and
an area's report: the figures of its page (registry/reports/), computed when
asked for. A bad parameter is a 400 naming it, as everywhere in the API."""

from __future__ import annotations

import json

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.exports import ATTRIBUTION
from registry.models import Area, AreaLevel
from registry.reports import AreaReport
from registry.reports.cached import cached_area_report
from registry.reports.maps import simplified
from registry.reports.tables import TABLES

from .filters import CommaChoicesFilter, SlugsFilter
from .renderers import GEOJSON_RENDERERS
from .serializers import OutputSerializer, PositionField, constant
from .views import (
    ERROR_400,
    GEOJSON,
    NOT_FOUND,
    THROTTLED,
    GeoJSONSchema,
    QueryParams,
    WholeNumberField,
)

# Largest `offset` accepted: PostgreSQL's OFFSET is a bigint, and no list of
# areas comes near this.
MAX_OFFSET = 1_000_000_000
# Largest `simplify` tolerance, in degrees: beyond, a boundary is a blob.
MAX_SIMPLIFY_DEGREES = 1.0


def with_ancestors(areas):
    """Areas with their ancestors (at most three levels up) in the same
    query, without the ancestors' boundaries: a country's can weigh more
    than everything else in the response."""
    parents = ("parent", "parent__parent", "parent__parent__parent")
    return areas.select_related(parents[-1]).defer(*(f"{path}__geometry" for path in parents))


def absolute(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


# ------------------------------------------------------------------ the list


class AreaFilter(django_filters.FilterSet):
    level = CommaChoicesFilter(
        choices=AreaLevel.choices, label="Levels, comma-separated (country, region, city...)."
    )
    parent = SlugsFilter(target=Area, label="Areas directly part of these (slugs).")
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=200, label="Text in the name."
    )

    class Meta:
        model = Area
        fields: list[str] = []


class AreaPageParams(QueryParams):
    limit = WholeNumberField(
        min_value=1, max_value=1000, required=False, help_text="Areas per page (default 100)."
    )
    offset = WholeNumberField(
        min_value=0, max_value=MAX_OFFSET, required=False, help_text="Areas to skip."
    )


class AreaPagination(LimitOffsetPagination):
    """`limit` and `offset`, refused with a 400 naming them when they are not
    whole numbers in range (DRF's own pagination falls back silently)."""

    default_limit = 100
    max_limit = 1000

    def get_limit(self, request) -> int:
        return AreaPageParams.read(request).get("limit", self.default_limit)

    def get_offset(self, request) -> int:
        return AreaPageParams.read(request).get("offset", 0)

    def get_schema_operation_parameters(self, view) -> list:
        return []  # AreaPageParams, in the view's schema


class AreaSummarySerializer(OutputSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="null: a top-level area."
    )
    url = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = (
            "slug",
            "name",
            "level",
            "parent",
            "code",
            "area_km2",
            "surface_km2",
            "surface_source",
            "population",
            "population_source",
            "url",
            "report_url",
            "page_url",
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, area: Area) -> str:
        return absolute(self.context["request"], "api:area", area.slug)

    @extend_schema_field(OpenApiTypes.URI)
    def get_report_url(self, area: Area) -> str:
        return absolute(self.context["request"], "api:area-report", area.slug)

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, area: Area) -> str:
        return absolute(self.context["request"], "registry:area", area.slug)


AREA_EXAMPLE = {
    "slug": "chicago-ward-42",
    "name": "Ward 42",
    "level": "ward",
    "parent": "chicago",
    "code": "42",
    "area_km2": 6.93,
    "surface_km2": None,
    "surface_source": "",
    "population": 57000,
    "population_source": "",
    "url": "https://sightline.example/api/v1/areas/chicago-ward-42/",
    "report_url": "https://sightline.example/api/v1/areas/chicago-ward-42/report/",
    "page_url": "https://sightline.example/areas/chicago-ward-42/",
}


@extend_schema_view(
    get=extend_schema(
        description=(
            "Areas (countries, regions, cities, districts, wards, precincts), by name, "
            "without their boundaries (see each area's own endpoint). Camera counts are in "
            "each area's report."
        ),
        responses={
            200: AreaSummarySerializer(many=True),
            400: ERROR_400,
            429: THROTTLED,
        },
        parameters=[AreaPageParams],
        # The schema wraps a list's example in its page (count, next, results).
        examples=[OpenApiExample("one ward", value=AREA_EXAMPLE, response_only=True)],
    )
)
class AreaListView(generics.ListAPIView):
    serializer_class = AreaSummarySerializer
    pagination_class = AreaPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = AreaFilter
    queryset = (
        Area.objects.select_related("parent")
        .defer("geometry", "parent__geometry")
        .order_by("name", "pk")
    )

    def filter_queryset(self, queryset):
        # An unknown parent slug is only found while building the query.
        try:
            return super().filter_queryset(queryset)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None


# ---------------------------------------------------------------- one area


class AreaDetailParams(QueryParams):
    simplify = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=MAX_SIMPLIFY_DEGREES,
        help_text=(
            "Simplify the boundary to this tolerance in degrees (0.0001 is about 10 m), "
            "keeping its topology; 0 or absent: the boundary as stored."
        ),
    )


class AreaReferenceSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    level = serializers.ChoiceField(AreaLevel.choices)


class AreaPropertiesSerializer(AreaSummarySerializer):
    """For the schema: an area's properties in its Feature."""

    source = serializers.CharField(help_text="Where its boundary comes from.")
    ancestors = AreaReferenceSerializer(many=True, help_text="From the top level down.")
    children = AreaReferenceSerializer(many=True, help_text="Directly part of it, by name.")
    pdf_url = serializers.URLField(help_text="The report as PDF.")

    class Meta(AreaSummarySerializer.Meta):
        fields = (
            *(name for name in AreaSummarySerializer.Meta.fields if name != "url"),
            "source",
            "ancestors",
            "children",
            "pdf_url",
        )


class RingField(serializers.ListField):
    child = PositionField()

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Closed: the last position is the first.")
        super().__init__(min_length=4, **kwargs)


class MultiPolygonSerializer(serializers.Serializer):
    type = constant("MultiPolygon")
    coordinates = serializers.ListField(
        child=serializers.ListField(child=RingField(), min_length=1),
        min_length=1,
        help_text="Polygons, each an outer ring and its holes.",
    )


class AreaFeatureSerializer(serializers.Serializer):
    """For the schema: one area as a GeoJSON Feature."""

    type = constant("Feature")
    id = serializers.SlugField(help_text="The area's slug.")
    bbox = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        help_text="minlon, minlat, maxlon, maxlat.",
    )
    geometry = MultiPolygonSerializer()
    properties = AreaPropertiesSerializer()


def _reference(area: Area) -> dict:
    return {"slug": area.slug, "name": area.name, "level": area.level}


AREA_FEATURE_EXAMPLE = {
    "type": "Feature",
    "id": "chicago-ward-42",
    "bbox": [-87.64, 41.87, -87.61, 41.91],
    "geometry": {
        "type": "MultiPolygon",
        "coordinates": [[[[-87.64, 41.87], [-87.61, 41.87], [-87.61, 41.91], [-87.64, 41.87]]]],
    },
    "properties": {
        **{key: value for key, value in AREA_EXAMPLE.items() if key != "url"},
        "source": "City of Chicago, Boundaries - Wards (2023-)",
        "ancestors": [
            {"slug": "united-states-of-america", "name": "United States", "level": "country"},
            {"slug": "chicago", "name": "Chicago", "level": "city"},
        ],
        "children": [],
        "pdf_url": "https://sightline.example/areas/chicago-ward-42/report.pdf",
    },
}


class AreaDetailView(APIView):
    renderer_classes = GEOJSON_RENDERERS
    schema = GeoJSONSchema()

    @extend_schema(
        operation_id="area",
        parameters=[AreaDetailParams],
        responses={
            (200, GEOJSON): OpenApiResponse(
                AreaFeatureSerializer,
                description=(
                    "The area as a GeoJSON Feature (RFC 7946): its boundary as a MultiPolygon, "
                    "its bbox, its place in the hierarchy and links to its report."
                ),
                examples=[OpenApiExample("a ward", value=AREA_FEATURE_EXAMPLE)],
            ),
            400: ERROR_400,
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def get(self, request, slug: str):
        params = AreaDetailParams.read(request)
        area = get_object_or_404(with_ancestors(Area.objects.all()), slug=slug)
        geometry = simplified(area.geometry, params.get("simplify") or 0)
        feature = {
            "type": "Feature",
            "id": area.slug,
            "bbox": list(area.geometry.extent),
            "geometry": json.loads(geometry.json),
            "properties": {
                **AreaSummarySerializer(area, context={"request": request}).data,
                "source": area.source,
                "ancestors": [_reference(ancestor) for ancestor in area.ancestors()],
                "children": [
                    _reference(child)
                    for child in area.children.without_geometry().order_by("name")
                ],
                "pdf_url": absolute(request, "registry:area-pdf", area.slug),
            },
        }
        feature["properties"].pop("url")
        return Response(feature, content_type=GEOJSON)


# -------------------------------------------------------------- the report


class ReportCountSerializer(serializers.Serializer):
    value = serializers.CharField(help_text='As stored (a choice value or a slug); "" if none.')
    label = serializers.CharField(help_text="In English (the site's pages translate them).")
    cameras = serializers.IntegerField(help_text="Visible cameras, removed ones included.")
    in_place = serializers.IntegerField(help_text="Reported or verified.")
    removed = serializers.IntegerField()


class ReportVendorCountSerializer(ReportCountSerializer):
    restricted = serializers.BooleanField(help_text="Under at least one legal restriction.")


class ReportTotalsSerializer(serializers.Serializer):
    cameras = serializers.IntegerField()
    in_place = serializers.IntegerField()
    removed = serializers.IntegerField()
    verified = serializers.IntegerField(help_text="Verified either way: the sum of the next two.")
    verified_by_moderator = serializers.IntegerField(help_text="Verified by a moderator.")
    verified_by_confirmations = serializers.IntegerField(
        help_text="Verified by independent confirmations: contributors with standing confirmed "
        "it on the ground (the VERIFY_* settings); no moderator checked it."
    )
    restricted = serializers.IntegerField(help_text="From vendors under a legal restriction.")
    restricted_in_place = serializers.IntegerField()


class ReportDensitySerializer(serializers.Serializer):
    per_km2 = serializers.FloatField(allow_null=True, help_text="Cameras in place per km².")
    per_1000_residents = serializers.FloatField(
        allow_null=True, help_text="Cameras in place per 1,000 residents; null: unknown."
    )


class ReportRestrictionSerializer(serializers.Serializer):
    regime = serializers.CharField()
    label = serializers.CharField()
    effective_date = serializers.DateField(allow_null=True)
    scope = serializers.CharField()
    source_title = serializers.CharField()
    source_url = serializers.URLField()


class ReportRestrictedVendorSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    cameras = serializers.IntegerField()
    in_place = serializers.IntegerField()
    restrictions = ReportRestrictionSerializer(many=True)


class ReportMonthSerializer(serializers.Serializer):
    month = serializers.SerializerMethodField(help_text="YYYY-MM.")
    added = serializers.IntegerField()
    removed = serializers.IntegerField()
    confirmed = serializers.IntegerField()

    def get_month(self, month) -> str:
        return month.month.strftime("%Y-%m")


class ReportSubAreaSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    area_km2 = serializers.FloatField(
        help_text="The surface its density divides by: the official one where stored."
    )
    population = serializers.IntegerField(allow_null=True)
    cameras = serializers.IntegerField()
    in_place = serializers.IntegerField()
    density = ReportDensitySerializer()


class ReportSourceSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="An evidence kind: photo, contract, policy...")
    kind_label = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    backs = serializers.CharField(help_text="What it is a source for.")
    cameras = serializers.IntegerField(help_text="The area's cameras it concerns.")


class ReportSourceCountSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    sources = serializers.IntegerField()


class AreaReportSerializer(serializers.Serializer):
    area = AreaSummarySerializer()
    generated_at = serializers.DateTimeField()
    empty = serializers.BooleanField(help_text="No visible camera is recorded in the area.")
    totals = ReportTotalsSerializer()
    density = ReportDensitySerializer()
    by_kind = ReportCountSerializer(many=True)
    by_camera_type = ReportCountSerializer(many=True)
    by_vendor = ReportVendorCountSerializer(many=True)
    by_operator = ReportCountSerializer(many=True)
    by_operator_type = ReportCountSerializer(many=True)
    by_capability = ReportCountSerializer(many=True)
    by_status = ReportCountSerializer(many=True)
    restricted_vendors = ReportRestrictedVendorSerializer(many=True, source="restricted")
    monthly = ReportMonthSerializer(many=True)
    sub_areas = ReportSubAreaSerializer(many=True, help_text="Densest first.")
    sources = ReportSourceSerializer(many=True)
    sources_by_kind = ReportSourceCountSerializer(many=True)
    sources_total = serializers.IntegerField()
    attribution = serializers.SerializerMethodField()
    downloads = serializers.SerializerMethodField()

    def get_attribution(self, report: AreaReport) -> str:
        return ATTRIBUTION

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "pdf": {"type": "string", "format": "uri"},
                "csv": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    )
    def get_downloads(self, report: AreaReport) -> dict:
        request, slug = self.context["request"], report.area.slug
        return {
            "pdf": absolute(request, "registry:area-pdf", slug),
            "csv": {
                table.name: absolute(request, "registry:area-csv", slug, table.name)
                for table in TABLES
            },
        }


REPORT_EXAMPLE = {
    "area": AREA_EXAMPLE,
    "generated_at": "2026-11-22T05:00:00Z",
    "empty": False,
    "totals": {
        "cameras": 12,
        "in_place": 10,
        "removed": 2,
        "verified": 4,
        "verified_by_moderator": 3,
        "verified_by_confirmations": 1,
        "restricted": 3,
        "restricted_in_place": 3,
    },
    "density": {"per_km2": 1.443, "per_1000_residents": 0.175},
    "by_kind": [
        {
            "value": "ALPR",
            "label": "licence-plate reader (ALPR)",
            "cameras": 8,
            "in_place": 7,
            "removed": 1,
        }
    ],
    "by_vendor": [
        {
            "value": "hikvision",
            "label": "Hikvision",
            "cameras": 3,
            "in_place": 3,
            "removed": 0,
            "restricted": True,
        }
    ],
    "restricted_vendors": [
        {
            "slug": "hikvision",
            "name": "Hikvision",
            "cameras": 3,
            "in_place": 3,
            "restrictions": [
                {
                    "regime": "us_entity_list",
                    "label": "US Commerce Entity List",
                    "effective_date": "2019-10-09",
                    "scope": "",
                    "source_title": "84 FR 54002",
                    "source_url": "https://www.federalregister.gov/d/2019-22210",
                }
            ],
        }
    ],
    "monthly": [{"month": "2026-10", "added": 12, "removed": 2, "confirmed": 1}],
    "sub_areas": [],
    "sources_total": 3,
    "attribution": ATTRIBUTION,
}


class AreaReportView(APIView):
    @extend_schema(
        operation_id="area_report",
        description=(
            "The area's report, computed from the registry when asked for: counts of the "
            "cameras the public sees inside its boundary or on it (by kind, camera type, "
            "vendor, operator, operator type, capability and status), cameras from vendors "
            "under a legal restriction with each restriction's source, density, the monthly "
            "history, sub-areas densest first and the sources behind the figures. Labels are "
            "in English; each table is also a CSV file (`downloads`)."
        ),
        responses={
            200: OpenApiResponse(
                AreaReportSerializer,
                examples=[OpenApiExample("a ward (abridged)", value=REPORT_EXAMPLE)],
            ),
            404: NOT_FOUND,
            429: THROTTLED,
        },
        parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH)],
    )
    def get(self, request, slug: str):
        area = get_object_or_404(with_ancestors(Area.objects.all()), slug=slug)
        report = cached_area_report(area)
        return Response(AreaReportSerializer(report, context={"request": request}).data)
