"""Camera vector tiles (/tiles/cameras/{z}/{x}/{y}.mvt) and the grid pyramid
behind them, decoded with mapbox-vector-tile.

Positions are checked against Web Mercator computed here from its
definition (EPSG:3857), independently of the SQL that serves the tiles."""

from __future__ import annotations

import math
from datetime import date, timedelta
from io import StringIO

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from registry.imports.cameras import import_features
from registry.imports.geojson import read_feature
from registry.models import Camera, CameraCapability, Status, TileCell
from registry.services import (
    camera_create,
    camera_hide,
    camera_remove,
    camera_set_status,
    camera_unhide,
    camera_update,
)
from registry.services.tiles import tile_cells_drift, tile_cells_rebuild
from tests.factories import (
    CameraFactory,
    OperatorFactory,
    VendorFactory,
    VendorRestrictionFactory,
)

pytestmark = pytest.mark.django_db

EARTH_RADIUS = 6378137.0
HALF_WORLD = math.pi * EARTH_RADIUS
EXTENT = 4096
CHICAGO = (-87.63, 41.88)


# ------------------------------------------------------------ Web Mercator


def mercator(lon: float, lat: float) -> tuple[float, float]:
    return (
        math.radians(lon) * EARTH_RADIUS,
        math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * EARTH_RADIUS,
    )


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    x, y = mercator(lon, lat)
    size = 2 * HALF_WORLD / 2**z
    return z, int((x + HALF_WORLD) // size), int((HALF_WORLD - y) // size)


def pixel(tile: tuple[int, int, int], x: float, y: float) -> tuple[float, float]:
    """MVT coordinates (y down) in `tile` of a Web-Mercator position."""
    z, column, row = tile
    size = 2 * HALF_WORLD / 2**z
    west, north = -HALF_WORLD + column * size, HALF_WORLD - row * size
    return (x - west) / size * EXTENT, (north - y) / size * EXTENT


def lonlat_in(tile: tuple[int, int, int], fx: float, fy: float) -> tuple[float, float]:
    """The WGS 84 position at fractions (fx, fy) across `tile` from its
    north-west corner."""
    z, column, row = tile
    n = 2**z
    lon = (column + fx) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (row + fy) / n))))
    return lon, lat


# ------------------------------------------------------------ requests


def get_tile(client, tile: tuple[int, int, int], **query):
    z, x, y = tile
    return client.get(reverse("camera-tile", args=[z, x, y]), query)


def layers(response) -> dict:
    assert response.status_code in (200, 204), response.content
    if response.status_code == 204:
        return {}
    return mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True})


def camera_ids(client, tile, **query) -> set[int]:
    decoded = layers(get_tile(client, tile, **query))
    assert "clusters" not in decoded
    features = decoded.get("cameras", {}).get("features", [])
    return {feature["properties"]["id"] for feature in features}


def clusters(client, tile, **query) -> list[dict]:
    decoded = layers(get_tile(client, tile, **query))
    assert "cameras" not in decoded
    return decoded.get("clusters", {}).get("features", [])


def cluster_total(client, tile, **query) -> int:
    return sum(feature["properties"]["count"] for feature in clusters(client, tile, **query))


def camera_at(lon: float, lat: float, **values) -> Camera:
    return CameraFactory(location=Point(lon, lat, srid=4326), **values)


# ------------------------------------------------------------ the pyramid


def assert_pyramid_exact() -> None:
    """The pyramid equals a rebuild from scratch, and every level counts
    exactly the visible cameras (so a rebuild wrong in the same way as the
    triggers would not pass either)."""
    assert tile_cells_drift() == 0
    visible = Camera.objects.exclude(status=Status.HIDDEN).count()
    totals = dict(TileCell.objects.values_list("level").annotate(total=Sum("n")))
    assert totals == (dict.fromkeys(range(18), visible) if visible else {})


def finest_cells() -> dict[tuple, tuple[int, int, int]]:
    """Level-17 cells: (x, y, kind, status, vendor_id, operator_id) -> (n, sum_x, sum_y)."""
    return {
        (cell.x, cell.y, cell.kind, cell.status, cell.vendor_id, cell.operator_id): (
            cell.n,
            cell.sum_x,
            cell.sum_y,
        )
        for cell in TileCell.objects.filter(level=17)
    }


