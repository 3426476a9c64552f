"""Staff upload boundary files (/moderation/areas/upload/): a preview of
each shape with the cameras inside it, nothing saved, then saved on a
second post."""

import json
import shutil
import subprocess
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.contrib.gis.geos import Point, Polygon
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.asserts import assertContains

from registry.models import Area, ModeratorArea
from registry.services import camera_create
from registry.services.areas import area_upsert
from tests.area_layouts import rectangle_km

pytestmark = pytest.mark.django_db

UPLOAD = "/moderation/areas/upload/"
needs_ogr2ogr = pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs GDAL's ogr2ogr")


def square(x0, y0, x1, y1):
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


def districts_geojson() -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {"NAME": name, "POP": population},
            "geometry": {"type": "Polygon", "coordinates": coordinates},
        }
        for name, population, coordinates in (
            ("North", 1200, square(0, 0.5, 1, 1)),
            ("South", None, square(0, 0, 1, 0.5)),
        )
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def staff(client, moderator):
    client.force_login(moderator)
    return client


def preview(client, content=None, name="districts.geojson", **options):
    data = {"action": "preview", "name_field": "NAME", "population_field": "POP", **options}
    if content is not None:
        data["file"] = SimpleUploadedFile(name, content)
    return client.post(UPLOAD, data)


def test_the_preview_shows_each_shape_and_the_cameras_inside_and_saves_nothing(staff, media):
    for point in (Point(0.5, 0.75, srid=4326), Point(0.2, 0.9, srid=4326)):
        camera_create(location=point, actor=None, kind="camera")
    camera_create(location=Point(0.5, 0.25, srid=4326), actor=None, kind="camera")

    response = preview(staff, districts_geojson())

    assert response.status_code == 200
    assertContains(response, "Preview of districts.geojson")
    assertContains(response, "2 areas would be saved; nothing is saved yet.")
    previews = response.context["previewed"]
    assert [(area.name, area.cameras, area.population) for area in previews] == [
        ("North", 2, 1200),
        ("South", 1, None),
    ]
    assertContains(response, "2 cameras inside")
    assertContains(response, "1 camera inside")
    assertContains(response, '<path d="M', count=2)
    assert not Area.objects.exists()
    assert len(list((media / "area-uploads").iterdir())) == 1


def test_saving_the_previewed_file_imports_it_and_forgets_the_file(staff, media, moderator):
    response = preview(staff, districts_geojson(), level="district")
    form = response.context["form"]

    saved = staff.post(
        UPLOAD,
        {
            "action": "save",
            "name_field": "NAME",
            "population_field": "POP",
            "level": "district",
            "key": form["key"].value(),
            "filename": form["filename"].value(),
        },
        follow=True,
    )

    assertContains(saved, "Boundaries saved: 2 created, 0 updated, 0 unchanged.")
    north = Area.objects.get(name="North")
    assert (north.level, north.population, north.surface_km2) == ("district", 1200, None)
    assert north.source == f"districts.geojson, uploaded by {moderator.get_username()}"
    assert not any((media / "area-uploads").rglob("*.geojson"))


def test_the_areas_land_in_the_area_that_holds_them(staff):
    bigtown = Polygon(square(-1, -1, 2, 2)[0], srid=4326)
    area_upsert(name="Bigtown", level="city", geometry=bigtown)
    response = preview(staff, districts_geojson())
    assert [area.parent for area in response.context["previewed"]] == ["Bigtown", "Bigtown"]
    assertContains(response, "part of Bigtown")


def test_a_file_gdal_cannot_read_is_a_400_that_says_so(staff, media):
    response = preview(staff, b"not a boundary file", name="broken.geojson")

    assert response.status_code == 400
    assertContains(response, "GDAL cannot use this file", status_code=400)
    assert not any((media / "area-uploads").rglob("*.geojson"))


def test_a_missing_name_attribute_and_a_wrong_suffix_are_named(staff):
    response = preview(staff, districts_geojson(), name_field="NOM")
    assertContains(response, "NOM", status_code=400)
    response = preview(staff, b"x", name="districts.csv")
    assertContains(response, "Send a file ending in", status_code=400)
    response = preview(staff, None)
    assertContains(response, "Choose a boundary file.", status_code=400)
    response = preview(staff, districts_geojson(), parent="atlantis")
    assertContains(response, "No area has the address atlantis.", status_code=400)


def test_a_stale_or_forged_key_asks_for_the_file_again(staff):
    data = {"action": "save", "name_field": "NAME", "filename": "x.geojson"}
    response = staff.post(UPLOAD, {**data, "key": "../../etc"})
    assertContains(response, "Upload the file again", status_code=400)
    response = staff.post(UPLOAD, {**data, "key": "0" * 32})
    assertContains(response, "Upload the file again", status_code=400)
    assert not Area.objects.exists()


@needs_ogr2ogr
@pytest.mark.parametrize("kind", ["gpkg", "zip", "kml"])
def test_geopackage_zipped_shapefile_and_kml_are_read_through_gdal(staff, tmp_path, kind):
    source = tmp_path / "districts.geojson"
    source.write_bytes(districts_geojson())
    if kind == "zip":
        folder = tmp_path / "shp"
        subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", folder, source], check=True)
        path = tmp_path / "districts.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for part in folder.iterdir():
                archive.write(part, part.name)
    else:
        path = tmp_path / f"districts.{kind}"
        driver = {"gpkg": "GPKG", "kml": "KML"}[kind]
        subprocess.run(["ogr2ogr", "-f", driver, path, source], check=True)
    name_field = "Name" if kind == "kml" else "NAME"

    response = preview(
        staff, path.read_bytes(), name=path.name, name_field=name_field, population_field=""
    )

    assert response.status_code == 200, response.content.decode()[-2000:]
    assert [area.name for area in response.context["previewed"]] == ["North", "South"]


def test_moderators_limited_to_areas_or_without_the_right_to_add_areas_are_refused(
    client, django_user_model
):
    user = django_user_model.objects.create_user(username="mod", password="a-long-pass-41")
    user.user_permissions.add(Permission.objects.get(codename="moderate"))
    client.force_login(user)
    assertContains(client.get(UPLOAD), "needs the right to add areas", status_code=403)
    user.user_permissions.add(Permission.objects.get(codename="add_area"))
    area = area_upsert(name="Bigtown", level="city", geometry=rectangle_km(0, 0, 1, 1))[0]
    ModeratorArea.objects.create(user=user, area=area)
    assertContains(client.get(UPLOAD), "limited to some areas", status_code=403)
    ModeratorArea.objects.all().delete()
    response = client.get(UPLOAD)
    assertContains(response, "Upload boundaries")


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(UPLOAD)
    assert response.status_code == 302
    assert "login" in response["Location"]
