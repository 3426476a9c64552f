"""The exposure analysis against answers worked out by hand on small literal
layouts (tests/registry/exposure_layout.py: metres east and north of a point
in Chicago), the SQL cones against registry/cones.py's, and every kind of bad
input with the message it gets.

Unless a test says otherwise the route is STREET: 200 m west to east along
y = 0, from x = -100 to x = +100. A CCTV camera's range is 30 m; a dome's
cone is 90° wide, or a full circle when it has no direction. Cones are
polygons with a vertex every 6° of arc, so a chord through a circle comes
out up to ~0.1 m short of the true circle's: lengths are compared to 0.15 m.
"""

import json
import math
import random

import pytest
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point
from django.core.exceptions import ValidationError

from registry import cones
from registry.exposure import analyse, geometry_from_bytes, geometry_from_geojson, queries
from registry.exposure.analysis import merged, sql_cones
from registry.exposure.geometry import local_srid
from registry.models import Status
from tests.factories import (
    CameraFactory,
    OperatorFactory,
    VendorFactory,
    VendorRestrictionFactory,
)

from .exposure_layout import STREET, camera, dome, line, lonlat, square

pytestmark = pytest.mark.django_db

METRES = 0.15
# Half the chord a 30 m circle cuts from a line 10 m from its centre:
# sqrt(30² - 10²) = sqrt(800) = 28.284 m.
HALF_CHORD = math.sqrt(30**2 - 10**2)


def exposure(geojson: dict = STREET):
    return analyse(geometry_from_geojson(geojson))


def seen_by(result) -> dict[int, float]:
    return {item.camera.id: item.covered for item in result.cameras}


# ------------------------------------------------------- hand-worked layouts


def test_a_dome_facing_the_street_sees_the_width_of_its_wedge():
    # 10 m north of the street, facing south, 90° wide: its edges run at 45°
    # either side of south and reach the street 10 * tan(45°) = 10 m either
    # side of x = 0, well inside its 30 m range: 20 m of 200, a share of 0.1.
    seer = dome(0, 10, directions=[180])

    result = exposure()

    assert result.total == pytest.approx(200, abs=0.01)
    assert result.covered == pytest.approx(20, abs=METRES)
    assert result.share == pytest.approx(0.1, abs=0.001)
    assert seen_by(result) == {seer.pk: pytest.approx(20, abs=METRES)}


def test_a_dome_without_direction_sees_a_circle_cut_by_the_street():
    # A 30 m circle centred 10 m from the street: a chord of 2 * sqrt(800)
    # = 56.57 m.
    dome(0, 10)

    result = exposure()

    assert result.covered == pytest.approx(2 * HALF_CHORD, abs=METRES)
    assert result.share == pytest.approx(2 * HALF_CHORD / 200, abs=0.001)


def test_a_cone_beyond_the_end_of_the_route_covers_only_its_last_metres():
    # A fixed camera on the street's line 10 m past its east end, facing
    # west (270°): its 30 m cone covers x = 80..110, of which the route
    # holds 80..100: 20 m.
    camera(110, 0, camera_type="fixed", directions=[270])

    result = exposure()

    assert result.covered == pytest.approx(20, abs=METRES)
    (stretch,) = result.covered_geometry["coordinates"]
    assert stretch[0] == pytest.approx(lonlat(80, 0), abs=1e-6)
    assert stretch[-1] == pytest.approx(lonlat(100, 0), abs=1e-6)


def test_overlapping_cones_are_counted_once():
    # Circles at x = 0 and x = 20, 10 m north: chords -28.28..28.28 and
    # -8.28..48.28 overlap; together -28.28..48.28 = 20 + 2 * 28.28 = 76.57 m,
    # not 2 * 56.57 = 113.14 m. Each camera still covers its own 56.57 m.
    first, second = dome(0, 10), dome(20, 10)

    result = exposure()

    assert result.covered == pytest.approx(20 + 2 * HALF_CHORD, abs=METRES)
    assert seen_by(result) == {
        first.pk: pytest.approx(2 * HALF_CHORD, abs=METRES),
        second.pk: pytest.approx(2 * HALF_CHORD, abs=METRES),
    }


