"""History from the sources' own dates: an imported camera is first seen when
its source dates it (an OSM object's timestamp, start_date, check_date,
survey:date, GeoJSON's @timestamp, a Sightline export's first_seen), the
earliest of them, and a re-import only ever moves that earlier; area reports
count a camera as added in that month."""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import quoteattr

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from registry.models import Camera
from registry.reports import area_report
from registry.services.areas import area_upsert

from .importing import camera_tags, osm_xml, run, write_json

pytestmark = pytest.mark.django_db


def dated_node(node_id: int, tags: dict, *, timestamp: str, version: int = 1) -> str:
    tag_lines = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
    return (
        f'<node id="{node_id}" version="{version}" timestamp="{timestamp}" '
        f'lat="41.88" lon="-87.63">{tag_lines}</node>\n'
    )


def extract(tmp_path, name: str, *nodes: str):
    path = tmp_path / f"{name}.osm"
    path.write_text(osm_xml(*nodes))
    return path


def test_an_osm_object_is_first_seen_at_its_timestamp(tmp_path):
    run(
        extract(
            tmp_path, "a", dated_node(1, camera_tags("ALPR"), timestamp="2019-05-01T10:00:00Z")
        )
    )

    assert Camera.objects.get(osm_id=1).first_seen == date(2019, 5, 1)


def test_the_earliest_date_the_tags_give_wins(tmp_path):
    tags = camera_tags("ALPR", start_date="~2017", check_date="2023-02-03")
    run(extract(tmp_path, "a", dated_node(1, tags, timestamp="2024-01-01T00:00:00Z", version=4)))

    assert Camera.objects.get(osm_id=1).first_seen == date(2017, 1, 1)


def test_a_start_date_in_the_future_is_a_plan_not_a_sighting(tmp_path):
    tags = camera_tags("ALPR", start_date="2999-01-01")
    run(extract(tmp_path, "a", dated_node(1, tags, timestamp="2024-01-01T00:00:00Z")))

    assert Camera.objects.get(osm_id=1).first_seen == date(2024, 1, 1)


def test_a_re_import_only_moves_the_first_sighting_earlier(tmp_path):
    run(
        extract(
            tmp_path, "a", dated_node(1, camera_tags("ALPR"), timestamp="2020-06-01T00:00:00Z")
        )
    )
    later = dated_node(
        1, camera_tags("ALPR", height="5"), timestamp="2022-01-01T00:00:00Z", version=2
    )

    run(extract(tmp_path, "b", later))
    assert Camera.objects.get(osm_id=1).first_seen == date(2020, 6, 1)

    earlier = camera_tags("ALPR", height="5", **{"survey:date": "2018-03-04"})
    run(
        extract(tmp_path, "c", dated_node(1, earlier, timestamp="2022-02-01T00:00:00Z", version=3))
    )
    assert Camera.objects.get(osm_id=1).first_seen == date(2018, 3, 4)


def test_geojson_timestamps_date_the_features(tmp_path):
    feature = {
        "type": "Feature",
        "id": "node/5",
        "geometry": {"type": "Point", "coordinates": [-87.6, 41.8]},
        "properties": {
            **camera_tags("ALPR"),
            "@id": "node/5",
            "@timestamp": "2021-07-08T09:10:11Z",
        },
    }
    path = write_json(
        tmp_path / "cameras.geojson", {"type": "FeatureCollection", "features": [feature]}
    )

    run(path)

    assert Camera.objects.get().first_seen == date(2021, 7, 8)


def test_a_csv_column_of_installation_dates_dates_the_cameras(tmp_path):
    path = tmp_path / "city.csv"
    path.write_text("id,latitude,longitude,type,installed\nA1,41.8,-87.6,ALPR,2016-09-30\n")

    run(path, "--source", "city")

    camera = Camera.objects.get()
    assert (camera.first_seen, camera.tags["start_date"]) == (date(2016, 9, 30), "2016-09-30")


def test_an_area_report_counts_a_camera_as_added_when_it_was_first_seen(tmp_path):
    area, _outcome = area_upsert(
        name="Loop",
        level="city",
        geometry=MultiPolygon(Polygon.from_bbox((-87.7, 41.8, -87.5, 41.95)), srid=4326),
    )
    run(
        extract(
            tmp_path,
            "a",
            dated_node(1, camera_tags("ALPR"), timestamp="2019-05-01T10:00:00Z"),
            dated_node(2, camera_tags("ALPR"), timestamp="2019-07-02T10:00:00Z"),
        )
    )
    report = area_report(area)

    added = {month.month: month.added for month in report.monthly if month.added}
    assert added == {date(2019, 5, 1): 1, date(2019, 7, 1): 1}
