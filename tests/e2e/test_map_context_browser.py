"""Maps that show what is there, in Chromium against a live server and
PostGIS (base-map tiles blocked): the cameras already recorded drawn on the
report, exposure, area and moderation maps from the camera tiles; on the
report page an existing camera's popup offers to confirm it rather than
report it again; the place search moves the report and exposure maps;
cluster bubbles never overlap; the notice of ignored filters sits above
the map; the legend folds; the map works one-handed at 360 px. Each step
leaves a screenshot in var/artifacts/screenshots/."""

from __future__ import annotations

import random
import re

import pytest
from django.contrib.gis.geos import Point

from registry.models import Camera
from registry.places import load_places
from tests.area_layouts import make_layout
from tests.e2e import test_map_browser, test_moderation_browser
from tests.e2e.test_map_browser import CHICAGO
from tests.e2e.test_moderation_browser import sign_in
from tests.factories import CameraFactory
from tests.places import write_gazetteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The fixtures of the map's and moderation's tests.
chicago_cameras = test_map_browser.chicago_cameras
reviewer = test_moderation_browser.reviewer
reported_camera = test_moderation_browser.reported_camera

PHONE = {"width": 360, "height": 740}

# Pixels drawn on the camera tiles' canvases inside one map.
PAINTED = """selector => Array.from(document.querySelectorAll(`${selector} .camera-tile canvas`))
  .reduce((sum, canvas) => {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]) painted += 1;
    return sum + painted;
  }, 0)"""
# The ids of the cameras drawn one by one in a small map's view.
DRAWN_IDS = """id => {
  const {map, layer} = window.sightlineExisting[id];
  return Array.from(layer.items())
    .filter(item => item.type === 'camera' && map.getBounds().contains(layer.latLngOf(item)))
    .map(item => Number(item.camera.id));
}"""
# Where a camera is drawn, in pixels of the page.
CAMERA_POINT = """([id, pk]) => {
  const {map, layer} = window.sightlineExisting[id];
  const item = Array.from(layer.items())
    .find(i => i.type === 'camera' && Number(i.camera.id) === pk);
  const point = map.latLngToContainerPoint(layer.latLngOf(item));
  const box = map.getContainer().getBoundingClientRect();
  return {x: box.left + point.x, y: box.top + point.y};
}"""


def boxes_overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def set_view(page, map_id: str, lat: float, lon: float, zoom: int) -> None:
    page.evaluate(
        "([id, lat, lon, zoom]) => window.sightlineExisting[id].map.setView([lat, lon], zoom)",
        [map_id, lat, lon, zoom],
    )


def wait_for_existing(page, map_id: str, total: int) -> None:
    page.wait_for_function(
        "([id, total]) => document.getElementById(id).dataset.existingTotal === String(total)",
        arg=[map_id, total],
    )


# ------------------------------------------------------------ existing cameras


def test_the_report_page_shows_the_cameras_already_there_and_offers_to_confirm_one(
    page,
    live_server,
    chicago_cameras,
    console_errors,
    screenshot,
):
    page.goto(f"{live_server.url}/submit/")
    page.wait_for_selector("#submit-map[data-ready]")
    wait_for_existing(page, "submit-map", 30)
    assert page.evaluate(PAINTED, "#submit-map") > 100
    screenshot("city")

    # At street zoom, a tap on a camera already there opens its popup instead
    # of placing a new one.
    camera = chicago_cameras[7]
    set_view(page, "submit-map", camera.location.y, camera.location.x, 19)
    page.wait_for_function(
        "([id, pk]) => Array.from(window.sightlineExisting[id].layer.items())"
        ".some(i => Number(i.camera && i.camera.id) === pk)",
        arg=["submit-map", camera.pk],
    )
    point = page.evaluate(CAMERA_POINT, ["submit-map", camera.pk])
    page.mouse.click(point["x"], point["y"])
    popup = page.locator(".existing-camera-popup")
    popup.wait_for()
    assert popup.locator(".popup-title").inner_text().startswith("Already on the map")
    confirm = popup.get_by_role("link", name="Still there? Confirm it")
    assert confirm.get_attribute("href") == f"/cameras/{camera.pk}/still-there/"
    assert popup.get_by_role("link", name="Details, history and sources").get_attribute(
        "href"
    ) == (f"/cameras/{camera.pk}/")
    assert page.get_attribute("#submit-map", "data-placed") is None
    assert page.input_value("#id_latitude") == ""
    screenshot("popup")

    # It may still be another camera: then it is placed there.
    popup.get_by_role("button", name="It is another camera: place it here").click()
    page.wait_for_selector("#submit-map[data-placed]")
    assert float(page.input_value("#id_latitude")) == pytest.approx(camera.location.y, abs=1e-4)
    # The camera next to the pin is pointed out under the map, for everyone.
    near = page.locator("#existing-near")
    assert near.is_visible()
    assert near.get_attribute("role") == "status"
    assert f"#{camera.pk}" in near.inner_text()
    assert near.get_by_role("link", name="Still there? Confirm it").get_attribute("href") == (
        f"/cameras/{camera.pk}/still-there/"
    )
    screenshot("near")
    # Far from any camera, nothing is pointed out.
    set_view(page, "submit-map", CHICAGO[0] + 0.01, CHICAGO[1], 19)
    page.locator("#submit-map").click(position={"x": 60, "y": 60})
    page.wait_for_function("() => document.getElementById('existing-near').hidden")
    assert console_errors == []