def finest_key(lon: float, lat: float) -> tuple[int, int]:
    _z, x, y = tile_of(lon, lat, 17)
    return x, y


def centimetres(lon: float, lat: float) -> tuple[int, int]:
    x, y = mercator(lon, lat)
    return round(x * 100), round(y * 100)


def create(lon: float, lat: float, **values) -> Camera:
    return camera_create(location=Point(lon, lat, srid=4326), actor=None, **values)


def test_a_new_camera_is_counted_at_every_level_with_its_position():
    camera = create(*CHICAGO, kind="ALPR")

    assert finest_cells() == {
        (*finest_key(*CHICAGO), "ALPR", "reported", 0, 0): (1, *centimetres(*CHICAGO))
    }
    assert TileCell.objects.get(level=0).n == 1
    assert camera.pk
    assert_pyramid_exact()


def test_a_move_takes_the_camera_out_of_its_old_cell():
    camera = create(*CHICAGO, kind="camera")

    camera_update(camera=camera, actor=None, location=Point(-87.9, 42.1, srid=4326))

    assert finest_cells() == {
        (*finest_key(-87.9, 42.1), "camera", "reported", 0, 0): (1, *centimetres(-87.9, 42.1))
    }
    assert_pyramid_exact()


def test_a_move_within_a_cell_moves_its_sums():
    camera = create(*CHICAGO, kind="camera")
    nearby = (CHICAGO[0] + 0.00001, CHICAGO[1])
    assert finest_key(*nearby) == finest_key(*CHICAGO)

    camera_update(camera=camera, actor=None, location=Point(*nearby, srid=4326))

    assert finest_cells() == {
        (*finest_key(*CHICAGO), "camera", "reported", 0, 0): (1, *centimetres(*nearby))
    }
    assert_pyramid_exact()


def test_kind_vendor_and_operator_changes_move_the_camera_between_keys():
    vendor, operator = VendorFactory(), OperatorFactory()
    camera = create(*CHICAGO, kind="camera")

    camera = camera_update(camera=camera, actor=None, kind="ALPR")
    camera = camera_update(camera=camera, actor=None, vendor=vendor, operator=operator)

    key = (*finest_key(*CHICAGO), "ALPR", "reported", vendor.pk, operator.pk)
    assert finest_cells() == {key: (1, *centimetres(*CHICAGO))}
    assert_pyramid_exact()


def test_status_changes_keep_the_pyramid_exact():
    camera = create(*CHICAGO, kind="camera")
    create(-87.7, 41.9, kind="camera")

    camera = camera_set_status(camera=camera, status=Status.VERIFIED, actor=None, reason="seen")
    assert_pyramid_exact()
    camera_remove(camera=camera, removed_on=date(2026, 1, 5), actor=None, reason="gone")

    assert {key[3] for key in finest_cells()} == {"reported", "removed"}
    assert_pyramid_exact()


def test_hidden_cameras_leave_the_pyramid_and_come_back_when_unhidden():
    camera = create(*CHICAGO, kind="camera")

    camera = camera_hide(camera=camera, actor=None, reason="spam")
    assert not TileCell.objects.exists()
    assert_pyramid_exact()

    camera_unhide(camera=camera, actor=None, reason="real after all")
    assert TileCell.objects.filter(level=17).count() == 1
    assert_pyramid_exact()


def test_deleting_cameras_empties_their_cells():
    keep = create(*CHICAGO, kind="camera")
    gone = create(-87.9, 42.1, kind="ALPR")

    Camera.objects.filter(pk=gone.pk).delete()

    assert finest_cells() == {
        (*finest_key(*CHICAGO), "camera", "reported", 0, 0): (1, *centimetres(*CHICAGO))
    }
    assert keep.pk
    assert_pyramid_exact()


def test_a_set_based_update_of_many_cameras_is_one_exact_delta():
    for step in range(20):
        camera_at(-87.6 + step * 0.01, 41.88 + step * 0.005, kind="camera")

    Camera.objects.filter(location__bbcontains=Point(-87.6, 41.88, srid=4326)).update(kind="ALPR")
    Camera.objects.filter(pk__in=Camera.objects.order_by("pk").values("pk")[:7]).update(
        status=Status.VERIFIED
    )

    assert_pyramid_exact()
    verified = TileCell.objects.filter(level=0, status="verified")
    assert verified.aggregate(total=Sum("n"))["total"] == 7
    assert set(verified.values_list("kind", flat=True)) == {"camera", "ALPR"}


