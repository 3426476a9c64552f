"""Contributing in Chromium on a phone-sized touch screen (360 by 740 px): a camera
reported with a photo whose GPS position and heading the page offers, a
direction dragged on the map, "still there" on a camera's page, and the
form without JavaScript. The page solves the proof of work itself; base
tiles are blocked; no console errors; axe-core's WCAG checks on the form
and the thank-you page. Each step leaves a screenshot in
var/artifacts/screenshots/."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.files.storage import default_storage

from registry.models import Camera, Confirmation, Evidence, Status, Submission
from registry.services import camera_create
from tests.e2e.test_accessibility_browser import AXE, RUN_AXE
from tests.registry.test_photos import CHICAGO, assert_bare_jpeg, jpeg_with_everything

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}


@pytest.fixture
def page(browser):
    """A phone: the screenshot and console_errors fixtures use this page."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def fresh(settings, tmp_path):
    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def open_form(page, live_server) -> None:
    page.goto(f"{live_server.url}/submit/")
    page.wait_for_selector("#submit-map[data-ready]")


def axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text())  # not a script tag: the CSP allows none inline
    return page.evaluate(RUN_AXE)


def test_a_camera_reported_from_a_phone_with_a_photo(
    page, live_server, fresh, console_errors, screenshot
):
    open_form(page, live_server)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot("form")

    # Tap the map: the camera is placed and the form's coordinates follow.
    page.locator("#submit-map").tap(position={"x": 180, "y": 120})
    page.wait_for_selector("#submit-map[data-placed]")
    assert page.input_value("#id_latitude") != ""
    screenshot("placed")

    # A phone photo with GPS: the page offers its position and heading.
    photo = fresh / "IMG_0001.jpg"
    photo.write_bytes(jpeg_with_everything())
    page.set_input_files("#id_photos", str(photo))
    use_position = page.get_by_role("button", name="Use the photo's position")
    use_position.wait_for()
    assert "41.880000, -87.630000" in page.inner_text("#photo-offer-text")
    assert "123.5°" in page.inner_text("#photo-offer-text")
    screenshot("photo-offered")
    use_position.tap()
    assert page.input_value("#id_latitude") == "41.880000"
    assert page.input_value("#id_longitude") == "-87.630000"
    page.get_by_role("button", name="Use the heading 123.5° as a direction").tap()
    assert page.input_value("#id_directions") == "123.5"
    page.wait_for_selector("#submit-map[data-directions='1'] .direction-handle")
    screenshot("photo-used")

    page.get_by_label("licence-plate reader (ALPR)").tap()
    assert page.get_by_label("licence-plate reader (ALPR)").is_checked()
    page.get_by_label("Maker").fill("Flock Safety")
    screenshot("details")
    assert axe_violations(page) == []

    # The send button stays in reach at the bottom of the screen.
    button = page.get_by_role("button", name="Send the report")
    box = button.bounding_box()
    assert box["y"] + box["height"] <= 740 and box["width"] >= 300
    button.tap()

    page.wait_for_url(f"{live_server.url}/thanks/")
    assert "is on the map now" in page.inner_text("main")
    receipt = page.locator("#receipt-link")
    assert "/receipts/" in receipt.inner_text()
    screenshot("thanks")
    assert axe_violations(page) == []

    camera = Camera.objects.get()
    assert camera.location.coords == pytest.approx((CHICAGO.longitude, CHICAGO.latitude))
    assert camera.directions == [CHICAGO.heading]
    assert (camera.kind, camera.status, camera.vendor_raw) == ("ALPR", "reported", "Flock Safety")
    evidence = Evidence.objects.get()
    assert Submission.objects.get().photos.get() == evidence
    with default_storage.open(evidence.document.name) as stored:
        data = stored.read()
    assert_bare_jpeg(data)
    assert b"Exif" not in data and b"Acme Phones" not in data

    page.goto(receipt.get_attribute("href"))
    assert "New camera" in page.inner_text("main")
    screenshot("receipt")
    assert console_errors == []