def test_the_exposure_map_shows_the_cameras_already_there_and_still_draws(
    page,
    live_server,
    chicago_cameras,
    console_errors,
    screenshot,
):
    page.goto(f"{live_server.url}/exposure/#16/{CHICAGO[0]}/{CHICAGO[1]}")
    page.wait_for_selector("#exposure-map[data-ready]")
    wait_for_existing(page, "exposure-map", 30)
    assert page.evaluate(PAINTED, "#exposure-map") > 30 * 20
    assert sorted(page.evaluate(DRAWN_IDS, "exposure-map")) == sorted(
        camera.pk for camera in chicago_cameras
    )
    # A click on a camera still adds a point to the drawing.
    point = page.evaluate(CAMERA_POINT, ["exposure-map", chicago_cameras[0].pk])
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector("#exposure-map[data-points='1']")
    screenshot("drawn")
    assert console_errors == []


def test_an_area_map_shows_the_cameras_around_the_area(
    page, live_server, console_errors, screenshot
):
    layout = make_layout()
    page.goto(f"{live_server.url}/areas/testville/")
    page.wait_for_selector("#area-map[data-boundary-drawn] path.area-boundary")
    page.wait_for_selector("#area-map[data-existing-total]")
    # Zoomed out one step, the camera 1 km east of the city shows too: the
    # area's own list of cameras never held it.
    page.evaluate("() => window.sightlineExisting['area-map'].map.zoomOut(1, {animate: false})")
    outside = layout.cameras[6].pk
    page.wait_for_function(
        "([id, pk]) => document.getElementById(id).dataset.existingTotal !== undefined && "
        "Array.from(window.sightlineExisting[id].layer.items())"
        ".some(i => Number(i.camera && i.camera.id) === pk)",
        arg=["area-map", outside],
    )
    assert page.evaluate(PAINTED, "#area-map") > 0
    hidden = layout.cameras[5].pk
    assert hidden not in page.evaluate(DRAWN_IDS, "area-map")
    screenshot("around")

    point = page.evaluate(CAMERA_POINT, ["area-map", outside])
    page.mouse.click(point["x"], point["y"])
    popup = page.locator(".existing-camera-popup")
    popup.wait_for()
    link = popup.get_by_role("link", name="Details, history and sources")
    assert link.get_attribute("href") == f"/cameras/{outside}/"
    assert console_errors == []


def test_a_moderation_item_map_shows_the_cameras_around(
    page,
    live_server,
    reviewer,
    reported_camera,
    console_errors,
    screenshot,
):
    existing, submission = reported_camera
    far = CameraFactory(location=Point(-87.6300, 41.8806, srid=4326), status="verified")
    sign_in(page, live_server, reviewer)
    page.goto(f"{live_server.url}/moderation/submissions/{submission.pk}/")
    page.wait_for_selector("#camera-map[data-drawn]")
    page.wait_for_selector("#camera-map[data-existing-total]")
    # The camera within the listed distance, the one under review (reported,
    # so public) and one farther away than the list reaches.
    page.evaluate("() => window.sightlineExisting['camera-map'].map.setZoom(17, {animate: false})")
    page.wait_for_function(
        "() => document.getElementById('camera-map').dataset.existingTotal === '3'"
    )
    assert set(page.evaluate(DRAWN_IDS, "camera-map")) == {
        existing.pk,
        submission.camera.pk,
        far.pk,
    }
    assert page.evaluate(PAINTED, "#camera-map") > 3 * 20
    screenshot("around")
    assert console_errors == []


# ------------------------------------------------------------ clusters


