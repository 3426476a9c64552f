"""The staging table new cameras pass through on their way in, and how a
batch of them lands: COPY, then set-based INSERTs of the cameras (with their
GeoJSON feature text) and of their first revisions, on a second thread while
the source is still being read."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import orjson
from django.db import connection
from psycopg import sql

from registry.services.history import STATUS_FIELDS, TRACKED_FIELDS, column_name
from registry.services.tiles import tile_cells_rebuilt_after

if TYPE_CHECKING:
    from .writing import Writer

# Fields an import owns. Status, removal, moderation notes and the dataset a
# camera first came from are Sightline's own, never set by a re-import. The
# first sighting comes from the sources' dates, and only ever moves earlier.
SIGHTLINE_OWN_FIELDS = STATUS_FIELDS | {"dataset"}
IMPORTED_FIELDS = tuple(name for name in TRACKED_FIELDS if name not in SIGHTLINE_OWN_FIELDS)
# Written with the imported fields, not tracked by history.
SOURCE_COLUMNS = ("osm_version", "source_hash")
STAGED_COLUMNS = (*map(column_name, IMPORTED_FIELDS), *SOURCE_COLUMNS)

_LOCATION_AT = IMPORTED_FIELDS.index("location")
_TAGS_AT = IMPORTED_FIELDS.index("tags")


def staged_row(state: dict[str, Any]) -> tuple:
    """A state in STAGED_COLUMNS order, minus the source columns, as COPY
    text takes it (jsonb as JSON text, the point as EWKT)."""
    row = [state[name] for name in IMPORTED_FIELDS]
    lon, lat = row[_LOCATION_AT]
    row[_LOCATION_AT] = f"SRID=4326;POINT({lon!r} {lat!r})"
    row[_TAGS_AT] = as_json(row[_TAGS_AT])
    return tuple(row)


def as_json(value: Any) -> str:
    """JSON text for a jsonb column; raises orjson.JSONEncodeError for text
    PostgreSQL cannot hold (lone surrogates)."""
    return orjson.dumps(value).decode()


# The GeoJSON Feature text of a new camera, computed in the INSERT itself
# (staging row s, vendor v, operator o): the same text the database's
# registry_camera_feature_text() gives (tests compare the two), at a fifth of
# the cost of the row trigger, which skips rows that carry their text.
NEW_FEATURE_SQL = (
    "json_build_object('type', 'Feature', 'id', s.id, "
    "'geometry', ST_AsGeoJSON(s.location, 7)::json, "
    "'properties', json_build_object("
    "'kind', s.kind, 'status', 'reported'::text, 'verified_by', NULL::text, "
    "'verified_at', NULL::timestamptz, 'visibility', s.visibility, 'zone', s.zone, "
    "'camera_type', s.camera_type, 'mount', s.mount, 'directions', s.directions, "
    "'tilt', s.tilt, 'height', s.height, 'vendor', v.slug, 'vendor_name', v.name, "
    "'operator', o.slug, 'operator_name', o.name, 'last_confirmed', s.last_confirmed, "
    "'osm_type', s.osm_type, 'osm_id', s.osm_id, 'version', 1, "
    "'updated_at', %(now)s::timestamptz))::text"
)


STAGING_COPY = sql.SQL("COPY import_staging ({}, changes, near) FROM STDIN").format(
    sql.SQL(", ").join(map(sql.Identifier, STAGED_COLUMNS))
)
INSERT_CREATIONS = sql.SQL(
    "INSERT INTO registry_camera (id, {names}, status, status_note, "
    "dataset_id, version, created_at, updated_at, feature) "
    "SELECT s.id, {columns}, 'reported', '', %(dataset)s, 1, %(now)s, %(now)s, "
    + NEW_FEATURE_SQL
    + " FROM import_staging s "
    "LEFT JOIN registry_vendor v ON v.id = s.vendor_id "
    "LEFT JOIN registry_operator o ON o.id = s.operator_id"
).format(
    names=sql.SQL(", ").join(map(sql.Identifier, STAGED_COLUMNS)),
    columns=sql.SQL(", ").join(sql.SQL("s.") + sql.Identifier(c) for c in STAGED_COLUMNS),
)
INSERT_CREATION_REVISIONS = (
    "INSERT INTO registry_revision (camera_id, version, changeset_id, changes, created_at) "
    "SELECT s.id, 1, %(changeset)s, s.changes, %(now)s FROM import_staging s"
)
# New cameras are written in batches of this many rows.
BATCH_ROWS = 20_000


class CreationStream:
    """Writes new cameras batch by batch on a second thread while the main
    thread goes on reading the source: PostgreSQL inserts one batch (rows,
    indexes, revisions) while Python parses the next, so the two cores work
    at once. The thread uses the run's own database connection, inside the
    run's transaction; the main thread does not touch the database meanwhile."""

    def __init__(self, writer: Writer) -> None:
        connection.ensure_connection()
        self.writer = writer
        self.database = connection.connection  # the psycopg connection itself
        self.batches: queue.Queue[tuple[list[tuple], list] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._write_batches, name="import-writer")

    def write(self, rows: Iterable[tuple]) -> None:
        self.thread.start()
        try:
            batch: list[tuple] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= BATCH_ROWS:
                    self._hand_over(batch)
                    batch = []
            if batch:
                self._hand_over(batch)
        finally:
            self.batches.put(None)
            self.thread.join()
        if self.error is not None:
            raise self.error

    def _hand_over(self, batch: list[tuple]) -> None:
        if self.error is not None:
            raise self.error  # stop reading; the run's transaction rolls back
        # With the operators first named in it, made from the data before it lands.
        self.batches.put((batch, self.writer.operators.take_pending()))

    def _write_batches(self) -> None:
        while (handed := self.batches.get()) is not None:
            if self.error is not None:
                continue  # drain, so that the reader never blocks
            try:
                with self.database.cursor() as cursor:
                    self.writer.write_batch(cursor, *handed)
            except BaseException as error:  # re-raised by write() in the main thread
                self.error = error


