"""The browsable API's pages, within the site's Content-Security-Policy."""

from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages, with their one inline style carrying the nonce."""

    template = "api/browsable_api.html"
