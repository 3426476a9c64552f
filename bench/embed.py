"""Benchmark of the embeddable map as another site's reader gets it.

    make bench-embed            (or: .venv/bin/python -m bench.embed)
    .venv/bin/python -m bench.embed [--cameras 100000] [--loads 5] [--reuse] [--keep]

1. Creates the scratch database `sightline_bench_embed` (dropped afterwards
   unless --keep; --reuse keeps one loaded earlier) and loads --cameras
   synthetic cameras around the Loop in Chicago with the exposure
   benchmark's maker.
2. Serves the site with gunicorn on a free port of 127.0.0.1 (2 workers,
   static files served by Django, as bench/tiles.py does).
3. Opens `/embed/` in an iframe of a page on another origin in headless
   Chromium, at city zoom (13) and street zoom (16), each --loads times
   with a cold browser cache, and prints the page's weight (every response
   the frame loaded: HTML, scripts, styles, tiles; base-map tiles blocked,
   they are not ours) and the time from the frame's navigation to the
   cameras drawn (the camera layer's first `load`: every tile in view
   drawn), median and worst.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import statistics
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.gunicorn import free_port, start_server, stop_server  # noqa: E402

BENCH_DB = "sightline_bench_embed"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
VIEWS = {"city": "13/41.8781/-87.6298", "street": "16/41.8781/-87.6298"}
STORY = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Story</title>
</head><body><iframe id="embed" src="{src}" title="Map" width="800" height="450"></iframe>
</body></html>"""
# Set in the frame when the camera layer first drew, for the timing.
FIRST_DRAW = """() => {
  const map = document.getElementById('embed-map');
  return map && map.dataset.existingTotal !== undefined;
}"""


def story_site(folder: Path, embed_url: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    """A page on another origin (another port) framing the embed."""
    (folder / "story.html").write_text(STORY.format(src=embed_url))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/story.html"


def one_load(browser, story_url: str, site: str) -> tuple[int, float]:
    """Bytes the frame loaded from Sightline, and ms from the frame's
    navigation to its first cameras drawn."""
    context = browser.new_context(viewport={"width": 1000, "height": 600})
    page = context.new_page()
    page.route("**/tile.openstreetmap.org/**", lambda route: route.abort())
    sizes: list[int] = []

    def count(response) -> None:
        if response.url.startswith(site):
            try:
                sizes.append(len(response.body()))
            except Exception:  # a 204 tile or a redirect has no body to read
                sizes.append(0)

    page.on("response", count)
    page.goto(story_url)
    frame = page.frame_locator("#embed")
    frame.locator("#embed-map[data-existing-total]").wait_for(timeout=30_000)
    embed = next(frame for frame in page.frames if "/embed/" in frame.url)
    elapsed = embed.evaluate(
        "performance.now() - performance.getEntriesByType('navigation')[0].startTime"
    )
    page.wait_for_load_state("networkidle")
    context.close()
    return sum(sizes), elapsed


def measure(port: int, loads: int, folder: Path) -> None:
    from playwright.sync_api import sync_playwright

    site = f"http://127.0.0.1:{port}"
    print(f"{'view':>8} {'weight KB':>10} {'first cameras ms':>17} {'worst ms':>9}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, view in VIEWS.items():
                server, story_url = story_site(folder, f"{site}/embed/#{view}")
                try:
                    results = [one_load(browser, story_url, site) for _ in range(loads)]
                finally:
                    server.shutdown()
                    server.server_close()
                weights = [weight for weight, _ms in results]
                times = [ms for _weight, ms in results]
                print(
                    f"{name:>8} {statistics.median(weights) / 1000:>10.0f} "
                    f"{statistics.median(times):>17.0f} {max(times):>9.0f}"
                )
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=100_000)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep a loaded database")
    parser.add_argument("--keep", action="store_true", help="leave the database afterwards")
    arguments = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit("Chromium is not installed: SIGHTLINE_BROWSER_TESTS=1 make setup")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["SIGHTLINE_BENCH_DATABASE"] = BENCH_DB
    import django

    django.setup()
    from bench import databases
    from bench.exposure import load

    if not (arguments.reuse and databases.database_exists(BENCH_DB)):
        databases.recreate_database(BENCH_DB)
        load(arguments.cameras)
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        server = start_server(port, probe="/embed/", database=BENCH_DB)
        try:
            print(f"{arguments.cameras:,} cameras; /embed/ in a frame of another origin")
            measure(port, arguments.loads, Path(folder))
        finally:
            stop_server(server)
            if not arguments.keep:
                databases.drop_database(BENCH_DB)


if __name__ == "__main__":
    main()
