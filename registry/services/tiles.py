"""The grid pyramid behind the map's low-zoom tiles (registry.models.TileCell),
rebuilt from scratch.

Day to day the database keeps it current by itself (triggers on
registry_camera, migration 0008). A rebuild is for recovery (`manage.py
rebuild_tile_cells`) and for loading an empty registry, where recomputing
everything once at the end is cheaper than adding each batch's delta: on the
168k-camera sample, ~1.5 s against ~6 s of per-batch deltas."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from psycopg import sql

from registry.models import TileCell
from registry.models.tiles import FINEST_LEVEL

TABLE = TileCell._meta.db_table
CELL_KEY = "level, x, y, kind, status, vendor_id, operator_id"

# Level 17 from the cameras, each coarser level from the one below with x and
# y halved, in one statement: the levels never go through the table and its
# index, which is built once afterwards (measured on the 168k sample: 2.7 s
# inserting level by level into the indexed table, 1.5 s this way).
_FINEST = (
    f"level_{FINEST_LEVEL} AS MATERIALIZED (SELECT {FINEST_LEVEL} AS level, "
    f"registry_tile_index(x_cm, {FINEST_LEVEL}) AS x, "
    f"registry_tile_index(-y_cm, {FINEST_LEVEL}) AS y, kind, status, vendor_id, operator_id, "
    "count(*)::integer AS n, sum(x_cm)::bigint AS sum_x, sum(y_cm)::bigint AS sum_y "
    "FROM (SELECT registry_mercator_x_cm(location) AS x_cm, "
    "registry_mercator_y_cm(location) AS y_cm, kind, status, "
    "coalesce(vendor_id, 0) AS vendor_id, coalesce(operator_id, 0) AS operator_id "
    "FROM registry_camera WHERE status <> 'hidden') AS visible "
    "GROUP BY 2, 3, 4, 5, 6, 7)"
)
_COARSER = [
    f"level_{level} AS MATERIALIZED (SELECT {level} AS level, x >> 1 AS x, y >> 1 AS y, "
    "kind, status, vendor_id, operator_id, sum(n)::integer AS n, "
    f"sum(sum_x)::bigint AS sum_x, sum(sum_y)::bigint AS sum_y FROM level_{level + 1} "
    "GROUP BY 2, 3, 4, 5, 6, 7)"
    for level in range(FINEST_LEVEL - 1, -1, -1)
]
FRESH_CELLS_SQL = (
    "WITH "
    + ", ".join([_FINEST, *_COARSER])
    + " "
    + " UNION ALL ".join(f"SELECT * FROM level_{level}" for level in range(FINEST_LEVEL, -1, -1))
)
FILL_SQL = f"INSERT INTO {TABLE} ({CELL_KEY}, n, sum_x, sum_y) {FRESH_CELLS_SQL}"


def tile_cells_rebuild() -> int:
    """Recompute the whole pyramid from the cameras; returns the number of
    cells. Writers to the cameras wait meanwhile (no delta can be lost), and
    so do tile reads of the pyramid, for the few seconds it takes."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE registry_camera IN SHARE MODE")
        cursor.execute(f"TRUNCATE {TABLE}")
        with _primary_key_built_after(cursor):
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute(FILL_SQL)
            cells = cursor.rowcount
        cursor.execute(f"ANALYZE {TABLE}")
    return cells


def tile_cells_drift() -> int:
    """How many cells of the stored pyramid differ from the cameras (missing,
    extra or with other figures). Changes nothing; camera writes wait while
    it computes."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE registry_camera IN SHARE MODE")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            f"CREATE TEMPORARY TABLE fresh_tile_cells ON COMMIT DROP AS {FRESH_CELLS_SQL}"
        )
        cursor.execute(
            f"SELECT count(*) FROM fresh_tile_cells fresh FULL JOIN {TABLE} stored "
            f"USING ({CELL_KEY}) WHERE (fresh.n, fresh.sum_x, fresh.sum_y) "
            "IS DISTINCT FROM (stored.n, stored.sum_x, stored.sum_y)"
        )
        drift = cursor.fetchone()[0]
        # Dropped now, not only at commit: inside an outer transaction this
        # block is a savepoint, and the next check would find the table.
        cursor.execute("DROP TABLE fresh_tile_cells")
        return drift


@contextmanager
def _primary_key_built_after(cursor) -> Iterator[None]:
    """Sorting the rows once to build the index costs a third of inserting
    them into it one by one."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'p'",
        [TABLE],
    )
    name, definition = cursor.fetchone()
    table, constraint = sql.Identifier(TABLE), sql.Identifier(name)
    cursor.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(table, constraint))
    yield
    cursor.execute(
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(table, constraint)
        + sql.SQL(definition)
    )


@contextmanager
def tile_cells_rebuilt_after() -> Iterator[None]:
    """For loading many cameras at once: nothing is counted while the body
    runs, and the pyramid is rebuilt once at the end. In a savepoint, so
    that a failure leaves counting as it was."""
    with transaction.atomic(), connection.cursor() as cursor:
        # On a failure the savepoint's rollback undoes the setting too.
        _set_mode(cursor, "skip")
        yield
        _set_mode(cursor, "")
        tile_cells_rebuild()


@contextmanager
def tile_cells_deferred() -> Iterator[None]:
    """For a long writer (an import into a registry in use): each statement's
    delta is kept aside while the body runs, and their sum is added once at
    the end. The cells are then locked from that last statement to the
    commit, not for the whole run: contributions in the same places, which
    add to the same cells, do not wait for the writer."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS registry_tilecell_deferred")
        cursor.execute(
            "CREATE TEMPORARY TABLE registry_tilecell_deferred (x integer, y integer, "
            "kind text, status text, vendor_id bigint, operator_id bigint, n integer, "
            "sum_x bigint, sum_y bigint) ON COMMIT DROP"
        )
        _set_mode(cursor, "defer")
        yield
        _set_mode(cursor, "")
        cursor.execute(DEFERRED_SUM_SQL)
        cursor.execute("DROP TABLE registry_tilecell_deferred")


# The deferred deltas, summed per cell, added in one call (which sorts them,
# so that writers lock cells in one order).
DEFERRED_SUM_SQL = (
    "SELECT registry_tilecell_apply(array_agg(x), array_agg(y), array_agg(kind), "
    "array_agg(status), array_agg(vendor_id), array_agg(operator_id), array_agg(n), "
    "array_agg(sum_x), array_agg(sum_y)) "
    "FROM (SELECT x, y, kind, status, vendor_id, operator_id, sum(n)::integer AS n, "
    "sum(sum_x)::bigint AS sum_x, sum(sum_y)::bigint AS sum_y "
    "FROM registry_tilecell_deferred GROUP BY 1, 2, 3, 4, 5, 6) AS summed "
    "HAVING count(*) > 0"
)


def _set_mode(cursor, mode: str) -> None:
    """registry.tile_cells for the rest of the transaction (migration 0015)."""
    cursor.execute("SELECT set_config('registry.tile_cells', %s, true)", [mode])