def osm_node(osm_id: int, lon: float, lat: float, kind: str = "camera"):
    """An OSM node as the GeoJSON reader gives it to an import."""
    return read_feature(
        osm_id,
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {
                "id": osm_id,
                "data_source": "planet_osm",
                "man_made": "surveillance",
                "surveillance:type": kind,
            },
        },
    )


def test_a_first_import_into_an_empty_registry_builds_the_pyramid():
    features = [osm_node(n, -87.6 + n * 0.001, 41.88, "ALPR") for n in range(1, 31)]

    report = import_features(features=features, dataset_name="osm")

    assert report.created == 30
    assert_pyramid_exact()
    assert TileCell.objects.get(level=0).n == 30


def test_writes_after_a_first_import_are_counted_again():
    import_features(features=[osm_node(1, *CHICAGO)], dataset_name="osm")

    create(-87.9, 42.1, kind="ALPR")

    assert TileCell.objects.filter(level=0).aggregate(total=Sum("n"))["total"] == 2
    assert_pyramid_exact()


def test_an_import_into_a_populated_registry_adds_its_deltas():
    create(*CHICAGO, kind="camera")
    features = [osm_node(n, -87.6 + n * 0.001, 41.9) for n in range(1, 11)]

    import_features(features=features, dataset_name="osm")
    moved = [osm_node(n, -87.5 + n * 0.001, 41.7) for n in range(1, 6)]
    import_features(features=moved, dataset_name="osm")

    assert TileCell.objects.filter(level=0).aggregate(total=Sum("n"))["total"] == 11
    assert_pyramid_exact()


def test_rebuild_restores_a_damaged_pyramid():
    create(*CHICAGO, kind="camera")
    TileCell.objects.filter(level=5).update(n=7)
    assert tile_cells_drift() == 1

    cells = tile_cells_rebuild()

    assert cells == 18
    assert_pyramid_exact()


def test_the_command_checks_by_default_and_rebuilds_with_commit():
    create(*CHICAGO, kind="camera")
    TileCell.objects.filter(level=3).delete()
    with pytest.raises(CommandError, match="differs from the cameras in 1 cells"):
        call_command("rebuild_tile_cells", stdout=StringIO())
    assert not TileCell.objects.filter(level=3).exists()  # checking changed nothing

    out = StringIO()
    call_command("rebuild_tile_cells", "--commit", stdout=out)

    assert "18 cells" in out.getvalue()
    assert_pyramid_exact()


# ------------------------------------------------------------ clusters


def test_clusters_count_the_cameras_of_each_cell_at_their_mean_position(client):
    tile = tile_of(*CHICAGO, 8)
    # Three cameras in one cell (1/8 of the tile across), one in another.
    together = [lonlat_in(tile, 0.30 + dx, 0.40 + dy) for dx, dy in ((0, 0), (0.05, 0), (0, 0.08))]
    for (lon, lat), kind in zip(together, ("camera", "camera", "ALPR"), strict=True):
        camera_at(lon, lat, kind=kind)
    alone = lonlat_in(tile, 0.80, 0.15)
    camera_at(*alone, kind="")

    features = sorted(clusters(client, tile), key=lambda f: -f["properties"]["count"])

    assert [f["properties"] for f in features] == [
        {"count": 3, "count_camera": 2, "count_ALPR": 1},
        {"count": 1, "count_unknown": 1},
    ]
    positions = [mercator(lon, lat) for lon, lat in together]
    mean = (sum(p[0] for p in positions) / 3, sum(p[1] for p in positions) / 3)
    assert features[0]["geometry"]["coordinates"] == pytest.approx(pixel(tile, *mean), abs=1)
    assert features[1]["geometry"]["coordinates"] == pytest.approx(
        pixel(tile, *mercator(*alone)), abs=1
    )


