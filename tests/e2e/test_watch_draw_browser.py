"""Watching a place drawn on the map: clicks place an area's or a route's
points, the form's GeoJSON fields follow, and sending it makes the watch of
exactly that shape."""

from __future__ import annotations

import json

import pytest

from registry.models import Watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def click_points(page, offsets):
    box = page.locator("#watch-map").bounding_box()
    middle_x, middle_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in offsets:
        page.mouse.click(middle_x + dx, middle_y + dy)


def test_an_area_drawn_on_the_map_is_the_area_watched(page, live_server, console_errors):
    page.goto(f"{live_server.url}/watch/")
    page.locator("#watch-draw").wait_for()

    click_points(page, [(-60, -40), (60, -40), (0, 50)])
    polygon = json.loads(page.locator("#id_polygon").input_value())
    page.get_by_role("button", name="Undo the last point").click()
    undone = page.locator("#id_polygon").input_value()
    click_points(page, [(0, 50)])
    assert page.locator("#watch-points").inner_text() == "Points placed: 3"
    page.get_by_label("Email address").fill("resident@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Send me a confirmation email").click()

    assert polygon["type"] == "Polygon"
    assert len(polygon["coordinates"][0]) == 4  # three points, closed
    assert undone == ""  # two points are no area
    watch = Watch.objects.get()
    assert watch.region is not None and watch.route is None
    assert watch.region.num_points == 4
    assert console_errors == []


def test_a_route_drawn_on_the_map_is_the_corridor_watched(page, live_server, console_errors):
    page.goto(f"{live_server.url}/watch/")
    page.locator("#watch-draw").wait_for()

    page.get_by_role("radio", name="A route").check()
    click_points(page, [(-80, 0), (0, 20), (80, 0)])
    route = json.loads(page.locator("#id_route").input_value())
    page.get_by_label("Corridor width along the route, in metres").fill("100")
    page.get_by_label("Email address").fill("resident@example.org")
    with page.expect_navigation():
        page.get_by_role("button", name="Send me a confirmation email").click()

    assert route["type"] == "LineString" and len(route["coordinates"]) == 3
    watch = Watch.objects.get()
    assert watch.route is not None and watch.route.num_points == 3
    assert watch.route_width_m == 100
    assert console_errors == []
