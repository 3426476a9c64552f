"""POST /api/v1/exposure/: how much of a route or an area lies in view of the
registry's cameras (the analysis is registry/exposure; this is its door).

A POST here only reads, so it needs no account and no CSRF token: the view
authenticates nobody, which also puts every client under the same
anonymous rate limits. Bad input goes through the API's one error path: the
readers raise Django's ValidationError, named here by where the input came
from ("geometry" for a body, "file" for an upload)."""

from __future__ import annotations

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiRequest,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.cones import FIELD_OF_VIEW_DEFAULTS
from registry.exposure import analyse, geometry_from_bytes
from registry.exposure.files import check_size
from registry.exposure.geometry import WGS84_NAMES

from .renderers import BrowsableAPIRenderer
from .serializers import DetailSerializer, ValidationErrorSerializer, constant
from .throttles import AnonymousRateThrottle
from .views import THROTTLED

# Room for a multipart body's boundaries and headers around the file.
MULTIPART_ALLOWANCE = 64 * 1024


class GeoJSONBodyParser(BaseParser):
    """The body as bytes, never more than EXPOSURE_MAX_UPLOAD_BYTES + 1 of
    them: registry/exposure reads it, so a body gets the same messages as an
    uploaded file."""

    media_type = "application/geo+json"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read(settings.EXPOSURE_MAX_UPLOAD_BYTES + 1)


class JSONBodyParser(GeoJSONBodyParser):
    media_type = "application/json"


class FastJSONRenderer(JSONRenderer):
    """JSON through orjson: an answer naming 2,000 cameras is ~0.9 MB, which
    the standard encoder took ~25 ms to write."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=str)


class ExposureRateThrottle(AnonymousRateThrottle):
    """An analysis can cost the database up to a second: fewer of them per
    client (EXPOSURE_ANON_RATE) than of the reads."""

    scope = "exposure"

    def get_rate(self) -> str:
        return settings.EXPOSURE_ANON_RATE


# --------------------------------------------------------------- the schema


def defaults_table() -> str:
    """registry/cones.py's numbers as a Markdown table, for the docs."""
    table = FIELD_OF_VIEW_DEFAULTS
    angles, ranges = table["angles"].items(), table["ranges"].items()
    rows = [
        *(f"| view angle, `camera:type={kind}` | {angle}° |" for kind, angle in angles),
        f"| view angle, other or no type | {table['angle_default']}° |",
        *(f"| range, `surveillance:type={kind}` | {metres} m |" for kind, metres in ranges),
        f"| range, other or no kind | {table['range_default']} m |",
        f"| range from `height` / tan(`camera:angle`), when both are known | "
        f"{table['range_min']}–{table['range_max']} m |",
    ]  # fmt: skip
    return "\n".join(["| what | value |", "|---|---|", *rows])


DESCRIPTION = f"""
Which cameras see a route or an area, and how much of it lies inside at least one camera's
field of view, split by vendor and by operator.

Send one route (GeoJSON `LineString` or `MultiLineString`) or one area (`Polygon` or
`MultiPolygon`), as a GeoJSON geometry, Feature or FeatureCollection of exactly one feature, in
the request body (`application/geo+json` or `application/json`), or upload a GeoJSON or GPX file
as the multipart field `file` (a GPX file's one track, or its one route). Coordinates are WGS 84
longitude/latitude (RFC 7946). Limits: routes up to {settings.EXPOSURE_MAX_ROUTE_KM:g} km, areas
up to {settings.EXPOSURE_MAX_AREA_KM2:g} km², bodies and files up to
{settings.EXPOSURE_MAX_UPLOAD_BYTES / 1e6:g} MB.

Only cameras believed in place count (`reported`, `verified`); removed and hidden ones do not.
Each camera sees a cone: a wedge per direction it faces, or a circle for the types that see all
round ({", ".join(FIELD_OF_VIEW_DEFAULTS["circle_types"])}) when no direction is recorded. Where
the data says nothing, these defaults apply:

{defaults_table()}

A camera within its range of the input whose direction is unknown, and whose type does not see all
round, is listed in `direction_unknown` and **not** counted.

A route is measured as travelled: a stretch walked twice counts twice, in `total` and in
`covered`. Measures are metres (`unit: "m"`) for a route and square metres (`unit: "m2"`) for an
area; `share` is `covered / total`. `by_vendor` and `by_operator` give, for each vendor or
operator (`slug: null`: not recorded), the part inside at least one cone of its cameras. When no
camera sees the input, the answer is a result with `share` 0, not an error.
""".strip()