def test_a_direction_dragged_around_the_camera(page, live_server, console_errors, screenshot):
    open_form(page, live_server)
    page.locator("#submit-map").tap(position={"x": 180, "y": 140})
    page.wait_for_selector("#submit-map[data-placed]")
    page.get_by_role("button", name="Add a direction").tap()
    handle = page.locator(".direction-handle")
    handle.wait_for()
    assert page.input_value("#id_directions") == "0"
    screenshot("north")

    # Drag the handle from north of the camera to east of it.
    page.locator("#submit-map").scroll_into_view_if_needed()
    pin = page.locator(".camera-pin").bounding_box()
    start = handle.bounding_box()
    centre = (pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 2)
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):
        angle_x = centre[0] + 84 * step / 10
        angle_y = centre[1] - 84 * (10 - step) / 10
        page.mouse.move(angle_x, angle_y)
    page.mouse.move(centre[0] + 84, centre[1])
    page.mouse.up()
    assert page.input_value("#id_directions") == "90"
    screenshot("east")

    # Typing moves the handles too; a direction is removed with its button.
    page.fill("#id_directions", "90, 225")
    page.wait_for_selector("#submit-map[data-directions='2']")
    page.get_by_role("button", name="Remove direction 90°").tap()
    assert page.input_value("#id_directions") == "225"
    page.wait_for_selector("#submit-map[data-directions='1']")
    screenshot("typed")
    assert console_errors == []


def test_still_there_from_a_phone_solves_the_proof_of_work(
    page, live_server, console_errors, screenshot
):
    camera = camera_create(
        location=Point(-87.63, 41.88, srid=4326), actor=None, kind="camera", directions=[90.0]
    )
    page.goto(f"{live_server.url}/cameras/{camera.pk}/")
    section = page.locator(".camera-actions")
    section.scroll_into_view_if_needed()
    screenshot("camera-page")
    section.get_by_role("button", name="Still there").tap()
    page.wait_for_url(f"{live_server.url}/thanks/")
    assert "confirmed still there" in page.inner_text("main")
    screenshot("confirmed")
    confirmation = Confirmation.objects.get()
    assert confirmation.receipt is not None
    camera.refresh_from_db()
    assert camera.last_confirmed == confirmation.seen_on
    assert console_errors == []


def test_without_javascript_a_report_waits_for_review(browser, live_server, screenshot):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/submit/")
        assert page.locator("#submit-map-panel").is_hidden()
        assert "moderator first" in page.inner_text("main")
        page.fill("#id_latitude", "41.8812")
        page.fill("#id_longitude", "-87.6278")
        page.fill("#id_directions", "90, 180")
        page.get_by_label("camera (CCTV)").check()
        screenshot("no-javascript", page)
        page.get_by_role("button", name="Send the report").click()
        page.wait_for_url(f"{live_server.url}/thanks/")
        assert "waits for a moderator" in page.inner_text("main")
        screenshot("no-javascript-thanks", page)
    finally:
        context.close()
    camera = Camera.objects.get()
    assert camera.status == Status.HIDDEN
    assert camera.directions == [90.0, 180.0]


def test_an_error_is_summarised_and_focused(page, live_server, console_errors, screenshot):
    open_form(page, live_server)
    page.fill("#id_latitude", "95")
    page.fill("#id_longitude", "-87.63")
    page.get_by_role("button", name="Send the report").tap()
    page.wait_for_selector("#error-summary")
    # The page's script focuses it once it has run (the map and its tiles first).
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.id === 'error-summary'"
    )
    summary = page.inner_text("#error-summary")
    assert "A latitude is from -90 to 90 degrees." in summary
    assert page.get_attribute("#id_latitude", "aria-invalid") == "true"
    screenshot("error")
    assert axe_violations(page) == []
    assert not Camera.objects.exists()
    # The form comes back as a 400, which the browser logs; nothing else.
    assert [error for error in console_errors if "status of 400" not in error] == []


def test_the_contribution_pages_pass_axe_wcag_checks(
    page, live_server, django_user_model, console_errors
):
    camera = camera_create(
        location=Point(-87.63, 41.88, srid=4326), actor=None, kind="ALPR", directions=[90.0]
    )
    paths = [
        f"/cameras/{camera.pk}/still-there/",
        f"/cameras/{camera.pk}/gone/",
        f"/cameras/{camera.pk}/suggest/",
        "/accounts/signup/",
        "/accounts/login/",
        "/es/submit/",
    ]
    violations = {}
    for path in paths:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        if found := axe_violations(page):
            violations[path] = found
    assert violations == {}
    assert console_errors == []


def test_signing_up_from_a_phone(page, live_server, django_user_model, console_errors):
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("night-owl")
    page.get_by_label("Password", exact=True).fill("a-long-test-password-77")
    page.get_by_label("Password confirmation").fill("a-long-test-password-77")
    page.get_by_role("button", name="Create the account").tap()
    page.wait_for_url(f"{live_server.url}/accounts/me/")
    assert "Signed in as night-owl" in page.inner_text("main")
    assert django_user_model.objects.get(username="night-owl").email == ""
    assert console_errors == []
