"""The registry's pages: the camera list and each camera, vendors, operators,
about and privacy. Server-rendered and complete without JavaScript; the
small maps add to the facts written on the page, never replace them.

Every page is a permalink: a value in the address the page does not
understand (a filter, a sort, a page number) is ignored and named in a
notice, never an error page. Hidden cameras are a 404 for the public and are
never counted."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry import cones
from registry.filters import PUBLIC_STATUSES, Ignored, MapFilters, Near, Within
from registry.models import (
    Area,
    Camera,
    CameraCapability,
    CameraType,
    Capability,
    Dataset,
    EvidenceKind,
    Kind,
    Operator,
    ReviewState,
    Revision,
    Status,
    Vendor,
)
from registry.models.cameras import CAMERA_SORT_KEYS
from registry.models.organisations import OperatorQuerySet, VendorQuerySet
from registry.places import NearestPlace
from registry.reports.maps import MAP_POINTS_MAX, map_points
from registry.services.moderators import is_moderator

from ..embed import embed_snippet
from ..sharing import camera_share, organisation_share
from .countries import country_table
from .listing import (
    Column,
    Sort,
    pagination,
    read_page,
    read_sort,
    sort_columns,
    with_query,
)
from .wording import (
    describe_coordinates,
    describe_direction,
    describe_height,
    describe_tilt,
    field_sources,
    history_entries,
)

CAMERAS_PER_PAGE = 50
ORGANISATIONS_PER_PAGE = 100
# The camera page shows this many revisions; the API has them all.
HISTORY_SHOWN = 50

CAMERA_COLUMNS = [
    ("id", gettext_lazy("Camera")),
    ("kind", gettext_lazy("Kind")),
    ("vendor", gettext_lazy("Vendor")),
    ("operator", gettext_lazy("Operator")),
    ("status", gettext_lazy("Status")),
    ("last_confirmed", gettext_lazy("Last confirmed")),
]
DEFAULT_CAMERA_SORT = Sort("id")
# The distances "Near me" offers to look within, in metres.
NEAR_RADII = (1_000, 5_000, 20_000, 50_000)
ORGANISATION_SORT_KEYS = ("name", "count")
DEFAULT_ORGANISATION_SORT = Sort("name")


# ------------------------------------------------------------------ cameras


def camera_list(request):
    filters = MapFilters.from_query(request.GET)
    ignored = list(filters.ignored)
    within = Within.from_query(request.GET, ignored)
    near = Near.from_query(request.GET, ignored)
    sort = read_sort(request.GET, CAMERA_SORT_KEYS, DEFAULT_CAMERA_SORT, ignored)
    # Near a point, the nearest come first unless the address asks for a sort.
    nearest_first = bool(near) and not request.GET.get("sort", "").strip()
    cameras = (
        near.apply(within.apply(filters.cameras()))
        .select_related("vendor", "operator")
        .defer("feature", "tags")
        .with_staleness()
        .with_vendor_restricted()
        .with_nearest_place()
    )
    if not nearest_first:
        cameras = cameras.ordered_by(sort.key, descending=sort.descending)
    page = read_page(Paginator(cameras, CAMERAS_PER_PAGE), request.GET, ignored)
    rows = list(page.object_list)
    for camera in rows:
        camera.place = NearestPlace.from_annotation(camera.nearest_place)
    query = {**filters.as_query(), **within.as_query(), **near.as_query()}
    sorted_query = query if sort == DEFAULT_CAMERA_SORT else {**query, "sort": sort.parameter}
    columns = sort_columns(CAMERA_COLUMNS, sort, query)
    if nearest_first:
        # No column is the order: the distance is.
        columns = [replace(column, aria_sort="") for column in columns]
    columns.insert(1, Column(label=_("Place")))
    if near:
        columns.insert(2, Column(label=_("Distance")))
    context = {
        "filters": filters,
        "within": within,
        "near": near,
        "nearest_first": nearest_first,
        "radius_km": near.radius / 1000,
        "near_me_strings": json.dumps(near_me_strings(), ensure_ascii=False),
        "radius_choices": [
            (metres / 1000, with_query(reverse("registry:cameras"), {**query, "radius": metres}))
            for metres in NEAR_RADII
            if metres != near.radius
        ],
        "without_place_url": with_query(reverse("registry:cameras"), filters.as_query()),
        "ignored": ignored,
        "stale_after_days": settings.CAMERA_STALE_AFTER_DAYS,
        "sort": sort,
        "sorted_query": sorted_query,
        "sort_label": dict(CAMERA_COLUMNS)[sort.key],
        "columns": columns,
        "pagination": pagination(page, sorted_query),
        "cameras": rows,
        # The map shows the world: its view, not a bbox, says where.
        "map_url": with_query(reverse("registry:map"), filters.as_query()),
        "download_url": with_query(reverse("api:download-geojson"), query),
        "csv_url": with_query(reverse("api:download-csv"), query),
        "feed_url": with_query(reverse("registry:camera-feed"), query),
        "watch_url": with_query(reverse("registry:watch"), query),
        **filter_choices(),
    }
    return render(request, "registry/camera_list.html", context)


def near_me_strings() -> dict[str, str]:
    """What the "Cameras near me" button (registry/frontend/camera-list.js)
    says, in the page's language."""
    return {
        "locating": _("Finding where you are…"),
        "unsupported": _(
            "This browser cannot tell where you are. Search for a place above instead."
        ),
        "denied": _(
            "Sightline was not allowed to know where you are. Allow location for this site "
            "in your browser, or search for a place above instead."
        ),
        "unavailable": _(
            "Your position could not be found. Try again, or search for a place above instead."
        ),
    }


