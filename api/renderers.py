"""The browsable API's pages, within the site's Content-Security-Policy."""

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
