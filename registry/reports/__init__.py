"""Reports computed from the registry at request time: reads only, nothing
cached, so an edit shows in the next report."""

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