def test_two_directions_of_one_camera_overlapping_are_counted_once_for_it():
    # A dome 10 m north facing 200° and 160°: wedges of 155..245° and
    # 115..205°, overlapping over 155..205°. The first reaches the street
    # from 10 * tan(65°) = 21.45 m west to 10 * tan(25°) = 4.66 m east, the
    # second the mirror image: together -21.45..21.45 = 42.89 m, not
    # 2 * 26.11 = 52.22 m.
    seer = dome(0, 10, directions=[200, 160])

    result = exposure()

    expected = 2 * 10 * math.tan(math.radians(65))
    assert seen_by(result) == {seer.pk: pytest.approx(expected, abs=METRES)}
    assert result.covered == pytest.approx(expected, abs=METRES)


def test_a_camera_facing_away_covers_nothing():
    # 10 m north, facing north: its 60° cone points away from the street.
    camera(0, 10, camera_type="fixed", directions=[0])

    result = exposure()

    assert result.covered == 0
    assert result.cameras == []
    assert result.direction_unknown == []


def test_removed_and_hidden_cameras_watch_nothing():
    dome(0, 10, status=Status.REMOVED, removed_on="2026-01-01")
    dome(20, 10, status=Status.HIDDEN)
    verified = dome(-60, 10, status=Status.VERIFIED)

    result = exposure()

    assert seen_by(result) == {verified.pk: pytest.approx(2 * HALF_CHORD, abs=METRES)}
    assert result.candidates == 1


def test_a_camera_without_direction_is_listed_as_nearby_and_not_counted():
    # A fixed camera 10 m away with no direction might watch the street; one
    # 50 m away is beyond its 30 m range.
    unknown = camera(0, 10, camera_type="fixed")
    camera(0, 50, camera_type="fixed")

    result = exposure()

    assert result.covered == 0
    assert [(item.camera.id, round(item.distance, 2)) for item in result.direction_unknown] == [
        (unknown.pk, 10.0)
    ]


def test_the_range_comes_from_height_and_tilt_when_both_are_known():
    # Mounted 10 m high looking 45° down: range 10 / tan(45°) = 10 m. A dome
    # without direction 6 m from the street: chord 2 * sqrt(10² - 6²) = 16 m.
    dome(0, 6, height=10, tilt=45)

    result = exposure()

    assert result.covered == pytest.approx(16, abs=METRES)


def test_a_licence_plate_reader_sees_40_metres():
    # ALPR range 40 m, a dome circle 10 m away: 2 * sqrt(40² - 10²) = 77.46 m.
    dome(0, 10, kind="ALPR")

    result = exposure()

    assert result.covered == pytest.approx(2 * math.sqrt(1500), abs=METRES)


def test_the_split_by_vendor_and_operator_unions_each_party_s_cones():
    # A (vendor V1, operator O1) at x = 0, B (V1, O2) at x = 20, C (V2, a
    # restricted vendor, O2) at x = -60, all 30 m circles 10 m north.
    # Chords: A -28.28..28.28, B -8.28..48.28, C -88.28..-31.72.
    # V1 = A|B = 76.57 m; V2 = C = 56.57 m; O1 = A = 56.57 m;
    # O2 = B + C (apart) = 113.14 m; all = A|B + C = 133.14 m.
    v1, v2 = VendorFactory(name="Acme"), VendorFactory(name="Hikvision")
    VendorRestrictionFactory(vendor=v2)
    o1, o2 = OperatorFactory(name="City"), OperatorFactory(name="Transit")
    dome(0, 10, vendor=v1, operator=o1)
    dome(20, 10, vendor=v1, operator=o2)
    dome(-60, 10, vendor=v2, operator=o2)

    result = exposure()

    chord = 2 * HALF_CHORD
    assert result.covered == pytest.approx(20 + chord + chord, abs=2 * METRES)
    vendors = {(g.party.slug, g.party.restricted, g.cameras): g.covered for g in result.by_vendor}
    assert vendors == {
        ("acme", False, 2): pytest.approx(20 + chord, abs=METRES),
        ("hikvision", True, 1): pytest.approx(chord, abs=METRES),
    }
    operators = {g.party.slug: (g.covered, g.share) for g in result.by_operator}
    assert operators["city"] == pytest.approx((chord, chord / 200), abs=METRES)
    assert operators["transit"] == pytest.approx((2 * chord, chord / 100), abs=2 * METRES)
    assert [g.party.slug for g in result.by_operator] == ["transit", "city"]  # most first


