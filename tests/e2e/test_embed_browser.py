"""The embeddable map inside another site's page: a page on another origin
frames /embed/, which draws the cameras of its filters and links back to
Sightline in a new tab; the same page cannot frame the rest of the site."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest
from django.contrib.gis.geos import Point

from registry.services import camera_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STORY = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A local paper's story</title></head>
<body><h1>Cameras on Main Street</h1>
<iframe id="embed" src="{embed}" title="Map" width="800" height="450"></iframe>
<iframe id="site" src="{site}" title="Site" width="400" height="300"></iframe>
</body></html>
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def story(tmp_path, live_server):
    embed = f"{live_server.url}/embed/?kind=ALPR#16/41.88/-87.63"
    (tmp_path / "story.html").write_text(STORY.format(embed=embed, site=f"{live_server.url}/"))
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/story.html"
    server.shutdown()
    server.server_close()


def test_another_site_frames_the_embed_and_it_draws_the_filtered_cameras(page, story):
    camera_create(location=Point(-87.63, 41.88, srid=4326), actor=None, kind="ALPR")
    camera_create(location=Point(-87.6302, 41.8801, srid=4326), actor=None, kind="camera")

    page.goto(story)
    frame = page.frame_locator("#embed")
    drawn = frame.locator("#embed-map[data-existing-total]")
    drawn.wait_for()

    # Only the licence-plate reader: the filter reached the tiles.
    assert drawn.get_attribute("data-existing-total") == "1"
    link = frame.locator("#embed-open")
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href").endswith("/?kind=ALPR#16/41.88000/-87.63000")
    assert "OpenStreetMap" in frame.locator(".leaflet-control-attribution").inner_text()


def test_another_site_cannot_frame_the_rest_of_sightline(page, story, live_server):
    page.goto(story)
    page.frame_locator("#embed").locator("#embed-map").wait_for()

    site = next(
        frame
        for frame in page.frames
        if frame.name == "" and "embed" not in frame.url and frame != page.main_frame
    )
    # Chromium refuses the frame (frame-ancestors 'none'): it never shows the map page.
    assert site.locator("#map").count() == 0


def test_the_map_offers_its_own_filters_and_view_to_embed(page, live_server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{live_server.url}/?kind=ALPR#14/41.88/-87.63")
    page.locator("#map-panel > summary").click()
    page.get_by_text("Embed this map on your site").click()
    # The snippet takes the map's address when it opens (its toggle event).
    page.wait_for_function("() => document.getElementById('map-embed').value.includes('#14/')")

    code = page.locator("#map-embed").input_value()
    page.get_by_role("button", name="Copy", exact=True).click()

    assert 'src="http://' in code
    assert "/embed/?kind=ALPR#14/41.88" in code
    page.get_by_text("Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == code
