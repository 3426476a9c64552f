"""Bulk downloads of the registry in GeoJSON, CSV, OSM XML and osmChange,
streamed from a server-side cursor (registry/exports.py): never built in
memory, whatever the size of the registry. They take the filters of
`cameras/`; a bad one is a 400 naming it, before anything is streamed."""

from __future__ import annotations

from itertools import chain

from django.http import StreamingHttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation

from registry.exports import (
    ATTRIBUTION,
    BYTE_ORDER_MARK,
    CSV,
    GEOJSON,
    OSM_XML,
    OSMCHANGE,
    ExportFormat,
    wants_byte_order_mark,
)
from registry.models import Camera

from .filters import ExportCameraFilter, cameras_to_export
from .serializers import CameraExportSerializer
from .views import ERROR_400, THROTTLED, is_moderator


class DownloadNegotiation(BaseContentNegotiation):
    """A download has one format whatever the client's Accept header says
    (`Accept: application/xml` would otherwise be a 406 from DRF, which only
    renders JSON); errors still come back as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DownloadView(generics.GenericAPIView):
    """One export format as a file download, with the filters of `cameras/`."""

    export: ExportFormat
    content_negotiation_class = DownloadNegotiation
    # For the schema, which lists the filters from these; requests are
    # filtered by cameras_to_export, which adds the format's own defaults.
    queryset = Camera.objects.all()
    filter_backends = [DjangoFilterBackend]
    filterset_class = ExportCameraFilter

    def get(self, request):
        cameras = cameras_to_export(
            request.query_params, self.export, moderator=is_moderator(request)
        )
        response = StreamingHttpResponse(
            self.export.writer(cameras), content_type=self.export.content_type
        )
        response["Content-Disposition"] = f'attachment; filename="{self.export.filename}"'
        response["X-Data-Attribution"] = ATTRIBUTION
        return response


def download_schema(
    operation_id: str, media_type: str, description: str, body=OpenApiTypes.STR, parameters=()
):
    """The schema of one download: `media_type` is what its ExportFormat
    sends (registry/exports.py), `body` its shape (text, or the GeoJSON
    FeatureCollection typed feature by feature)."""
    return extend_schema(
        operation_id=operation_id,
        filters=True,
        parameters=list(parameters),
        description=description + " Carries the ODbL attribution in `X-Data-Attribution`.",
        responses={
            (200, media_type): OpenApiResponse(body, description=description),
            400: ERROR_400,
            429: THROTTLED,
        },
    )


# osmChange offers OSM only cameras believed in place.
IN_PLACE_STATUS_PARAMETER = OpenApiParameter(
    "status",
    {
        "type": "array",
        "items": {"type": "string", "enum": list(OSMCHANGE.allowed_statuses)},
        "minItems": 1,
    },
    style="form",
    explode=False,
    description="Statuses, comma-separated (default and only: reported,verified).",
)


class GeoJSONDownloadView(DownloadView):
    export = GEOJSON

    @download_schema(
        "download_geojson",
        GEOJSON.content_type,
        "Cameras as one GeoJSON FeatureCollection (RFC 7946), normalised fields and raw OSM "
        "tags (`properties.tags`); by default every camera the public sees, removed included.",
        body=CameraExportSerializer,
    )
    def get(self, request):
        return super().get(request)


BOM_PARAMETER = OpenApiParameter(
    "bom",
    OpenApiTypes.STR,
    enum=["1", "0", "true", "false"],
    description=(
        "1 (or true): the file starts with a UTF-8 byte-order mark, for spreadsheets that "
        "otherwise read it in a legacy encoding. Default: none."
    ),
)


class CSVDownloadView(DownloadView):
    export = CSV

    @extend_schema(parameters=[BOM_PARAMETER])
    @download_schema(
        "download_csv",
        "text/csv",
        "One row per camera, directions joined by `;`; by default every camera the public "
        "sees, removed included. Text a spreadsheet would run as a formula (starting with "
        "`=`, `+`, `-`, `@`, a tab or a carriage return) has a single quote in front; "
        "numbers, negative coordinates included, are written as numbers.",
    )
    def get(self, request):
        value = request.query_params.get("bom")
        try:
            # Sent empty, as every parameter of the API, it is an error.
            if value == "":
                raise ValueError("bom must be 1 (or true) or 0 (or false), not ''.")
            byte_order_mark = wants_byte_order_mark(value)
        except ValueError as error:
            raise ValidationError({"bom": [str(error)]}) from None
        response = super().get(request)
        if byte_order_mark:
            response.streaming_content = chain([BYTE_ORDER_MARK], response.streaming_content)
        return response


class OSMDownloadView(DownloadView):
    export = OSM_XML

    @download_schema(
        "download_osm",
        OSM_XML.content_type,
        "Cameras as OSM XML 0.6 for JOSM, tags regenerated from Sightline's fields; OSM nodes "
        "keep their id and version, other cameras are new nodes with negative ids. Default "
        "status: reported,verified. Tags OSM cannot hold (over 255 characters) are left out, "
        "as are OSM nodes whose version is unknown; a comment at the end counts them.",
    )
    def get(self, request):
        return super().get(request)


class OSMChangeDownloadView(DownloadView):
    export = OSMCHANGE

    @download_schema(
        "download_osmchange",
        OSMCHANGE.content_type,
        "An osmChange file creating, as new nodes (negative ids), the cameras OSM does not "
        "have (no OSM id, status reported or verified), for review in JOSM before upload.",
        parameters=[IN_PLACE_STATUS_PARAMETER],
    )
    def get(self, request):
        return super().get(request)