def filter_choices() -> dict:
    public = [(value, label) for value, label in Status.choices if value in PUBLIC_STATUSES]
    return {
        "kinds": Kind.choices,
        "statuses": public,
        "capabilities": Capability.choices,
        "vendors": VendorQuerySet(Vendor).ordered_by("name").only("slug", "name"),
        "operators": OperatorQuerySet(Operator).ordered_by("name").only("slug", "name"),
    }


def camera_detail(request, pk: int):
    # Moderators see a hidden camera's page (marked hidden), as in the API.
    cameras = Camera.objects.all() if is_moderator(request.user) else Camera.objects.visible()
    capabilities = CameraCapability.objects.prefetch_related("evidence").order_by("capability")
    camera = get_object_or_404(
        cameras.with_staleness()
        .with_nearest_place()
        .select_related("vendor__parent", "operator", "dataset")
        .prefetch_related(
            "vendor__restrictions",
            "vendor__evidence",
            "operator__evidence",
            "evidence",
            Prefetch("capabilities", queryset=capabilities),
        ),
        pk=pk,
    )
    revisions = camera.revisions.select_related("changeset__dataset").order_by("-version")
    context = {
        "camera": camera,
        "stale_after_days": settings.CAMERA_STALE_AFTER_DAYS,
        "coordinates": describe_coordinates(*camera.location.coords),
        "place": NearestPlace.from_annotation(camera.nearest_place),
        "areas": list(Area.objects.containing(camera.location).without_geometry()),
        "facing": [describe_direction(direction) for direction in camera.directions],
        "tilt": describe_tilt(camera.tilt),
        "height": describe_height(camera.height),
        **camera_evidence(camera),
        "history": history_entries(list(revisions[:HISTORY_SHOWN])),
        "revision_count": revisions.count(),
        "tags": sorted(camera.tags.items()),
        "field_sources": field_sources(
            Revision.objects.field_sources([camera.pk]).get(camera.pk, {})
        ),
        "map_data": camera_map_data(camera),
        **contribution_counts(camera),
    }
    if camera.status != Status.HIDDEN:
        context["share"] = camera_share(request, camera)
        context.update(
            embed_snippet(request, query={"camera": str(camera.pk)}, snippet_id="camera-embed")
        )
    return render(request, "registry/camera_detail.html", context)


def contribution_counts(camera: Camera) -> dict:
    """How many people confirmed the camera still there (each account or
    receipt once), and how many open reports say it is gone."""
    confirmations = camera.confirmations.aggregate(
        accounts=Count("user", distinct=True),
        receipts=Count("receipt", distinct=True, filter=Q(user=None)),
        others=Count("id", filter=Q(user=None, receipt=None)),
    )
    return {
        "confirmed_by": sum(confirmations.values()),
        "gone_reports": camera.removal_reports.filter(state=ReviewState.OPEN).count(),
    }