@pytest.fixture
def dense_cameras(db):
    """400 cameras around Chicago, thicker towards the middle: at zoom 9 the
    grid cells of the tiles hold bubbles closer than their radii."""
    draw = random.Random(7)
    Camera.objects.bulk_create(
        CameraFactory.build(
            location=Point(
                CHICAGO[1] + draw.gauss(0, 0.12), CHICAGO[0] + draw.gauss(0, 0.09), srid=4326
            ),
            status="verified",
        )
        for _ in range(400)
    )


BUBBLES = """() => {
  const {map, cameras} = window.sightlineMap;
  const scale = map.getZoomScale(map.getZoom(), cameras._tileZoom);
  const ctx = document.createElement('canvas').getContext('2d');
  return Array.from(cameras.items()).filter(item => item.type === 'cluster').map(item => {
    const point = map.latLngToContainerPoint(cameras.latLngOf(item));
    return {x: point.x, y: point.y, r: item.radius * scale, count: item.count};
  });
}"""
# The clusters as the server sent them, before any merging.
RAW_CLUSTERS = """() => {
  const {map, cameras} = window.sightlineMap;
  const out = [];
  for (const {coords, items} of cameras._loaded.values()) {
    if (coords.z !== cameras._tileZoom) continue;
    for (const item of items) if (item.type === 'cluster') out.push(
      {x: item.globalX, y: item.globalY, count: item.count});
  }
  return out;
}"""
# Each bubble's label, in the font it is drawn with, fits inside it.
LABELS_FIT = """() => {
  const {cameras} = window.sightlineMap;
  const ctx = document.createElement('canvas').getContext('2d');
  return Array.from(cameras.items()).filter(item => item.type === 'cluster').every(item => {
    ctx.font = item.font;
    const readable = /\\b(8|9|1[0-2])px/.test(item.font);
    return readable && ctx.measureText(item.label).width <= 2 * item.radius - 4;
  });
}"""


def test_cluster_bubbles_never_overlap(
    page, live_server, dense_cameras, console_errors, screenshot
):
    page.goto(f"{live_server.url}/#9/{CHICAGO[0]}/{CHICAGO[1]}")
    page.wait_for_function("() => document.getElementById('map').dataset.total === '400'")
    raw = page.evaluate(RAW_CLUSTERS)
    assert sum(cluster["count"] for cluster in raw) == 400
    bubbles = page.evaluate(BUBBLES)
    screenshot("dense")
    # No two bubbles' circles meet...
    overlapping = [
        (a, b)
        for n, a in enumerate(bubbles)
        for b in bubbles[n + 1 :]
        if ((a["x"] - b["x"]) ** 2 + (a["y"] - b["y"]) ** 2) ** 0.5 < a["r"] + b["r"]
    ]
    assert overlapping == []
    # ... the cameras are all still counted, in fewer bubbles than cells, and
    # each label fits its bubble.
    assert sum(bubble["count"] for bubble in bubbles) == 400
    assert 3 <= len(bubbles) < len(raw)
    assert page.evaluate(LABELS_FIT)
    # The map's count and a click on a bubble use the merged bubbles.
    biggest = max(bubbles, key=lambda bubble: bubble["count"])
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + biggest["x"], box["y"] + biggest["y"])
    page.wait_for_function("() => window.sightlineMap.map.getZoom() === 11")
    assert console_errors == []


# ------------------------------------------------------------ place search


@pytest.fixture
def gazetteer(tmp_path):
    load_places(path=write_gazetteer(tmp_path))


@pytest.mark.parametrize(
    ("path", "search", "map_id"),
    [
        ("/submit/", "#submit-search", "submit-map"),
        ("/exposure/", "#exposure-search", "exposure-map"),
    ],
    ids=["report", "exposure"],
)
def test_the_place_search_moves_the_report_and_exposure_maps(
    page, live_server, gazetteer, console_errors, screenshot, path, search, map_id
):
    page.goto(f"{live_server.url}{path}")
    page.wait_for_selector(f"#{map_id}[data-ready]")
    box = page.locator(search).get_by_role("combobox", name="Find a place")
    box.fill("münch")
    page.get_by_role("option", name=re.compile("Munich, Germany")).wait_for()
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_selector(f"#{map_id}[data-place='Munich, Germany']")
    page.wait_for_function(
        """id => {
          const center = window.sightlineExisting[id].map.getCenter();
          return Math.abs(center.lat - 48.137) < 0.01 && Math.abs(center.lng - 11.575) < 0.01;
        }""",
        arg=map_id,
    )
    screenshot("moved")
    assert console_errors == []


# ------------------------------------------------------------ the main map's layout