def test_cameras_without_vendor_are_grouped_as_not_recorded():
    dome(0, 10)

    result = exposure()

    (group,) = result.by_vendor
    assert group.party is None
    assert group.covered == pytest.approx(2 * HALF_CHORD, abs=METRES)


def test_a_route_walked_there_and_back_counts_both_ways():
    # Out along the street and back: 400 m travelled, and the circle's chord
    # is walked twice: 2 * 56.57 = 113.14 m; the share stays 0.2828.
    dome(0, 10)

    result = exposure(line((-100, 0), (100, 0), (-100, 0)))

    assert result.total == pytest.approx(400, abs=0.02)
    assert result.covered == pytest.approx(4 * HALF_CHORD, abs=2 * METRES)
    assert result.share == pytest.approx(2 * HALF_CHORD / 200, abs=0.001)
    assert len(result.covered_geometry["coordinates"]) == 2


def test_a_route_crossing_itself_is_measured_along_its_path():
    # A figure of eight: (0,0) → (100,100) → (100,0) → (0,100) → (0,0)
    # crosses itself at (50,50); 2 * 141.42 + 2 * 100 = 482.84 m long.
    result = exposure(line((0, 0), (100, 100), (100, 0), (0, 100), (0, 0)))

    assert result.total == pytest.approx(200 + 200 * math.sqrt(2), abs=0.05)


def test_no_camera_in_view_is_a_result_that_says_so():
    dome(0, 200)

    result = exposure()

    assert (result.covered, result.share, result.cameras) == (0, 0, [])
    assert result.covered_geometry == {"type": "MultiLineString", "coordinates": []}


def test_a_multilinestring_adds_its_parts():
    # Two 100 m parts, the circle at x = 0 cutting only the first: 56.57 of 200 m.
    dome(0, 10)
    route = {
        "type": "MultiLineString",
        "coordinates": [
            [lonlat(-50, 0), lonlat(50, 0)],
            [lonlat(-50, 500), lonlat(50, 500)],
        ],
    }

    result = exposure(route)

    assert result.total == pytest.approx(200, abs=0.02)
    assert result.covered == pytest.approx(2 * HALF_CHORD, abs=METRES)


def test_an_area_counts_the_square_metres_inside_the_cones():
    # A 100 * 100 m square. A 30 m circle at its south-west corner has a
    # quarter inside: π * 30² / 4 = 706.86 m²; a fixed camera at the middle
    # of the west side facing east has its whole 60° wedge inside:
    # π * 30² / 6 = 471.24 m². They do not overlap (the wedge starts at
    # y = 50 and opens ±30° about east, down to y = 50 - 15 = 35 at 30 m
    # deep: the circle reaches y = 30). Polygons of 6° steps hold 0.2% less.
    corner = dome(0, 0)
    wedge = camera(0, 50, camera_type="fixed", directions=[90])

    result = exposure(square(0, 0, 100, 100))

    assert result.measure == "area"
    assert result.total == pytest.approx(10_000, rel=0.001)
    quarter, sixth = math.pi * 900 / 4, math.pi * 900 / 6
    assert seen_by(result) == {
        corner.pk: pytest.approx(quarter, rel=0.005),
        wedge.pk: pytest.approx(sixth, rel=0.005),
    }
    assert result.covered == pytest.approx(quarter + sixth, rel=0.005)
    assert result.share == pytest.approx((quarter + sixth) / 10_000, rel=0.005)
    assert result.covered_geometry["type"] == "MultiPolygon"


