"""The set-based writes of an import run, in its transaction: batches of new
cameras, updates of changed ones (with local edits kept), status changes
(removal, return) with their revisions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import orjson
from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from registry.bulk import copy_rows
from registry.models import Changeset, Revision, Status
from registry.services.history import column_name, diff, json_value

from .existing import Existing
from .local_edits import keep_moderated_names, protected_fields
from .precedence import side_by_side
from .records import Removal, earliest_day
from .staging import (
    IMPORTED_FIELDS,
    INSERT_CREATION_REVISIONS,
    INSERT_CREATIONS,
    SOURCE_COLUMNS,
    STAGED_COLUMNS,
    STAGING_COPY,
    staged_row,
)

if TYPE_CHECKING:
    from .cameras import CameraImport
    from .operators import NewOperator

REVISION_COLUMNS = ("camera_id", "version", "changeset_id", "changes", "created_at")
UPDATED_COLUMNS = STAGED_COLUMNS
# A source without OSM versions (DeFlock's files) leaves the one OSM gave;
# the fingerprint that says "unchanged" is that of the source a camera came
# from: another source's record of it is always read whole, and blanks none
# of the first one's bookkeeping.
SOURCE_ASSIGNMENTS = {
    "osm_version": "osm_version = coalesce(u.osm_version, c.osm_version)",
    "source_hash": "source_hash = CASE WHEN c.dataset_id = %(dataset)s "
    "THEN u.source_hash ELSE c.source_hash END",
}
REMOVAL_NOTES = {
    Removal.DELETED: "deleted in {}",
    Removal.UNTAGGED: "no longer tagged as surveillance in {}",
}


class Writer:
    """The set-based writes of one run, in the run's transaction."""

    def __init__(self, run: CameraImport, changeset: Changeset | None) -> None:
        self.run = run
        self.report = run.report
        self.dataset = run.dataset
        self.changeset = changeset
        self.now = timezone.now()
        self.operators = run.parser.operators

    def params(self, **extra) -> dict[str, Any]:
        return {
            "dataset": self.dataset.pk,
            "changeset": self.changeset.pk if self.changeset else None,
            "now": self.now,
            **extra,
        }

    # -- creations, one batch at a time (see CreationStream)

    def write_batch(self, cursor, rows: list[tuple], operators: list[NewOperator]) -> None:
        """Make the operators the batch first names; COPY a batch of new
        cameras into the staging table (ids come from the camera sequence as
        rows arrive), insert the cameras with their feature text and their
        first revisions, link near-duplicates."""
        cursor.execute("TRUNCATE import_staging")
        with cursor.copy(STAGING_COPY) as copy:
            for row in rows:
                copy.write_row(row)
        self.operators.insert(cursor, operators)
        self.operators.settle_staged(cursor)
        cursor.execute(INSERT_CREATIONS, self.params())
        self.report.created += cursor.rowcount
        cursor.execute(INSERT_CREATION_REVISIONS, self.params())
        if self.run.near_distance > 0 and self.run.max_id_before is not None:
            self._link_near_duplicates(cursor)

    def _link_near_duplicates(self, cursor) -> None:
        """Only cameras that existed before this run are candidates (not
        those of earlier batches). Two different OSM objects are two devices
        by definition: never linked.

        Only new cameras with a camera of their kind in a neighbouring cell
        of ExistingCameras' grid are looked at (into the demo and 70,000
        other cameras, a few hundred of the sample's 168k: 5.5 s of probes
        saved). Each probes the location index alone, once: LATERAL keeps
        the batch outside, and OFFSET 0 keeps the index on kind out of the
        probe. Left to itself the planner ANDed the location index with the
        kind index, reading ~94,000 entries of the kind per camera: 47.7 s
        for a batch of 20,000 against 168k cameras, 0.6 s this way. The box
        is the distance in degrees of longitude at the camera's latitude
        (wider than in latitude), refined by the exact distance on the
        spheroid."""
        cursor.execute(
            "INSERT INTO registry_mergecandidate "
            "(camera_id, duplicate_of_id, distance, changeset_id, decision, created_at) "
            "SELECT n.id, e.id, ST_Distance(n.location::geography, e.location::geography), "
            "%(changeset)s, 'open', %(now)s "
            "FROM import_staging n CROSS JOIN LATERAL ("
            "  SELECT e.id, e.location, e.kind, e.status, e.osm_id FROM registry_camera e"
            "  WHERE e.location && ST_Expand(n.location, %(distance)s / 111000.0"
            "    / greatest(cos(radians(ST_Y(n.location))), 0.01)) OFFSET 0"
            ") e "
            "WHERE n.near AND e.id <= %(max_before)s AND e.kind = n.kind "
            "AND e.status <> 'hidden' "
            "AND NOT (n.osm_id IS NOT NULL AND e.osm_id IS NOT NULL) "
            "AND ST_DWithin(n.location::geography, e.location::geography, %(distance)s)",
            self.params(distance=self.run.near_distance, max_before=self.run.max_id_before),
        )
        self.report.merge_candidates += cursor.rowcount

    # -- updates

    def settle_operators(self) -> None:
        """After the last batch: the operators only updated cameras name are
        made, and the updates carry their ids."""
        self.operators.finish()
        for update in self.run.updates:
            self.operators.settle(update.state)
        self.report.operators_created = self.operators.created

    def apply_updates(self) -> None:
        updates = self.run.updates
        if not updates:
            return
        before = _states([update.existing.pk for update in updates])
        protected = protected_fields(list(before), self.dataset)
        sources = Revision.objects.field_sources(list(before))
        revisions, conflicts, rows, refreshed = [], [], [], []
        for update in updates:
            pk = update.existing.pk
            state = update.state
            keep_moderated_names(before[pk], state)
            state["first_seen"] = earliest_day(before[pk]["first_seen"], state["first_seen"])
            side_by_side(
                dataset_name=self.dataset.name,
                before=before[pk],
                state=state,
                sources=sources.get(pk, {}),
                protections=protected[pk],
            )
            for name, protection in protected.get(pk, {}).items():
                if name not in state:  # a status change: never imported
                    continue
                current = before[pk][name]
                if state[name] == current or not protection.keeps_local(current):
                    continue
                if protection.is_conflict(state[name]):
                    conflicts.append((pk, name, current, state[name]))
                state[name] = current
            changes = diff(before[pk], state)
            row = (pk, update.existing.version, *staged_row(state))
            row += (update.osm_version, update.source_hash)
            if changes:
                rows.append(row)
                revisions.append((update.existing, changes))
            else:
                refreshed.append(row)
        linked = {update.existing.pk for update in updates if update.linked}
        self.report.unchanged += sum(1 for row in refreshed if row[0] not in linked)
        self._write_conflicts(conflicts)
        updated = self._update_rows(rows, bump=True)
        self._update_rows(refreshed, bump=False)
        copy_rows(
            Revision._meta.db_table,
            REVISION_COLUMNS,
            (
                (existing.pk, existing.version + 1, self.changeset.pk, Jsonb(changes), self.now)
                for existing, changes in revisions
                if existing.pk in updated
            ),
        )
        self.report.skipped_conflicts = sorted(
            existing.pk for existing, _changes in revisions if existing.pk not in updated
        )
        self.report.updated = len(updated - linked)
        self.report.linked = len(linked - set(self.report.skipped_conflicts))

    def _update_rows(self, rows: list[tuple], *, bump: bool) -> set[int]:
        """One UPDATE from a staging table; a camera whose version moved since
        it was read (edited meanwhile) is skipped, not overwritten. Without
        `bump`, only the source columns are refreshed (the record changed in
        ways that mean nothing for the camera)."""
        if not rows:
            return set()
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS import_update ON COMMIT DROP AS "
                "SELECT id, version, " + ", ".join(STAGED_COLUMNS) + " FROM registry_camera "
                "WITH NO DATA"
            )
            cursor.execute("TRUNCATE import_update")
            copy_rows("import_update", ("id", "version", *STAGED_COLUMNS), rows)
            columns = UPDATED_COLUMNS if bump else SOURCE_COLUMNS
            assignments = ", ".join(
                SOURCE_ASSIGNMENTS.get(column, f"{column} = u.{column}") for column in columns
            )
            if bump:
                assignments += ", version = c.version + 1, updated_at = %(now)s"
            cursor.execute(
                f"UPDATE registry_camera c SET {assignments} FROM import_update u "
                "WHERE c.id = u.id AND c.version = u.version RETURNING c.id",
                self.params(),
            )
            return {row[0] for row in cursor.fetchall()}

    def _write_conflicts(self, conflicts: list[tuple]) -> None:
        self.report.conflicts = len(conflicts)
        if not conflicts:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO registry_importconflict (camera_id, dataset_id, changeset_id, "
                "field, local_value, source_value, created_at, resolution) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, '') "
                "ON CONFLICT (camera_id, dataset_id, field) WHERE resolution = '' "
                "DO UPDATE SET changeset_id = EXCLUDED.changeset_id, "
                "local_value = EXCLUDED.local_value, source_value = EXCLUDED.source_value",
                [
                    (
                        pk,
                        self.dataset.pk,
                        self.changeset.pk,
                        name,
                        Jsonb(local),
                        Jsonb(source),
                        self.now,
                    )
                    for pk, name, local, source in conflicts
                ],
            )

    # -- status changes (set-based, with their revisions)

    def set_status(
        self, ids: Iterable[int], *, status: str, note: str, where: str, **where_params: Any
    ) -> int:
        """Move cameras to `status` with `note`; one revision each saying
        what it was before. `where` narrows the cameras further, with its own
        named parameters."""
        removed_on = self.now.date() if status == Status.REMOVED else None
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH target AS (SELECT id, status, removed_on, status_note FROM registry_camera "
                f"WHERE id IN (SELECT unnest(%(ids)s::bigint[])) AND {where} FOR UPDATE), "
                "changed AS (UPDATE registry_camera c SET status = %(status)s, "
                "removed_on = %(removed_on)s, status_note = %(note)s, "
                "version = c.version + 1, updated_at = %(now)s FROM target t WHERE c.id = t.id "
                "RETURNING c.id, c.version, t.status AS old_status, "
                "t.removed_on AS old_removed_on, t.status_note AS old_note) "
                "INSERT INTO registry_revision (camera_id, version, changeset_id, changes, "
                "created_at) SELECT id, version, %(changeset)s, jsonb_strip_nulls("
                "jsonb_build_object('status', jsonb_build_array(old_status, %(status)s::text), "
                "'removed_on', CASE WHEN old_removed_on IS DISTINCT FROM %(removed_on)s::date "
                "THEN jsonb_build_array(old_removed_on, %(removed_on)s::date) END, "
                "'status_note', CASE WHEN old_note <> %(note)s::text "
                "THEN jsonb_build_array(old_note, %(note)s::text) END)), %(now)s FROM changed",
                self.params(
                    ids=list(ids), status=status, note=note, removed_on=removed_on, **where_params
                ),
            )
            return cursor.rowcount

    def remove_absent(self) -> None:
        """`--full`: the dataset's live cameras the file no longer has."""
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(
                "SELECT id FROM registry_camera WHERE dataset_id = %s AND id <= %s "
                "AND status IN ('reported', 'verified') "
                "AND id NOT IN (SELECT unnest(%s::bigint[]))",
                [self.dataset.pk, self.run.max_id_before or 0, list(self.run.seen_ids)],
            )
            absent = [row[0] for row in cursor.fetchall()]
        self.report.removed += self.set_status(
            absent, status=Status.REMOVED, note=self.run.absent, where="TRUE"
        )

    def restore_returned(self) -> None:
        self.report.restored = self.set_status(
            self.run.restores,
            status=Status.REPORTED,
            note="",
            where="status = 'removed' AND status_note = %(absent)s",
            absent=self.run.absent,
        )

    def apply_removals(self) -> None:
        """Deletions and lost surveillance tags from a change file, applied
        to this source's cameras."""
        by_reason: dict[str, list[int]] = defaultdict(list)
        for removal in self.run.removals:
            row = self.run.existing.by_osm.get((removal.osm_type, removal.osm_id))
            if row is None:
                if removal.reason == Removal.DELETED:
                    self.report.unknown_removals.append(
                        f"{removal.ref}: deleted in the change file, but Sightline has no "
                        "camera with that OSM id; nothing to remove"
                    )
                continue
            existing = Existing._make(row)
            if existing.dataset_id != self.dataset.pk:
                self.report.warnings.append(
                    f"{removal.ref}: {removal.reason} in the change file, but the camera "
                    f"#{existing.pk} belongs to another dataset; left as it is"
                )
                continue
            by_reason[removal.reason].append(existing.pk)
        for reason, ids in by_reason.items():
            self.report.removed += self.set_status(
                ids,
                status=Status.REMOVED,
                note=REMOVAL_NOTES[reason].format(self.dataset.name),
                where="status IN ('reported', 'verified')",
            )


def _states(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The tracked imported fields of these cameras, as revision snapshots,
    straight from the database (the ORM's per-row work cost 9 s for 168k)."""
    names = [name for name in IMPORTED_FIELDS if name != "location"]
    columns = [
        "tags::text" if name == "tags" else connection.ops.quote_name(column_name(name))
        for name in names
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, ST_X(location), ST_Y(location), {', '.join(columns)} "
            "FROM registry_camera WHERE id = ANY(%s)",
            [ids],
        )
        rows = cursor.fetchall()
    states = {}
    for pk, lon, lat, *values in rows:
        state = dict(zip(names, values, strict=True))
        # Everything else comes out of psycopg as JSON values already.
        state["last_confirmed"] = json_value(state["last_confirmed"])
        state["first_seen"] = json_value(state["first_seen"])
        state["tags"] = orjson.loads(state["tags"])
        state["location"] = [lon, lat]
        states[pk] = state
    return states
