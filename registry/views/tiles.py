"""Camera vector tiles for the map: /tiles/cameras/{z}/{x}/{y}.mvt with the
map's filters as query parameters (registry/filters.py).

- 200 with the tile (application/vnd.mapbox-vector-tile), or 204 with no
  body when no camera of the filters lies in it;
- 400 with a plain-text message naming the parameter when a filter value is
  not understood (the map page drops such values before asking for tiles,
  so this is a caller's mistake, never silently widened to "everything");
- 404 for a tile that does not exist (zoom above TILES_MAX_ZOOM, x or y
  outside 0 .. 2^z - 1).

/tiles/cameras.json describes them as TileJSON 3.0 (with the same filters
carried into its tile address), so MapLibre GL, OpenLayers and QGIS can
draw them. Tiles and their description answer every origin (CORS): they
are public, and other sites' maps are welcome to use them.

What a tile holds is documented in registry/tiles.py."""

from collections.abc import Iterable

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    JsonResponse,
)
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry import tiles
from registry.filters import Ignored, MapFilters
from registry.languages import mark_language_independent

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
# Web Mercator's world: the tiles cover it.
WORLD_BOUNDS = [-180.0, -85.0511, 180.0, 85.0511]
# The layers' attributes, as TileJSON's vector_layers say them (the types
# are descriptions, as in Mapbox's and OpenMapTiles' documents).
CAMERA_FIELDS = {
    "id": "Number: the camera's id (its page: /cameras/{id}/)",
    "kind": "String: OSM's surveillance:type (camera, ALPR, gunshot_detector...)",
    "status": "String: proposed, installed, verified, removed...",
    "stale": "Boolean: not confirmed on the ground for a long time",
    "camera_type": "String: OSM's camera:type (fixed, dome, panning...)",
    "restricted": "Boolean: its vendor, or the vendor's owner, is under a legal restriction",
    "directions": "String: degrees from north, comma-separated",
    "height": "Number: metres above the ground",
    "tilt": "Number: degrees below the horizon",
    "vendor": "String: the vendor's name",
    "operator": "String: the operator's name",
    "last_confirmed": "String: ISO date it was last confirmed",
}
CLUSTER_FIELDS = {
    "count": "Number: cameras in the cell",
    "count_<kind>": "Number: cameras of that kind in the cell (count_unknown: no kind)",
}


@require_safe
def camera_tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    address = tiles.TileAddress(z, x, y)
    if not address.exists:
        raise Http404("No such tile")
    filters = MapFilters.from_query(request.GET)
    if filters.ignored:
        return bad_values(filters.ignored)
    data = tiles.shared_camera_tile(address, filters)
    response = HttpResponse(data, status=200 if data else 204, content_type=MVT_CONTENT_TYPE)
    # One cached copy per tile, whatever the browser's language.
    return mark_language_independent(_public(response))


@require_safe
def camera_tilejson(request: HttpRequest) -> HttpResponse:
    """TileJSON 3.0.0 for the camera tiles, under the request's filters."""
    filters = MapFilters.from_query(request.GET)
    if filters.ignored:
        return bad_values(filters.ignored)
    # Braces added last: reverse() and build_absolute_uri() would escape them.
    first_tile = request.build_absolute_uri(reverse("camera-tile", args=[0, 0, 0]))
    address = first_tile.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
    query = filters.query_string()
    latitude, longitude, zoom = settings.MAP_DEFAULT_VIEW
    document = {
        "tilejson": "3.0.0",
        "name": "Sightline cameras",
        "description": _("Public surveillance cameras recorded by Sightline."),
        "attribution": _(
            "Cameras: Sightline contributors and © OpenStreetMap contributors (ODbL)"
        ),
        "scheme": "xyz",
        "tiles": [address + (f"?{query}" if query else "")],
        "minzoom": 0,
        "maxzoom": settings.TILES_MAX_ZOOM,
        "bounds": WORLD_BOUNDS,
        "center": [longitude, latitude, zoom],
        "vector_layers": [
            {
                "id": "cameras",
                "description": _("One point per camera."),
                "minzoom": settings.TILES_ADAPTIVE_MIN_ZOOM,
                "maxzoom": settings.TILES_MAX_ZOOM,
                "fields": CAMERA_FIELDS,
            },
            {
                "id": "clusters",
                "description": _("Cameras counted on a grid of 8 × 8 cells a tile."),
                "minzoom": 0,
                "maxzoom": settings.TILES_MAX_ZOOM,
                "fields": CLUSTER_FIELDS,
            },
        ],
    }
    # Its descriptions are in the browser's language: Vary says so.
    return _public(JsonResponse(document, json_dumps_params={"ensure_ascii": False}))


def _public(response: HttpResponse) -> HttpResponse:
    """Cached by anyone for TILES_CACHE_SECONDS, and readable by pages of
    any origin: a map on another site fetches tiles with CORS."""
    patch_cache_control(response, public=True, max_age=settings.TILES_CACHE_SECONDS)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def bad_values(ignored: Iterable[Ignored]) -> HttpResponseBadRequest:
    """A 400 naming each parameter not understood, one a line of plain
    text (for callers that are scripts and other sites' maps, not pages)."""
    lines = [
        _("Bad value for %(parameter)s: %(value)r (%(reason)s)")
        % {"parameter": item.parameter, "value": item.value, "reason": item.reason}
        for item in ignored
    ]
    return HttpResponseBadRequest(
        "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8"
    )