def test_clusters_sum_cells_over_statuses_vendors_and_operators(client):
    tile = tile_of(*CHICAGO, 5)
    lon, lat = lonlat_in(tile, 0.5, 0.5)
    camera_at(lon, lat, kind="camera", vendor=VendorFactory())
    camera_at(lon, lat, kind="camera", operator=OperatorFactory(), status=Status.VERIFIED)
    camera_at(lon, lat, kind="camera")

    assert [f["properties"] for f in clusters(client, tile)] == [{"count": 3, "count_camera": 3}]


def test_a_tile_holds_only_the_cells_inside_it(client):
    tile = tile_of(*CHICAGO, 6)
    camera_at(*lonlat_in(tile, 0.5, 0.5))
    camera_at(*lonlat_in(tile, 1.5, 0.5))  # the neighbour to the east

    assert cluster_total(client, tile) == 1
    assert cluster_total(client, (tile[0], tile[1] + 1, tile[2])) == 1


def test_a_camera_on_a_tile_edge_belongs_to_exactly_one_tile(client):
    # -90° is the edge between two columns of tiles at every zoom from 2.
    camera = camera_at(-90.0, 41.88)
    for z in (4, 16):
        _z, west, row = tile_of(-90.0001, 41.88, z)
        if z == 16:
            found = [camera_ids(client, (z, west, row)), camera_ids(client, (z, west + 1, row))]
            assert sorted(found, key=len) == [set(), {camera.pk}]
        else:
            totals = [cluster_total(client, (z, column, row)) for column in (west, west + 1)]
            assert sorted(totals) == [0, 1]


def test_live_clusters_use_the_same_cells_as_the_pyramid(client):
    """A capability filter is counted from the cameras: with every camera
    holding it, the tile must be the one the pyramid gives."""
    tile = tile_of(*CHICAGO, 7)
    for fx, fy in ((0.1, 0.1), (0.12, 0.11), (0.6, 0.7), (0.9, 0.3)):
        camera = camera_at(*lonlat_in(tile, fx, fy), kind="ALPR")
        CameraCapability.objects.create(camera=camera, capability="plate_reading")

    from_pyramid = clusters(client, tile)
    live = clusters(client, tile, capability="plate_reading")

    def key(feature):
        return feature["geometry"]["coordinates"]

    assert sorted(live, key=key) == sorted(from_pyramid, key=key)
    assert len(live) == 3


# ------------------------------------------------------------ cameras


def test_cameras_at_high_zoom_carry_their_properties(client):
    flock = VendorFactory(name="Flock Safety", slug="flock-safety")
    VendorRestrictionFactory(vendor=flock)
    police = OperatorFactory(name="Chicago Police Department", slug="chicago-police")
    lon, lat = CHICAGO
    camera = camera_at(
        lon,
        lat,
        kind="ALPR",
        camera_type="fixed",
        directions=[0.0, 90.5],
        height=4.5,
        tilt=15.0,
        vendor=flock,
        operator=police,
        last_confirmed=date(2026, 3, 1),
    )
    tile = tile_of(lon, lat, 16)

    (feature,) = layers(get_tile(client, tile))["cameras"]["features"]

    assert feature["properties"] == {
        "id": camera.pk,
        "kind": "ALPR",
        "status": "reported",
        "stale": False,
        "camera_type": "fixed",
        "directions": "0,90.5",
        "height": 4.5,
        "tilt": 15.0,
        "vendor": "Flock Safety",
        "operator": "Chicago Police Department",
        "restricted": True,
        "last_confirmed": "2026-03-01",
    }
    assert feature["geometry"]["coordinates"] == pytest.approx(
        pixel(tile, *mercator(lon, lat)), abs=1
    )


def test_unknown_values_are_left_out_of_a_camera(client):
    camera = camera_at(*CHICAGO, kind="", camera_type="")

    (feature,) = layers(get_tile(client, tile_of(*CHICAGO, 16)))["cameras"]["features"]

    assert feature["properties"] == {
        "id": camera.pk,
        "kind": "",
        "status": "reported",
        "stale": False,
        "camera_type": "",
        "restricted": False,
    }