def camera_evidence(camera: Camera) -> dict:
    """The camera's own sources, photos apart. Only photos uploaded to
    Sightline are shown in the page: a photo elsewhere on the web is a link,
    so that no page makes the browser fetch from a third party."""
    evidence = list(camera.evidence.all())
    photos = [item for item in evidence if item.kind == EvidenceKind.PHOTO]
    return {
        "photos": [item for item in photos if item.document],
        "photo_links": [item for item in photos if not item.document],
        "sources": [item for item in evidence if item.kind != EvidenceKind.PHOTO],
    }


def camera_map_data(camera: Camera) -> dict:
    longitude, latitude = camera.location.coords
    return {
        "longitude": longitude,
        "latitude": latitude,
        "kind": camera.kind,
        "status": camera.status,
        "fieldOfView": cones.field_of_view(
            location=(longitude, latitude),
            directions=camera.directions,
            camera_type=camera.camera_type,
            kind=camera.kind,
            height=camera.height,
            tilt=camera.tilt,
        ),
    }


# ------------------------------------------------------ vendors, operators


def organisation_list(request, organisations, columns, template: str, extra: dict):
    """A sortable, paged table of vendors or operators with their counts of
    visible cameras."""
    ignored: list[Ignored] = []
    sort = read_sort(request.GET, ORGANISATION_SORT_KEYS, DEFAULT_ORGANISATION_SORT, ignored)
    ordered = organisations.with_camera_count().ordered_by(sort.key, descending=sort.descending)
    page = read_page(Paginator(ordered, ORGANISATIONS_PER_PAGE), request.GET, ignored)
    query = {} if sort == DEFAULT_ORGANISATION_SORT else {"sort": sort.parameter}
    context = {
        "ignored": ignored,
        "sort": sort,
        "sort_label": dict(columns)[sort.key],
        "columns": sort_columns(columns, sort, {}),
        "pagination": pagination(page, query),
        "organisations": page.object_list,
        **extra,
    }
    return render(request, template, context)


def vendor_list(request):
    vendors = (
        VendorQuerySet(Vendor)
        .with_restricted()
        .select_related("parent")
        .prefetch_related("restrictions")
    )
    columns = [
        ("name", _("Vendor")),
        ("", _("Country")),
        ("count", _("Cameras")),
        ("", _("Legal restrictions")),
    ]
    extra = {"restricted_count": VendorQuerySet(Vendor).restricted().count()}
    return organisation_list(request, vendors, columns, "registry/vendor_list.html", extra)


def operator_list(request):
    columns = [("name", _("Operator")), ("", _("Type")), ("count", _("Cameras"))]
    operators = OperatorQuerySet(Operator).all()
    return organisation_list(request, operators, columns, "registry/operator_list.html", {})


def vendor_detail(request, slug: str):
    vendor = get_object_or_404(
        VendorQuerySet(Vendor)
        .with_restricted()
        .select_related("parent")
        .prefetch_related("restrictions", "evidence", "subsidiaries"),
        slug=slug,
    )
    include_brands = request.GET.get("include_brands", "").lower() in {"1", "true", "yes"}
    family = vendor.with_brands() if include_brands else [vendor.pk]
    cameras = Camera.objects.visible().filter(vendor_id__in=family)
    slugs = ",".join(Vendor.objects.filter(pk__in=family).values_list("slug", flat=True))
    context = {
        "vendor": vendor,
        "owners": vendor_owners(vendor),
        "brands_included": include_brands,
        "brand_count": len(family) - 1 if include_brands else len(vendor.with_brands()) - 1,
        **organisation_cameras(cameras, role="vendor", slug=slugs, other="operator"),
        **countries_context(cameras, owner=f"vendor:{','.join(map(str, sorted(family)))}"),
    }
    context["share"] = organisation_share(request, "vendor", vendor, context["total"])
    return render(request, "registry/vendor_detail.html", context)


