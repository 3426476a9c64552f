"""Reports as PDF, rendered with WeasyPrint from the same HTML templates as
the pages (registry/templates/registry/area_report_pdf.html): A4, page
numbers, the date, the licence and the method on every copy."""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from django.template.loader import render_to_string
from django.utils import translation

from registry.models import Area

from .areas import area_report
from .context import area_url, report_context

# WeasyPrint's progress messages ("Step 5 - Creating layout - Page 2") are
# not news; set before it is imported, which parses its own stylesheets.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def area_pdf_bytes(area: Area, *, language: str, site_url: str) -> bytes:
    """The area's report as PDF, as the worker renders it: in `language`,
    the addresses printed in it made from the site's address `site_url`."""
    with translation.override(language):
        report = area_report(area)
        context = {**report_context(report), "page_url": urljoin(site_url, area_url(area))}
        html = render_to_string("registry/area_report_pdf.html", context)
    return html_to_pdf(html, base_url=site_url)


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """`html` as PDF. Relative links resolve against `base_url` (so that
    they work from a printed-out file's reader), but nothing is fetched:
    the document embeds everything it shows (its styles, its SVG charts and
    map), and a renderer that fetched addresses found in a page could be
    pointed at the server's own network."""
    # Imported here: WeasyPrint loads Pango and its fonts on import, which
    # every other request and command can do without.
    from PIL import ImageFile

    # WeasyPrint's import turns on Pillow's process-wide acceptance of
    # truncated images; contributed photos rely on it staying off
    # (registry/photos.py), and reports embed no raster image.
    truncated_images = ImageFile.LOAD_TRUNCATED_IMAGES
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    ImageFile.LOAD_TRUNCATED_IMAGES = truncated_images

    offline = URLFetcher(allowed_protocols=())
    return HTML(string=html, base_url=base_url, url_fetcher=offline).write_pdf()
