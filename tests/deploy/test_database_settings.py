"""Pooled connections and replicas are configured from the environment
alone (config/settings/base.py); each settings module is imported fresh in a
subprocess, as a server process would."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

PRINT_DATABASES = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
connection.ensure_connection()
print(json.dumps({
    "databases": settings.DATABASES,
    "routers": settings.DATABASE_ROUTERS,
    "middleware": settings.MIDDLEWARE[0],
    "pooled": connection.pool is not None if hasattr(connection, "pool") else None,
}, default=str))
"""


def configured(**environment: str) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", **environment}
    for name in ("DATABASE_POOL_MAX_SIZE", "DATABASE_REPLICA_URLS", "CONN_MAX_AGE"):
        if name not in environment:
            env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", PRINT_DATABASES],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_a_pool_size_in_the_environment_gives_each_process_a_connection_pool():
    found = configured(DATABASE_POOL_MAX_SIZE="6", DATABASE_POOL_MIN_SIZE="2")

    default = found["databases"]["default"]
    assert default["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 6, "timeout": 10.0}
    assert default["CONN_MAX_AGE"] == 0  # Django refuses persistent connections with a pool
    assert default["OPTIONS"]["options"] == "-c jit=off"
    assert found["pooled"] is True


def test_without_the_variables_one_persistent_connection_and_no_replica():
    found = configured()

    assert list(found["databases"]) == ["default"]
    assert "pool" not in found["databases"]["default"]["OPTIONS"]
    assert found["databases"]["default"]["CONN_MAX_AGE"] == 60
    assert found["routers"] == []
    assert found["pooled"] is False


def test_replica_urls_become_replica_aliases_with_the_router():
    urls = "postgis://reader@replica-a/sightline, postgis://reader@replica-b:6432/sightline"

    found = configured(DATABASE_REPLICA_URLS=urls)

    first, second = found["databases"]["replica_1"], found["databases"]["replica_2"]
    assert (first["HOST"], second["HOST"], second["PORT"]) == ("replica-a", "replica-b", 6432)
    assert first["ENGINE"] == found["databases"]["default"]["ENGINE"]
    assert first["OPTIONS"] == {"options": "-c jit=off", "prepare_threshold": 5}
    assert found["routers"] == ["config.routers.ReplicaRouter"]
    assert found["middleware"] == "config.routers.ReadOnlyRequestMiddleware"
