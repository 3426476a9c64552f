"""Bulk downloads of the whole registry, streamed from a server-side cursor:
never built in memory, whatever the size of the registry."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from registry.models import Camera
from registry.osm_tags import format_directions
from registry.querysets import Latitude, Longitude

ATTRIBUTION = (
    "Data derived from OpenStreetMap is (c) OpenStreetMap contributors, available under "
    "the Open Database License (ODbL 1.0): https://www.openstreetmap.org/copyright"
)
CHUNK = 2000
CSV_COLUMNS = (
    "id", "longitude", "latitude", "kind", "status", "visibility", "zone", "camera_type",
    "mount", "directions", "tilt", "height", "vendor", "vendor_raw", "product", "operator",
    "operator_raw", "last_confirmed", "removed_on", "osm_type", "osm_id", "version",
    "updated_at",
)  # fmt: skip


def downloadable() -> Camera.objects:
    """Everything the public may see: removed cameras included, hidden not."""
    return Camera.objects.visible().order_by("id")


def geojson_chunks() -> Iterator[str]:
    yield (
        '{"type":"FeatureCollection","license":"ODbL-1.0","attribution":"'
        + ATTRIBUTION
        + '","features":['
    )
    features = downloadable().values_list("feature", flat=True).iterator(chunk_size=CHUNK)
    for index, feature in enumerate(features):
        yield ("," if index else "") + feature
    yield "]}"


class _Line:
    """csv.writer target that hands each written line back."""

    def write(self, value: str) -> str:
        return value


def csv_lines() -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_COLUMNS)
    rows = (
        downloadable()
        .annotate(longitude=Longitude("location"), latitude=Latitude("location"))
        .values_list(
            *(
                {"vendor": "vendor__slug", "operator": "operator__slug"}.get(column, column)
                for column in CSV_COLUMNS
            )
        )
        .iterator(chunk_size=CHUNK)
    )
    directions = CSV_COLUMNS.index("directions")
    updated_at = CSV_COLUMNS.index("updated_at")
    for row in rows:
        row = list(row)
        row[directions] = format_directions(row[directions] or [])
        row[updated_at] = row[updated_at].isoformat()
        yield writer.writerow(row)


def _download(chunks: Iterator[str], content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Data-Attribution"] = ATTRIBUTION
    return response


class GeoJSONDownloadView(APIView):
    @extend_schema(
        operation_id="download_geojson",
        responses={
            (200, "application/geo+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="Every visible camera as one FeatureCollection."
            )
        },
    )
    def get(self, request):
        return _download(geojson_chunks(), "application/geo+json", "sightline-cameras.geojson")


class CSVDownloadView(APIView):
    @extend_schema(
        operation_id="download_csv",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="One row per visible camera; directions joined by ;"
            )
        },
    )
    def get(self, request):
        return _download(csv_lines(), "text/csv; charset=utf-8", "sightline-cameras.csv")