def vendor_owners(vendor: Vendor) -> list[dict]:
    """The companies that own the vendor, each with its restrictions: a
    brand's page shows its owners' restrictions as theirs."""
    return [
        {"vendor": owner, "restrictions": list(owner.restrictions.all())}
        for owner in vendor.owners()
    ]


def operator_detail(request, slug: str):
    operator = Operator.objects.prefetch_related("evidence").filter(slug=slug).first()
    if operator is None:
        merged_into = OperatorQuerySet(Operator).merged_into_from(slug)
        if merged_into is None:
            raise Http404(_("No operator has this address."))
        return redirect("registry:operator", slug=merged_into.slug, permanent=True)
    cameras = Camera.objects.visible().filter(operator=operator)
    context = {
        "operator": operator,
        **organisation_cameras(cameras, role="operator", slug=operator.slug, other="vendor"),
        **countries_context(cameras, owner=f"operator:{operator.pk}"),
    }
    context["share"] = organisation_share(request, "operator", operator, context["total"])
    return render(request, "registry/operator_detail.html", context)


def countries_context(cameras, *, owner: str) -> dict:
    """The table of cameras by country and kind, with the kinds' names in
    the page's language."""
    table = country_table(cameras, owner=owner)
    kinds = dict(Kind.choices)
    return {
        "by_country": table.rows,
        "country_kinds": [kinds.get(kind, "") for kind in table.kinds],
    }


def organisation_cameras(cameras, *, role: str, slug: str, other: str) -> dict:
    """What a vendor's or operator's page says about its cameras: counts by
    kind, by status and by the other party (the operators of a vendor's
    cameras, the vendors of an operator's), a small map, and links to the
    same cameras on the main map, in the list and as downloads."""
    query = {role: slug}
    total = cameras.count()
    kinds, statuses = dict(Kind.choices), dict(Status.choices)
    return {
        "total": total,
        "by_kind": [(kinds.get(kind), kind, n) for kind, n in cameras.tally("kind")],
        "by_status": [(statuses.get(status), status, n) for status, n in cameras.tally("status")],
        "by_other": cameras.tally(f"{other}__slug", f"{other}__name"),
        "other_role": other,
        "points": map_points(cameras) if 0 < total <= MAP_POINTS_MAX else None,
        "too_many_to_draw": total > MAP_POINTS_MAX,
        "map_url": with_query(reverse("registry:map"), query),
        "list_url": with_query(reverse("registry:cameras"), query),
        "download_url": with_query(reverse("api:download-geojson"), query),
        "csv_url": with_query(reverse("api:download-csv"), query),
        "filter_query": query,
    }


# ------------------------------------------------------- about and privacy


def about(request):
    context = {
        "stale_after_days": settings.CAMERA_STALE_AFTER_DAYS,
        **field_of_view_table(),
        "datasets": Dataset.objects.order_by("name"),
        "site_url": request.build_absolute_uri(reverse("registry:map")),
        "today": timezone.localdate(),
        "camera_count": Camera.objects.visible().count(),
    }
    return render(request, "registry/about.html", context)


def field_of_view_table() -> dict:
    """registry/cones.py's defaults, labelled, for the about page."""
    table = cones.FIELD_OF_VIEW_DEFAULTS
    types, kinds = dict(CameraType.choices), dict(Kind.choices)
    return {
        "cone_angles": [(types.get(key, key), angle) for key, angle in table["angles"].items()],
        "cone_ranges": [(kinds.get(key, key), metres) for key, metres in table["ranges"].items()],
        "cone_circle_types": [types.get(key, key) for key in table["circle_types"]],
        "cones": table,
    }


def privacy(request):
    geocoder_host = urlsplit(settings.GEOCODER_URL).hostname or ""
    return render(
        request,
        "registry/privacy.html",
        {
            "tile_host": tile_host(),
            "geocoder_host": geocoder_host,
            "watch_confirm_hours": settings.WATCH_CONFIRM_HOURS,
        },
    )


def tile_host() -> str:
    """The host the base-map tiles come from; empty when Sightline serves
    them itself (a URL without a host)."""
    return urlsplit(settings.BASEMAP_TILE_URL).hostname or ""
