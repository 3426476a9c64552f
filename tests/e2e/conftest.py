"""Browser tests: Debian's Chromium driven by Playwright against Django's
live server. Nothing is loaded from the network: base tiles point at a local
file in the test settings."""

import os
import shutil
from fnmatch import fnmatch
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are ordinary synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The test settings point base-map tiles at this local file; the browser
# tests block it, as if the tile server were down.
BASE_TILES = "**/blank-tile.png"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run `make test`, which installs it."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


# Screenshots of each step of the map and page tests, kept after the run.
ARTIFACTS = Path(
    os.environ.get("SIGHTLINE_ARTIFACTS", Path(__file__).parents[2] / "var" / "artifacts")
)


@pytest.fixture
def screenshot(page, request):
    """screenshot("step") saves var/artifacts/screenshots/<test>-<step>.png."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(step: str, target=None) -> Path:
        path = folder / f"{request.node.name}-{step}.png"
        (target or page).screenshot(path=str(path))
        return path

    return take


@pytest.fixture
def console_errors(page):
    """Errors the page logs or throws. Base-map tiles are blocked (the tests
    never reach the network), so failures to load them are expected and left
    out; anything else is a defect."""
    errors: list[str] = []
    page.route(BASE_TILES, lambda route: route.abort())

    def on_console(message):
        if message.type != "error":
            return
        if fnmatch(message.location.get("url", ""), BASE_TILES):
            return
        errors.append(f"{message.text} ({message.location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors
