"""The API's renderers: the browsable API's pages, within the site's
Content-Security-Policy, and GeoJSON for the endpoints that answer with it."""

import re

from django.utils import translation
from rest_framework import renderers

# DRF's buttons with a tooltip: Bootstrap's script moves their title (their
# only name) into the tooltip, so they are named again with aria-label.
TOOLTIP_BUTTON = re.compile(r'(<button [^>]*\bjs-tooltip\b[^>]*?) title="([^"]*)"')


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages, with their one inline style carrying the nonce,
    their language declared (DRF's <html> has none) and their tooltip
    buttons named."""

    template = "api/browsable_api.html"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        page = super().render(data, accepted_media_type, renderer_context)
        text = page.decode() if isinstance(page, bytes) else page
        language = translation.get_language() or "en"
        text = text.replace("<html>", f'<html lang="{language}">', 1)
        text = TOOLTIP_BUTTON.sub(r'\1 title="\2" aria-label="\2"', text)
        return text.encode() if isinstance(page, bytes) else text


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
