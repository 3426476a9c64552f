"""The exposure page without JavaScript: the form posts a file or pasted
GeoJSON and the answer is written into the page; bad input is named in it."""

import json
import math

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from registry.views.exposure import percent
from tests.factories import VendorFactory, VendorRestrictionFactory

from .exposure_layout import STREET, camera, dome, lonlat

pytestmark = pytest.mark.django_db

URL = "/exposure/"


def page_text(response) -> str:
    return response.content.decode()


def test_the_page_offers_the_form_and_documents_the_defaults(client):
    response = client.get(URL)

    text = page_text(response)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert '<label for="id_file">' in text
    assert "Width of the view, by camera type" in text
    assert '<td class="number">90°</td>' in text  # a dome, from FIELD_OF_VIEW_DEFAULTS
    assert 'href="/exposure/" aria-current="page"' in text


def test_an_uploaded_route_is_answered_in_the_page(client):
    vendor = VendorFactory(name="Hikvision")
    VendorRestrictionFactory(vendor=vendor)
    seer = dome(0, 10, vendor=vendor)
    nearby = camera(0, -10, camera_type="fixed")
    data = json.dumps(STREET).encode()

    response = client.post(URL, {"file": SimpleUploadedFile("walk.geojson", data)})

    text = page_text(response)
    assert response.status_code == 200
    # 2 * sqrt(30² - 10²) = 56.57 m of 200 m: 28%.
    assert "28% of this route is in view of at least one camera." in text
    assert f'href="/cameras/{seer.pk}/">#{seer.pk}</a>' in text
    assert "restricted</span>" in text
    assert 'id="exposure-by-vendor"' in text
    assert f'href="/cameras/{nearby.pk}/">' in text
    config = json.loads(
        text.split('id="exposure-config" type="application/json">')[1].split("<")[0]
    )
    assert config["result"]["cameras"][0]["id"] == seer.pk
    assert config["result"]["cameras"][0]["url"] == f"/cameras/{seer.pk}/"


def test_pasted_geojson_is_answered_too(client):
    response = client.post(URL, {"geojson": json.dumps(STREET)})

    text = page_text(response)
    assert response.status_code == 200
    assert "No part of this route is in view of a camera recorded in Sightline." in text
    assert 'aria-describedby="geojson-hint"></textarea>' in text  # empty for the next one


def test_bad_input_is_named_in_the_page_next_to_its_field(client):
    point = {"type": "Point", "coordinates": lonlat(0, 0)}

    response = client.post(URL, {"geojson": json.dumps(point)})

    text = page_text(response)
    assert response.status_code == 400
    assert '<a href="#id_geojson">GeoJSON</a>: A Point cannot be analysed' in text
    assert 'aria-invalid="true"' in text
    assert "&quot;Point&quot;" in text  # kept, to be corrected


def test_a_file_and_pasted_geojson_together_are_refused(client):
    data = json.dumps(STREET).encode()

    response = client.post(
        URL, {"file": SimpleUploadedFile("a.geojson", data), "geojson": json.dumps(STREET)}
    )

    assert response.status_code == 400
    assert "Send either a file or GeoJSON, not both." in page_text(response)


def test_an_empty_form_asks_for_a_route(client):
    response = client.post(URL, {})

    assert response.status_code == 400
    assert "Draw a route or an area on the map, choose a file, or paste GeoJSON." in page_text(
        response
    )


def test_an_oversized_upload_is_refused_before_it_is_read(client, settings):
    settings.EXPOSURE_MAX_UPLOAD_BYTES = 100_000
    data = b" " * 400_000

    response = client.post(URL, {"file": SimpleUploadedFile("big.geojson", data)})

    assert response.status_code == 400
    assert "Sightline reads files of up to 0.1 MB." in page_text(response)


def test_pasted_text_over_django_s_limit_is_refused_with_a_message(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    document = {**STREET, "properties": {"note": "x" * 150_000}}

    response = client.post(URL, {"geojson": json.dumps(document)})

    assert response.status_code == 400
    assert (
        "the form: its fields other than files are larger than 0.1 MB together, the most "
        "Sightline reads from a form (DATA_UPLOAD_MAX_MEMORY_SIZE): send long text, such as "
        "GeoJSON, as a file instead." in page_text(response)
    )


def test_the_page_checks_its_csrf_token():
    response = Client(enforce_csrf_checks=True).post(URL, {"geojson": json.dumps(STREET)})

    assert response.status_code == 403


def test_the_page_is_in_spanish_too(client):
    response = client.get("/es/exposure/")

    assert response.status_code == 200
    assert '<html lang="es">' in page_text(response)


@pytest.mark.parametrize(
    ("share", "shown"),
    [(0, "0%"), (0.002, "0.2%"), (0.0001, "0.1%"), (0.2828, "28%"), (0.996, "99%"), (1, "100%")],
)
def test_shares_read_as_people_say_them(share, shown):
    assert percent(share) == shown


def test_the_area_answer_is_in_square_metres(client):
    dome(50, 50)
    square = {
        "type": "Polygon",
        "coordinates": [
            [lonlat(0, 0), lonlat(100, 0), lonlat(100, 100), lonlat(0, 100), lonlat(0, 0)]
        ],
    }

    response = client.post(URL, {"geojson": json.dumps(square)})

    text = page_text(response)
    # A 30 m circle inside a 100 m square: π * 30² / 10,000 = 28%.
    assert f"{round(math.pi * 900 / 100)}% of this area is in view of at least one camera." in text
    assert "m²" in text