# ------------------------------------------- the route or area (for the schema)


class CrsNameSerializer(serializers.Serializer):
    name = serializers.ChoiceField(
        sorted(WGS84_NAMES), help_text="WGS 84, by one of its names (compared without case)."
    )


class CrsSerializer(serializers.Serializer):
    """A coordinate system named by files from before RFC 7946; only WGS 84
    is read."""

    properties = CrsNameSerializer()


class PositionInputField(serializers.ListField):
    child = serializers.FloatField()

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "[longitude, latitude], WGS 84; an altitude may follow.")
        super().__init__(min_length=2, max_length=3, **kwargs)


class LineInputField(serializers.ListField):
    child = PositionInputField()

    def __init__(self, **kwargs):
        super().__init__(min_length=2, **kwargs)


class RingInputField(serializers.ListField):
    child = PositionInputField()

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Closed: the last position repeats the first.")
        super().__init__(min_length=4, **kwargs)


class PolygonInputField(serializers.ListField):
    child = RingInputField()

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "An outer ring, then its holes.")
        super().__init__(min_length=1, **kwargs)


def geometry_input(kind: str, coordinates: serializers.Field) -> type[serializers.Serializer]:
    """The serializer, for the schema, of one GeoJSON geometry type."""
    fields = {
        "type": constant(kind),
        "coordinates": coordinates,
        "crs": CrsSerializer(required=False, allow_null=True),
    }
    return type(f"{kind}InputSerializer", (serializers.Serializer,), fields)


GEOMETRY_INPUTS = {
    "LineString": geometry_input("LineString", LineInputField()),
    "MultiLineString": geometry_input(
        "MultiLineString", serializers.ListField(child=LineInputField(), min_length=1)
    ),
    "Polygon": geometry_input("Polygon", PolygonInputField()),
    "MultiPolygon": geometry_input(
        "MultiPolygon", serializers.ListField(child=PolygonInputField(), min_length=1)
    ),
}


def geometry_choice() -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name="GeometryInput",
        serializers=GEOMETRY_INPUTS,
        resource_type_field_name="type",
    )


class FeatureInputSerializer(serializers.Serializer):
    type = constant("Feature")
    geometry = geometry_choice()
    properties = serializers.DictField(required=False, allow_null=True)
    crs = CrsSerializer(required=False, allow_null=True)


class FeatureCollectionInputSerializer(serializers.Serializer):
    type = constant("FeatureCollection")
    features = serializers.ListField(
        child=FeatureInputSerializer(), min_length=1, max_length=1, help_text="Exactly one."
    )
    crs = CrsSerializer(required=False, allow_null=True)


GEOJSON_INPUT = PolymorphicProxySerializer(
    component_name="GeoJSONInput",
    serializers={
        **GEOMETRY_INPUTS,
        "Feature": FeatureInputSerializer,
        "FeatureCollection": FeatureCollectionInputSerializer,
    },
    resource_type_field_name="type",
)


UPLOAD = inline_serializer(
    "ExposureUpload",
    {"file": serializers.FileField(help_text="A GeoJSON or GPX file.")},
)


class PartySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class VendorPartySerializer(PartySerializer):
    restricted = serializers.BooleanField(help_text="Under at least one legal restriction.")


class ViewSerializer(serializers.Serializer):
    angle = serializers.FloatField(help_text="Degrees of the cone's width.")
    range = serializers.FloatField(help_text="Metres it reaches.")
    circle = serializers.BooleanField(help_text="Sees all round when no direction is recorded.")


class ExposureCameraSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(help_text="The camera's page.")
    kind = serializers.CharField(help_text="OSM surveillance:type.")
    camera_type = serializers.CharField(help_text="OSM camera:type.")
    status = serializers.CharField()
    location = serializers.ListField(child=serializers.FloatField(), help_text="[lon, lat]")
    directions = serializers.ListField(child=serializers.FloatField())
    height = serializers.FloatField(allow_null=True)
    tilt = serializers.FloatField(allow_null=True)
    view = ViewSerializer()
    vendor = VendorPartySerializer(allow_null=True)
    operator = PartySerializer(allow_null=True)


class SeeingCameraSerializer(ExposureCameraSerializer):
    covered = serializers.FloatField(help_text="Metres (m² for an area) inside its cones.")
    share = serializers.FloatField()


class NearbyCameraSerializer(ExposureCameraSerializer):
    distance = serializers.FloatField(help_text="Metres from the route or area.")


class GroupSerializer(serializers.Serializer):
    slug = serializers.CharField(allow_null=True, help_text="null: not recorded.")
    name = serializers.CharField(allow_null=True)
    cameras = serializers.IntegerField(help_text="Its cameras that see the input.")
    covered = serializers.FloatField(help_text="Inside at least one of their cones.")
    share = serializers.FloatField()


class VendorGroupSerializer(GroupSerializer):
    restricted = serializers.BooleanField()


class ExposureResultSerializer(serializers.Serializer):
    """The answer's shape, for the schema; the body itself is built by
    registry.exposure.ExposureResult.as_dict (a test keeps the two alike)."""

    measure = serializers.ChoiceField(["length", "area"])
    unit = serializers.ChoiceField(["m", "m2"])
    total = serializers.FloatField()
    covered = serializers.FloatField(help_text="Inside at least one camera's cone.")
    share = serializers.FloatField(help_text="covered / total, 0..1.")
    geometry = serializers.JSONField(help_text="The analysed route or area (GeoJSON).")
    covered_geometry = serializers.JSONField(
        help_text="The covered parts: a GeoJSON MultiLineString or MultiPolygon."
    )
    cameras = SeeingCameraSerializer(many=True, help_text="The cameras that see it, most first.")
    by_vendor = VendorGroupSerializer(many=True)
    by_operator = GroupSerializer(many=True)
    direction_unknown = NearbyCameraSerializer(
        many=True, help_text="Within range, direction unknown: not counted."
    )
    candidates = serializers.IntegerField(help_text="In-place cameras examined nearby.")


ROUTE_EXAMPLE = {
    "type": "LineString",
    "coordinates": [[-87.6312, 41.8781], [-87.6288, 41.8781]],
}
RESULT_EXAMPLE = {
    "measure": "length",
    "unit": "m",
    "total": 198.7,
    "covered": 56.5,
    "share": 0.2843,
    "geometry": ROUTE_EXAMPLE,
    "covered_geometry": {
        "type": "MultiLineString",
        "coordinates": [[[-87.6303, 41.8781], [-87.6297, 41.8781]]],
    },
    "cameras": [
        {
            "id": 17,
            "url": "https://sightline.example/cameras/17/",
            "kind": "camera",
            "camera_type": "dome",
            "status": "verified",
            "location": [-87.63, 41.8782],
            "directions": [],
            "height": None,
            "tilt": None,
            "view": {"angle": 90.0, "range": 30.0, "circle": True},
            "vendor": {"slug": "hikvision", "name": "Hikvision", "restricted": True},
            "operator": {"slug": "chicago-police-department", "name": "Chicago Police Department"},
            "covered": 56.5,
            "share": 0.2843,
        }
    ],
    "by_vendor": [
        {
            "slug": "hikvision",
            "name": "Hikvision",
            "restricted": True,
            "cameras": 1,
            "covered": 56.5,
            "share": 0.2843,
        }
    ],
    "by_operator": [
        {
            "slug": "chicago-police-department",
            "name": "Chicago Police Department",
            "cameras": 1,
            "covered": 56.5,
            "share": 0.2843,
        }
    ],
    "direction_unknown": [],
    "candidates": 3,
}
ERROR_EXAMPLES = [
    OpenApiExample(
        "self-intersecting polygon",
        value={
            "geometry": [
                "The area is not a valid polygon: self-intersection at longitude -87.630000, "
                "latitude 41.880000. Redraw it so that its edges do not cross."
            ]
        },
    ),
    OpenApiExample(
        "projected coordinates",
        value={
            "file": [
                "The position 447600.0, 4636800.0 is not longitude/latitude in degrees: it "
                "looks projected (metres). GeoJSON (RFC 7946) is WGS 84 longitude/latitude "
                "only: export it in WGS 84 (EPSG:4326)."
            ]
        },
    ),
]