def test_overlapping_cones_in_an_area_are_counted_once():
    # Two 30 m circles 30 m apart inside a large square: each 2827.43 m²; the
    # lens they share is 2r²·acos(d/2r) - (d/2)·sqrt(4r² - d²) = 1105.63 m²,
    # so the union is 2 * 2827.43 - 1105.63 = 4549.23 m².
    v1, v2 = VendorFactory(), VendorFactory()
    dome(50, 50, vendor=v1)
    dome(80, 50, vendor=v2)
    r, d = 30, 30
    lens = 2 * r**2 * math.acos(d / (2 * r)) - (d / 2) * math.sqrt(4 * r**2 - d**2)

    result = exposure(square(0, 0, 200, 200))

    assert result.covered == pytest.approx(2 * math.pi * r**2 - lens, rel=0.005)
    assert sorted(g.covered for g in result.by_vendor) == pytest.approx(
        [math.pi * r**2] * 2, rel=0.005
    )


def test_a_camera_without_direction_near_an_area_is_listed():
    unknown = camera(-10, 50, camera_type="fixed")

    result = exposure(square(0, 0, 100, 100))

    assert [item.camera.id for item in result.direction_unknown] == [unknown.pk]
    assert result.direction_unknown[0].distance == pytest.approx(10, abs=0.05)


def test_a_cone_wider_than_half_a_turn_is_clipped_too(monkeypatch):
    # Not a default, but the table may say so: a 270° fixed camera 10 m north
    # facing north sees all but the 90° about south. The street points it
    # misses are those within 45° of south: |x| < 10 * tan(45°) = 10 m. It
    # sees 10..28.28 m either side: 2 * 18.28 = 36.57 m.
    monkeypatch.setitem(cones.FIELD_OF_VIEW_DEFAULTS["angles"], "fixed", 270)
    camera(0, 10, camera_type="fixed", directions=[0])

    result = exposure()

    assert result.covered == pytest.approx(2 * (HALF_CHORD - 10), abs=METRES)


def test_the_analysis_agrees_with_geos_on_a_random_layout():
    # 60 cameras of every type and kind scattered around a zigzag route
    # (which never retraces itself, so GEOS's unions count as the analysis
    # does): each camera's metres against the length of the projected route
    # inside the union of registry/cones.py's polygons.
    generator = random.Random(7)
    types = ["fixed", "dome", "panning", "panorama", "doorbell", ""]
    placed = []
    for _ in range(60):
        directions = [generator.uniform(0, 360) for _ in range(generator.choice((0, 1, 1, 2)))]
        tall = generator.random() < 0.3
        placed.append(
            camera(
                generator.uniform(-120, 120),
                generator.uniform(-45, 45),
                camera_type=generator.choice(types),
                kind=generator.choice(["camera", "ALPR"]),
                directions=directions,
                height=generator.uniform(3, 9) if tall else None,
                tilt=generator.uniform(10, 50) if tall else None,
            )
        )
    route = line((-100, 0), (-60, 20), (-20, -20), (20, 20), (60, -20), (100, 0))

    found = seen_by(exposure(route))

    srid = local_srid(*lonlat(0, 0))
    path = GEOSGeometry(json.dumps(route), srid=4326).transform(srid, clone=True)
    expected = {}
    for item in placed:
        shapes = cones.field_of_view(
            location=item.location.coords,
            directions=item.directions,
            camera_type=item.camera_type,
            kind=item.kind,
            height=item.height,
            tilt=item.tilt,
        )
        if shapes:
            union = MultiPolygon(*[_projected(shape, srid) for shape in shapes]).unary_union
            length = path.intersection(union).length
            if length > 0:
                expected[item.pk] = length
    assert len(expected) > 10
    for pk in found.keys() | expected.keys():
        assert found.get(pk, 0) == pytest.approx(expected.get(pk, 0), rel=0.01, abs=0.2), pk