def test_a_camera_not_confirmed_for_too_long_is_stale(client, settings):
    settings.CAMERA_STALE_AFTER_DAYS = 730
    today = timezone.localdate()
    old = camera_at(*CHICAGO, last_confirmed=today - timedelta(days=731))
    recent = camera_at(*CHICAGO, last_confirmed=today - timedelta(days=729))
    seen_long_ago = camera_at(*CHICAGO, first_seen=today - timedelta(days=800))
    removed = camera_at(
        *CHICAGO,
        status=Status.REMOVED,
        removed_on=today,
        last_confirmed=today - timedelta(days=900),
    )

    features = layers(get_tile(client, tile_of(*CHICAGO, 16)))["cameras"]["features"]

    stale = {f["properties"]["id"]: f["properties"]["stale"] for f in features}
    # A removed camera is no longer in place: it cannot be stale.
    assert stale == {old.pk: True, recent.pk: False, seen_long_ago.pk: True, removed.pk: False}


def test_cameras_beyond_the_edge_of_web_mercator_are_in_its_top_row(client):
    camera = camera_at(10.0, 88.0)
    _z, column, _row = tile_of(10.0, 85.0, 16)

    assert camera_ids(client, (16, column, 0)) == {camera.pk}
    assert cluster_total(client, tile_of(10.0, 85.0, 3)) == 1
    assert_pyramid_exact()


def test_hidden_cameras_never_appear_in_any_tile(client):
    camera_at(*CHICAGO, status=Status.HIDDEN)

    for z in (2, 8, 12, 16):
        assert get_tile(client, tile_of(*CHICAGO, z)).status_code == 204
    assert not TileCell.objects.exists()


# ------------------------------------------------------------ filters


@pytest.fixture
def street(db):
    """Four cameras within a few metres (one z16 tile) and one hidden."""
    flock = VendorFactory(name="Flock Safety", slug="flock-safety")
    hikvision = VendorFactory(name="Hikvision", slug="hikvision")
    VendorRestrictionFactory(vendor=hikvision)
    police = OperatorFactory(name="Chicago Police", slug="chicago-police")
    lon, lat = lonlat_in(tile_of(*CHICAGO, 16), 0.5, 0.5)
    cameras = {
        "alpr": camera_at(
            lon,
            lat,
            kind="ALPR",
            vendor=flock,
            operator=police,
            last_confirmed=date(2025, 6, 1),
        ),
        "dome": camera_at(lon + 0.0001, lat, kind="camera", vendor=hikvision),
        "verified": camera_at(lon, lat + 0.0001, kind="camera", status=Status.VERIFIED),
        "removed": camera_at(
            lon - 0.0001,
            lat,
            kind="camera",
            operator=police,
            status=Status.REMOVED,
            removed_on=date(2025, 1, 1),
            last_confirmed=date(2023, 1, 1),
        ),
    }
    camera_at(lon, lat - 0.0001, kind="ALPR", vendor=flock, status=Status.HIDDEN)
    CameraCapability.objects.create(camera=cameras["dome"], capability="face_recognition")
    return cameras


FILTER_CASES = [
    ({}, {"alpr", "dome", "verified", "removed"}),
    ({"kind": "ALPR"}, {"alpr"}),
    ({"kind": "ALPR,camera"}, {"alpr", "dome", "verified", "removed"}),
    ({"vendor": "flock-safety"}, {"alpr"}),
    ({"operator": "chicago-police"}, {"alpr", "removed"}),
    ({"status": "verified"}, {"verified"}),
    ({"status": "removed,reported"}, {"alpr", "dome", "removed"}),
    ({"restricted": "1"}, {"dome"}),
    ({"capability": "face_recognition"}, {"dome"}),
    ({"confirmed_since": "2024-01-01"}, {"alpr"}),
    ({"kind": "camera", "operator": "chicago-police"}, {"removed"}),
]


@pytest.mark.parametrize(("query", "expected"), FILTER_CASES)
def test_filters_choose_the_cameras_of_a_street_tile(client, street, query, expected):
    ids = camera_ids(client, tile_of(*CHICAGO, 16), **query)

    assert ids == {street[name].pk for name in expected}


@pytest.mark.parametrize(("query", "expected"), FILTER_CASES)
def test_filters_choose_what_clusters_count(client, street, query, expected):
    assert cluster_total(client, tile_of(*CHICAGO, 4), **query) == len(expected)


