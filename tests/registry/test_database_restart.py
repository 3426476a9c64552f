"""After PostgreSQL drops a worker's persistent connection (a restart, a
failover), the worker's next request reconnects instead of failing with a
500: the database ends the session here as a restart does, from another
session, with pg_terminate_backend."""

from __future__ import annotations

import psycopg
import pytest
from django.db import close_old_connections, connection

from tests.factories import CameraFactory
from tests.registry.test_tiles import camera_at, get_tile, tile_of

CHICAGO = (-87.63, 41.88)


def end_the_session_from_outside() -> None:
    """What a restart does to each open connection, from another session."""
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    config = connection.settings_dict
    with psycopg.connect(
        dbname=config["NAME"],
        user=config["USER"],
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    # As gunicorn's worker does at each request's start (request_started),
    # which Django's test client leaves out.
    close_old_connections()


@pytest.mark.django_db(transaction=True)
def test_a_tile_after_the_database_dropped_the_connection_is_served(client):
    camera_at(*CHICAGO)
    tile = tile_of(*CHICAGO, 16)
    assert get_tile(client, tile).status_code == 200
    end_the_session_from_outside()

    response = get_tile(client, tile)

    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_an_api_request_after_the_database_dropped_the_connection_is_served(client):
    camera = CameraFactory()
    end_the_session_from_outside()

    response = client.get(f"/api/v1/cameras/{camera.pk}/")

    assert response.status_code == 200