def test_an_analysis_running_too_long_is_stopped_with_a_message(settings, monkeypatch):
    settings.EXPOSURE_TIMEOUT_SECONDS = 0.05
    monkeypatch.setattr(queries, "ROUTE_SQL", "SELECT pg_sleep(2)")

    with pytest.raises(ValidationError) as raised:
        exposure()

    assert raised.value.messages == [
        "The analysis took longer than 0.05 seconds and was stopped: try a shorter route or "
        "a smaller area."
    ]


def test_a_geometry_postgis_cannot_process_is_a_message_not_a_crash(monkeypatch):
    broken = "SELECT ST_MakePolygon(ST_GeomFromText('LINESTRING(0 0, 1 1, 2 0)'))"
    monkeypatch.setattr(queries, "ROUTE_SQL", broken)

    with pytest.raises(ValidationError) as raised:
        exposure()

    assert raised.value.code == "geometry_error"
    monkeypatch.undo()
    assert exposure().covered == 0  # the connection is still usable


def test_merged_joins_overlapping_and_touching_intervals_of_the_same_part():
    spans = [(1, 5.0, 9.0), (1, 0.0, 6.0), (1, 9.0, 12.0), (2, 0.0, 1.0), (1, 20.0, 21.0)]

    assert merged(spans) == [(1, 0.0, 12.0), (1, 20.0, 21.0), (2, 0.0, 1.0)]


def test_the_result_as_json_names_cameras_shares_and_units():
    vendor = VendorFactory(name="Acme")
    seer = dome(0, 10, directions=[180], vendor=vendor)

    data = exposure().as_dict(lambda pk: f"/cameras/{pk}/")

    assert (data["measure"], data["unit"], data["total"], data["covered"]) == (
        "length",
        "m",
        200.0,
        pytest.approx(20, abs=0.2),
    )
    (item,) = data["cameras"]
    assert item["id"] == seer.pk
    assert item["url"] == f"/cameras/{seer.pk}/"
    assert item["view"] == {"angle": 90.0, "range": 30.0, "circle": True}
    assert item["vendor"] == {"slug": "acme", "name": "Acme", "restricted": False}
    assert data["by_vendor"][0]["slug"] == "acme"
    json.dumps(data)  # plain JSON all through


# --------------------------------------------- the SQL cones are cones.py's


@pytest.mark.parametrize(
    ("where", "fields"),
    [
        ((-87.63, 41.88), {"camera_type": "fixed", "directions": [90]}),
        ((-87.63, 41.88), {"camera_type": "dome", "directions": []}),
        ((-87.63, 41.88), {"camera_type": "doorbell", "directions": [300], "kind": "ALPR"}),
        ((-87.63, 41.88), {"camera_type": "panorama", "directions": [10]}),
        ((-87.63, 41.88), {"directions": [45, 200], "height": 6, "tilt": 20}),
        # Far from its UTM zone's central meridian (-87°), where grid north
        # turns 2.5° from true north: the cones must still point true.
        ((-89.9, 60.0), {"camera_type": "fixed", "directions": [0]}),
        ((12.49, -41.9), {"camera_type": "dome", "directions": [135], "kind": "ALPR"}),
    ],
)
def test_the_sql_cone_of_a_camera_is_the_python_cone(where, fields):
    seer = CameraFactory(location=Point(*where, srid=4326), **fields)
    expected = cones.field_of_view(
        location=where,
        directions=seer.directions,
        camera_type=seer.camera_type,
        kind=seer.kind,
        height=seer.height,
        tilt=seer.tilt,
    )

    found = sql_cones([seer])[seer.pk]

    assert len(found) == len(expected)
    srid = local_srid(*where)
    for ours, theirs in zip(
        sorted(found, key=_bearing), sorted(expected, key=_bearing), strict=True
    ):
        ours_m, theirs_m = (_projected(shape, srid) for shape in (ours, theirs))
        assert ours_m.area == pytest.approx(theirs_m.area, rel=0.01)
        assert ours_m.sym_difference(theirs_m).area < 0.01 * theirs_m.area


