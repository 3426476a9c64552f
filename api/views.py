"""Read endpoints of the public API. Thin: filtering lives in api/filters.py,
GeoJSON assembly in api/geojson.py, reads in registry querysets."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Case, Count, F, Q, TextField, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from registry.models import Camera, Operator, Revision, Status, Vendor
from registry.models.organisations import OperatorQuerySet
from registry.places import NearestPlace
from registry.services.editing import camera_edit
from registry.services.moderators import check_moderator
from registry.services.moderators import is_moderator as moderator_role

from .camera_edits import CONFLICT as EDIT_CONFLICT
from .camera_edits import FORBIDDEN as EDIT_FORBIDDEN
from .camera_edits import CameraEditSerializer
from .filters import CameraFilter, in_utc
from .geojson import Cursor, feature_page
from .renderers import GEOJSON_RENDERERS
from .serializers import (
    CameraCollectionSerializer,
    CameraFeatureSerializer,
    ChangesSerializer,
    DetailSerializer,
    JSONTypesMixin,
    OperatorListSerializer,
    OperatorSerializer,
    RevisionSerializer,
    StatsSerializer,
    ValidationErrorSerializer,
    VendorListSerializer,
    VendorSerializer,
    VersionConflictSerializer,
)

GEOJSON = "application/geo+json"


class GeoJSONSchema(AutoSchema):
    """The schema of an endpoint with GEOJSON_RENDERERS (api.renderers): its errors are
    documented as what they are, `application/json` only."""

    def _get_response_for_code(
        self, serializer, status_code, media_types=None, direction="response"
    ):
        if media_types is None and not str(status_code).startswith("2"):
            media_types = ["application/json"]
        return super()._get_response_for_code(serializer, status_code, media_types, direction)


ERROR_400 = OpenApiResponse(
    ValidationErrorSerializer,
    description="A parameter is invalid; the body names it: {parameter: [problem]}.",
    examples=[
        OpenApiExample(
            "reversed bbox",
            value={"bbox": ["bbox must be minlon,minlat,maxlon,maxlat with min below max."]},
        )
    ],
)
NOT_FOUND = OpenApiResponse(
    DetailSerializer,
    description="No such object, or hidden from the public.",
    examples=[OpenApiExample("not found", value={"detail": "No Camera matches the given query."})],
)
THROTTLED = OpenApiResponse(
    DetailSerializer,
    description="Too many requests from this client; retry after `Retry-After` seconds.",
    examples=[
        OpenApiExample(
            "throttled",
            value={"detail": "Request was throttled. Expected available in 12 seconds."},
        )
    ],
)
UNAUTHENTICATED = OpenApiResponse(
    DetailSerializer,
    description="No account, or a token that is not one; `WWW-Authenticate` says how to sign in.",
)
UNSUPPORTED_MEDIA_TYPE = OpenApiResponse(
    DetailSerializer, description="The body is in a media type this operation does not read."
)
VENDOR_EXAMPLE = {
    "slug": "hikvision",
    "name": "Hikvision",
    "country": "CN",
    "wikidata": "",
    "website": "https://www.hikvision.com/",
    "restrictions": [
        {
            "regime": "us_entity_list",
            "regime_detail": "",
            "effective_date": "2019-10-09",
            "scope": "",
            "source_url": "https://www.federalregister.gov/documents/2019/10/09/2019-22210/"
            "addition-of-certain-entities-to-the-entity-list",
            "source_title": "84 FR 54002",
        }
    ],
}
STATS_EXAMPLE = {
    "total": 3,
    "by_kind": {"ALPR": 2, "camera": 1},
    "by_status": {"reported": 3},
    "by_vendor": {"flock-safety": 2, "unknown": 1},
    "by_operator": {"unknown": 3},
}
CHANGES_EXAMPLE = {
    "changes": [
        {
            "id": 17,
            "version": 2,
            "status": "hidden",
            "updated_at": "2026-11-22T05:00:00+00:00",
            "feature": None,
        }
    ],
    "next": None,
}
HISTORY_EXAMPLE = [
    {
        "version": 2,
        "created_at": "2026-11-22T05:00:00Z",
        "actor": "moderator",
        "comment": "measured on site",
        "changeset": 41,
        "changes": {"height": [None, 5.0]},
    }
]


def example(name: str, value) -> list[OpenApiExample]:
    return [OpenApiExample(name, value=value, response_only=True)]


FEATURE_COLLECTION_EXAMPLE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": 17,
            "geometry": {"type": "Point", "coordinates": [-87.6298, 41.8781]},
            "properties": {"kind": "ALPR", "status": "reported", "vendor": "flock-safety"},
        }
    ],
    "next": "https://sightline.example/api/v1/cameras/?cursor=eyJpZCI6IDE3fQ",
}


WHOLE_NUMBER = re.compile(r"-?[0-9]+")
# What `next` links carry: base64url, padded or not.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+={0,2}$"

# Counts the public sees leave hidden cameras out, like every other read.
PUBLIC_CAMERAS = ~Q(cameras__status=Status.HIDDEN)


def next_link(request, cursor: Cursor | None) -> str:
    """The JSON value of a page's `next`: this request's URL with the cursor."""
    if cursor is None:
        return "null"
    query = request.query_params.copy()
    query["cursor"] = cursor.encode()
    return json.dumps(request.build_absolute_uri(f"?{query.urlencode()}"))


def is_moderator(request) -> bool:
    """Moderators see hidden cameras (marked hidden); no one else does, staff
    accounts included."""
    return moderator_role(request.user)


class WholeNumberField(serializers.IntegerField):
    """An integer written with digits only: DRF's own field also reads
    "5.0" and " 5 ", which the schema's `integer` does not allow."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not WHOLE_NUMBER.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class QueryParams(serializers.Serializer):
    """Query parameters, read as a plain dict: a parameter sent empty
    (`?limit=`) is then an error naming it, not the same as leaving it out
    (DRF reads a QueryDict's empty values as absent)."""

    @classmethod
    def read(cls, request) -> dict:
        params = cls(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        return params.validated_data


class LimitSerializer(QueryParams):
    """A page's size and where it starts."""

    limit = WholeNumberField(
        min_value=1,
        max_value=settings.API_MAX_PAGE_SIZE,
        required=False,
        help_text=f"Cameras per page (default {settings.API_DEFAULT_PAGE_SIZE}).",
        error_messages={
            "max_value": (
                f"At most {settings.API_MAX_PAGE_SIZE} cameras per page; follow `next` for more."
            )
        },
    )
    cursor = serializers.RegexField(
        CURSOR_PATTERN,
        required=False,
        max_length=200,
        help_text="Opaque; from a `next` link.",
        error_messages={"invalid": "Invalid cursor; use the `next` link as given."},
    )


class CameraEditSchema(OpenApiSerializerExtension):
    """A moderator's edit changes at least one field besides `version` and
    `reason` (CameraEditSerializer.validate): the schema says it too."""

    target_class = CameraEditSerializer

    def map_serializer(self, auto_schema, direction) -> dict:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        changes = [name for name in schema["properties"] if name not in self.target.META_FIELDS]
        return {**schema, "anyOf": [{"required": [name]} for name in changes]}


class CameraEditInput(JSONTypesMixin, CameraEditSerializer):
    """CameraEditSerializer, each value of the JSON body of its type."""


class CameraListView(generics.GenericAPIView):
    """Cameras as a GeoJSON FeatureCollection, `next`-linked pages by cursor."""

    queryset = Camera.objects.all()
    filter_backends = [DjangoFilterBackend]
    filterset_class = CameraFilter
    renderer_classes = GEOJSON_RENDERERS
    schema = GeoJSONSchema()

    @extend_schema(
        operation_id="cameras_list",
        filters=True,
        parameters=[LimitSerializer],
        responses={
            (200, GEOJSON): OpenApiResponse(
                CameraCollectionSerializer,
                description="GeoJSON FeatureCollection (RFC 7946) with a `next` link.",
                examples=[OpenApiExample("one ALPR", value=FEATURE_COLLECTION_EXAMPLE)],
            ),
            400: ERROR_400,
            429: THROTTLED,
        },
    )
    def get(self, request):
        paging = LimitSerializer.read(request)
        limit = paging.get("limit", settings.API_DEFAULT_PAGE_SIZE)
        cursor_text = paging.get("cursor")
        cursor = Cursor.decode(cursor_text) if cursor_text else None
        page = feature_page(self.filter_queryset(self.get_queryset()), limit=limit, cursor=cursor)
        body = f'{page.body},"next":{next_link(request, page.next_cursor)}}}'
        return HttpResponse(body, content_type=GEOJSON)

    def filter_queryset(self, queryset):
        # Some filters (unknown slugs, hidden status) only know they failed
        # while building the query; turn that into the API's 400.
        try:
            return super().filter_queryset(queryset)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None


def visible_camera(request, pk: int) -> Camera:
    cameras = Camera.objects.all() if is_moderator(request) else Camera.objects.visible()
    return get_object_or_404(cameras, pk=pk)


class CameraDetailView(APIView):
    renderer_classes = GEOJSON_RENDERERS
    schema = GeoJSONSchema()

    @extend_schema(
        responses={
            (200, GEOJSON): OpenApiResponse(
                CameraFeatureSerializer,
                description="One GeoJSON Feature.",
                examples=example(
                    "an ALPR",
                    {
                        "type": "Feature",
                        "id": 17,
                        "geometry": {"type": "Point", "coordinates": [-87.6298, 41.8781]},
                        "properties": {
                            "kind": "ALPR",
                            "directions": [0.0],
                            "vendor": VENDOR_EXAMPLE,
                            "tags": {"man_made": "surveillance", "surveillance:type": "ALPR"},
                            "osm_url": "https://www.openstreetmap.org/node/740239084",
                            "revision_count": 2,
                            "field_sources": {
                                "kind": {
                                    "source": "osm",
                                    "version": 1,
                                    "at": "2026-03-03T09:12:00Z",
                                },
                                "directions": {
                                    "source": "moderator",
                                    "version": 2,
                                    "at": "2026-03-05T17:40:00Z",
                                },
                            },
                        },
                    },
                ),
            ),
            404: NOT_FOUND,
            429: THROTTLED,
        },
    )
    def get(self, request, pk: int):
        camera = visible_camera(request, pk)
        return self.feature(request, camera.pk)

    @extend_schema(
        summary="Edit a camera (moderators)",
        description=(
            "Only the fields given change, on the `version` the moderator read, as one new "
            "version with its reason in the history; hiding a camera (`status: hidden`) needs a "
            "`reason`. A moderator limited to some areas may edit only cameras whose place "
            "before and after the edit lies inside them."
        ),
        request={"application/json": CameraEditSerializer},
        responses={
            (200, GEOJSON): OpenApiResponse(
                CameraFeatureSerializer, description="The camera now."
            ),
            400: ERROR_400,
            401: UNAUTHENTICATED,
            403: OpenApiResponse(DetailSerializer, description=EDIT_FORBIDDEN.description),
            404: NOT_FOUND,
            409: OpenApiResponse(VersionConflictSerializer, description=EDIT_CONFLICT.description),
            415: UNSUPPORTED_MEDIA_TYPE,
            429: THROTTLED,
        },
    )
    def patch(self, request, pk: int):
        check_moderator(request.user)  # before reading anything
        camera = visible_camera(request, pk)
        serializer = CameraEditInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        camera_edit(
            camera=camera.pk,
            moderator=request.user,
            expected_version=data["version"],
            values=serializer.values(),
            reason=data.get("reason", ""),
            status=data.get("status"),
            removed_on=data.get("removed_on"),
        )
        return self.feature(request, camera.pk)

    def feature(self, request, pk: int) -> Response:
        camera = (
            Camera.objects.select_related("vendor", "operator", "dataset")
            .prefetch_related("vendor__restrictions", "capabilities__evidence", "evidence")
            .annotate(revision_count=Count("revisions"))
            .with_nearest_place()
            .get(pk=pk)
        )
        camera.place = NearestPlace.from_annotation(camera.nearest_place)
        # One camera, one query: the list and the downloads leave sources out.
        camera.field_sources = Revision.objects.field_sources([pk]).get(pk, {})
        camera.confirmed_by = camera.confirmations.people()
        data = CameraFeatureSerializer(camera, context={"request": request}).data
        return Response(data, content_type=GEOJSON)


@extend_schema_view(
    get=extend_schema(
        responses={200: RevisionSerializer(many=True), 404: NOT_FOUND, 429: THROTTLED}
    )
)
class CameraHistoryView(generics.ListAPIView):
    serializer_class = RevisionSerializer
    pagination_class = None

    def get_queryset(self):
        camera = visible_camera(self.request, self.kwargs["pk"])
        return camera.revisions.select_related("changeset").order_by("-version")


@extend_schema_view(
    get=extend_schema(
        responses={200: VendorListSerializer(many=True), 429: THROTTLED},
        examples=example("vendors", [{**VENDOR_EXAMPLE, "camera_count": 4}]),
    )
)
class VendorListView(generics.ListAPIView):
    serializer_class = VendorListSerializer
    pagination_class = None
    queryset = Vendor.objects.prefetch_related("restrictions").annotate(
        camera_count=Count("cameras", filter=PUBLIC_CAMERAS)
    )


class VendorParams(QueryParams):
    include_brands = serializers.BooleanField(
        required=False,
        help_text="1 or true: count the cameras of the brands the vendor owns (its "
        "subsidiaries, at any depth) with its own; absent, 0 or false: its own only.",
    )


@extend_schema_view(
    get=extend_schema(
        parameters=[VendorParams],
        responses={200: VendorSerializer, 400: ERROR_400, 404: NOT_FOUND, 429: THROTTLED},
        examples=example(
            "a brand and its owner",
            {
                **VENDOR_EXAMPLE,
                "slug": "vigilant-solutions",
                "name": "Vigilant Solutions",
                "country": "US",
                "website": "",
                "restrictions": [],
                "aliases": ["Vigilant"],
                "kinds": ["ALPR"],
                "parent": "motorola-solutions",
                "brands": [],
                "owner_restrictions": [],
                "evidence": [],
                "cameras_by_kind": {"ALPR": 4},
                "brands_included": False,
            },
        ),
    )
)
class VendorDetailView(generics.RetrieveAPIView):
    serializer_class = VendorSerializer
    lookup_field = "slug"
    queryset = Vendor.objects.select_related("parent").prefetch_related(
        "restrictions", "evidence", "subsidiaries"
    )

    def get_object(self):
        params = VendorParams.read(self.request)
        vendor = super().get_object()
        include_brands = params.get("include_brands", False)
        family = vendor.with_brands() if include_brands else [vendor.pk]
        cameras = Camera.objects.visible().filter(vendor_id__in=family)
        vendor.cameras_by_kind = cameras.count_by("kind")
        vendor.brands_included = include_brands
        vendor.owner_restrictions = [
            restriction for owner in vendor.owners() for restriction in owner.restrictions.all()
        ]
        return vendor


OPERATOR_EXAMPLE = {
    "slug": "chicago-police-department",
    "name": "Chicago Police Department",
    "operator_type": "police",
    "wikidata": "Q1340186",
    "website": "",
    "origin": "data",
    "reviewed": False,
}


@extend_schema_view(
    get=extend_schema(
        responses={200: OperatorListSerializer(many=True), 429: THROTTLED},
        examples=example("an operator", [{**OPERATOR_EXAMPLE, "camera_count": 684}]),
    )
)
class OperatorListView(generics.ListAPIView):
    serializer_class = OperatorListSerializer
    pagination_class = None
    queryset = Operator.objects.annotate(camera_count=Count("cameras", filter=PUBLIC_CAMERAS))


@extend_schema_view(
    get=extend_schema(
        responses={
            200: OperatorSerializer,
            301: OpenApiResponse(
                description="The operator was merged into another; `Location` is its address."
            ),
            404: NOT_FOUND,
            429: THROTTLED,
        },
        examples=example(
            "police",
            {
                **OPERATOR_EXAMPLE,
                "aliases": ["CPD"],
                "evidence": [],
                "cameras_by_kind": {"ALPR": 684},
            },
        ),
    )
)
class OperatorDetailView(generics.RetrieveAPIView):
    serializer_class = OperatorSerializer
    lookup_field = "slug"
    queryset = Operator.objects.prefetch_related("evidence")

    def get_object(self):
        operator = super().get_object()
        operator.cameras_by_kind = operator.cameras.visible().count_by("kind")
        return operator

    def retrieve(self, request, *args, **kwargs):
        try:
            return super().retrieve(request, *args, **kwargs)
        except Http404:
            merged_into = OperatorQuerySet(Operator).merged_into_from(kwargs["slug"])
            if merged_into is None:
                raise
        location = reverse("api:operator", args=[merged_into.slug], request=request)
        return Response(status=301, headers={"Location": location})


class StatsView(CameraListView):
    """Counts by kind, vendor, operator and status, for the registry or any
    filter the camera list takes (a bbox, say)."""

    # Counts are JSON, not GeoJSON.
    renderer_classes = api_settings.DEFAULT_RENDERER_CLASSES
    schema = AutoSchema()

    @extend_schema(
        operation_id="stats",
        filters=True,
        responses={200: StatsSerializer, 400: ERROR_400, 429: THROTTLED},
        examples=example("a bbox", STATS_EXAMPLE),
    )
    def get(self, request):
        cameras = self.filter_queryset(self.get_queryset()).order_by()
        return Response(
            {
                "total": cameras.count(),
                "by_kind": cameras.count_by("kind"),
                "by_status": cameras.count_by("status"),
                "by_vendor": cameras.count_by("vendor__slug"),
                "by_operator": cameras.count_by("operator__slug"),
            }
        )


class AtOrAfterField(serializers.DateTimeField):
    """A time with its offset, in UTC (see api.filters.in_utc)."""

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_aware(value):
            return in_utc(value)
        return super().enforce_timezone(value)


class ChangesParams(LimitSerializer):
    since = AtOrAfterField(
        help_text="ISO 8601; cameras changed at or after this time, oldest first."
    )


def _microseconds(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


class ChangesView(APIView):
    """A feed of changed cameras so that mirrors stay in step: each change
    gives the camera's version and status and, unless it is hidden, its
    feature; a hidden camera appears with `feature: null` so mirrors drop it."""

    @extend_schema(
        operation_id="changes",
        parameters=[ChangesParams],
        responses={200: ChangesSerializer, 400: ERROR_400, 429: THROTTLED},
        examples=example("a camera hidden", CHANGES_EXAMPLE),
    )
    def get(self, request):
        params = ChangesParams.read(request)
        limit = params.get("limit", settings.API_DEFAULT_PAGE_SIZE)
        changes = Camera.objects.filter(updated_at__gte=params["since"])
        if params.get("cursor"):
            changes = self._after(changes, Cursor.decode(params["cursor"]))
        rows = list(
            changes.order_by("updated_at", "id")
            .annotate(
                public_feature=Case(
                    When(status=Status.HIDDEN, then=Value(None)),
                    default=F("feature"),
                    output_field=TextField(),
                )
            )
            .values_list("id", "version", "status", "updated_at", "public_feature")[: limit + 1]
        )
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = Cursor(rows[-1][0], _microseconds(rows[-1][3]))
        items = ",".join(
            f'{{"id":{pk},"version":{version},"status":{json.dumps(status)},'
            f'"updated_at":{json.dumps(updated.isoformat())},"feature":{feature or "null"}}}'
            for pk, version, status, updated, feature in rows
        )
        return HttpResponse(
            f'{{"changes":[{items}],"next":{next_link(request, next_cursor)}}}',
            content_type="application/json",
        )

    @staticmethod
    def _after(changes, cursor: Cursor):
        if not isinstance(cursor.after_value, int):
            raise ValidationError({"cursor": ["This cursor does not belong to the changes feed."]})
        moment = datetime.fromtimestamp(cursor.after_value // 1_000_000, tz=UTC).replace(
            microsecond=cursor.after_value % 1_000_000
        )
        return changes.filter(
            Q(updated_at__gt=moment) | Q(updated_at=moment, id__gt=cursor.after_id)
        )


ROOT_LINKS = (
    "cameras",
    "vendors",
    "operators",
    "areas",
    "places",
    "stats",
    "changes",
    "exposure",
    "submissions",
    "moderation-submissions",
    "challenge",
    "photo-position",
    "download-geojson",
    "download-csv",
    "download-osm",
    "download-osmchange",
    "schema",
    "docs",
)


class ApiRootView(APIView):
    @extend_schema(
        responses={
            200: inline_serializer(
                "ApiRoot", {name: serializers.URLField() for name in ROOT_LINKS}
            ),
            429: THROTTLED,
        }
    )
    def get(self, request):
        return Response({name: reverse(f"api:{name}", request=request) for name in ROOT_LINKS})


class NotFoundView(APIView):
    """Any other path under the API (an id that is not a number, a slug with
    a space): a JSON 404 like the API's own, not the site's HTML page."""

    schema = None
    permission_classes = [AllowAny]

    def http_method_not_allowed(self, request, *args, **kwargs):
        raise NotFound()

    options = http_method_not_allowed
