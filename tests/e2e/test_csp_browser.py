"""The Content-Security-Policy in a real browser (Debian's Chromium through
Playwright) against a live server: every kind of page, the maps and the
admin's map widget included, loads without one violation of the policy,
and its maps still draw."""

import pytest
from django.contrib.gis.geos import Point

from registry.services.contributions import receipt_issue, submission_create
from tests.area_layouts import make_layout

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"
# Every violation the page reports, kept where the test can read it.
LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}` +
    ` at ${event.sourceFile}:${event.lineNumber} ${event.sample}`);
});
"""


@pytest.fixture
def site(db):
    layout = make_layout()
    receipt, token = receipt_issue()
    submission = submission_create(
        location=Point(-87.62, 41.87, srid=4326), kind="camera", receipt=receipt
    )
    return layout, token, submission


def pages(layout, token, submission) -> list[tuple[str, str]]:
    """(address, what shows its map has drawn, or "" for a page without one)."""
    camera = layout.cameras[1]
    return [
        ("/", "#map[data-drawn]"),
        ("/cameras/", ""),
        (f"/cameras/{camera.pk}/", "#camera-map.leaflet-container path"),
        ("/vendors/flock-safety/", "#organisation-map.leaflet-container .leaflet-pane > *"),
        (
            "/operators/testville-police/",
            "#organisation-map.leaflet-container .leaflet-pane > *",
        ),
        ("/areas/testville/", "#area-map[data-boundary-drawn] path.area-boundary"),
        ("/exposure/", "#exposure-map[data-ready]"),
        ("/submit/", "#submit-map[data-ready]"),
        (f"/receipts/{token}/", ""),
        ("/about/", ""),
        ("/privacy/", ""),
        ("/es/", "#map[data-drawn]"),
        ("/accounts/login/", ""),
        ("/api/v1/", ""),
        ("/api/v1/vendors/", ""),
        ("/api/v1/docs/", "#swagger-ui .info"),
    ], [
        ("/moderation/", ""),
        (f"/moderation/submissions/{submission.pk}/", "#camera-map[data-drawn]"),
        ("/admin/", ""),
        ("/admin/registry/camera/", ""),
        (
            f"/admin/registry/camera/{camera.pk}/change/",
            "#id_location-map .leaflet-marker-icon",
        ),
    ]


def visit(page, url: str, drawn: str) -> list[str]:
    page.goto(url)
    if drawn:
        page.locator(drawn).first.wait_for(state="attached")
    page.wait_for_load_state("load")
    return [f"{url}: {found}" for found in page.evaluate("window.__cspViolations")]


def test_no_page_violates_the_content_security_policy(
    page, live_server, site, moderator, console_errors
):
    page.add_init_script(LISTEN)
    public, moderated = pages(*site)
    violations = []
    for path, drawn in public:
        violations += visit(page, live_server.url + path, drawn)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", moderator.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.contribute-form button[type=submit]").click()
    page.wait_for_load_state("load")
    for path, drawn in moderated:
        violations += visit(page, live_server.url + path, drawn)

    assert violations == []
    assert console_errors == []
