""" "Cameras near me" on the camera list in a real browser: with the position
granted, the list shows the cameras around it, the nearest first, with their
distance; refused or without geolocation, a message says so and offers the
place search. And the areas page's search box: an area opens its page, a
place lists the areas that hold it."""

import re

import pytest
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from registry.models import Area
from registry.places import load_places
from tests.factories import CameraFactory
from tests.places import write_gazetteer

from .test_place_search_browser import AXE, RUN_AXE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Evanston, Illinois: the browser's position in these tests.
HERE = {"latitude": 42.0412, "longitude": -87.6901}


@pytest.fixture
def cameras():
    far = CameraFactory(location=Point(-87.6901, 42.0800, srid=4326))  # ~4.3 km
    near = CameraFactory(location=Point(-87.6901, 42.0420, srid=4326))  # ~90 m
    elsewhere = CameraFactory(location=Point(-1.08, 53.96, srid=4326))
    return near, far, elsewhere


@pytest.fixture
def located(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, geolocation=HERE, permissions=[]
    )
    context.grant_permissions(["geolocation"])
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_near_me_lists_the_nearest_first(located, live_server, cameras):
    near, far, _elsewhere = cameras
    page = located
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/cameras/?kind=camera")
    button = page.get_by_role("button", name="Cameras near me")
    button.click()
    page.wait_for_url(re.compile(r"near=-87\.6901%2C42\.0412"))
    assert "radius=5000" in page.url and "kind=camera" in page.url
    rows = page.locator(".cameras-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("th").text_content().strip() == f"#{near.pk}"
    assert rows.nth(1).locator("th").text_content().strip() == f"#{far.pk}"
    assert rows.nth(0).locator(".camera-distance").text_content().strip() == "89 m"
    assert rows.nth(1).locator(".camera-distance").text_content().strip() == "4.3 km"
    notice = page.locator("#near-notice")
    assert "within 5 km of 42.0412, -87.6901" in notice.text_content()
    page.evaluate(AXE.read_text())
    assert page.evaluate(RUN_AXE) == []
    assert errors == []


def test_near_me_refused_says_so(browser, live_server, cameras):
    # No permission granted: Chromium refuses the position.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, geolocation=HERE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"{live_server.url}/cameras/")
        page.get_by_role("button", name="Cameras near me").click()
        status = page.locator("#near-me-status")
        status.filter(has_text="not allowed").wait_for()
        assert "search for a place above" in status.text_content()
        assert "near=" not in page.url
        assert page.get_by_role("button", name="Cameras near me").is_enabled()
    finally:
        context.close()


def test_near_me_without_geolocation_says_so(page, live_server, cameras):
    page.add_init_script("delete Navigator.prototype.geolocation;")
    page.goto(f"{live_server.url}/cameras/")
    page.get_by_role("button", name="Cameras near me").click()
    status = page.locator("#near-me-status")
    assert status.text_content() == (
        "This browser cannot tell where you are. Search for a place above instead."
    )


@pytest.fixture
def areas(tmp_path):
    load_places(path=write_gazetteer(tmp_path))
    Area.objects.create(
        name="Landeshauptstadt München", slug="munchen", level="city", area_km2=310,
        geometry=MultiPolygon(Polygon.from_bbox((11.36, 48.06, 11.72, 48.25)), srid=4326),
    )  # fmt: skip


def test_the_areas_page_finds_an_area_or_a_place(page, live_server, areas, console_errors):
    page.goto(f"{live_server.url}/areas/")
    assert page.locator("#area-search-form").is_hidden()  # the box stands in for it
    box = page.get_by_role("combobox", name="Find an area by its name or by a place in it")
    box.fill("munch")
    area = page.get_by_role("option", name=re.compile("Landeshauptstadt München"))
    area.wait_for()
    page.get_by_role("option", name=re.compile("Munich, Germany")).wait_for()
    page.evaluate(AXE.read_text())
    assert page.evaluate(RUN_AXE) == []
    # A place: the areas that hold it.
    box.fill("monaco di bav")
    area.wait_for(state="detached")  # the answers to "munch" are gone
    page.get_by_role("option", name=re.compile("Munich, Germany")).wait_for()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/areas/\?at=11\.57549%2C48\.13743"))
    assert page.locator("#at-heading").text_content().strip() == "Areas holding Munich, Germany"
    assert page.locator("#at-areas a").all_text_contents() == ["Landeshauptstadt München"]
    # An area: its page.
    box = page.get_by_role("combobox", name="Find an area by its name or by a place in it")
    box.fill("LANDESHAUPT")
    page.get_by_role("option", name=re.compile("Landeshauptstadt München")).wait_for()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/areas/munchen/$"))
    assert console_errors == []
