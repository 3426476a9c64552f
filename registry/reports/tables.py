"""The tables of an area's report as CSV: one file per table, a header row
of machine-readable column names, then the rows, labels in the language of
the request. Like Sightline's other CSV downloads, the files hold data only;
the attribution travels in the response's `X-Data-Attribution` header (see
registry/exports.py), and text a spreadsheet would run as a formula (a
vendor's or a source's name starting with `=`) gets a single quote in front,
while numbers stay numbers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from registry.exports import BYTE_ORDER_MARK, formula_safe_row

from .areas import AreaReport, Count

COUNT_COLUMNS = ("value", "label", "cameras", "in_place", "removed")


@dataclass(frozen=True)
class Table:
    name: str  # its file name, without ".csv"
    caption: str
    columns: tuple[str, ...]
    rows: Callable[[AreaReport], Iterable[tuple]]


def _counts(attribute: str) -> Callable[[AreaReport], Iterable[tuple]]:
    def rows(report: AreaReport) -> Iterable[tuple]:
        rows: list[Count] = getattr(report, attribute)
        return [(r.value, r.label, r.cameras, r.in_place, r.removed) for r in rows]

    return rows


def _vendors(report: AreaReport) -> Iterable[tuple]:
    return [
        (r.value, r.label, r.cameras, r.in_place, r.removed, _flag(r.restricted))
        for r in report.by_vendor
    ]


def _restricted(report: AreaReport) -> Iterable[tuple]:
    return [
        (
            vendor.slug,
            vendor.name,
            vendor.cameras,
            vendor.in_place,
            restriction.regime,
            restriction.label,
            _day(restriction.effective_date),
            restriction.scope,
            restriction.source_title,
            restriction.source_url,
        )
        for vendor in report.restricted
        for restriction in vendor.restrictions
    ]


def _monthly(report: AreaReport) -> Iterable[tuple]:
    return [
        (month.month.strftime("%Y-%m"), month.added, month.removed, month.confirmed)
        for month in report.monthly
    ]


def _sub_areas(report: AreaReport) -> Iterable[tuple]:
    return [
        (
            rank,
            sub.slug,
            sub.name,
            sub.level,
            round(sub.area_km2, 3),
            _blank(sub.population),
            sub.cameras,
            sub.in_place,
            _blank(sub.density.per_km2, 4),
            _blank(sub.density.per_1000_residents, 4),
        )
        for rank, sub in enumerate(report.sub_areas, start=1)
    ]


def _sources(report: AreaReport) -> Iterable[tuple]:
    return [
        (s.kind, s.kind_label, s.title, s.url, _day(s.date), s.backs, s.cameras)
        for s in report.sources
    ]


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _day(value) -> str:
    return value.isoformat() if value else ""


def _blank(value, decimals: int | None = None):
    if value is None:
        return ""
    return round(value, decimals) if decimals is not None else value


TABLES = [
    Table("by-kind", _("Cameras by kind"), COUNT_COLUMNS, _counts("by_kind")),
    Table("by-camera-type", _("Cameras by type"), COUNT_COLUMNS, _counts("by_camera_type")),
    Table("by-vendor", _("Cameras by vendor"), (*COUNT_COLUMNS, "restricted"), _vendors),
    Table("by-operator", _("Cameras by operator"), COUNT_COLUMNS, _counts("by_operator")),
    Table(
        "by-operator-type",
        _("Cameras by type of operator"),
        COUNT_COLUMNS,
        _counts("by_operator_type"),
    ),
    Table("by-capability", _("Cameras by capability"), COUNT_COLUMNS, _counts("by_capability")),
    Table("by-status", _("Cameras by status"), COUNT_COLUMNS, _counts("by_status")),
    Table(
        "restricted",
        _("Cameras from vendors under a legal restriction"),
        (
            "vendor",
            "vendor_name",
            "cameras",
            "in_place",
            "regime",
            "regime_label",
            "effective_date",
            "scope",
            "source_title",
            "source_url",
        ),
        _restricted,
    ),
    Table(
        "monthly",
        _("Cameras added, removed and confirmed per month"),
        ("month", "added", "removed", "confirmed"),
        _monthly,
    ),
    Table(
        "sub-areas",
        _("Sub-areas by density"),
        (
            "rank",
            "slug",
            "name",
            "level",
            "area_km2",
            "population",
            "cameras",
            "in_place",
            "in_place_per_km2",
            "in_place_per_1000_residents",
        ),
        _sub_areas,
    ),
    Table(
        "sources",
        _("Sources behind the figures"),
        ("kind", "kind_label", "title", "url", "date", "backs", "cameras"),
        _sources,
    ),
]
TABLES_BY_NAME = {table.name: table for table in TABLES}


def csv_text(report: AreaReport, table: Table, *, byte_order_mark: bool = False) -> str:
    buffer = io.StringIO()
    if byte_order_mark:
        buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows(formula_safe_row(row) for row in table.rows(report))
    return buffer.getvalue()
