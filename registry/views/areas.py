"""Areas and their reports: the list of areas, and each area's report as a
page, a PDF for a council packet and one CSV file per table.

Every figure is computed from the registry when asked for
(registry/reports/), so an edit shows in the next report. The PDF takes
seconds for a country, so the worker renders it and it is kept until the
area's data changes (registry/services/reports.py); until it is ready, its
address shows how far it got. An area without cameras gives a report that
says so; an unknown area or table is a 404."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from registry.exports import ATTRIBUTION, wants_byte_order_mark
from registry.filters import Ignored, parse_lon_lat, plain_decimal
from registry.models import Area, AreaLevel, AreaReportPdf, PdfStatus
from registry.places import NearestPlace, search_gazetteer, search_key
from registry.reports.cached import cached_area_report
from registry.reports.context import area_url, report_context
from registry.reports.maps import geojson
from registry.reports.tables import TABLES_BY_NAME, csv_text
from registry.services.reports import area_pdf_request, area_pdf_retry
from registry.tasks import render_area_pdf

from .embed import embed_snippet
from .pages.listing import with_query
from .sharing import area_lines, area_share

# Under each top-level area, the list names this many of its parts; its
# report lists them all.
CHILDREN_LISTED = 50
SEARCH_RESULTS_SHOWN = 100
# The gazetteer's places a search by name offers, each linking to the areas
# that hold it.
PLACES_SHOWN = 5
# While a PDF is on its way, its page asks again this often.
PDF_REFRESH_SECONDS = 3
LEVEL_HEADINGS = {
    AreaLevel.COUNTRY: gettext_lazy("Countries"),
    AreaLevel.REGION: gettext_lazy("Regions"),
    AreaLevel.CITY: gettext_lazy("Cities"),
    AreaLevel.DISTRICT: gettext_lazy("Districts"),
    AreaLevel.WARD: gettext_lazy("Wards"),
    AreaLevel.PRECINCT: gettext_lazy("Precincts"),
}


# -------------------------------------------------------------- the list


def area_list(request):
    """Top-level areas by level, each with its first parts; with `q`, the
    areas whose name holds it and the gazetteer's places named like it
    (accents and case ignored); with `at=lon,lat` (a place chosen), the
    areas holding that point, smallest first. (Camera counts are left to the
    reports: counting every country's cameras took 1.7 s on the development
    machine.)"""
    # PostgreSQL text cannot hold NUL: a pasted one would be an error page.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    ignored: list[Ignored] = []
    at = read_point(request.GET, "at", ignored)
    areas = Area.objects.without_geometry()
    context = {"query": query, "level_groups": [], "results": None, "ignored": ignored}
    if at is not None:
        place = NearestPlace.of_point(at)
        context["at"] = at
        context["at_place"] = place
        context["at_areas"] = list(areas.containing(at).select_related("parent"))
    if query:
        found = areas.named_like(query)
        results = list(found.select_related("parent").order_by("name")[: SEARCH_RESULTS_SHOWN + 1])
        context["results"] = results[:SEARCH_RESULTS_SHOWN]
        context["more_results"] = len(results) > SEARCH_RESULTS_SHOWN
        context["places"] = [
            (place, with_query(reverse("registry:areas"), {"at": point_query(*place.position)}))
            for place in search_gazetteer(search_key(query), limit=PLACES_SHOWN)
        ]
    elif at is None:
        children = areas.order_by("name")[:CHILDREN_LISTED]
        top = (
            areas.filter(parent=None)
            .annotate(child_count=Count("children"))
            .prefetch_related(Prefetch("children", queryset=children, to_attr="listed"))
            .order_by("name")
        )
        by_level: dict[str, list[Area]] = {}
        for area in top:
            by_level.setdefault(area.level, []).append(area)
        context["level_groups"] = [
            (LEVEL_HEADINGS[level], by_level[level]) for level in AreaLevel if level in by_level
        ]
    context["area_count"] = Area.objects.count()
    return render(request, "registry/area_list.html", context)


def read_point(data, parameter: str, ignored: list[Ignored]) -> Point | None:
    """`parameter` as lon,lat, read as the camera list and the API read
    `near`; a bad one is ignored with a notice."""
    raw = (data.get(parameter) or "").strip()
    if not raw:
        return None
    try:
        return parse_lon_lat(raw, parameter)
    except ValidationError as error:
        ignored.append(Ignored(parameter, raw, " ".join(error.messages)))
        return None


def point_query(lon: float, lat: float) -> str:
    return f"{plain_decimal(lon, 5)},{plain_decimal(lat, 5)}"


# ------------------------------------------------------------- the report


def _area(slug: str) -> Area:
    # Ancestors (at most three levels up) come in the same query, without
    # their boundaries: a country's can weigh megabytes.
    parents = ("parent", "parent__parent", "parent__parent__parent")
    areas = Area.objects.select_related(parents[-1]).defer(*(f"{p}__geometry" for p in parents))
    return get_object_or_404(areas, slug=slug)


def area_detail(request, slug: str):
    area = _area(slug)
    report = cached_area_report(area)
    context = report_context(report)
    context["map_data"] = _leaflet_data(context)
    context["camera_downloads"] = _camera_downloads(area)
    context["share"] = area_share(request, area, area_lines(area))
    context.update(embed_snippet(request, query={"area": area.slug}, snippet_id="area-embed"))
    return render(request, "registry/area_detail.html", context)


def _camera_downloads(area: Area) -> dict[str, str]:
    """The bulk downloads of the cameras in `area` (its `area` filter)."""
    query = {"area": area.slug}
    return {
        name: with_query(reverse(f"api:download-{name}"), query)
        for name in ("geojson", "csv", "osm")
    }


@require_http_methods(["GET", "HEAD", "POST"])
def area_pdf(request, slug: str):
    """The kept PDF, or a page saying how far it got; a POST asks again for
    one that failed."""
    area = _area(slug)
    site_url = request.build_absolute_uri("/")
    queue = render_area_pdf.enqueue
    pdf = area_pdf_request(
        area=area, language=translation.get_language(), site_url=site_url, enqueue=queue
    )
    if request.method == "POST":
        area_pdf_retry(pdf=pdf, site_url=site_url, enqueue=queue)
        return redirect(request.path)
    if pdf.status == PdfStatus.READY:
        return _pdf_file(pdf)
    return _pdf_progress(request, pdf)


def _pdf_file(pdf: AreaReportPdf) -> FileResponse:
    day = timezone.localdate(pdf.finished_at).isoformat()
    response = FileResponse(
        pdf.document.open("rb"),
        as_attachment=True,
        filename=f"sightline-{pdf.area.slug}-{day}.pdf",
        content_type="application/pdf",
    )
    response["X-Data-Attribution"] = ATTRIBUTION
    return response


def _pdf_progress(request, pdf: AreaReportPdf) -> HttpResponse:
    failed = pdf.status == PdfStatus.FAILED or pdf.stalled
    context = {
        "area": pdf.area,
        "pdf": pdf,
        "failed": failed,
        "message": _pdf_failure(pdf) if failed else _pdf_waiting(pdf),
        "refresh_seconds": None if failed else PDF_REFRESH_SECONDS,
        "report_url": area_url(pdf.area),
    }
    # 202: accepted and on its way; a failure is the server's.
    response = render(
        request, "registry/area_report_pdf_status.html", context, status=500 if failed else 202
    )
    if not failed:
        response["Retry-After"] = str(PDF_REFRESH_SECONDS)
    add_never_cache_headers(response)
    return response


def _pdf_waiting(pdf: AreaReportPdf) -> str:
    if pdf.status == PdfStatus.RUNNING:
        return _("The PDF is being made now; a large area takes a few seconds.")
    if pdf.attempts:
        return _(
            "Try %(attempt)s of %(attempts)s failed (%(error)s); the PDF will be made again "
            "shortly."
        ) % {
            "attempt": pdf.attempts,
            "attempts": settings.TASKS_MAX_ATTEMPTS,
            "error": _error(pdf),
        }
    return _("The PDF is queued: it will be made in the background in a moment.")


def _pdf_failure(pdf: AreaReportPdf) -> str:
    if pdf.stalled:
        return _("Making the PDF stopped without finishing (its worker was stopped).")
    return ngettext(
        "Making the PDF failed after %(count)s try (%(error)s).",
        "Making the PDF failed after %(count)s tries (%(error)s).",
        pdf.attempts,
    ) % {"count": pdf.attempts, "error": _error(pdf)}


def _error(pdf: AreaReportPdf) -> str:
    # The class alone, as /healthz says it: the traceback, which may name
    # internal hosts and paths, is for `manage.py tasks` and the log.
    return pdf.error.rsplit(".", 1)[-1]


def area_csv(request, slug: str, table: str):
    # `?bom=1` starts the file with a UTF-8 byte-order mark, for spreadsheets
    # that otherwise read it in a legacy encoding.
    # One table costs the whole report (half a second for a country, tens of
    # milliseconds for a city): its figures are then the page's by
    # construction.
    if table not in TABLES_BY_NAME:
        raise Http404(_("A report has no table called “%(table)s”.") % {"table": table})
    try:
        byte_order_mark = wants_byte_order_mark(request.GET.get("bom"))
    except ValueError as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    area = _area(slug)
    report = cached_area_report(area)
    response = HttpResponse(
        csv_text(report, TABLES_BY_NAME[table], byte_order_mark=byte_order_mark),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="sightline-{area.slug}-{table}.csv"'
    response["X-Data-Attribution"] = ATTRIBUTION
    return response


def _leaflet_data(context: dict) -> dict:
    return {"boundary": geojson(context["boundary"]), "cameras": context["points"]}
