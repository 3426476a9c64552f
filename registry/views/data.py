"""The front door to the data (/data/): every download with its size and the
date of its data, the API, the vector tiles, the licences and how to cite.

A download streams the whole registry (168k cameras: tens of megabytes), so
the page never writes one to say how big it is. It writes a sample of
SIZE_SAMPLE cameras through the same writer, and scales the bytes per camera
by the number of cameras the file holds; the figure is kept in the cache
under the registry's data version, so an edit gives the next view a new one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from registry.exports import (
    CSV,
    GEOJSON,
    IN_PLACE_STATUSES,
    OSM_XML,
    OSMCHANGE,
    PUBLIC_STATUSES,
    ExportFormat,
    contributable,
)
from registry.models import Camera, Dataset

# 200 cameras write in a few milliseconds and vary little from one sample to
# the next in bytes per camera.
SIZE_SAMPLE = 200
SIZE_CACHE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Download:
    export: ExportFormat
    url_name: str
    cameras: int
    size: int


def _written_bytes(export: ExportFormat, cameras: QuerySet) -> int:
    return sum(len(chunk.encode()) for chunk in export.writer(cameras))


def estimated_size(export: ExportFormat, cameras: QuerySet, count: int) -> int:
    """The bytes of `export`'s file of `cameras` (`count` of them): its
    envelope, plus the bytes per camera of a sample written in full."""
    envelope = _written_bytes(export, cameras.none())
    sample_ids = list(cameras.order_by("pk").values_list("pk", flat=True)[:SIZE_SAMPLE])
    if not sample_ids:
        return envelope
    sample = _written_bytes(export, cameras.filter(pk__in=sample_ids)) - envelope
    return envelope + round(sample / len(sample_ids) * count)


def registry_summary() -> dict:
    """How many cameras each download holds by default, and the latest
    change among them, in one pass over the cameras."""
    return Camera.objects.filter(status__in=PUBLIC_STATUSES).aggregate(
        public=Count("pk"),
        in_place=Count("pk", filter=Q(status__in=IN_PLACE_STATUSES)),
        contributable=Count("pk", filter=Q(status__in=IN_PLACE_STATUSES, osm_id__isnull=True)),
        latest=Max("updated_at"),
    )


def downloads(summary: dict) -> list[Download]:
    public = Camera.objects.filter(status__in=PUBLIC_STATUSES)
    in_place = Camera.objects.filter(status__in=IN_PLACE_STATUSES)
    files = [
        (GEOJSON, "api:download-geojson", public, summary["public"]),
        (CSV, "api:download-csv", public, summary["public"]),
        (OSM_XML, "api:download-osm", in_place, summary["in_place"]),
        (OSMCHANGE, "api:download-osmchange", contributable(in_place), summary["contributable"]),
    ]
    version = f"{summary['public']}:{summary['in_place']}:{summary['latest']}"
    key = "data-page:sizes:" + hashlib.sha256(version.encode()).hexdigest()[:16]
    sizes = cache.get(key)
    if sizes is None:
        sizes = [estimated_size(export, cameras, count) for export, _, cameras, count in files]
        cache.set(key, sizes, SIZE_CACHE_SECONDS)
    return [
        Download(export=export, url_name=url_name, cameras=count, size=size)
        for (export, url_name, _, count), size in zip(files, sizes, strict=True)
    ]


def data_page(request):
    summary = registry_summary()
    site = request.build_absolute_uri(reverse("registry:map"))
    tile_path = reverse("camera-tile", kwargs={"z": 0, "x": 0, "y": 0})
    context = {
        "downloads": downloads(summary),
        "summary": summary,
        "datasets": Dataset.objects.order_by("name"),
        "api_root": request.build_absolute_uri(reverse("api:root")),
        "tile_template": request.build_absolute_uri(tile_path).replace("/0/0/0.", "/{z}/{x}/{y}."),
        "site_url": site,
        "areas_url": reverse("registry:areas"),
        "today": timezone.localdate(),
    }
    return render(request, "registry/data.html", context)
