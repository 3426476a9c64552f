"""Camera.feature, the GeoJSON text lists send, is kept by the database on
every write path."""

import json

import pytest
from django.contrib.gis.geos import Point

from registry.imports.cameras import import_features
from registry.imports.geojson import read_feature
from registry.models import Camera
from registry.services import camera_create, camera_update
from tests.factories import VendorFactory

pytestmark = pytest.mark.django_db


def feature_of(camera: Camera) -> dict:
    return json.loads(Camera.objects.values_list("feature", flat=True).get(pk=camera.pk))


def test_a_created_camera_has_its_feature():
    camera = camera_create(
        location=Point(-87.5, 41.5, srid=4326), actor=None, kind="ALPR", directions=[0.0]
    )

    feature = feature_of(camera)

    assert feature["type"] == "Feature" and feature["id"] == camera.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": [-87.5, 41.5]}
    assert feature["properties"]["kind"] == "ALPR"
    assert feature["properties"]["directions"] == [0]
    assert feature["properties"]["version"] == 1


def test_an_update_refreshes_the_feature():
    camera = camera_create(location=Point(1, 1, srid=4326), actor=None, height=3.0)

    camera_update(camera=camera, actor=None, height=7.5, location=Point(2, 3, srid=4326))

    feature = feature_of(camera)
    assert feature["properties"]["height"] == 7.5
    assert feature["properties"]["version"] == 2
    assert feature["geometry"]["coordinates"] == [2, 3]


def test_cameras_written_by_copy_get_their_feature():
    item = read_feature(
        0,
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [5, 6]},
            "properties": {"surveillance:type": "guard"},
        },
    )

    import_features(features=[item], dataset_name="copy")

    assert feature_of(Camera.objects.get())["properties"]["kind"] == "guard"


def test_renaming_a_vendor_refreshes_its_cameras_features():
    vendor = VendorFactory(name="Old Name", slug="old-name")
    camera = camera_create(location=Point(1, 1, srid=4326), actor=None, vendor=vendor)

    vendor.name, vendor.slug = "New Name", "new-name"
    vendor.save()

    properties = feature_of(camera)["properties"]
    assert (properties["vendor"], properties["vendor_name"]) == ("new-name", "New Name")