def test_the_ignored_filters_notice_sits_above_the_map(
    page, live_server, console_errors, screenshot
):
    page.goto(f"{live_server.url}/?kind=teleporter#12/{CHICAGO[0]}/{CHICAGO[1]}")
    notice = page.locator("#map-ignored")
    page.wait_for_selector("#map.leaflet-container")
    assert notice.is_visible()
    assert "teleporter" in notice.inner_text()
    notice_box = notice.bounding_box()
    map_box = page.locator("#map").bounding_box()
    assert not boxes_overlap(notice_box, map_box)
    assert notice_box["y"] + notice_box["height"] <= map_box["y"]
    assert notice_box["y"] >= 0
    # Nothing covers it: the element under its middle is the notice's own.
    assert page.evaluate(
        """() => {
          const notice = document.getElementById('map-ignored');
          const box = notice.getBoundingClientRect();
          const middle = box.top + box.height / 2;
          return notice.contains(document.elementFromPoint(box.left + 10, middle));
        }"""
    )
    screenshot("notice")

    # Once a filter is chosen the notice goes, and the map takes its place.
    page.locator("#map-panel > summary").click()
    page.locator("#map-filters input[type=checkbox]").first.check()
    page.wait_for_function("() => document.getElementById('map-ignored').hidden")
    page.wait_for_function(
        "top => document.getElementById('map').getBoundingClientRect().top < top",
        arg=map_box["y"],
    )
    assert console_errors == []


def test_the_legend_is_open_on_a_desk_and_folds_with_the_keyboard(
    page, live_server, console_errors, screenshot
):
    page.goto(f"{live_server.url}/#12/{CHICAGO[0]}/{CHICAGO[1]}")
    legend = page.locator("details.map-legend")
    summary = legend.locator("summary")
    legend.wait_for()
    assert legend.evaluate("element => element.open")
    assert legend.locator("li").first.is_visible()
    summary.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => !document.querySelector('details.map-legend').open")
    assert not legend.locator("li").first.is_visible()
    screenshot("folded")
    page.keyboard.press("Space")
    page.wait_for_function("() => document.querySelector('details.map-legend').open")
    assert console_errors == []


def test_the_legend_is_folded_on_a_phone_and_easy_to_tap(
    page, live_server, console_errors, screenshot
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/#12/{CHICAGO[0]}/{CHICAGO[1]}")
    legend = page.locator("details.map-legend")
    legend.wait_for()
    assert not legend.evaluate("element => element.open")
    summary = legend.locator("summary")
    assert summary.bounding_box()["height"] >= 44
    summary.click()
    assert legend.evaluate("element => element.open")
    screenshot("opened")
    assert console_errors == []


def test_the_map_and_its_filters_work_one_handed_on_a_phone(
    page, live_server, console_errors, screenshot
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/#12/{CHICAGO[0]}/{CHICAGO[1]}")
    page.wait_for_selector("#map-count:not(:empty)")
    no_sideways_scroll = "() => document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_sideways_scroll)
    targets = {
        "zoom in": page.locator(".leaflet-control-zoom-in"),
        "zoom out": page.locator(".leaflet-control-zoom-out"),
        "locate": page.locator("button.map-locate"),
        "legend": page.locator("details.map-legend summary"),
        "filters": page.locator("#map-panel > summary"),
        "search": page.locator("#map-search-input"),
    }
    for name, target in targets.items():
        box = target.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, name
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
    # Nothing covers anything else.
    boxes = {name: target.bounding_box() for name, target in targets.items()}
    boxes["count"] = page.locator("#map-count").bounding_box()
    boxes["search"] = page.locator("#map-search").bounding_box()
    names = list(boxes)
    assert [
        (a, b)
        for n, a in enumerate(names)
        for b in names[n + 1 :]
        if boxes_overlap(boxes[a], boxes[b])
    ] == []
    # The filters open at the bottom, within a thumb's reach.
    filters = targets["filters"].bounding_box()
    assert filters["y"] > PHONE["height"] / 2
    screenshot("closed")

    targets["filters"].click()
    panel = page.locator("#map-panel")
    assert panel.bounding_box()["y"] + panel.bounding_box()["height"] <= PHONE["height"] + 1
    checkbox = page.locator("#map-filters input[type=checkbox]").first
    label = page.locator("#map-filters label").first
    assert label.bounding_box()["height"] >= 44
    checkbox.check()
    page.wait_for_function("() => location.search.includes('=')")
    apply = page.locator("#map-filters button[type=submit]")
    apply.scroll_into_view_if_needed()
    assert apply.is_visible()
    assert apply.bounding_box()["height"] >= 44
    assert page.evaluate(no_sideways_scroll)
    screenshot("filters")
    assert console_errors == []
