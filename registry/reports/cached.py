"""Area reports kept in the shared cache (Redis with REDIS_URL) under the
version of the area's data (versions.py), so that every app server reuses a
report until something it shows changes, and the page, its CSV tables and
the API share one computation.

Checking the version costs a fifth of computing the report for a country
(about 0.1 s against 0.5 s for the United States on the development
machine), and reads are far more frequent than edits in any one area."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from registry.models import Area
from registry.versions import class_shape

from . import areas
from .areas import AreaReport, area_report
from .versions import area_report_version

# Part of the key: a release whose report classes differ reads none of the
# previous release's kept reports.
REPORT_SHAPE = class_shape(vars(areas))


def cached_area_report(area: Area) -> AreaReport:
    """area_report(area), from the cache while the area's data is unchanged.
    Labels are in the active language, which is part of the key."""
    seconds = settings.AREA_REPORT_CACHE_SECONDS
    if not seconds:
        return area_report(area)
    key = (
        f"area-report:{REPORT_SHAPE}:{area.pk}:{translation.get_language()}:"
        f"{area_report_version(area)}"
    )
    return cache.get_or_set(key, lambda: area_report(area), seconds)