def _projected(polygon: dict, srid: int):
    return GEOSGeometry(json.dumps(polygon), srid=4326).transform(srid, clone=True)


def _bearing(polygon: dict) -> float:
    centre = GEOSGeometry(json.dumps(polygon)).centroid
    return math.atan2(centre.x, centre.y)


def test_a_camera_without_direction_of_a_fixed_type_has_no_sql_cone():
    seer = camera(0, 0, camera_type="fixed")

    assert sql_cones([seer]) == {}


# ---------------------------------------------------------------- bad input


def message(document) -> str:
    with pytest.raises(ValidationError) as raised:
        geometry_from_geojson(document)
    (text,) = raised.value.messages
    return text


def file_message(data: bytes) -> str:
    with pytest.raises(ValidationError) as raised:
        geometry_from_bytes(data)
    (text,) = raised.value.messages
    return text


def test_a_self_intersecting_polygon_is_refused_with_where_it_crosses():
    # A bow tie: its edges cross at (50, 50).
    bow_tie = {
        "type": "Polygon",
        "coordinates": [
            [lonlat(0, 0), lonlat(100, 100), lonlat(100, 0), lonlat(0, 100), lonlat(0, 0)]
        ],
    }

    text = message(bow_tie)

    assert text.startswith("The area is not a valid polygon: self-intersection at longitude ")
    assert text.endswith("Redraw it so that its edges do not cross.")


def test_an_open_ring_is_refused():
    ring = square(0, 0, 100, 100)["coordinates"][0][:-1]

    assert message({"type": "Polygon", "coordinates": [ring]}) == (
        "Ring 1 of the area is not a closed ring: it needs at least four positions, the "
        "last repeating the first."
    )


def test_a_crs_other_than_wgs84_is_refused():
    document = {
        **STREET,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
    }

    assert message(document) == (
        "The file declares the coordinate reference system “urn:ogc:def:crs:EPSG::3857”. "
        "GeoJSON (RFC 7946) is in WGS 84 longitude/latitude only: export it in WGS 84 "
        "(EPSG:4326)."
    )


def test_a_crs_naming_wgs84_is_accepted():
    document = {
        "type": "Feature",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "properties": {},
        "geometry": STREET,
    }

    assert geometry_from_geojson(document).geom_type == "LineString"


def test_projected_coordinates_are_named_as_such():
    document = {"type": "LineString", "coordinates": [[-9754000.5, 5142000], [-9753800, 5142000]]}

    assert message(document) == (
        "The position -9754000.5, 5142000.0 is not longitude/latitude in degrees: it looks "
        "projected (metres). GeoJSON (RFC 7946) is WGS 84 longitude/latitude only: export it "
        "in WGS 84 (EPSG:4326)."
    )


def test_swapped_coordinates_are_suspected():
    document = {"type": "LineString", "coordinates": [[41.88, -87.63], [41.88, -97.62]]}

    assert "are longitude and latitude swapped?" in message(document)


def test_a_line_of_one_repeated_point_is_refused():
    document = {"type": "LineString", "coordinates": [lonlat(0, 0), lonlat(0, 0)]}

    assert message(document) == "The route needs at least two different points."


def test_a_route_of_points_a_hair_apart_is_too_short():
    document = {"type": "LineString", "coordinates": [[-87.63, 41.88], [-87.63, 41.8800001]]}

    assert message(document) == "The route is shorter than a metre."


def test_points_and_collections_are_the_wrong_type():
    assert message({"type": "Point", "coordinates": lonlat(0, 0)}) == (
        "A Point cannot be analysed: send a route (LineString or MultiLineString) or an area "
        "(Polygon or MultiPolygon)."
    )


def test_a_collection_of_two_features_is_refused():
    feature = {"type": "Feature", "properties": {}, "geometry": STREET}

    assert message({"type": "FeatureCollection", "features": [feature, feature]}) == (
        "The FeatureCollection holds 2 features; send exactly one route or one area."
    )


