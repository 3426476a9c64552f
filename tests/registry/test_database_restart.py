"""After PostgreSQL drops a worker's persistent connection (a restart, a
failover), the worker's next request reconnects instead of failing with a
500: the database ends the session here as a restart does, from another
session, with pg_terminate_backend. While it cannot be reached at all, a
request is a 503 with Retry-After."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError, close_old_connections, connection

from registry.unavailable import DatabaseUnavailableMiddleware, database_unreachable
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


# ------------------------------------------------------------ while it is down


@pytest.fixture
def unreachable_database(tmp_path):
    """The connection pointed at a folder where no server listens, as while
    PostgreSQL restarts."""
    connection.close()
    config = connection.settings_dict
    saved = config["HOST"], config["PORT"]
    config["HOST"], config["PORT"] = str(tmp_path), ""
    yield
    connection.close()
    config["HOST"], config["PORT"] = saved


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/tiles/cameras/16/16819/24364.mvt", "/cameras/"])
def test_a_request_while_the_database_is_unreachable_is_a_503(client, unreachable_database, path):
    response = client.get(path)

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_the_api_says_so_in_json(client, unreachable_database):
    response = client.get("/api/v1/cameras/?bbox=-87.7,41.8,-87.6,41.9")

    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"


def test_a_statement_timeout_is_not_an_outage():
    with pytest.raises(OperationalError) as caught:
        try:
            raise psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
        except psycopg.Error as error:
            raise OperationalError(str(error)) from error

    assert not database_unreachable(caught.value)


def test_a_connection_lost_inside_a_raw_query_is_a_503_too(rf):
    """The tiles' own psycopg cursor raises the driver's error unwrapped,
    as when PostgreSQL shuts down in the middle of a tile's query."""
    lost = psycopg.errors.AdminShutdown("terminating connection due to administrator command")
    middleware = DatabaseUnavailableMiddleware(lambda request: None)

    response = middleware.process_exception(rf.get("/tiles/cameras/3/2/2.mvt"), lost)

    assert response.status_code == 503
    assert database_unreachable(psycopg.OperationalError("server closed the connection"))
