"""Moderators in a real browser: the admin's camera map widget and its
refusal of a stale form, and mapping a group of unmatched vendor spellings on
the moderation pages."""

import pytest
from django.contrib.gis.geos import Point

from registry.models import Camera, Vendor
from registry.services import camera_create, load_reference_data
from registry.services.editing import camera_edit
from tests.e2e.test_accessibility_browser import AXE, RUN_AXE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


@pytest.fixture
def logged_in(page, live_server, moderator):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", moderator.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def test_camera_page_draws_the_camera_on_a_leaflet_map(logged_in, live_server):
    camera = camera_create(location=Point(-87.63, 41.88, srid=4326), actor=None, kind="ALPR")

    logged_in.goto(f"{live_server.url}/admin/registry/camera/{camera.pk}/change/")

    map_element = logged_in.locator("#id_location-map")
    map_element.wait_for()
    logged_in.locator("#id_location-map .leaflet-marker-icon").first.wait_for()
    assert "leaflet-container" in map_element.get_attribute("class")
    assert logged_in.locator("#id_location-map .leaflet-marker-icon").count() == 1
    # The history inline lists the creation, by whom.
    history = logged_in.locator("#revisions-group tbody tr.has_original")
    assert history.count() == 1
    assert "anonymous" in history.first.inner_text()


def test_a_stale_camera_form_says_who_changed_what(logged_in, live_server, django_user_model):
    camera = camera_create(location=Point(-87.63, 41.88, srid=4326), actor=None, kind="camera")
    other = django_user_model.objects.create_superuser(username="other", password=PASSWORD)

    logged_in.goto(f"{live_server.url}/admin/registry/camera/{camera.pk}/change/")
    logged_in.locator("#id_location-map .leaflet-marker-icon").first.wait_for()
    camera_edit(camera=camera.pk, moderator=other, expected_version=1, values={"height": 4.0})
    logged_in.fill("#id_height", "9")
    logged_in.click("input[name=_save]")

    errors = logged_in.locator(".errornote, ul.errorlist.nonfield")
    errors.last.wait_for()
    assert "version 2 by other" in errors.last.inner_text()
    assert "changed height" in errors.last.inner_text()
    assert Camera.objects.get(pk=camera.pk).height == 4.0


def test_mapping_an_unmatched_group_on_the_moderation_page(
    logged_in, live_server, console_errors, screenshot
):
    for n, spelling in enumerate(["Flok Safety LPR", "flok safety lpr"]):
        camera_create(location=Point(n, n, srid=4326), actor=None, vendor_raw=spelling)
    load_reference_data()  # after the cameras, which came in unmatched

    logged_in.goto(f"{live_server.url}/moderation/spellings/")
    group = logged_in.locator("#vendor-1")
    assert "“Flok Safety LPR” (1), “flok safety lpr” (1): 2 cameras" in group.inner_text()
    screenshot("spellings")
    logged_in.evaluate(AXE.read_text())  # not a script tag: the CSP allows none inline
    assert logged_in.evaluate(RUN_AXE) == []
    group.get_by_label("Existing vendor").select_option(label="Flock Safety")
    group.get_by_role("button", name="Map 2 cameras").click()

    logged_in.get_by_text("2 cameras now point to Flock Safety.").wait_for()
    flock = Vendor.objects.get(name="Flock Safety")
    assert Camera.objects.filter(vendor=flock).count() == 2
    assert "Every spelling is matched." in logged_in.content()
    assert console_errors == []