def test_an_empty_collection_and_a_feature_without_geometry_have_no_geometry():
    assert message({"type": "FeatureCollection", "features": []}) == (
        "The FeatureCollection holds no feature: there is no route or area in it."
    )
    assert message({"type": "Feature", "properties": {}, "geometry": None}) == (
        "The feature has no geometry: there is no route or area in it."
    )


def test_a_route_over_the_configured_length_is_refused(settings):
    settings.EXPOSURE_MAX_ROUTE_KM = 0.15

    assert message(STREET) == (
        "The route is 0.2 km long; Sightline analyses routes of up to 0.1 km. Split it into "
        "shorter parts."
    )


def test_an_area_over_the_configured_size_is_refused(settings):
    settings.EXPOSURE_MAX_AREA_KM2 = 1

    assert message(square(0, 0, 2000, 1000)) == (
        "The area covers 2 km²; Sightline analyses areas of up to 1 km²."
    )


def test_a_route_across_the_antimeridian_is_refused():
    document = {"type": "LineString", "coordinates": [[179.99, 0], [-179.99, 0]]}

    assert "cross the antimeridian" in message(document)


def test_an_empty_file_is_refused():
    assert file_message(b"  \n") == "The file is empty."


def test_a_file_that_is_not_json_says_where_it_breaks():
    assert file_message(b'{"type": "LineString",') == (
        "This is neither GeoJSON nor GPX: it is not valid JSON (Expecting property name "
        "enclosed in double quotes at line 1, column 23)."
    )


def test_an_oversized_file_is_refused(settings):
    settings.EXPOSURE_MAX_UPLOAD_BYTES = 1_000_000

    assert file_message(b" " * 1_500_000) == (
        "The file is 1.5 MB; Sightline reads files of up to 1.0 MB."
    )


def test_json_with_nan_is_not_json():
    data = b'{"type": "LineString", "coordinates": [[NaN, 1], [0, 1]]}'

    assert file_message(data) == "This is not valid JSON: NaN is not a JSON number."


GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <wpt lat="41.88" lon="-87.63"><name>start</name></wpt>
  {body}
