"""The list of cameras by keyboard alone, and the site in Spanish, in a real
browser. Each step leaves a screenshot in var/artifacts/screenshots/."""

import re

import pytest
from django.contrib.gis.geos import Point
from django.utils import translation

from registry.services import camera_create
from tests.factories import VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED_HREF = "() => document.activeElement && document.activeElement.getAttribute('href')"


@pytest.fixture
def cameras(db):
    return [
        camera_create(
            location=Point(-87.63 + n * 0.001, 41.88, srid=4326),
            actor=None,
            kind="ALPR" if n % 2 else "camera",
        )
        for n in range(5)
    ]


def tab_to(page, pattern: re.Pattern, limit: int = 120) -> str:
    """Press Tab until the focused element is a link matching `pattern`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        href = page.evaluate(FOCUSED_HREF) or ""
        if pattern.search(href):
            return href
    raise AssertionError(f"no link matching {pattern.pattern} reachable by Tab")


def test_the_camera_list_works_by_keyboard(page, live_server, cameras, console_errors, screenshot):
    page.goto(f"{live_server.url}/cameras/")
    screenshot("list")

    # A sortable column header, then a camera, reached and followed with the keyboard.
    tab_to(page, re.compile(r"[?&]sort=kind"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"sort=kind"))
    screenshot("sorted")
    href = tab_to(page, re.compile(r"/cameras/\d+/$"))
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(re.escape(href) + "$"))
    camera_id = int(re.search(r"/cameras/(\d+)/", href).group(1))
    assert camera_id in {camera.pk for camera in cameras}
    assert page.locator("h1").count() == 1
    screenshot("camera")
    assert console_errors == []


def spanish(text: str) -> str:
    with translation.override("es"):
        translated = translation.gettext(text)
    assert translated != text, f"{text!r} has no Spanish translation"
    return translated


def test_the_spanish_pages_are_in_spanish(page, live_server, cameras, console_errors, screenshot):
    page.goto(f"{live_server.url}/cameras/")
    page.select_option("#language-select", "es")
    page.locator("form.language button[type=submit]").click()

    page.wait_for_url(re.compile(r"/es/cameras/$"))
    assert page.locator("html").get_attribute("lang") == "es"
    navigation = page.get_by_role("navigation", name=spanish("Main"))
    assert spanish("Cameras") in navigation.inner_text()
    assert spanish("Vendors") in navigation.inner_text()
    screenshot("list-es")

    page.goto(f"{live_server.url}/es/#15/41.88/-87.63")
    page.wait_for_function("() => document.getElementById('map').dataset.total === '5'")
    assert spanish("Filters") in page.locator("#map-panel > summary").inner_text()
    count = page.locator("#map-count").inner_text()
    assert count == spanish("%(count)s cameras in view") % {"count": 5}
    screenshot("map-es")
    assert console_errors == []


def test_the_camera_and_vendor_pages_draw_their_small_maps(
    page, live_server, console_errors, screenshot
):
    vendor = VendorFactory(name="Flock Safety", slug="flock-safety")
    camera = camera_create(
        location=Point(-87.63, 41.88, srid=4326),
        actor=None,
        kind="ALPR",
        vendor=vendor,
        directions=[90.0, 270.0],
    )

    page.goto(f"{live_server.url}/cameras/{camera.pk}/")
    # The camera and one cone per direction, drawn by Leaflet as SVG paths.
    page.wait_for_function("() => document.querySelectorAll('#camera-map path').length >= 3")
    screenshot("camera")

    page.goto(f"{live_server.url}/vendors/{vendor.slug}/")
    # Circles on one canvas: wait until it holds painted pixels.
    page.wait_for_function(
        """() => Array.from(document.querySelectorAll('#organisation-map canvas')).some(c => {
          const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          for (let i = 3; i < data.length; i += 4) if (data[i]) return true;
          return false;
        })"""
    )
    screenshot("vendor")
    assert console_errors == []
