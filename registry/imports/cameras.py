"""Importing cameras from a source (an OSM extract or change file, an
open-data list) and keeping them in step with it.

One import run is one transaction and one changeset, so a run that fails
half-way (killed, database error) leaves the registry as it was. Each feature
is matched to an existing camera: by OSM id; else, within the same dataset,
by the source's record id, else by position and kind. A record whose
fingerprint (position, tags, OSM version) is the one stored at the previous
import is unchanged and costs no parsing. New cameras stream through COPY
into a staging table and land, with their revisions, in set-based INSERTs;
changed ones in one UPDATE.

Sync rules: a field a moderator changed since the source's previous import
keeps the local value and the disagreement is recorded as an ImportConflict;
with `full=True` the source's cameras that are absent from the file become
removed ("absent from SOURCE"), never deleted; a new camera within a few
metres of an existing one of the same kind is linked as a MergeCandidate.
"""

from __future__ import annotations

import gc
import hashlib
import json
import queue
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from psycopg import sql
from psycopg.types.json import Jsonb

from registry.bulk import copy_rows
from registry.models import Camera, Changeset, Dataset, Operator, Revision, Status, Vendor
from registry.names import NameResolver
from registry.osm_tags import (
    CONFIRMED_KEYS,
    DIRECTION_KEYS,
    READ_KEYS,
    TagProblem,
    newest_confirmation,
    read_directions,
    tags_to_fields,
)
from registry.querysets import Latitude, Longitude
from registry.services.history import (
    STATUS_FIELDS,
    TRACKED_FIELDS,
    column_name,
    creation_changes,
    diff,
    json_value,
    open_changeset,
)

from .records import FeatureRejection, Removal, Source, SourceFeature, SourceItem, SourceNote

# Fields an import owns. Status, removal, moderation notes, first sighting and
# the dataset a camera first came from are Sightline's own, never set by a
# re-import.
SIGHTLINE_OWN_FIELDS = STATUS_FIELDS | {"first_seen", "dataset"}
IMPORTED_FIELDS = tuple(name for name in TRACKED_FIELDS if name not in SIGHTLINE_OWN_FIELDS)
# Written with the imported fields, not tracked by history.
SOURCE_COLUMNS = ("osm_version", "source_hash")
STAGED_COLUMNS = (*map(column_name, IMPORTED_FIELDS), *SOURCE_COLUMNS)
UPDATED_COLUMNS = STAGED_COLUMNS
REVISION_COLUMNS = ("camera_id", "version", "changeset_id", "changes", "created_at")
# Keys whose bad values are listed one by one; other unrecognised values
# (an unknown surveillance:type, say) are counted in the summary.
LISTED_PROBLEM_KEYS = {"camera:direction", "direction", "height", "camera:angle"}
# Bumped when the tag mapping changes meaning, so that a re-import re-reads
# records whose fingerprint would otherwise say "unchanged".
PARSER_VERSION = "1"
IMPORT_ACTOR_PREFIX = "import: "


def absent_note(dataset_name: str) -> str:
    return f"absent from {dataset_name}"


REMOVAL_NOTES = {
    Removal.DELETED: "deleted in {}",
    Removal.UNTAGGED: "no longer tagged as surveillance in {}",
}