</gpx>"""


def gpx(body: str) -> bytes:
    return GPX.format(body=body).encode()


def trkpt(east: float, north: float) -> str:
    lon, lat = lonlat(east, north)
    return f'<trkpt lat="{lat}" lon="{lon}"><ele>180</ele></trkpt>'


def test_a_gpx_track_is_read_as_its_route():
    body = f"<trk><trkseg>{trkpt(-100, 0)}{trkpt(0, 0)}{trkpt(100, 0)}</trkseg></trk>"

    geometry = geometry_from_bytes(gpx(body))

    assert geometry.geom_type == "LineString"
    assert geometry.coords[0] == pytest.approx(tuple(lonlat(-100, 0)))
    assert len(geometry.coords) == 3


def test_a_gpx_track_of_two_segments_is_a_multilinestring_without_lone_points():
    body = (
        f"<trk><trkseg>{trkpt(-100, 0)}{trkpt(0, 0)}</trkseg>"
        f"<trkseg>{trkpt(50, 0)}</trkseg>"
        f"<trkseg>{trkpt(60, 0)}{trkpt(100, 0)}</trkseg></trk>"
    )

    geometry = geometry_from_bytes(gpx(body))

    assert geometry.geom_type == "MultiLineString"
    assert len(geometry) == 2


def test_a_gpx_route_is_read_when_there_is_no_track():
    lon, lat = lonlat(100, 0)
    body = f'<rte><rtept lat="41.88" lon="-87.63"/><rtept lat="{lat}" lon="{lon}"/></rte>'

    assert geometry_from_bytes(gpx(body)).geom_type == "LineString"


def test_gpx_without_track_or_route_is_refused():
    assert file_message(gpx("")) == (
        "The GPX file holds no track or route: there is nothing to analyse in it."
    )


def test_gpx_with_two_tracks_is_refused():
    track = f"<trk><trkseg>{trkpt(0, 0)}{trkpt(10, 0)}</trkseg></trk>"

    assert file_message(gpx(track * 2)) == (
        "The GPX file holds 2 tracks; send one track at a time."
    )


def test_broken_gpx_says_where_it_breaks():
    assert file_message(gpx("<trk><trkseg></trk>")) == (
        "The GPX file is not well-formed XML (mismatched tag at line 4, column 18)."
    )


def test_gpx_with_entities_is_refused():
    data = b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaa">]><gpx>&a;</gpx>'

    assert file_message(data) == (
        "This GPX file declares a document type or entities, which GPX does not use."
    )


@pytest.mark.parametrize(
    "encoding, data",
    [
        ("UTF-7", "+AGEAYg-"),
        ("Shift_JIS", "\u6771\u4eac"),
        ("ISO-8859-1", "caf\xe9"),
        ("no-such-charset", "x"),
    ],
)
def test_gpx_in_an_encoding_other_than_utf8_is_refused_naming_it(encoding, data):
    track = f"<trk><name>{data}</name><trkseg>{trkpt(0, 0)}{trkpt(0, 50)}</trkseg></trk>"
    document = GPX.replace('encoding="UTF-8"', f'encoding="{encoding}"').format(body=track)

    assert file_message(document.encode("utf-8")) == (
        f"The GPX file is written in {encoding}; GPX is UTF-8, and Sightline reads only that: "
        "save the file as UTF-8 and send it again."
    )


def test_gpx_in_utf16_is_refused():
    document = GPX.replace('encoding="UTF-8"', 'encoding="UTF-16"').format(body="")

    assert file_message(document.encode("utf-16")) == (
        "The file is written in UTF-16; Sightline reads GeoJSON and GPX in UTF-8: save it as "
        "UTF-8 and send it again."
    )


def test_gpx_declaring_utf8_but_holding_other_bytes_says_where_it_breaks():
    track = f"<trk><name>caf\xe9</name><trkseg>{trkpt(0, 0)}{trkpt(0, 50)}</trkseg></trk>"

    assert "not well-formed XML (not well-formed (invalid token)" in file_message(
        gpx(track).decode().encode("latin-1")
    )


def test_a_track_of_more_points_than_configured_is_refused_before_it_is_read(settings):
    settings.EXPOSURE_MAX_POINTS = 100
    points = "".join(trkpt(0, north / 10) for north in range(101))

    assert file_message(gpx(f"<trk><trkseg>{points}</trkseg></trk>")) == (
        "The geometry has 101 points; Sightline analyses up to 100 (EXPOSURE_MAX_POINTS). "
        "Simplify it (GPS software calls this reducing or simplifying a track) and send it "
        "again."
    )


def test_a_geojson_geometry_of_more_points_than_configured_is_refused(settings):
    settings.EXPOSURE_MAX_POINTS = 10
    line = {"type": "LineString", "coordinates": [list(lonlat(0, n)) for n in range(11)]}

    assert "The geometry has 11 points" in message(line)


def test_other_xml_is_not_gpx():
    assert file_message(b'<?xml version="1.0"?><kml><Document/></kml>') == (
        "This is an XML file but not GPX: send GPX or GeoJSON."
    )


@pytest.mark.parametrize(
    "position", [[-87.63, 41.88, "x"], [-87.63, 41.88, 10, 20], [-87.63], ["-87.63", 41.88]]
)
def test_a_position_is_two_or_three_numbers(position):
    document = {"type": "LineString", "coordinates": [position, [-87.62, 41.88]]}

    assert message(document).startswith(
        "The route has a position that is not [longitude, latitude]:"
    )


def test_an_altitude_is_accepted_and_ignored():
    document = {"type": "LineString", "coordinates": [[-87.63, 41.88, 180], [-87.62, 41.88, 181]]}

    assert geometry_from_geojson(document).coords == ((-87.63, 41.88), (-87.62, 41.88))