def test_a_filter_matching_nothing_gives_an_empty_tile(client, street):
    for z in (4, 16):
        response = get_tile(client, tile_of(*CHICAGO, z), kind="gunshot_detector")
        assert response.status_code == 204
        assert response.content == b""


# ------------------------------------------------------------ the switch


def test_low_zooms_always_show_clusters(client, settings):
    settings.TILES_ADAPTIVE_MIN_ZOOM = 10
    camera_at(*CHICAGO)

    assert len(clusters(client, tile_of(*CHICAGO, 9))) == 1


def test_a_sparse_tile_shows_cameras_from_the_adaptive_zoom(client, settings):
    settings.TILES_ADAPTIVE_MIN_ZOOM = 10
    settings.TILES_ADAPTIVE_MAX_CAMERAS = 2
    first = camera_at(*CHICAGO)
    second = camera_at(CHICAGO[0] + 0.001, CHICAGO[1])

    assert camera_ids(client, tile_of(*CHICAGO, 10)) == {first.pk, second.pk}


def test_a_dense_tile_shows_clusters_until_the_individual_zoom(client, settings):
    settings.TILES_ADAPTIVE_MIN_ZOOM = 10
    settings.TILES_ADAPTIVE_MAX_CAMERAS = 2
    settings.TILES_INDIVIDUAL_MIN_ZOOM = 14
    for step in range(3):
        camera_at(CHICAGO[0] + step * 0.0001, CHICAGO[1])

    assert cluster_total(client, tile_of(*CHICAGO, 13)) == 3
    assert len(camera_ids(client, tile_of(*CHICAGO, 14))) == 3


def test_the_switch_counts_only_what_the_filters_keep(client, settings):
    settings.TILES_ADAPTIVE_MIN_ZOOM = 10
    settings.TILES_ADAPTIVE_MAX_CAMERAS = 2
    alpr = camera_at(*CHICAGO, kind="ALPR")
    for step in range(1, 4):
        camera_at(CHICAGO[0] + step * 0.0001, CHICAGO[1], kind="camera")

    assert camera_ids(client, tile_of(*CHICAGO, 11), kind="ALPR") == {alpr.pk}
    assert cluster_total(client, tile_of(*CHICAGO, 11)) == 4


def test_a_tile_over_the_camera_limit_falls_back_to_clusters(client, settings):
    settings.TILES_INDIVIDUAL_MIN_ZOOM = 15
    settings.TILES_INDIVIDUAL_MAX_CAMERAS = 5
    for step in range(6):
        camera_at(CHICAGO[0] + step * 0.00002, CHICAGO[1])

    assert cluster_total(client, tile_of(*CHICAGO, 17)) == 6


def test_a_pyramid_undercount_never_lets_a_tile_exceed_the_camera_limit(client, settings):
    settings.TILES_INDIVIDUAL_MIN_ZOOM = 15
    settings.TILES_INDIVIDUAL_MAX_CAMERAS = 5
    for step in range(6):
        camera_at(CHICAGO[0] + step * 0.00002, CHICAGO[1])
    TileCell.objects.filter(level=17).update(n=1)

    assert cluster_total(client, tile_of(*CHICAGO, 17)) == 6


def test_no_tile_exceeds_the_size_limit(client, settings):
    settings.TILES_MAX_BYTES = 600
    vendor = VendorFactory(name="A vendor with a long name " * 4)
    for step in range(40):
        camera_at(CHICAGO[0] + step * 0.00002, CHICAGO[1], vendor=vendor, directions=[step])
    tile = tile_of(*CHICAGO, 16)

    response = get_tile(client, tile)

    assert len(response.content) <= 600
    assert cluster_total(client, tile) == 40


# ------------------------------------------------------------ HTTP


def test_a_tile_is_a_cacheable_vector_tile(client):
    camera_at(*CHICAGO)

    response = get_tile(client, tile_of(*CHICAGO, 16))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.mapbox-vector-tile"
    assert response["Cache-Control"] == "public, max-age=60"


