"""The map page (`/`): a full-screen Leaflet map drawing the camera tiles.

The page itself carries no cameras: it renders the filter form from the URL
and a configuration block; registry/frontend/map.js draws the tiles."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from registry.filters import PUBLIC_STATUSES, MapFilters
from registry.models import CameraType, Capability, Kind, Operator, Status, Vendor

from .. import cones
from .embed import embed_snippet

# Cones are drawn from this zoom on (street level: a 30 m cone is ~25 px).
CONE_MIN_ZOOM = 16


def map_page(request):
    filters = MapFilters.from_query(request.GET)
    context = {
        "filters": filters,
        "kinds": Kind.choices,
        "statuses": [
            (value, label) for value, label in Status.choices if value in PUBLIC_STATUSES
        ],
        "capabilities": Capability.choices,
        "vendors": Vendor.objects.order_by("name").only("slug", "name"),
        "operators": Operator.objects.order_by("name").only("slug", "name"),
        "map_config": _map_config(filters),
        **embed_snippet(
            request, query=filters.as_query(), snippet_id="map-embed", follow_location=True
        ),
    }
    return render(request, "registry/map.html", context)


def _placeholder_url(url: str, number: str, placeholder: str) -> str:
    """A reversed URL with one number replaced by a `{placeholder}` for the
    browser to fill in (URL converters accept only numbers)."""
    head, sep, tail = url.rpartition(number)
    return f"{head}{{{placeholder}}}{tail}" if sep else url


def camera_tiles_config() -> dict:
    """What a map drawing the camera tiles needs: their address, the address
    of a camera's page and the words of its popups (also used by the
    smaller maps through the camera_tiles template tag)."""
    return {
        "tileUrl": reverse("camera-tile", args=(0, 0, 0)).replace(
            "/0/0/0.mvt", "/{z}/{x}/{y}.mvt"
        ),
        "cameraUrl": _placeholder_url(reverse("registry:camera", args=(0,)), "0", "id"),
        "stillThereUrl": _placeholder_url(
            reverse("registry:camera-still-there", args=(0,)), "0", "id"
        ),
        "language": get_language() or settings.LANGUAGE_CODE,
        "labels": _labels(),
    }


def _labels() -> dict:
    return {
        "kinds": {**dict(Kind.choices), "": _("surveillance device")},
        "statuses": dict(Status.choices),
        "camera_types": dict(CameraType.choices),
        "strings": _strings(),
    }


def _map_config(filters: MapFilters) -> dict:
    return {
        **camera_tiles_config(),
        "query": filters.query_string(),
        "view": list(settings.MAP_DEFAULT_VIEW),
        "coneMinZoom": CONE_MIN_ZOOM,
        "cones": cones.defaults_for_browser(),
        "dataAttribution": _(
            "Cameras: Sightline contributors and © OpenStreetMap contributors (ODbL)"
        ),
    }


def _strings() -> dict[str, str]:
    return {
        "status": _("Status"),
        "vendor": _("Vendor"),
        "operator": _("Operator"),
        "camera_type": _("Camera type"),
        "directions": _("Facing"),
        "last_confirmed": _("Last confirmed"),
        "unknown": _("unknown"),
        "never": _("never"),
        "device": _("surveillance device"),
        "details": _("Details, history and sources"),
        "restricted": _("This vendor is under a legal restriction."),
        "stale": _("Not confirmed on the ground for a long time: it may be gone."),
        "legend": _("Legend"),
        "legend_verified": _("verified"),
        "legend_reported": _("reported, not yet verified"),
        "legend_stale": _("stale: not confirmed for a long time"),
        "legend_removed": _("removed (kept on record)"),
        "legend_direction": _("facing this way"),
        "legend_cluster": _("number of cameras in the area"),
        "locate": _("Show my location"),
        "locating": _("Finding your location…"),
        "locate_failed": _("Your location is not available."),
        # %(count)s is filled in by the browser.
        "in_view": _("%(count)s cameras in view"),
        # On the report page, a camera already on the map; %(kind)s is
        # filled in by the browser.
        "already": _("Already on the map: %(kind)s"),
        "still_there": _("Still there? Confirm it"),
        "another": _("It is another camera: place it here"),
    }
