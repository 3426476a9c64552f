"""Field-of-view cones against answers worked out by hand: the bearings of a
wedge's edges, the range from height and tilt, circles for domes."""

import itertools
import math

import pytest

from registry import cones

CHICAGO = (-87.63, 41.88)
EARTH = cones.EARTH_RADIUS_METRES


def bearing(origin, point) -> float:
    """Initial bearing (degrees clockwise from north) from origin to point,
    both (lon, lat): the textbook forward-azimuth formula."""
    lon1, lat1 = map(math.radians, origin)
    lon2, lat2 = map(math.radians, point)
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.degrees(math.atan2(y, x)) % 360


def distance(origin, point) -> float:
    """Haversine distance in metres."""
    lon1, lat1 = map(math.radians, origin)
    lon2, lat2 = map(math.radians, point)
    a = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH * math.asin(math.sqrt(a))


def signed_area(ring) -> float:
    """Shoelace area in degrees²: positive for a counter-clockwise ring."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def ring_of(polygon):
    assert polygon["type"] == "Polygon"
    (ring,) = polygon["coordinates"]
    return ring


def test_a_fixed_camera_facing_east_sees_a_60_degree_wedge_30_metres_deep():
    (polygon,) = cones.field_of_view(
        location=CHICAGO, directions=[90], camera_type="fixed", kind="camera"
    )
    ring = ring_of(polygon)

    assert ring[0] == ring[-1] == list(CHICAGO)
    # Counter-clockwise (RFC 7946): out along the clockwise edge first.
    assert bearing(CHICAGO, ring[1]) == pytest.approx(120, abs=0.01)
    assert bearing(CHICAGO, ring[-2]) == pytest.approx(60, abs=0.01)
    for point in ring[1:-1]:
        assert distance(CHICAGO, point) == pytest.approx(30, abs=0.02)
        assert 60 - 0.01 <= bearing(CHICAGO, point) <= 120 + 0.01


def test_north_is_a_direction_and_the_wedge_straddles_it():
    (polygon,) = cones.field_of_view(location=CHICAGO, directions=[0], camera_type="fixed")
    ring = ring_of(polygon)

    assert bearing(CHICAGO, ring[1]) == pytest.approx(30, abs=0.01)
    assert bearing(CHICAGO, ring[-2]) == pytest.approx(330, abs=0.01)
    middle = ring[len(ring) // 2]
    assert bearing(CHICAGO, middle) == pytest.approx(0, abs=0.01) or bearing(
        CHICAGO, middle
    ) == pytest.approx(360, abs=0.01)


def test_every_ring_is_counter_clockwise():
    for camera_type, directions in (("fixed", [45]), ("dome", []), ("panorama", [10])):
        (polygon,) = cones.field_of_view(
            location=CHICAGO, directions=directions, camera_type=camera_type
        )
        assert signed_area(ring_of(polygon)) > 0, camera_type


def test_one_wedge_per_direction():
    polygons = cones.field_of_view(
        location=CHICAGO, directions=[90, 180, 270], camera_type="fixed", kind="ALPR"
    )

    assert len(polygons) == 3
    for polygon, direction in zip(polygons, [90, 180, 270], strict=True):
        ring = ring_of(polygon)
        assert bearing(CHICAGO, ring[-2]) == pytest.approx(direction - 30, abs=0.01)
        assert bearing(CHICAGO, ring[1]) == pytest.approx(direction + 30, abs=0.01)


def test_the_view_angle_follows_the_camera_type():
    for camera_type, angle in (("dome", 90), ("panning", 90), ("doorbell", 160), ("", 60)):
        (polygon,) = cones.field_of_view(
            location=CHICAGO, directions=[180], camera_type=camera_type
        )
        ring = ring_of(polygon)
        assert bearing(CHICAGO, ring[1]) == pytest.approx(180 + angle / 2, abs=0.01)
        assert bearing(CHICAGO, ring[-2]) == pytest.approx(180 - angle / 2, abs=0.01)


def test_a_dome_without_a_direction_is_a_circle_around_the_camera():
    (polygon,) = cones.field_of_view(
        location=CHICAGO, directions=[], camera_type="dome", kind="camera"
    )
    ring = ring_of(polygon)

    assert ring[0] == ring[-1]
    assert list(CHICAGO) not in ring
    bearings = sorted(bearing(CHICAGO, point) for point in ring[:-1])
    assert bearings[0] == pytest.approx(0, abs=0.01)
    assert max(b - a for a, b in itertools.pairwise(bearings)) <= 6.01
    for point in ring:
        assert distance(CHICAGO, point) == pytest.approx(30, abs=0.02)


def test_panning_and_panorama_cameras_without_a_direction_are_circles_too():
    for camera_type in ("panning", "panorama"):
        (polygon,) = cones.field_of_view(location=CHICAGO, directions=[], camera_type=camera_type)
        assert list(CHICAGO) not in ring_of(polygon)


def test_a_panorama_with_a_direction_still_sees_all_round():
    (polygon,) = cones.field_of_view(location=CHICAGO, directions=[90], camera_type="panorama")

    assert list(CHICAGO) not in ring_of(polygon)


def test_a_fixed_camera_without_a_direction_gets_no_cone():
    assert cones.field_of_view(location=CHICAGO, directions=[], camera_type="fixed") == []
    assert cones.field_of_view(location=CHICAGO, directions=[], camera_type="") == []


def test_range_by_kind():
    assert cones.cone_shape(camera_type="fixed", kind="camera", height=None, tilt=None).range == 30
    assert cones.cone_shape(camera_type="fixed", kind="ALPR", height=None, tilt=None).range == 40
    assert cones.cone_shape(camera_type="", kind="radar", height=None, tilt=None).range == 30


def test_range_from_height_and_tilt():
    # 6 m up, looking 30° down: 6 / tan 30° = 10.392 m.
    shape = cones.cone_shape(camera_type="fixed", kind="ALPR", height=6, tilt=30)
    assert shape.range == pytest.approx(6 / math.tan(math.radians(30)))
    assert shape.range == pytest.approx(10.3923, abs=1e-4)

    (polygon,) = cones.field_of_view(
        location=CHICAGO, directions=[0], camera_type="fixed", kind="ALPR", height=6, tilt=30
    )
    assert distance(CHICAGO, ring_of(polygon)[1]) == pytest.approx(10.3923, abs=0.01)


def test_range_from_height_and_tilt_is_clamped_to_5_to_80_metres():
    # 10 m up, 5° down: 114.3 m, kept at 80; 1 m up, 80° down: 0.18 m, raised to 5.
    assert cones.ground_range(10, 5) == 80
    assert cones.ground_range(1, 80) == 5
    assert cones.ground_range(8, 45) == pytest.approx(8)


def test_without_a_downward_tilt_and_a_height_the_kind_decides():
    for height, tilt in ((6, None), (None, 30), (6, 0), (6, -10), (0, 30)):
        assert cones.ground_range(height, tilt) is None
        shape = cones.cone_shape(camera_type="fixed", kind="ALPR", height=height, tilt=tilt)
        assert shape.range == 40


def test_destination_crosses_the_antimeridian():
    lon, lat = cones.destination(179.9999, 0, 90, 100)

    assert lon == pytest.approx(-179.9992, abs=1e-4)
    assert lat == pytest.approx(0, abs=1e-9)


def test_the_browser_gets_a_copy_of_the_one_table():
    table = cones.defaults_for_browser()

    assert table == cones.FIELD_OF_VIEW_DEFAULTS
    table["angles"]["fixed"] = 1
    assert cones.FIELD_OF_VIEW_DEFAULTS["angles"]["fixed"] == 60
    assert set(table) == {
        "angles",
        "angle_default",
        "ranges",
        "range_default",
        "range_min",
        "range_max",
        "circle_types",
    }
