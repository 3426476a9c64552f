"""/embed/: a bare map of the cameras for other sites' pages (a local
paper's story, a campaign's site), the one page that may be framed.

What it shows comes from the query: the map's filters (kind, vendor,
operator, capability, status, restricted, confirmed_since), and at most one
of `area` (a registry area's slug: its outline, the map fitted to it) or
`camera` (an id: the map centred on it); `#zoom/lat/lon` sets the view as
on the main map. A value not understood is a 400 naming the parameter, not
a map quietly showing something else."""

from __future__ import annotations

import html

from csp.decorators import csp_replace
from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from registry.filters import Ignored, MapFilters
from registry.models import Area, Camera
from registry.reports.maps import display_boundary, geojson

from .pages.listing import with_query
from .tiles import bad_values


@require_safe
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def embed(request):
    filters = MapFilters.from_query(request.GET)
    problems = list(filters.ignored)
    area_slug = request.GET.get("area", "").strip()
    camera_id = request.GET.get("camera", "").strip()
    if area_slug and camera_id:
        problems.append(Ignored("camera", camera_id, _("give an area or a camera, not both")))
    if camera_id and not camera_id.isdigit():
        problems.append(Ignored("camera", camera_id[:40], _("not a camera's number")))
    if problems:
        return bad_values(problems)
    config = {
        "query": filters.query_string(),
        "view": list(settings.MAP_DEFAULT_VIEW),
        "mapUrl": request.build_absolute_uri(
            with_query(reverse("registry:map"), filters.as_query())
        ),
        "dataAttribution": _(
            "Cameras: Sightline contributors and © OpenStreetMap contributors (ODbL)"
        ),
    }
    title = _("Map of surveillance cameras")
    if area_slug:
        area = get_object_or_404(Area, slug=area_slug)
        config["boundary"] = geojson(display_boundary(area.geometry))
        title = _("Surveillance cameras in %(area)s") % {"area": area.name}
    if camera_id:
        camera = get_object_or_404(Camera.objects.visible(), pk=int(camera_id))
        longitude, latitude = camera.location.coords
        config["camera"] = {"lat": latitude, "lon": longitude}
    return render(request, "registry/embed.html", {"config": config, "title": title})


# The frame's height in another page: the map and its controls, on a phone
# too, without taking the whole screen.
EMBED_HEIGHT = 450


def embed_snippet(
    request, *, query: dict[str, str], snippet_id: str, follow_location: bool = False
) -> dict:
    """The context of includes/embed_snippet.html: the iframe another site
    pastes to show /embed/ with `query`."""
    address = request.build_absolute_uri(with_query(reverse("registry:embed"), query))
    title = _("Map of surveillance cameras (Sightline)")
    code = (
        f'<iframe src="{html.escape(address)}" title="{html.escape(title)}" '
        f'width="100%" height="{EMBED_HEIGHT}" style="border:0" loading="lazy"></iframe>'
    )
    return {"embed_code": code, "snippet_id": snippet_id, "follow_location": follow_location}
