"""Read replicas (config/routers.py) against a real streaming replica: a
standby of the test server made with pg_basebackup, on its own socket."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.db import connections, router
from django.http import HttpResponse
from django.test import RequestFactory

from config.routers import RECENT_WRITE_COOKIE, ReadOnlyRequestMiddleware
from registry.models import Camera
from registry.services.cameras import camera_create
from tests.registry.test_tiles import lonlat_in
from tests.servers import PG_BIN, as_cluster_owner, give_to_cluster_owner, wait_until

STANDBY_PORT = "5433"
REPLICA = "replica_1"


@pytest.fixture(scope="module")
def standby(django_db_setup):
    """A hot standby streaming from the test server, started on its own
    socket directory; stopped and deleted afterwards, whatever happens."""
    if not (PG_BIN / "pg_basebackup").exists():
        pytest.skip("pg_basebackup is not installed (it comes with postgresql-15)")
    primary = connections["default"].settings_dict
    folder = Path(tempfile.mkdtemp(prefix="sightline-standby-"))
    data, sockets = folder / "data", folder / "run"
    sockets.mkdir()
    give_to_cluster_owner(folder, sockets)
    server = ["-h", primary["HOST"] or "localhost", "-U", primary["USER"]]
    if primary["PORT"]:
        server += ["-p", str(primary["PORT"])]
    environment = {**os.environ, "PGPASSWORD": primary["PASSWORD"] or ""}
    try:
        as_cluster_owner(
            PG_BIN / "pg_basebackup", "-D", data, "-R", "-X", "stream", "-c", "fast", *server,
            env=environment,
        )  # fmt: skip
        as_cluster_owner(
            PG_BIN / "pg_ctl", "-D", data, "-l", folder / "standby.log", "-w", "-t", "60",
            "-o", f"-k {sockets} -p {STANDBY_PORT} -c listen_addresses='' "
            "-c shared_buffers=32MB -c hot_standby=on",
            "start",
        )  # fmt: skip
        yield {**primary, "HOST": str(sockets), "PORT": STANDBY_PORT}
    finally:
        if (data / "postmaster.pid").exists():
            as_cluster_owner(PG_BIN / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def replica_alias(standby):
    """The standby as alias `replica_1`, as DATABASE_REPLICA_URLS names it: a
    test mirror of `default`, so that the tests never flush it."""
    config = copy.deepcopy(connections.settings["default"])
    config.update(HOST=standby["HOST"], PORT=standby["PORT"], CONN_MAX_AGE=0)
    config["TEST"] = {**config["TEST"], "MIRROR": "default"}
    connections.settings[REPLICA] = config
    try:
        yield REPLICA
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def replica(replica_alias, settings):
    """The replica's connection, with the router and middleware on."""
    settings.DATABASE_REPLICAS = [replica_alias]
    settings.DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
    settings.MIDDLEWARE = ["config.routers.ReadOnlyRequestMiddleware", *settings.MIDDLEWARE]
    yield connections[replica_alias]
    connections[replica_alias].close()


def on_replica(replica, statement: str, *params) -> list[tuple]:
    with replica.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def replicated(replica, camera: Camera) -> bool:
    return bool(on_replica(replica, "SELECT 1 FROM registry_camera WHERE id = %s", camera.pk))


def download(client) -> str:
    """The streamed GeoJSON download: read as it is sent, after the view returns."""
    response = client.get("/api/v1/downloads/cameras.geojson")
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def in_recovery_during(request) -> bool:
    """Whether the database the router picks for reads while the middleware
    handles `request` is a standby."""
    answers = []

    def view(request):
        connection = connections[router.db_for_read(Camera)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            answers.append(cursor.fetchone()[0])
        return HttpResponse()

    ReadOnlyRequestMiddleware(view)(request)
    return answers[0]


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_a_write_goes_to_the_primary_and_reaches_the_replica(replica):
    camera = camera_create(location=Point(-87.62, 41.88, srid=4326), actor=None, kind="camera")

    assert router.db_for_write(Camera) == "default"
    assert wait_until(lambda: replicated(replica, camera))
    assert on_replica(replica, "SELECT pg_is_in_recovery()") == [(True,)]


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_only_read_only_requests_read_from_the_replica(replica):
    requests = RequestFactory()

    assert in_recovery_during(requests.get("/api/v1/cameras/"))
    assert in_recovery_during(requests.get("/tiles/cameras/3/2/3.mvt"))
    assert not in_recovery_during(requests.post("/api/v1/submissions/"))
    assert not in_recovery_during(requests.get("/moderation/"))
    assert not in_recovery_during(requests.get("/es/accounts/me/"))
    assert router.db_for_read(Camera) == "default"  # outside a request


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_a_client_reads_its_own_writes_while_the_replica_lags(replica, client):
    tile = (16, 16807, 24361)
    seen = camera_create(location=Point(*lonlat_in(tile, 0.3, 0.3)), actor=None, kind="camera")
    assert wait_until(lambda: replicated(replica, seen))
    on_replica(replica, "SELECT pg_wal_replay_pause()")
    try:
        lagging = camera_create(
            location=Point(*lonlat_in(tile, 0.6, 0.6)), actor=None, kind="ALPR"
        )
        tile_path = "/tiles/cameras/{}/{}/{}.mvt".format(*tile)
        assert client.get(f"/api/v1/cameras/{seen.pk}/").status_code == 200
        assert client.get(f"/api/v1/cameras/{lagging.pk}/").status_code == 404
        before = client.get(tile_path).content
        body = download(client)
        assert f'"id": {seen.pk},' in body
        assert f'"id": {lagging.pk},' not in body

        wrote = client.post("/api/v1/submissions/", {})  # refused, but a write was sent
        assert RECENT_WRITE_COOKIE in wrote.cookies

        assert client.get(f"/api/v1/cameras/{lagging.pk}/").status_code == 200
        assert len(client.get(tile_path).content) > len(before)
        assert f'"id": {lagging.pk},' in download(client)
        assert not replicated(replica, lagging)
    finally:
        on_replica(replica, "SELECT pg_wal_replay_resume()")
    assert wait_until(lambda: replicated(replica, lagging))