# ----------------------------------------------------------------- the view


class RequiredBodySchema(AutoSchema):
    """drf-spectacular marks a body required when its serializer has a
    required field; GeoJSON's alternatives each have theirs. The route or
    area is required all the same."""

    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        if body:
            body["required"] = True
        return body


class ExposureView(APIView):
    schema = RequiredBodySchema()
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [GeoJSONBodyParser, JSONBodyParser, MultiPartParser]
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer]
    throttle_classes = [AnonymousRateThrottle, ExposureRateThrottle]

    @extend_schema(
        operation_id="exposure",
        summary="Exposure of a route or an area to the registry's cameras",
        description=DESCRIPTION,
        request={
            "application/geo+json": GEOJSON_INPUT,
            "application/json": GEOJSON_INPUT,
            "multipart/form-data": OpenApiRequest(
                UPLOAD,
                encoding={
                    "file": {
                        "contentType": "application/geo+json, application/json, "
                        "application/gpx+xml"
                    }
                },
            ),
        },
        responses={
            200: OpenApiResponse(
                ExposureResultSerializer,
                description="The analysis; a share of 0 when no camera sees the input.",
            ),
            400: OpenApiResponse(
                ValidationErrorSerializer,
                description="The input cannot be analysed; the body says why, under "
                "`geometry` (a request body) or `file` (an upload).",
                examples=ERROR_EXAMPLES,
            ),
            415: OpenApiResponse(
                DetailSerializer, description="The body is in a media type not read here."
            ),
            429: THROTTLED,
        },
        examples=[
            OpenApiExample("a route", value=ROUTE_EXAMPLE, request_only=True),
            OpenApiExample("the answer", value=RESULT_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request):
        geometry = read_geometry(request)
        result = analyse(geometry)
        return Response(result.as_dict(camera_link(request)))


def camera_link(request):
    """A camera's page from its id. Reversed once: reversing for each of
    2,000 cameras took 0.2 s of a 5 km route's answer."""
    head, _zero, tail = request.build_absolute_uri(
        reverse("registry:camera", args=(0,))
    ).rpartition("/0/")
    return lambda pk: f"{head}/{pk}/{tail}"


def read_geometry(request):
    """The route or area of the request: its body, or its uploaded `file`;
    an oversized request is refused before it is read."""
    upload = request.content_type.startswith("multipart/")
    field = "file" if upload else "geometry"
    try:
        _check_length(request, upload)
        if upload:
            return _uploaded(request)
        if not isinstance(request.data, bytes) or not request.data:
            raise ValidationError(
                _(
                    "The request body is empty: send a GeoJSON geometry, Feature or "
                    "FeatureCollection, or upload a file as the multipart field “file”."
                ),
                code="empty",
            )
        return geometry_from_bytes(request.data)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def _check_length(request, upload: bool) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    check_size(max(0, length - MULTIPART_ALLOWANCE) if upload else length)


def _uploaded(request):
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError(
            _("No file was sent: upload the route or area as the multipart field “file”."),
            code="empty",
        )
    check_size(upload.size)
    return geometry_from_bytes(upload.read())
