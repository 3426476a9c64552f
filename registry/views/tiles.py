"""Camera vector tiles for the map: /tiles/cameras/{z}/{x}/{y}.mvt with the
map's filters as query parameters (registry/filters.py).

- 200 with the tile (application/vnd.mapbox-vector-tile), or 204 with no
  body when no camera of the filters lies in it;
- 400 with a plain-text message naming the parameter when a filter value is
  not understood (the map page drops such values before asking for tiles,
  so this is a caller's mistake, never silently widened to "everything");
- 404 for a tile that does not exist (zoom above TILES_MAX_ZOOM, x or y
  outside 0 .. 2^z - 1).

What a tile holds is documented in registry/tiles.py."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry import tiles
from registry.filters import MapFilters
from registry.languages import mark_language_independent

MVT_CONTENT_TYPE = "application/vnd.mapbox-vector-tile"


@require_safe
def camera_tile(request: HttpRequest, z: int, x: int, y: int) -> HttpResponse:
    address = tiles.TileAddress(z, x, y)
    if not address.exists:
        raise Http404("No such tile")
    filters = MapFilters.from_query(request.GET)
    if filters.ignored:
        return _bad_filters(filters)
    data = tiles.shared_camera_tile(address, filters)
    response = HttpResponse(data, status=200 if data else 204, content_type=MVT_CONTENT_TYPE)
    patch_cache_control(response, public=True, max_age=settings.TILES_CACHE_SECONDS)
    # One cached copy per tile, whatever the browser's language.
    return mark_language_independent(response)


def _bad_filters(filters: MapFilters) -> HttpResponseBadRequest:
    lines = [
        _("Bad value for %(parameter)s: %(value)r (%(reason)s)")
        % {"parameter": ignored.parameter, "value": ignored.value, "reason": ignored.reason}
        for ignored in filters.ignored
    ]
    return HttpResponseBadRequest(
        "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8"
    )
