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
