"""The site on a phone (360 by 740 in Debian's Chromium): the navigation folds
behind a "Menu" button, "Report a camera" stays in view as the primary action,
the header takes less than a quarter of the screen, and axe finds nothing
serious; without JavaScript the navigation simply stays open."""

import pytest
from django.contrib.gis.geos import Point

from registry.services import camera_create
from tests.e2e.test_accessibility_browser import AXE, RUN_AXE_SERIOUS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone_pages(db):
    camera = camera_create(
        location=Point(-87.63, 41.88, srid=4326), actor=None, kind="ALPR", directions=[90.0]
    )
    return ["/#15/41.88/-87.63", f"/cameras/{camera.pk}/", f"/es/cameras/{camera.pk}/"]


def header_height(page) -> float:
    return page.locator("header.site-header").bounding_box()["height"]


def test_the_menu_button_opens_and_closes_the_navigation(
    page, live_server, phone_pages, console_errors, screenshot
):
    page.set_viewport_size(PHONE)
    for number, path in enumerate(phone_pages):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        button = page.locator("header .menu-toggle")
        nav = page.locator("header nav.site-nav")
        report = page.locator("header a.report-action")
        assert button.is_visible() and report.is_visible()
        assert button.get_attribute("aria-expanded") == "false"
        assert not nav.is_visible()
        assert header_height(page) < PHONE["height"] / 4
        screenshot(f"{number}-closed")

        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        assert nav.is_visible() and nav.locator("a").nth(1).is_visible()
        screenshot(f"{number}-open")
        button.click()
        assert button.get_attribute("aria-expanded") == "false"
        assert not nav.is_visible()

        button.click()
        page.keyboard.press("Escape")
        assert not nav.is_visible()
    assert console_errors == []


def test_phone_pages_have_no_serious_axe_violations(page, live_server, phone_pages):
    page.set_viewport_size(PHONE)
    violations = {}
    for path in phone_pages:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        page.evaluate(AXE.read_text())
        for state in ("closed", "open"):
            found = page.evaluate(RUN_AXE_SERIOUS)
            if found:
                violations[f"{path} {state}"] = found
            page.locator("header .menu-toggle").click()
    assert violations == {}


def test_without_javascript_the_navigation_stays_open(browser, live_server, phone_pages):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + phone_pages[1])
        assert page.get_by_role("navigation", name="Main").is_visible()
        assert page.get_by_role("link", name="Report a camera").is_visible()
        assert not page.locator(".menu-toggle").is_visible()
    finally:
        context.close()


def test_on_a_wide_screen_there_is_no_menu_button(page, live_server, phone_pages, screenshot):
    page.goto(live_server.url + phone_pages[1])
    page.wait_for_load_state("networkidle")
    screenshot("wide", page.locator("header.site-header"))
    assert not page.locator(".menu-toggle").is_visible()
    assert page.get_by_role("navigation", name="Main").is_visible()
    assert page.get_by_role("link", name="Report a camera").is_visible()
