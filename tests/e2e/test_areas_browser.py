"""Area reports in a real browser (Debian's Chromium through Playwright)
against a live server and PostGIS, base-map tiles blocked: from the list of
areas to a report, its map, charts and tables, on a desk, on a phone and
printed. Each step leaves a screenshot in var/artifacts/screenshots/."""

import re
from pathlib import Path

import pytest

from tests.area_layouts import make_layout

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
def layout(db):
    return make_layout()


def test_opening_a_report_from_the_list_of_areas(
    page, live_server, layout, console_errors, screenshot
):
    page.goto(f"{live_server.url}/areas/")
    screenshot("list")
    page.get_by_role("link", name="Testville", exact=True).click()

    page.wait_for_url(re.compile(r"/areas/testville/$"))
    page.wait_for_selector("#area-map[data-boundary-drawn] path.area-boundary")
    assert page.locator("h1").inner_text() == "Testville"
    kind_chart = page.get_by_role("img", name="Cameras by kind", exact=True)
    assert kind_chart.is_visible()
    assert kind_chart.locator("rect").count() == 2
    assert page.locator("svg.chart-lines polyline").count() == 3
    kinds = page.get_by_role("table", name=re.compile("^Cameras by kind"))
    assert kinds.locator("tbody tr").count() == 2
    assert page.get_by_role("table", name="Sub-areas by density").is_visible()
    assert page.locator(".print-button").is_visible()
    screenshot("report")

    page.get_by_role("link", name="West Side", exact=True).click()
    page.wait_for_url(re.compile(r"/areas/west-side/$"))
    page.wait_for_selector("#area-map[data-boundary-drawn] path.area-boundary")
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    assert "Testville" in breadcrumb.inner_text()
    screenshot("sub-area")
    assert console_errors == []


def test_the_list_search_finds_an_area(page, live_server, layout, console_errors, screenshot):
    page.goto(f"{live_server.url}/areas/")
    box = page.get_by_role("combobox", name="Find an area by its name or by a place in it")
    box.fill("east")
    page.get_by_role("option", name=re.compile("East Side")).wait_for()
    screenshot("search")
    box.press("ArrowDown")
    box.press("Enter")

    page.wait_for_url(re.compile(r"/areas/east-side/$"))
    assert console_errors == []


def test_the_list_search_without_javascript(browser, live_server, layout):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/areas/")
        page.get_by_role("searchbox", name="Find an area by its name or by a place in it").fill(
            "east"
        )
        page.get_by_role("button", name="Search").click()

        page.wait_for_url(re.compile(r"/areas/\?q=east$"))
        assert page.get_by_role("link", name="East Side", exact=True).is_visible()
    finally:
        context.close()


def test_the_report_fits_a_phone(page, live_server, layout, console_errors, screenshot):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/areas/testville/")
    page.wait_for_selector("#area-map[data-boundary-drawn]")

    overflow = page.evaluate("() => document.documentElement.scrollWidth")
    assert overflow <= 360
    screenshot("phone")
    assert console_errors == []


def test_the_printed_report_has_no_navigation_and_a_dated_masthead(
    page, live_server, layout, console_errors, screenshot
):
    page.goto(f"{live_server.url}/areas/testville/")
    page.wait_for_selector("#area-map[data-boundary-drawn]")
    page.emulate_media(media="print")

    assert not page.locator(".site-header").is_visible()
    assert not page.locator("#area-map").is_visible()
    assert not page.locator(".csv-link").first.is_visible()
    assert page.locator(".print-masthead").is_visible()
    assert "ODbL" in page.locator(".print-masthead").inner_text()
    assert page.locator("svg.static-map").is_visible()
    screenshot("print")
    assert console_errors == []


def test_the_area_pages_pass_axe_wcag_checks(page, live_server, layout, console_errors):
    assert AXE.is_file(), "axe-core is missing: run `make test`, which installs it with npm."
    violations = {}
    for path in ("/areas/", "/areas/?q=side", "/areas/testville/", "/es/areas/west-side/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        page.evaluate(AXE.read_text())  # not a script tag: the CSP allows none inline
        found = page.evaluate(RUN_AXE)
        if found:
            violations[path] = found
    assert violations == {}
    assert console_errors == []
