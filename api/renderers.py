"""The API's renderers: the browsable API's pages, within the site's
Content-Security-Policy, and GeoJSON for the endpoints that answer with it."""

from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages, with their one inline style carrying the nonce."""

    template = "api/browsable_api.html"


class GeoJSONRenderer(renderers.JSONRenderer):
    """JSON as `application/geo+json` (RFC 7946), so that a client asking for
    it (`Accept: application/geo+json`) is answered instead of refused with
    a 406. Its format is JSON's, so that no `?format=` parameter is added:
    the media type is the one way to ask. An error is no GeoJSON: it keeps
    `application/json`."""

    media_type = "application/geo+json"
    format = "json"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None and response.status_code >= 400:
            response["Content-Type"] = "application/json"
        return super().render(data, accepted_media_type, renderer_context)


# The renderers of an endpoint whose answer is GeoJSON: plain JSON first (what
# a client that asks for nothing in particular gets named), then GeoJSON, then
# the browsable pages.
GEOJSON_RENDERERS = [renderers.JSONRenderer, GeoJSONRenderer, BrowsableAPIRenderer]
