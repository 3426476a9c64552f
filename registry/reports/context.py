"""What an area's report shows, ready for its templates: the page
(registry/views/areas.py) and the PDF the worker renders (pdf.py) are drawn
from the same context, so that the two never say different things."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from registry.models import Area, Camera

from .areas import AreaReport, Count
from .charts import BarChart, bar_chart, monthly_chart
from .maps import MAP_POINTS_MAX, display_boundary, main_map_hash, map_points, static_map
from .tables import TABLES


def area_url(area: Area) -> str:
    return reverse("registry:area", args=(area.slug,))


@dataclass(frozen=True)
class CountTable:
    """A table of counts as the report shows it: its caption and first
    column, what its rows link to, its CSV file and its chart."""

    name: str
    caption: str
    column: str
    rows: list[Count]
    csv_url: str
    links: str = ""  # "vendor" or "operator": rows link to that page
    chart: BarChart | None = None
    empty_text: str = ""


def report_context(report: AreaReport) -> dict:
    """What the page and the PDF both show."""
    area = report.area
    # Keyed like Python names ("by_kind") for the templates.
    csv_urls = {
        table.name.replace("-", "_"): reverse("registry:area-csv", args=(area.slug, table.name))
        for table in TABLES
    }
    boundary = display_boundary(area.geometry)
    points = (
        map_points(Camera.objects.visible().in_area(area))
        if 0 < report.totals.cameras <= MAP_POINTS_MAX
        else None
    )
    return {
        "report": report,
        "area": area,
        "ancestors": area.ancestors(),
        "what_tables": _what_tables(report, csv_urls),
        "who_tables": _who_tables(report, csv_urls),
        "monthly_chart": monthly_chart(report.monthly),
        "csv_urls": csv_urls,
        "tables": [(table, csv_urls[table.name.replace("-", "_")]) for table in TABLES],
        "boundary": boundary,
        "points": points,
        "too_many_to_draw": report.totals.cameras > MAP_POINTS_MAX,
        "static_map": static_map(boundary, _dots(points)),
        "main_map_url": reverse("registry:map") + main_map_hash(area.geometry),
        "pdf_url": reverse("registry:area-pdf", args=(area.slug,)),
        "api_url": reverse("api:area-report", args=(area.slug,)),
    }


def _dots(points: dict | None) -> list[tuple[float, float, str]]:
    if not points:
        return []
    return [
        (*feature["geometry"]["coordinates"], feature["properties"]["status"])
        for feature in points["features"]
    ]


def _what_tables(report: AreaReport, csv_urls: dict[str, str]) -> list[CountTable]:
    return [
        CountTable(
            "by-kind",
            _("Cameras by kind"),
            _("Kind"),
            report.by_kind,
            csv_urls["by_kind"],
            chart=bar_chart(report.by_kind, title=_("Cameras by kind")),
        ),
        CountTable(
            "by-camera-type",
            _("Cameras by type"),
            _("Camera type"),
            report.by_camera_type,
            csv_urls["by_camera_type"],
        ),
        CountTable(
            "by-capability",
            _("Cameras by capability"),
            _("Capability"),
            report.by_capability,
            csv_urls["by_capability"],
            empty_text=_(
                "No capability beyond recording, such as face recognition or audio, is "
                "documented for these cameras."
            ),
        ),
        CountTable(
            "by-status",
            _("Cameras by status"),
            _("Status"),
            report.by_status,
            csv_urls["by_status"],
            chart=bar_chart(report.by_status, title=_("Cameras by status")),
        ),
    ]


def _who_tables(report: AreaReport, csv_urls: dict[str, str]) -> list[CountTable]:
    return [
        CountTable(
            "by-vendor",
            _("Cameras by vendor"),
            _("Vendor"),
            report.by_vendor,
            csv_urls["by_vendor"],
            links="vendor",
            chart=bar_chart(report.by_vendor, title=_("Cameras by vendor")),
        ),
        CountTable(
            "by-operator",
            _("Cameras by operator"),
            _("Operator"),
            report.by_operator,
            csv_urls["by_operator"],
            links="operator",
        ),
        CountTable(
            "by-operator-type",
            _("Cameras by type of operator"),
            _("Type of operator"),
            report.by_operator_type,
            csv_urls["by_operator_type"],
        ),
    ]