# The tables a first import fills, whose secondary indexes and constraints
# it builds once at the end instead of row by row.
BULK_LOADED_TABLES = ("registry_camera", "registry_revision")


@contextmanager
def indexes_built_after() -> Iterator[None]:
    """Loading an empty registry, the way PostgreSQL's manual advises for
    populating a database: drop the secondary indexes, unique and foreign-key
    constraints of the tables being filled, load, then build each index in
    one pass and check each foreign key with one join. Measured on the 168k
    sample: 1.7 s for the camera rows and their indexes, against 4 s
    maintaining seven indexes row by row (and 3 s of foreign-key checks at
    commit). The definitions are read from the catalogue and put back
    exactly; it all happens in the import's transaction, so a failure rolls
    the drops back too. Only for an empty table: elsewhere, dropping indexes
    would lock out and slow down everyone reading the registry meanwhile."""
    with connection.cursor() as cursor:
        # Checks still pending in this transaction (the changeset just
        # written) must run before their tables can be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f') "
            "ORDER BY contype DESC, conname",
            [list(BULK_LOADED_TABLES)],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = ANY(%s::regclass[]) AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
            "ORDER BY i.relname",
            [list(BULK_LOADED_TABLES)],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in constraints:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
            )
        for name, _definition in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    # The tile pyramid too is computed once at the end rather than batch by
    # batch (registry.services.tiles).
    with tile_cells_rebuilt_after():
        yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in reversed(constraints):
            cursor.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
                + sql.SQL(definition)
            )


def create_staging_table() -> None:
    with connection.cursor() as cursor:
        # Dropped at commit; dropped here too for a run nested in an outer
        # transaction (a test, a script importing several files at once).
        cursor.execute("DROP TABLE IF EXISTS import_staging")
        cursor.execute(
            "CREATE TEMPORARY TABLE import_staging ON COMMIT DROP AS SELECT id, "
            + ", ".join(STAGED_COLUMNS)
            + " FROM registry_camera WITH NO DATA"
        )
        cursor.execute(
            "ALTER TABLE import_staging ALTER COLUMN id SET DEFAULT "
            "nextval(pg_get_serial_sequence('registry_camera', 'id')), "
            "ADD COLUMN changes jsonb, "  # the first revision's
            "ADD COLUMN near boolean"  # whether a camera of its kind was already near
        )
