"""The place search box in a real browser: typed, chosen with the keyboard
(the WAI-ARIA combobox pattern), it flies the map to the place, and narrows
the camera list to it; axe finds nothing to fault with the list open."""

import re
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point

from registry.places import load_places
from tests.factories import CameraFactory
from tests.places import write_gazetteer

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
def gazetteer(tmp_path):
    load_places(path=write_gazetteer(tmp_path))


def test_a_city_typed_and_chosen_with_the_keyboard_moves_the_map(
    page, live_server, gazetteer, console_errors, screenshot
):
    page.goto(f"{live_server.url}/#12/41.88/-87.63")
    box = page.get_by_role("combobox", name="Find a place")
    box.fill("münch")
    option = page.get_by_role("option", name=re.compile("Munich, Germany"))
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    listbox = page.locator("#" + box.get_attribute("aria-controls"))
    assert listbox.get_attribute("role") == "listbox"
    status = page.locator("#map-search [role=status]")
    assert status.text_content().startswith("One answer")
    page.evaluate(AXE.read_text())
    assert page.evaluate(RUN_AXE) == []

    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    assert option.get_attribute("aria-selected") == "true"
    screenshot("chosen")
    box.press("Enter")
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "Munich, Germany"
    assert status.text_content() == "Showing Munich, Germany."
    page.wait_for_function("() => /^#\\d+\\/48\\.1/.test(location.hash)")
    center = page.evaluate("() => window.sightlineMap.map.getCenter()")
    assert center["lat"] == pytest.approx(48.137, abs=0.01)
    assert center["lng"] == pytest.approx(11.575, abs=0.01)
    screenshot("moved")

    # Escape closes the list without choosing.
    box.fill("лондон")
    page.get_by_role("option", name=re.compile("London, ENG")).wait_for()
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert re.match(r"#\d+/48\.1", page.evaluate("() => location.hash"))
    assert console_errors == []


def test_a_place_chosen_on_the_camera_list_lists_the_cameras_there(
    page, live_server, gazetteer, console_errors
):
    CameraFactory(location=Point(-1.08, 53.96, srid=4326))
    CameraFactory(location=Point(-87.63, 41.88, srid=4326))
    page.goto(f"{live_server.url}/cameras/?kind=camera")
    assert "2 cameras" in page.locator("#result-count").text_content()
    box = page.get_by_role("combobox", name="Find a place")
    box.fill("york")
    page.get_by_role("option", name=re.compile("York, ENG")).wait_for()
    page.evaluate(AXE.read_text())
    assert page.evaluate(RUN_AXE) == []
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(re.compile(r"bbox="))
    assert "kind=camera" in page.url
    assert "1 camera " in page.locator("#result-count").text_content()
    assert page.locator("#within-notice").is_visible()
    assert console_errors == []