def test_an_empty_tile_is_204_without_a_body(client):
    response = get_tile(client, tile_of(*CHICAGO, 16))

    assert response.status_code == 204
    assert response.content == b""
    assert response["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/cameras/23/0/0.mvt",  # beyond TILES_MAX_ZOOM
        "/tiles/cameras/0/1/0.mvt",
        "/tiles/cameras/0/0/1.mvt",
        "/tiles/cameras/3/8/2.mvt",
        "/tiles/cameras/3/2/8.mvt",
        "/tiles/cameras/99999999999999999999/0/0.mvt",
        "/tiles/cameras/a/0/0.mvt",
        "/tiles/cameras/1/-1/0.mvt",
        "/tiles/cameras/1/0/0.5.mvt",
    ],
)
def test_tiles_that_do_not_exist_are_404(client, path):
    assert client.get(path).status_code == 404


def test_the_highest_zoom_exists(client, settings):
    settings.TILES_MAX_ZOOM = 22
    last = 2**22 - 1

    assert client.get(f"/tiles/cameras/22/{last}/{last}.mvt").status_code == 204


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"kind": "spaceship"}, "kind"),
        ({"vendor": "no-such-vendor"}, "vendor"),
        ({"operator": "nobody"}, "operator"),
        ({"capability": "mind_reading"}, "capability"),
        ({"status": "hidden"}, "status"),
        ({"restricted": "maybe"}, "restricted"),
        ({"confirmed_since": "last tuesday"}, "confirmed_since"),
    ],
)
def test_a_filter_value_not_understood_is_400_naming_the_parameter(client, query, parameter):
    response = get_tile(client, tile_of(*CHICAGO, 10), **query)

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert f"Bad value for {parameter}: " in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_tiles_use_prepared_statements(client):
    camera_at(*CHICAGO)
    connection.close()  # a fresh session, with nothing prepared yet

    get_tile(client, tile_of(*CHICAGO, 16))

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("FROM registry_tilecell" in statement for statement in prepared)
    assert any("ST_AsMVT" in statement for statement in prepared)


# ------------------------------------------------------------ the shared tile cache


@pytest.fixture
def shared_tile_cache(settings):
    from django.core.cache import cache

    settings.TILES_SHARED_CACHE_SECONDS = 60
    cache.clear()
    yield cache
    cache.clear()


def test_a_tile_is_computed_once_then_served_from_the_shared_cache(client, shared_tile_cache):
    camera = camera_at(2.35, 48.85)
    tile = tile_of(2.35, 48.85, 16)
    assert camera_ids(client, tile) == {camera.pk}
    Camera.objects.filter(pk=camera.pk).update(location=Point(10, 10, srid=4326))

    # Within its lifetime the kept tile is served as it was computed.
    assert camera_ids(client, tile) == {camera.pk}


def test_the_shared_cache_keeps_each_filter_apart(client, shared_tile_cache):
    alpr = camera_at(2.35, 48.85, kind="ALPR")
    dome = camera_at(2.35, 48.85, kind="camera")
    tile = tile_of(2.35, 48.85, 16)

    assert camera_ids(client, tile, kind="ALPR") == {alpr.pk}
    assert camera_ids(client, tile, kind="camera") == {dome.pk}
    assert camera_ids(client, tile) == {alpr.pk, dome.pk}


def test_the_order_of_filter_values_does_not_split_the_cache():
    from registry.filters import MapFilters
    from registry.tiles import TileAddress, tile_cache_key

    tile = TileAddress(16, 1, 2)
    one = MapFilters(kinds=("ALPR", "camera"))
    other = MapFilters(kinds=("camera", "ALPR"))

    assert tile_cache_key(tile, one) == tile_cache_key(tile, other)
    assert tile_cache_key(tile, one) != tile_cache_key(tile, MapFilters(kinds=("ALPR",)))
    assert tile_cache_key(tile, one) != tile_cache_key(TileAddress(16, 1, 3), one)


def test_an_empty_tile_is_kept_too(client, shared_tile_cache):
    tile = tile_of(2.35, 48.85, 16)
    assert get_tile(client, tile).status_code == 204
    camera_at(2.35, 48.85)

    assert get_tile(client, tile).status_code == 204


def test_without_the_shared_cache_every_request_reads_the_cameras(client, settings):
    settings.TILES_SHARED_CACHE_SECONDS = 0
    tile = tile_of(2.35, 48.85, 16)
    assert get_tile(client, tile).status_code == 204

    camera = camera_at(2.35, 48.85)

    assert camera_ids(client, tile) == {camera.pk}
