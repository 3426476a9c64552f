"""The camera tiles for other sites' maps: a TileJSON 3.0 description that
carries the filters into its tile address, and CORS on both."""

from __future__ import annotations

import json

import mapbox_vector_tile
import pytest
from django.contrib.gis.geos import Point

from registry.services import camera_create

pytestmark = pytest.mark.django_db


def tilejson(client, **query) -> dict:
    response = client.get("/tiles/cameras.json", query, HTTP_ORIGIN="https://news.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_tilejson_describes_the_tiles_and_their_layers(client):
    document = tilejson(client)

    assert document["tilejson"] == "3.0.0"
    assert document["tiles"] == ["http://testserver/tiles/cameras/{z}/{x}/{y}.mvt"]
    assert (document["minzoom"], document["maxzoom"]) == (0, 22)
    assert {layer["id"] for layer in document["vector_layers"]} == {"cameras", "clusters"}
    cameras = next(layer for layer in document["vector_layers"] if layer["id"] == "cameras")
    assert {"id", "kind", "restricted", "directions"} <= set(cameras["fields"])
    assert "OpenStreetMap" in document["attribution"]


def test_tilejson_carries_the_filters_into_the_tile_address(client):
    document = tilejson(client, kind="ALPR", restricted="1")

    [address] = document["tiles"]
    assert address.startswith("http://testserver/tiles/cameras/{z}/{x}/{y}.mvt?")
    assert "kind=ALPR" in address and "restricted=1" in address


def test_tilejson_refuses_a_filter_it_does_not_understand(client):
    response = client.get("/tiles/cameras.json", {"kind": "spaceship"})

    assert response.status_code == 400
    assert "kind" in response.content.decode()


def test_a_tile_from_the_tilejson_address_answers_another_origin(client):
    camera_create(location=Point(-87.63, 41.88, srid=4326), actor=None, kind="ALPR")
    [address] = tilejson(client, kind="ALPR")["tiles"]
    path = address.replace("http://testserver", "").format(
        z=16, x=16815, y=24357
    )  # the tile holding it

    response = client.get(path, HTTP_ORIGIN="https://news.example")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    layer = mapbox_vector_tile.decode(response.content)["cameras"]
    assert [feature["properties"]["kind"] for feature in layer["features"]] == ["ALPR"]
