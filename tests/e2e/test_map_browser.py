"""The public map and pages in a real browser (Debian's Chromium through
Playwright) against a live server and PostGIS, with base-map tiles blocked.
Each step leaves a screenshot in var/artifacts/screenshots/."""

import re

import pytest
from django.contrib.gis.geos import Point

from registry.services import camera_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHICAGO = (41.8800, -87.6300)  # lat, lon
CITY_VIEW = f"#15/{CHICAGO[0]}/{CHICAGO[1]}"
COUNTRY_VIEW = f"#5/{CHICAGO[0]}/{CHICAGO[1]}"
# Pixels drawn on the camera tiles' canvases: proof that features were drawn,
# not only fetched.
PAINTED_PIXELS = """() => Array.from(document.querySelectorAll('.camera-tile canvas'))
  .reduce((sum, canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]) painted += 1;
    return sum + painted;
  }, 0)"""


@pytest.fixture
def chicago_cameras(db):
    """20 CCTV cameras and 10 licence-plate readers a few metres apart around
    the Loop, inside one street-zoom view."""
    cameras = []
    for n in range(30):
        kind = "ALPR" if n % 3 == 0 else "camera"
        lon = CHICAGO[1] - 0.0012 + (n % 6) * 0.0005
        lat = CHICAGO[0] - 0.0008 + (n // 6) * 0.0004
        cameras.append(
            camera_create(
                location=Point(lon, lat, srid=4326), actor=None, kind=kind, directions=[90.0]
            )
        )
    return cameras


def wait_for_total(page, total: int) -> None:
    page.wait_for_function(
        "total => document.getElementById('map').dataset.total === String(total)", arg=total
    )


def test_map_draws_cameras_at_city_zoom_and_counts_at_country_zoom(
    page, live_server, chicago_cameras, console_errors, screenshot
):
    page.goto(f"{live_server.url}/{CITY_VIEW}")
    page.wait_for_selector("#map[data-drawn]")
    wait_for_total(page, 30)
    map_element = page.locator("#map")
    assert map_element.get_attribute("data-drawn") == "camera"
    assert map_element.get_attribute("data-cameras") == "30"
    assert page.locator("#map-count").inner_text() == "30 cameras in view"
    assert page.evaluate(PAINTED_PIXELS) > 30 * 20
    screenshot("city")

    page.goto("about:blank")  # a new page load, not only a new hash
    page.goto(f"{live_server.url}/{COUNTRY_VIEW}")
    page.wait_for_selector("#map[data-drawn]")
    wait_for_total(page, 30)
    assert map_element.get_attribute("data-drawn") == "cluster"
    assert map_element.get_attribute("data-cameras") == "0"
    assert int(map_element.get_attribute("data-clusters")) >= 1
    assert page.evaluate(PAINTED_PIXELS) > 0
    screenshot("country")
    assert console_errors == []


def test_a_filter_changes_the_map_and_the_url(
    page, live_server, chicago_cameras, console_errors, screenshot
):
    page.goto(f"{live_server.url}/{CITY_VIEW}")
    wait_for_total(page, 30)
    page.locator("#map-panel > summary").click()
    screenshot("before")

    page.get_by_label("licence-plate reader (ALPR)").check()

    wait_for_total(page, 10)
    assert "kind=ALPR" in page.url
    assert "#15/" in page.url
    assert page.locator("#map-count").inner_text() == "10 cameras in view"
    screenshot("alpr-only")
    assert console_errors == []


def test_a_permalink_restores_the_view_and_the_filters(
    page, live_server, chicago_cameras, console_errors, screenshot
):
    page.goto(f"{live_server.url}/?kind=ALPR#16/41.8801/-87.6299")
    wait_for_total(page, 10)

    zoom, lat, lon = page.evaluate(
        "() => { const m = window.sightlineMap.map; const c = m.getCenter();"
        " return [m.getZoom(), c.lat, c.lng]; }"
    )
    assert zoom == 16
    assert lat == pytest.approx(41.8801, abs=1e-6)
    assert lon == pytest.approx(-87.6299, abs=1e-6)
    page.locator("#map-panel > summary").click()
    assert page.get_by_label("licence-plate reader (ALPR)").is_checked()
    assert not page.get_by_label("camera (CCTV)").is_checked()
    screenshot("restored")

    # Moving the map rewrites the permalink, filters kept.
    page.evaluate("() => window.sightlineMap.map.setView([41.8805, -87.6305], 17)")
    page.wait_for_function("() => location.hash.startsWith('#17/41.8805')")
    assert "kind=ALPR" in page.url
    assert console_errors == []


def test_clicking_a_camera_leads_to_its_page(
    page, live_server, chicago_cameras, console_errors, screenshot
):
    camera = chicago_cameras[7]
    page.goto(f"{live_server.url}/#17/{camera.location.y}/{camera.location.x}")
    wait_for_total(page, 30)
    x, y = page.evaluate(
        "([lat, lon]) => { const p = window.sightlineMap.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        [camera.location.y, camera.location.x],
    )
    page.locator("#map").click(position={"x": x, "y": y})

    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "camera (CCTV)" in popup.inner_text()
    screenshot("popup")
    popup.get_by_role("link").click()

    page.wait_for_url(re.compile(rf"/cameras/{camera.pk}/$"))
    assert page.locator("h1").count() == 1
    screenshot("camera-page")
    assert console_errors == []


def test_unknown_filter_values_are_ignored_with_a_notice(
    page, live_server, chicago_cameras, console_errors, screenshot
):
    page.goto(f"{live_server.url}/?kind=ALPR,spaceship&vendor=nobody{CITY_VIEW}")

    notice = page.locator("#map-ignored")
    assert "spaceship" in notice.inner_text()
    assert "nobody" in notice.inner_text()
    # The values it understood still apply.
    wait_for_total(page, 10)
    screenshot("notice")
    assert console_errors == []


def test_the_map_on_a_phone(browser, live_server, chicago_cameras, screenshot):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = context.new_page()
    try:
        phone.route("**/blank-tile.png", lambda route: route.abort())
        phone.goto(f"{live_server.url}/{CITY_VIEW}")
        phone.wait_for_function("() => document.getElementById('map').dataset.total === '30'")
        box = phone.locator("#map").bounding_box()
        assert box["width"] == 360
        assert box["height"] > 500
        phone.locator("#map-panel > summary").click()
        panel = phone.locator("#map-panel").bounding_box()
        # The filters open as a sheet along the bottom, inside the screen.
        assert panel["x"] == 0 and panel["width"] == 360
        assert panel["y"] + panel["height"] <= 740 + 1
        screenshot("filters-open", target=phone)
    finally:
        context.close()
