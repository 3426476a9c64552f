"""Connections for the benchmarks' own scratch databases, beside the one
the settings name (same server, same user)."""

from __future__ import annotations

import psycopg


def connect(name: str = "postgres") -> psycopg.Connection:
    """An autocommit connection to database `name` on Sightline's server."""
    from django.conf import settings

    config = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=name,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        autocommit=True,
    )


def database_exists(name: str) -> bool:
    with connect() as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return row.fetchone() is not None


def recreate_database(name: str) -> None:
    """An empty database `name`, dropping any left by an earlier run."""
    with connect() as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def drop_database(name: str) -> None:
    """Drops `name` after closing Django's connections to it."""
    from django.db import connections

    connections.close_all()
    with connect() as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def database_url(name: str) -> str:
    """A DATABASE_URL for database `name` on Sightline's server, for a
    process started with its own settings (a socket folder as the host)."""
    from urllib.parse import quote

    from django.conf import settings

    config = settings.DATABASES["default"]
    credentials = quote(config["USER"] or "", safe="")
    if config["PASSWORD"]:
        credentials += ":" + quote(config["PASSWORD"], safe="")
    host = quote(config["HOST"] or "", safe="")
    port = f":{config['PORT']}" if config["PORT"] else ""
    return f"postgis://{credentials}@{host}{port}/{name}"


def scratch_database(name: str):
    """A fresh database `name` with Sightline's schema and reference data,
    made through Django's test-database machinery. Returns Django's
    connection, now pointing at it, and the reference data's report."""
    from django.db import connection

    from registry.services import load_reference_data

    connection.settings_dict["TEST"]["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    return connection, load_reference_data()


def drop_scratch_database(connection, name: str) -> None:
    """Drops it even if a connection of some other process is still open."""
    import sys

    try:
        connection.creation.destroy_test_db(name, verbosity=0)
    except Exception as error:
        print(f"dropping {name} again, forcibly ({error})", file=sys.stderr)
        drop_database(name)


def import_summary(path, source: str) -> str:
    """`manage.py import_cameras PATH --source SOURCE`, in this process; the
    last line it printed (the summary)."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("import_cameras", str(path), "--source", source, stdout=out, stderr=StringIO())
    lines = out.getvalue().strip().splitlines()
    return lines[-1] if lines else "(printed nothing)"
