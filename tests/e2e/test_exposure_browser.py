"""The exposure page in Chromium: a route drawn by clicking the map, one drawn
by keyboard alone on a phone-sized screen, and a GPX file uploaded through
the form; base-map tiles blocked, no console errors, and axe-core's WCAG
checks on the answer. Each step leaves a screenshot in
var/artifacts/screenshots/."""

import re

import pytest

from tests.e2e.test_accessibility_browser import AXE, RUN_AXE
from tests.factories import OperatorFactory, VendorFactory, VendorRestrictionFactory
from tests.registry.exposure_layout import ORIGIN, camera, dome, lonlat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Street zoom on the layout's origin: the map's middle row is its parallel.
VIEW = f"#18/{ORIGIN[1]}/{ORIGIN[0]}"
SHARE = re.compile(r"^\d+% of this route is in view of at least one camera\.$")


@pytest.fixture
def street(db, settings):
    """A dome seeing all round 10 m north of the origin, made by a
    restricted vendor, and a fixed camera of unknown direction 10 m south."""
    settings.EXPOSURE_ANON_RATE = "100000/minute"
    vendor = VendorFactory(name="Hikvision", slug="hikvision")
    VendorRestrictionFactory(vendor=vendor)
    operator = OperatorFactory(name="Transit Authority", slug="transit-authority")
    seer = dome(0, 10, vendor=vendor, operator=operator, status="verified")
    unknown = camera(0, -10, camera_type="fixed")
    return seer, unknown


def open_page(page, live_server, path: str = "/exposure/") -> None:
    page.goto(f"{live_server.url}{path}{VIEW}")
    page.wait_for_selector("#exposure-map[data-ready]")


def click_map(page, x_share: float, y_share: float = 0.5) -> None:
    box = page.locator("#exposure-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * x_share, box["y"] + box["height"] * y_share)
    page.wait_for_timeout(350)  # two clicks in a row are not a double-click


def expect_answer(page, seer, unknown) -> None:
    page.wait_for_selector("#exposure-map[data-cameras='1']")
    assert SHARE.match(page.locator("#exposure-share").inner_text())
    cameras = page.locator("#exposure-cameras")
    assert cameras.get_by_role("link", name=f"#{seer.pk}").count() == 1
    assert "Hikvision" in cameras.inner_text()
    assert "restricted" in page.locator("#exposure-by-vendor").inner_text()
    assert "Transit Authority" in page.locator("#exposure-by-operator").inner_text()
    nearby = page.locator(".nearby-list")
    assert nearby.get_by_role("link", name=re.compile(f"#{unknown.pk}$")).count() == 1


def test_a_route_drawn_by_clicking_gets_its_share_and_cameras(
    page, live_server, street, console_errors, screenshot
):
    seer, unknown = street
    open_page(page, live_server)
    screenshot("empty")
    page.evaluate(AXE.read_text())  # not a script tag: the CSP allows none inline
    assert page.evaluate(RUN_AXE) == []

    click_map(page, 0.2)
    click_map(page, 0.8)
    page.wait_for_selector("#exposure-map[data-points='2']")
    assert page.locator("#draw-status").inner_text().startswith("2 points · route of ")
    screenshot("drawn")
    page.get_by_role("button", name="Analyse the drawing").click()

    page.wait_for_url(re.compile(r"/exposure/#result$"))
    expect_answer(page, seer, unknown)
    screenshot("answer")
    screenshot("answer-page", page.locator("main"))
    page.evaluate(AXE.read_text())  # not a script tag: the CSP allows none inline
    assert page.evaluate(RUN_AXE) == []
    assert console_errors == []


def test_a_double_click_finishes_an_area(page, live_server, street, console_errors, screenshot):
    open_page(page, live_server)
    page.get_by_role("radio", name="an area").check()

    for x, y in ((0.3, 0.3), (0.7, 0.3), (0.7, 0.7)):
        click_map(page, x, y)
    box = page.locator("#exposure-map").bounding_box()
    page.mouse.dblclick(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.7)

    page.wait_for_selector("#exposure-share")
    assert re.match(r"^\d+% of this area is in view", page.locator("#exposure-share").inner_text())
    screenshot("area")
    assert console_errors == []


def test_a_route_drawn_by_keyboard_on_a_phone(
    page, live_server, street, console_errors, screenshot
):
    seer, unknown = street
    page.set_viewport_size({"width": 360, "height": 740})
    open_page(page, live_server)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # West of the origin, then east: the map pans by keyboard under the cross.
    page.locator("#exposure-map").focus()
    for key in ["ArrowLeft"] * 3:
        page.keyboard.press(key)
    page.wait_for_timeout(400)
    page.locator("#draw-centre").focus()
    page.keyboard.press("Enter")
    page.locator("#exposure-map").focus()
    for key in ["ArrowRight"] * 6:
        page.keyboard.press(key)
    page.wait_for_timeout(400)
    page.locator("#draw-centre").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#exposure-map[data-points='2']")
    screenshot("phone-drawn")
    page.locator("#draw-finish").focus()
    page.keyboard.press("Enter")

    expect_answer(page, seer, unknown)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("phone-answer")
    assert console_errors == []


def test_a_gpx_file_uploaded_through_the_form(
    page, live_server, street, console_errors, screenshot, tmp_path
):
    seer, unknown = street
    points = "".join('<trkpt lat="{1}" lon="{0}"/>'.format(*lonlat(x, 0)) for x in (-60, 60))
    track = tmp_path / "walk.gpx"
    track.write_text(
        '<?xml version="1.0"?><gpx version="1.1" creator="test" '
        f'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{points}</trkseg></trk></gpx>'
    )
    open_page(page, live_server)

    page.get_by_label("A GPX or GeoJSON file").set_input_files(str(track))
    page.get_by_role("button", name="Analyse", exact=True).click()

    expect_answer(page, seer, unknown)
    # 2 * sqrt(30² - 10²) = 56.57 m of 120 m: 47%.
    assert page.locator("#exposure-share").inner_text().startswith("47% ")
    screenshot("gpx")
    assert console_errors == []
