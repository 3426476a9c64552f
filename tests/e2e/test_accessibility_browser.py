"""WCAG 2.1 A and AA checks of the public pages with axe-core (from npm,
installed by `make test`) in a real browser: contrast, labels, landmarks,
names of links and controls, language, alt text."""

from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from registry.services import camera_create
from tests.factories import VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  });
  return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} — ` +
    v.nodes.slice(0, 3).map(n => n.target.join(' ')).join('; '));
}"""


@pytest.fixture
def pages(db):
    vendor = VendorFactory(name="Flock Safety", slug="flock-safety")
    camera = camera_create(
        location=Point(-87.63, 41.88, srid=4326),
        actor=None,
        kind="ALPR",
        vendor=vendor,
        directions=[90.0],
    )
    return [
        "/#15/41.88/-87.63",
        "/cameras/",
        f"/cameras/{camera.pk}/",
        "/vendors/",
        f"/vendors/{vendor.slug}/",
        "/operators/",
        "/about/",
        "/privacy/",
        "/data/",
        "/es/cameras/",
    ]


def test_the_public_pages_pass_axe_wcag_checks(page, live_server, pages, console_errors):
    assert AXE.is_file(), "axe-core is missing: run `make test`, which installs it with npm."
    violations = {}
    for path in pages:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        page.evaluate(AXE.read_text())  # not a script tag: the CSP allows none inline
        found = page.evaluate(RUN_AXE)
        if found:
            violations[path] = found
    assert violations == {}
    assert console_errors == []


RUN_AXE_SERIOUS = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  });
  return result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
    .map(v => `${v.id} (${v.impact}): ${v.help} — ` +
      v.nodes.slice(0, 8).map(n => n.target.join(' ')).join('; '));
}"""


def test_the_api_docs_have_no_serious_axe_violations(page, live_server, console_errors):
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.locator("#swagger-ui .opblock").first.wait_for()
    page.wait_for_load_state("networkidle")
    page.evaluate(AXE.read_text())
    found = {"closed": page.evaluate(RUN_AXE_SERIOUS)}
    # One operation opened, tried out and run: its parameters, examples and answer.
    operation = page.locator("#operations-vendors-vendors_list")
    operation.locator(".opblock-summary-control").click()
    operation.locator(".try-out__btn").click()
    operation.locator(".execute").click()
    operation.locator(".live-responses-table").wait_for()
    found["run"] = page.evaluate(RUN_AXE_SERIOUS)
    assert found == {"closed": [], "run": []}
    # The site's header and footer, and a way back to the site.
    assert page.locator("header.site-header a.brand").is_visible()
    assert page.locator("footer.site-footer a[href='/data/']").count() == 1
    assert console_errors == []
