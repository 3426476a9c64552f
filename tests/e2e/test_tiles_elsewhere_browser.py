"""Sightline's camera tiles drawn by another site's map: a page served from
another origin loads MapLibre GL JS (from npm), points a vector source at
Sightline's TileJSON, and draws the cameras. It works only if the TileJSON
and the tiles answer that origin (CORS) and the TileJSON describes them
right."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from registry.services import camera_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAPLIBRE = Path(__file__).parents[2] / "node_modules" / "maplibre-gl" / "dist"

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A local paper's story</title>
<link rel="stylesheet" href="maplibre-gl.css">
<style>#map {{ width: 800px; height: 600px; }}</style></head>
<body><div id="map"></div>
<script type="module">
import {{ Map }} from './maplibre-gl.mjs';
const map = new Map({{
  container: 'map',
  center: [-87.63, 41.88],
  zoom: 16,
  style: {{
    version: 8,
    sources: {{ sightline: {{ type: 'vector', url: '{tilejson}' }} }},
    layers: [
      {{ id: 'background', type: 'background', paint: {{ 'background-color': '#fff' }} }},
      {{ id: 'cameras', type: 'circle', source: 'sightline', 'source-layer': 'cameras',
         paint: {{ 'circle-radius': 8, 'circle-color': '#b3261e' }} }},
    ],
  }},
}});
window.sightlineMap = map;
map.on('error', (event) => {{ window.mapError = String(event.error && event.error.message); }});
</script></body></html>
"""


@pytest.fixture
def other_origin(tmp_path, live_server):
    """A static site on another port (another origin) holding MapLibre GL
    JS and a page whose map draws Sightline's tiles."""
    assert MAPLIBRE.is_dir(), "maplibre-gl is missing: run `make test`, which installs it."
    for name in ("maplibre-gl.mjs", "maplibre-gl-shared.mjs", "maplibre-gl-worker.mjs"):
        shutil.copy(MAPLIBRE / name, tmp_path / name)
    shutil.copy(MAPLIBRE / "maplibre-gl.css", tmp_path / "maplibre-gl.css")
    tilejson = f"{live_server.url}/tiles/cameras.json?kind=ALPR"
    (tmp_path / "story.html").write_text(PAGE.format(tilejson=tilejson))
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
    }

    def log_message(self, format, *args):
        pass


def test_maplibre_on_another_origin_draws_sightlines_cameras(page, other_origin):
    alpr = camera_create(location=Point(-87.63, 41.88, srid=4326), actor=None, kind="ALPR")
    camera_create(location=Point(-87.6302, 41.8801, srid=4326), actor=None, kind="camera")

    page.goto(f"{other_origin}/story.html")
    page.wait_for_function(
        "window.sightlineMap && window.sightlineMap.loaded() && "
        "window.sightlineMap.isSourceLoaded('sightline')",
        timeout=30_000,
    )

    drawn = page.evaluate(
        "window.sightlineMap.queryRenderedFeatures({layers: ['cameras']})"
        ".map(feature => [feature.properties.id, feature.properties.kind])"
    )
    assert page.evaluate("window.mapError || null") is None
    # Only the ALPR: the TileJSON's filter reached the tiles.
    assert sorted(set(map(tuple, drawn))) == [(alpr.pk, "ALPR")]
