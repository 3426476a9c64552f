"""A moderator's work in a real browser (Debian's Chromium through
Playwright) against a live server and PostGIS, base-map tiles blocked: a
camera reported through the API (the proof of work solved as a client
would) waits in the queue; a moderator signs in, opens it, sees its
plausibility warning and its map with the camera already recorded nearby,
approves it, and finds it verified on the main map. Each step leaves a
screenshot in var/artifacts/screenshots/."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import NoReverseMatch
from rest_framework.test import APIClient

from registry.models import Camera, ModerationAction, Submission
from registry.services import camera_create, camera_update
from registry.services.contributions import edit_suggestion_add
from registry.services.review import moderator_hide, moderator_unhide
from tests.e2e.test_accessibility_browser import AXE, RUN_AXE
from tests.pow import fetch_and_solve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password-7"
EXISTING = (41.8800, -87.6300)  # lat, lon
# About 5 m north of the existing camera: within the duplicate distance.
REPORTED = (41.880045, -87.6300)


@pytest.fixture
def reviewer(django_user_model):
    user = django_user_model.objects.create_user(username="reviewer", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="moderate"))
    return user


@pytest.fixture
def reported_camera():
    """An existing camera, and a new one reported anonymously 5 m from it
    through the public API."""
    existing = camera_create(
        location=Point(EXISTING[1], EXISTING[0], srid=4326), actor=None, kind="camera"
    )
    cache.clear()
    api = APIClient()
    body = {
        "latitude": REPORTED[0],
        "longitude": REPORTED[1],
        "kind": "camera",
        "camera_type": "fixed",
        "directions": [180],
        "note": "on the lamp post by the bus stop",
        "altcha": fetch_and_solve(api),
    }
    response = api.post("/api/v1/submissions/", body, format="json")
    assert response.status_code == 201, response.content
    return existing, Submission.objects.get(pk=response.json()["submission"])


def login_path() -> str | None:
    try:
        return resolve_url(settings.LOGIN_URL)
    except NoReverseMatch:
        return None


def sign_in(page, live_server, user) -> None:
    """Through the sign-in form the queue sends an anonymous visitor to;
    with a session cookie where the site has no sign-in page."""
    queue = f"{live_server.url}/moderation/"
    path = login_path()
    if path is None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        page.goto(queue)
        return
    page.goto(queue)
    page.wait_for_url(re.compile(re.escape(f"{live_server.url}{path}")))
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_url(queue)


def test_a_moderator_approves_a_report_and_the_map_shows_it_verified(
    page, live_server, reviewer, reported_camera, console_errors, screenshot
):
    existing, submission = reported_camera
    camera = submission.camera

    sign_in(page, live_server, reviewer)
    rows = page.locator(".queue-table tbody tr")
    assert rows.count() == 1
    assert "1 warning" in rows.first.inner_text()
    assert "anonymous (receipt #" in rows.first.inner_text()
    screenshot("queue")

    rows.first.get_by_role("link").click()
    page.wait_for_url(f"{live_server.url}/moderation/submissions/{submission.pk}/")
    warnings = page.locator(".warning-list")
    assert f"Camera #{existing.pk} of the same kind is within 10.0 m." in warnings.inner_text()
    assert "no road or water data" in page.locator("#warnings-heading + ul + p").inner_text()
    page.wait_for_selector("#camera-map[data-drawn]")
    assert page.locator("#camera-map").get_attribute("data-nearby") == "1"
    # The camera and its cone; the camera nearby (and the one under review,
    # public once reported) drawn from the camera tiles as on the main map.
    assert page.locator("#camera-map path").count() == 2
    page.wait_for_selector("#camera-map[data-existing-cameras='2']")
    assert f"/cameras/{existing.pk}/" in page.locator(".nearby-table").inner_html()
    screenshot("item")
    screenshot("item-map", target=page.locator(".camera-layout"))

    page.locator("form.action-approve").get_by_role("button", name="Approve").click()
    page.wait_for_url(f"{live_server.url}/moderation/submissions/")
    assert "is verified" in page.locator(".notice-success").inner_text()
    assert "Nothing waits here." in page.content()
    screenshot("approved")
    camera.refresh_from_db()
    assert camera.status == "verified"
    assert ModerationAction.objects.get().moderator == reviewer

    page.goto(f"{live_server.url}/#19/{REPORTED[0]}/{REPORTED[1]}")
    page.wait_for_selector("#map[data-drawn]")
    page.wait_for_function(
        "id => Array.from(window.sightlineMap.cameras.items())"
        ".some(item => item.camera && item.camera.id === id)",
        arg=camera.pk,
    )
    status = page.evaluate(
        "id => Array.from(window.sightlineMap.cameras.items())"
        ".find(item => item.camera && item.camera.id === id).camera.status",
        camera.pk,
    )
    assert status == "verified"
    x, y = page.evaluate(
        "([lat, lon]) => { const p = window.sightlineMap.map.latLngToContainerPoint([lat, lon]);"
        " return [p.x, p.y]; }",
        list(REPORTED),
    )
    page.locator("#map").click(position={"x": x, "y": y})
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "verified" in popup.inner_text()
    assert f"/cameras/{camera.pk}/" in popup.inner_html()
    screenshot("map-verified")
    assert Camera.objects.get(pk=existing.pk).status == "reported"
    assert console_errors == []


def test_the_queue_and_an_item_on_a_phone(
    browser, live_server, reviewer, reported_camera, screenshot
):
    _existing, submission = reported_camera
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    phone = context.new_page()
    try:
        phone.route("**/blank-tile.png", lambda route: route.abort())
        sign_in(phone, live_server, reviewer)
        screenshot("phone-queue", target=phone)
        phone.goto(f"{live_server.url}/moderation/submissions/{submission.pk}/")
        phone.wait_for_selector("#camera-map[data-drawn]")
        # Nothing wider than the screen: no sideways scrolling.
        assert phone.evaluate("() => document.documentElement.scrollWidth") <= 360
        screenshot("phone-item", target=phone)
    finally:
        context.close()


def test_the_moderation_pages_pass_axe_wcag_checks(
    page, live_server, reviewer, reported_camera, console_errors, screenshot
):
    existing, submission = reported_camera
    existing = camera_update(camera=existing, actor=None, height=3.0, reason="measured")
    moderator_hide(camera=existing, moderator=reviewer, reason="checking the photos")
    moderator_unhide(camera=existing, moderator=reviewer, reason="checked")
    suggestion = edit_suggestion_add(camera=existing, changes={"height": 4.5})
    assert AXE.is_file(), "axe-core is missing: run `make test`, which installs it with npm."
    sign_in(page, live_server, reviewer)
    paths = [
        "/moderation/",
        "/moderation/log/?action=explode",
        f"/moderation/submissions/{submission.pk}/",
        f"/moderation/edit-suggestions/{suggestion.pk}/",
        f"/moderation/cameras/{existing.pk}/history/",
        "/moderation/spellings/",
        "/es/moderation/",
    ]
    violations = {}
    for number, path in enumerate(paths):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        screenshot(f"page-{number}", target=page.locator("main"))
        page.evaluate(AXE.read_text())  # not a script tag: the CSP allows none inline
        found = page.evaluate(RUN_AXE)
        if found:
            violations[path] = found
    assert violations == {}
    assert console_errors == []
