"""Reports computed from the registry: reads only. A report may be kept in
the cache (cached.py), but only under the version of the data it shows, so
an edit shows in the next report."""

from .areas import (
    AreaReport,
    Count,
    Density,
    Month,
    RestrictedVendor,
    Restriction,
    Source,
    SubArea,
    Totals,
    area_report,
)

__all__ = [
    "AreaReport",
    "Count",
    "Density",
    "Month",
    "RestrictedVendor",
    "Restriction",
    "Source",
    "SubArea",
    "Totals",
    "area_report",
]