@dataclass
class ImportReport:
    dataset: str
    dry_run: bool = False
    format: str = ""
    full: bool = False
    features: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    restored: int = 0
    conflicts: int = 0
    merge_candidates: int = 0
    rejected: list[FeatureRejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown_removals: list[str] = field(default_factory=list)
    unrecognised: Counter = field(default_factory=Counter)
    skipped_conflicts: list[int] = field(default_factory=list)
    broken: str = ""
    seconds: float = 0.0

    def summary(self) -> str:
        text = (
            f"{self.dataset}: {self.features} features: {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )
        extras = [
            (self.removed, "removed"),
            (self.restored, "back after being absent"),
            (self.conflicts, "fields kept against the source (conflicts for moderators)"),
            (self.merge_candidates, "possible duplicates for moderators"),
        ]
        text += "".join(f", {count} {what}" for count, what in extras if count)
        text += f" in {self.seconds:.1f} s"
        if self.skipped_conflicts:
            text += f"; {len(self.skipped_conflicts)} edited meanwhile and skipped"
        return text + (" (dry run: nothing was written)" if self.dry_run else "")

    def unrecognised_by_key(self) -> dict[str, list[tuple[str, int]]]:
        by_key: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for (key, value), count in self.unrecognised.most_common():
            by_key[key].append((value, count))
        return dict(sorted(by_key.items()))


def fingerprint(feature: SourceFeature) -> int:
    """A stable 64-bit digest of what the source says about one record: the
    reader's own text of it where it has one (an OPL line), else its
    position, OSM version and sorted tags."""
    if feature.source_text:
        text = PARSER_VERSION + "\x1f" + feature.source_text
    else:
        tags = "\x1f".join(key + "\x1e" + value for key, value in sorted(feature.tags.items()))
        position = f"{feature.lon!r}\x1f{feature.lat!r}\x1f{feature.osm_version}"
        text = f"{PARSER_VERSION}\x1f{position}\x1f{tags}"
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# ------------------------------------------------------------- matching


class _Existing(NamedTuple):  # a tuple: 168k of them load in a blink
    pk: int
    version: int
    dataset_id: int | None
    kind: str
    source_hash: int | None
    status: str
    status_note: str


_make_existing = _Existing._make


class _ExistingCameras:
    """The cameras an import can match, loaded once with one query: every
    camera with an OSM id, and the dataset's cameras by record id and by
    position."""

    def __init__(self, dataset: Dataset) -> None:
        self.by_osm: dict[tuple[str, int], _Existing] = {}
        self.by_ref: dict[str, _Existing] = {}
        self.by_position: dict[tuple[float, float], list[_Existing]] = defaultdict(list)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, version, dataset_id, kind, source_hash, status, status_note, "
                "osm_type, osm_id, source_ref, ST_X(location), ST_Y(location) "
                "FROM registry_camera WHERE osm_id IS NOT NULL OR dataset_id = %s ORDER BY id",
                [dataset.pk],
            )
            for row in cursor.fetchall():
                existing = _make_existing(row[:7])
                osm_type, osm_id, source_ref, lon, lat = row[7:]
                if osm_id is not None:
                    self.by_osm[(osm_type, osm_id)] = existing
                elif source_ref:
                    self.by_ref.setdefault(source_ref, existing)
                    self.by_position[_position_key(lon, lat)].append(existing)
                else:
                    self.by_position[_position_key(lon, lat)].append(existing)

    def match_identity(self, feature: SourceFeature) -> _Existing | None:
        if feature.osm_id is not None:
            return self.by_osm.get((feature.osm_type, feature.osm_id))
        if feature.source_ref:
            return self.by_ref.get(feature.source_ref)
        return None

    def match_position(self, feature: SourceFeature, source_hash: int, kind: str | None):
        """The n-th record at a spot matches the n-th camera there, so that
        two devices on one pole stay two; first by fingerprint (unchanged),
        then by kind."""
        candidates = self.by_position.get(_position_key(feature.lon, feature.lat))
        if not candidates:
            return None
        for index, candidate in enumerate(candidates):
            if (candidate.source_hash == source_hash) if kind is None else candidate.kind == kind:
                return candidates.pop(index)
        return None


def _position_key(lon: float, lat: float) -> tuple[float, float]:
    return round(lon, 7), round(lat, 7)


# ------------------------------------------------------------- the run


@dataclass
class _Update:
    existing: _Existing
    state: dict[str, Any]
    source_hash: int
    osm_version: int | None


class CameraImport:
    def __init__(self, dataset: Dataset, report: ImportReport, *, near_distance: float) -> None:
        self.dataset = dataset
        self.report = report
        self.near_distance = near_distance
        # Cameras created by this run have larger ids: they are neither
        # near-duplicate candidates nor "absent" from the file.
        self.max_id_before: int | None = Camera.objects.aggregate(max=Max("id"))["max"]
        self.parser = _TagParser()
        self.existing = _ExistingCameras(dataset)
        self.seen_osm: dict[tuple[str, int], int] = {}
        self.seen_ids: set[int] = set()
        self.updates: list[_Update] = []
        self.restores: list[int] = []
        self.removals: list[Removal] = []
        self.absent = absent_note(dataset.name)

    # ------------------------------------------------------------ reading

    def staged_rows(self, items: Iterable[SourceItem]) -> Iterator[tuple]:
        """Consume the source; yield the staging row of every new camera
        (streamed into COPY while the file is still being read)."""
        for item in items:
            if isinstance(item, SourceFeature):
                row = self._feature(item)
                if row is not None:
                    yield row
            elif isinstance(item, FeatureRejection):
                self.report.features += 1
                self.report.rejected.append(item)
            elif isinstance(item, Removal):
                self.removals.append(item)
            elif isinstance(item, SourceNote):
                self.report.warnings.append(str(item))

    def _feature(self, feature: SourceFeature) -> tuple | None:
        self.report.features += 1
        if not self._first_of_its_object(feature):
            return None
        source_hash = fingerprint(feature)
        existing = self.existing.match_identity(feature)
        if existing is None and feature.osm_id is None:
            existing = self.existing.match_position(feature, source_hash, kind=None)
        if existing is not None and existing.source_hash == source_hash:
            self._unchanged(existing)
            return None
        state = self._state(feature)
        if state is None:
            return None
        if existing is None and feature.osm_id is None:
            existing = self.existing.match_position(feature, source_hash, kind=state["kind"])
        if existing is None:
            return self._creation_row(feature, state, source_hash)
        self.seen_ids.add(existing.pk)
        self._restore_if_absent(existing)
        self.updates.append(_Update(existing, state, source_hash, feature.osm_version))
        return None

    def _creation_row(
        self, feature: SourceFeature, state: dict[str, Any], source_hash: int
    ) -> tuple | None:
        """The staging row of a new camera, with its first revision's changes
        (serialised here: building them in SQL cost PostgreSQL 3.5 s of the
        168k sample's import, orjson 0.2 s)."""
        changes = creation_changes(
            {**state, "status": Status.REPORTED, "dataset": self.dataset.pk}
        )
        try:
            return (*_staged(state), feature.osm_version, source_hash, _json(changes))
        except orjson.JSONEncodeError:
            self.report.rejected.append(
                FeatureRejection(
                    feature.index, feature.ref, "tags", "contains text that is not valid Unicode"
                )
            )
            return None

    def _unchanged(self, existing: _Existing) -> None:
        self.seen_ids.add(existing.pk)
        self.report.unchanged += 1
        self._restore_if_absent(existing)

    def _restore_if_absent(self, existing: _Existing) -> None:
        """A camera this source had dropped, and that is back in it."""
        if existing.status == Status.REMOVED and existing.status_note == self.absent:
            self.restores.append(existing.pk)

    def _state(self, feature: SourceFeature) -> dict[str, Any] | None:
        parsed = self.parser.parse(feature.tags)
        for problem in parsed.problems:
            self.report.unrecognised[(problem.key, problem.value)] += 1
            if problem.key in LISTED_PROBLEM_KEYS:
                self.report.warnings.append(f"{feature.label}: {problem}; kept raw")
        for field_name, message in parsed.errors:
            self.report.rejected.append(
                FeatureRejection(feature.index, feature.ref, field_name, message)
            )
        if parsed.errors:
            return None
        return {
            "location": [feature.lon, feature.lat],
            **parsed.values,
            "osm_type": feature.osm_type,
            "osm_id": feature.osm_id,
            "tags": feature.tags,
            "source_ref": feature.source_ref[:100],
        }

    def _first_of_its_object(self, feature: SourceFeature) -> bool:
        if feature.osm_id is None:
            return True
        key = (feature.osm_type, feature.osm_id)
        if key in self.seen_osm:
            self.report.rejected.append(
                FeatureRejection(
                    feature.index,
                    feature.ref,
                    "id",
                    f"the same OSM object as feature {self.seen_osm[key]}; the first one is kept",
                )
            )
            return False
        self.seen_osm[key] = feature.index
        return True


_LOCATION_AT = IMPORTED_FIELDS.index("location")
_TAGS_AT = IMPORTED_FIELDS.index("tags")


def _staged(state: dict[str, Any]) -> tuple:
    """A state in STAGED_COLUMNS order, minus the source columns, as COPY
    text takes it (jsonb as JSON text, the point as EWKT)."""
    row = [state[name] for name in IMPORTED_FIELDS]
    lon, lat = row[_LOCATION_AT]
    row[_LOCATION_AT] = f"SRID=4326;POINT({lon!r} {lat!r})"
    row[_TAGS_AT] = _json(row[_TAGS_AT])
    return tuple(row)


def _json(value: Any) -> str:
    """JSON text for a jsonb column; raises orjson.JSONEncodeError for text
    PostgreSQL cannot hold (lone surrogates)."""
    return orjson.dumps(value).decode()


@dataclass(frozen=True)
class _ParsedTags:
    values: dict[str, Any]  # the fields the tags give, vendor and operator resolved
    problems: tuple[TagProblem, ...] = ()
    errors: tuple[tuple[str, str], ...] = ()  # (field, message): the feature is rejected


# Directions and survey dates vary from device to device; everything else
# (kind, vendor, operator, mount...) is shared by many. Each part is parsed
# once per distinct combination of the keys it reads.
CORE_KEYS = tuple(key for key in READ_KEYS if key not in (*DIRECTION_KEYS, *CONFIRMED_KEYS))
OWN_KEYS = {*DIRECTION_KEYS, *CONFIRMED_KEYS}


class _TagParser:
    """tags_to_fields, name resolution and validation, done once per
    distinct combination of the tags they read: in an OSM extract many
    devices share them (one vendor's ALPRs differ only in direction)."""

    def __init__(self) -> None:
        self.vendors = NameResolver.for_model(Vendor)
        self.operators = NameResolver.for_model(Operator)
        self.core: dict[tuple, _ParsedTags] = {}
        self.directions: dict[tuple, _ParsedTags] = {}
        self.confirmed: dict[tuple, _ParsedTags] = {}

    def parse(self, tags: dict[str, str]) -> _ParsedTags:
        core = self._cached(self.core, CORE_KEYS, tags, self._parse_core)
        directions = self._cached(self.directions, DIRECTION_KEYS, tags, _parse_directions)
        confirmed = self._cached(self.confirmed, CONFIRMED_KEYS, tags, _parse_confirmed)
        return _ParsedTags(
            {**core.values, **directions.values, **confirmed.values},
            core.problems + directions.problems + confirmed.problems,
            core.errors + directions.errors,
        )

    @staticmethod
    def _cached(cache: dict, keys: tuple[str, ...], tags: dict[str, str], parse) -> _ParsedTags:
        key = tuple(map(tags.get, keys))
        parsed = cache.get(key)
        if parsed is None:
            parsed = cache[key] = parse(tags)
        return parsed

    def _parse_core(self, tags: dict[str, str]) -> _ParsedTags:
        result = tags_to_fields(tags)
        fields = result.fields
        values = {
            "kind": fields.kind,
            "visibility": fields.visibility,
            "zone": fields.zone,
            "camera_type": fields.camera_type,
            "mount": fields.mount,
            "tilt": fields.tilt,
            "height": fields.height,
            "vendor": self.vendors.resolve(fields.vendor_raw, fields.vendor_wikidata),
            "vendor_raw": fields.vendor_raw[:255],
            "product": fields.product[:200],
            "operator": self.operators.resolve(fields.operator_raw, fields.operator_wikidata),
            "operator_raw": fields.operator_raw[:255],
        }
        problems = tuple(problem for problem in result.problems if problem.key not in OWN_KEYS)
        return _ParsedTags(values, problems, _errors(values, ("tilt", "height")))


def _parse_directions(tags: dict[str, str]) -> _ParsedTags:
    problems: list[TagProblem] = []
    values = {"directions": read_directions(tags, problems)}
    return _ParsedTags(values, tuple(problems), _errors(values, ("directions",)))


def _parse_confirmed(tags: dict[str, str]) -> _ParsedTags:
    problems: list[TagProblem] = []
    confirmed = newest_confirmation(tags, problems)
    return _ParsedTags({"last_confirmed": json_value(confirmed)}, tuple(problems))


def _errors(values: dict[str, Any], names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The model fields' own validation (ranges, finiteness), the same every
    write path uses, without building a model per feature."""
    errors = []
    for name in names:
        value = values[name]
        if value in (None, []):
            continue
        try:
            Camera._meta.get_field(name).clean(value, None)
        except ValidationError as error:
            errors.append((name, "; ".join(error.messages)))
    return tuple(errors)


# ------------------------------------------------------------- writing

# The GeoJSON Feature text of a new camera, computed in the INSERT itself
# (staging row s, vendor v, operator o): the same text the database's
# registry_camera_feature_text() gives (tests compare the two), at a fifth of
# the cost of the row trigger, which skips rows that carry their text.
NEW_FEATURE_SQL = (
    "json_build_object('type', 'Feature', 'id', s.id, "
    "'geometry', ST_AsGeoJSON(s.location, 7)::json, "
    "'properties', json_build_object("
    "'kind', s.kind, 'status', 'reported'::text, 'visibility', s.visibility, 'zone', s.zone, "
    "'camera_type', s.camera_type, 'mount', s.mount, 'directions', s.directions, "
    "'tilt', s.tilt, 'height', s.height, 'vendor', v.slug, 'vendor_name', v.name, "
    "'operator', o.slug, 'operator_name', o.name, 'last_confirmed', s.last_confirmed, "
    "'osm_type', s.osm_type, 'osm_id', s.osm_id, 'version', 1, "
    "'updated_at', %(now)s::timestamptz))::text"
)


STAGING_COPY = sql.SQL("COPY import_staging ({}, changes) FROM STDIN").format(
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


class _CreationStream:
    """Writes new cameras batch by batch on a second thread while the main
    thread goes on reading the source: PostgreSQL inserts one batch (rows,
    indexes, revisions) while Python parses the next, so the two cores work
    at once. The thread uses the run's own database connection, inside the
    run's transaction; the main thread does not touch the database meanwhile."""

    def __init__(self, writer: _Writer) -> None:
        connection.ensure_connection()
        self.writer = writer
        self.database = connection.connection  # the psycopg connection itself
        self.batches: queue.Queue[list[tuple] | None] = queue.Queue(maxsize=2)
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
        self.batches.put(batch)

    def _write_batches(self) -> None:
        while (batch := self.batches.get()) is not None:
            if self.error is not None:
                continue  # drain, so that the reader never blocks
            try:
                with self.database.cursor() as cursor:
                    self.writer.write_batch(cursor, batch)
            except BaseException as error:  # re-raised by write() in the main thread
                self.error = error


class _Writer:
    """The set-based writes of one run, in the run's transaction."""

    def __init__(self, run: CameraImport, changeset: Changeset | None) -> None:
        self.run = run
        self.report = run.report
        self.dataset = run.dataset
        self.changeset = changeset
        self.now = timezone.now()

    def params(self, **extra) -> dict[str, Any]:
        return {
            "dataset": self.dataset.pk,
            "changeset": self.changeset.pk if self.changeset else None,
            "now": self.now,
            **extra,
        }

    # -- creations, one batch at a time (see _CreationStream)

    def write_batch(self, cursor, rows: list[tuple]) -> None:
        """COPY a batch of new cameras into the staging table (ids come from
        the camera sequence as rows arrive), insert the cameras with their
        feature text and their first revisions, link near-duplicates."""
        cursor.execute("TRUNCATE import_staging")
        with cursor.copy(STAGING_COPY) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(INSERT_CREATIONS, self.params())
        self.report.created += cursor.rowcount
        cursor.execute(INSERT_CREATION_REVISIONS, self.params())
        if self.run.near_distance > 0 and self.run.max_id_before is not None:
            self._link_near_duplicates(cursor)

    def _link_near_duplicates(self, cursor) -> None:
        """Only cameras that existed before this run are candidates (not
        those of earlier batches). Two different OSM objects are two devices
        by definition: never linked."""
        cursor.execute(
            "INSERT INTO registry_mergecandidate "
            "(camera_id, duplicate_of_id, distance, changeset_id, decision, created_at) "
            "SELECT n.id, e.id, ST_Distance(n.location::geography, e.location::geography), "
            "%(changeset)s, 'open', %(now)s "
            "FROM import_staging n JOIN registry_camera e "
            "ON e.location && ST_Expand(n.location, %(distance)s / 111000.0 "
            "   / greatest(cos(radians(ST_Y(n.location))), 0.01)) "
            "AND e.id <= %(max_before)s AND e.kind = n.kind AND e.status <> 'hidden' "
            "AND NOT (n.osm_id IS NOT NULL AND e.osm_id IS NOT NULL) "
            "WHERE ST_DWithin(n.location::geography, e.location::geography, %(distance)s)",
            self.params(distance=self.run.near_distance, max_before=self.run.max_id_before),
        )
        self.report.merge_candidates += cursor.rowcount

    # -- updates

    def apply_updates(self) -> None:
        updates = self.run.updates
        if not updates:
            return
        before = _states([update.existing.pk for update in updates])
        protected = _protected_fields(list(before), self.dataset)
        revisions, conflicts, rows, refreshed = [], [], [], []
        for update in updates:
            pk = update.existing.pk
            state = update.state
            _keep_moderated_names(before[pk], state)
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
            row = (pk, update.existing.version, *_staged(state))
            row += (update.osm_version, update.source_hash)
            if changes:
                rows.append(row)
                revisions.append((update.existing, changes))
            else:
                refreshed.append(row)
        self.report.unchanged += len(refreshed)
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
        self.report.updated = len(updated)
        self.report.skipped_conflicts = sorted(
            existing.pk for existing, _changes in revisions if existing.pk not in updated
        )

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
            assignments = ", ".join(f"{column} = u.{column}" for column in columns)
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

    def set_status(self, ids: Iterable[int], *, status: str, note: str, where: str) -> int:
        """Move cameras to `status` with `note`; one revision each saying
        what it was before."""
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
                self.params(ids=list(ids), status=status, note=note, removed_on=removed_on),
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
            where=f"status = 'removed' AND status_note = {_literal(self.run.absent)}",
        )

    def apply_removals(self) -> None:
        """Deletions and lost surveillance tags from a change file, applied
        to this source's cameras."""
        by_reason: dict[str, list[int]] = defaultdict(list)
        for removal in self.run.removals:
            existing = self.run.existing.by_osm.get((removal.osm_type, removal.osm_id))
            if existing is None:
                if removal.reason == Removal.DELETED:
                    self.report.unknown_removals.append(
                        f"{removal.ref}: deleted in the change file, but Sightline has no "
                        "camera with that OSM id; nothing to remove"
                    )
                continue
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


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _states(ids: list[int]) -> dict[int, dict[str, Any]]:
    """The tracked imported fields of these cameras, as revision snapshots."""
    columns = [column_name(name) for name in IMPORTED_FIELDS if name != "location"]
    rows = (
        Camera.objects.filter(pk__in=ids)
        .annotate(lon=Longitude("location"), lat=Latitude("location"))
        .values("pk", "lon", "lat", *columns)
    )
    states = {}
    for row in rows:
        state = {
            name: json_value(row[column_name(name)])
            for name in IMPORTED_FIELDS
            if name != "location"
        }
        state["location"] = [row["lon"], row["lat"]]
        states[row["pk"]] = state
    return states


_OPEN = object()  # a protected field with no rejected source value
# The raw tags are the source's own record: they always follow the source
# (an edit that rewrote them from the fields protects the fields, not them).
SOURCE_OWNED = {"tags"}


@dataclass(frozen=True)
class _Protection:
    """Why a field may not take the source's value."""

    rejected: Any = _OPEN  # the source value a moderator turned down, if any
    # A moderator accepted this source value: the field is the source's again
    # for as long as it still holds it.
    accepted: tuple = ()

    def keeps_local(self, current: Any) -> bool:
        return not (self.accepted and current == self.accepted[0])

    def is_conflict(self, incoming: Any) -> bool:
        return self.rejected is _OPEN or incoming != self.rejected


def _protected_fields(ids: list[int], dataset: Dataset) -> dict[int, dict[str, _Protection]]:
    """Fields the source may not overwrite, per camera: changed by hand (in a
    changeset of no import) since this dataset's last import touched the
    camera, or with an open conflict; and fields where a moderator kept the
    local value against this dataset (the value they rejected must not come
    back through a later import). A value accepted from the source is the
    source's again."""
    if not ids:
        return {}
    found: dict[int, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    for pk, field_name, reason, value in _conflicts_and_edits(ids, dataset):
        if field_name not in SOURCE_OWNED:
            found[pk][field_name][reason] = value
    protected: dict[int, dict[str, _Protection]] = defaultdict(dict)
    for pk, fields in found.items():
        for field_name, reasons in fields.items():
            if "edit" in reasons or "open" in reasons:
                rejected = _OPEN
            elif "kept_local" in reasons:
                rejected = reasons["kept_local"]
            else:
                continue
            accepted = (reasons["accepted_source"],) if "accepted_source" in reasons else ()
            protected[pk][field_name] = _Protection(rejected, accepted)
    return protected


def _conflicts_and_edits(ids: list[int], dataset: Dataset) -> list[tuple]:
    """(camera, field, "edit" | "open" | "kept_local" | "accepted_source",
    source value of the latest such conflict)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT r.camera_id, k.name, 'edit', NULL::text "
            "FROM registry_revision r JOIN registry_changeset c ON c.id = r.changeset_id "
            "CROSS JOIN LATERAL jsonb_object_keys(r.changes) AS k(name) "
            "WHERE r.camera_id = ANY(%(ids)s) AND c.dataset_id IS NULL "
            "AND r.version > COALESCE((SELECT max(r2.version) FROM registry_revision r2 "
            "  JOIN registry_changeset c2 ON c2.id = r2.changeset_id "
            "  WHERE r2.camera_id = r.camera_id AND c2.dataset_id = %(dataset)s), 0) "
            "UNION ALL "
            "SELECT * FROM (SELECT DISTINCT ON (camera_id, field, resolution) camera_id, field, "
            "CASE WHEN resolution = '' THEN 'open' ELSE resolution END, source_value::text "
            "FROM registry_importconflict WHERE camera_id = ANY(%(ids)s) "
            "AND dataset_id = %(dataset)s "
            "ORDER BY camera_id, field, resolution, resolved_at DESC NULLS FIRST, id DESC) latest",
            {"ids": ids, "dataset": dataset.pk},
        )
        return [
            (pk, name, reason, None if value is None else json.loads(value))
            for pk, name, reason, value in cursor.fetchall()
        ]


def _keep_moderated_names(before: dict[str, Any], state: dict[str, Any]) -> None:
    """A vendor or operator a moderator set by hand survives a re-import that
    still carries the same raw spelling but cannot resolve it."""
    for role in ("vendor", "operator"):
        if state[role] is None and state[f"{role}_raw"] == before[f"{role}_raw"]:
            state[role] = before[role]


def _dataset(name: str, metadata: dict[str, str]) -> Dataset:
    dataset, _created = Dataset.objects.get_or_create(name=name)
    missing = {
        field_name: value[: Dataset._meta.get_field(field_name).max_length or None]
        for field_name, value in metadata.items()
        if not getattr(dataset, field_name)
    }
    if missing:
        for field_name, value in missing.items():
            setattr(dataset, field_name, value)
        dataset.full_clean()
        dataset.save()
    return dataset


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Reading builds hundreds of thousands of small dicts and tuples, freed
    by reference counting; the cyclic collector's repeated passes over them
    cost 15% of a large import for nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# The tables a first import fills, whose secondary indexes and constraints
# it builds once at the end instead of row by row.
BULK_LOADED_TABLES = ("registry_camera", "registry_revision")


@contextmanager
def _indexes_built_after() -> Iterator[None]:
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


def _create_staging_table() -> None:
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
            "ADD COLUMN changes jsonb"  # the first revision's
        )


def import_source(
    *,
    source: Source,
    dataset_name: str,
    actor: AbstractBaseUser | None = None,
    comment: str = "",
    dry_run: bool = False,
    full: bool = False,
    near_distance: float | None = None,
) -> ImportReport:
    """Import a source into the dataset named `dataset_name` (created on
    first use; the source's metadata fills its empty licence, attribution and
    description). `full` says the file is a complete extract of the source:
    its cameras missing from the file are removed. With `dry_run`,
    everything is computed and then rolled back."""
    started = time.perf_counter()
    report = ImportReport(dataset=dataset_name, dry_run=dry_run, format=source.format, full=full)
    distance = settings.IMPORT_NEAR_DUPLICATE_METRES if near_distance is None else near_distance
    with transaction.atomic():
        dataset = _dataset(dataset_name, source.metadata)
        run = CameraImport(dataset, report, near_distance=distance)
        changeset = open_changeset(
            user=actor,
            actor=f"{IMPORT_ACTOR_PREFIX}{dataset_name}",
            comment=comment or f"Import into {dataset_name}",
            dataset=dataset,
        )
        writer = _Writer(run, changeset)
        _create_staging_table()
        loading = _indexes_built_after() if run.max_id_before is None else nullcontext()
        with _without_cyclic_gc(), loading:
            _CreationStream(writer).write(run.staged_rows(source.items))
        report.broken = source.broken
        writer.apply_updates()
        writer.restore_returned()
        if full and not source.broken:
            writer.remove_absent()
        writer.apply_removals()
        if not changeset.revisions.exists() and not changeset.conflicts.exists():
            changeset.delete()  # a run that changed nothing leaves no trace
        if dry_run:
            transaction.set_rollback(True)
    report.seconds = time.perf_counter() - started
    return report


def import_features(
    *,
    features: Iterable[SourceItem],
    dataset_name: str,
    actor: AbstractBaseUser | None = None,
    comment: str = "",
    dry_run: bool = False,
    dataset_metadata: dict[str, str] | None = None,
    full: bool = False,
) -> ImportReport:
    """Import already-read features (tests, other readers) as one source."""
    return import_source(
        source=Source(format="features", items=iter(features), metadata=dataset_metadata or {}),
        dataset_name=dataset_name,
        actor=actor,
        comment=comment,
        dry_run=dry_run,
        full=full,
    )
