"""Moderators in a real browser: the camera map widget and mapping a group of
unmatched vendor spellings."""

import pytest
from django.contrib.gis.geos import Point

from registry.models import Camera, Vendor
from registry.services import camera_create, load_reference_data

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


def test_mapping_an_unmatched_group_in_the_browser(logged_in, live_server):
    load_reference_data()
    for n, spelling in enumerate(["Flok Safety LPR", "flok safety lpr"]):
        camera_create(location=Point(n, n, srid=4326), actor=None, vendor_raw=spelling)

    logged_in.goto(f"{live_server.url}/admin/registry/vendor/unmatched/")
    row = logged_in.locator("#unmatched-groups tbody tr").first
    assert "Flok Safety LPR (1), flok safety lpr (1)" in row.inner_text()
    row.locator("select[name=target]").select_option(label="Flock Safety")
    row.locator("button[type=submit]").click()

    logged_in.get_by_text("2 cameras now point to Flock Safety.").wait_for()
    flock = Vendor.objects.get(name="Flock Safety")
    assert Camera.objects.filter(vendor=flock).count() == 2
    assert "Every spelling is matched." in logged_in.content()
