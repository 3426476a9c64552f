"""Importing cameras from a source (an OSM extract, an open-data list).

One import run is one transaction and one changeset. Each feature is matched
to an existing camera (by OSM id; else, within the same dataset, by position
and kind), then created, updated (version bumped, revision with the diff) or
left unchanged, so re-running the same import changes nothing. Bad features
are rejected one by one with a reason; good ones in the same file still land.
Writes go through COPY: the whole 168k-feature OSM sample in well under a
minute on two cores.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from psycopg.types.json import Jsonb

from registry.bulk import allocate_ids, copy_rows
from registry.models import Camera, Changeset, Dataset, Operator, Revision, Status, Vendor
from registry.names import NameResolver
from registry.osm_tags import tags_to_fields
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

from .geojson import FeatureRejection, SourceFeature

# Fields an import owns. Status, removal, moderation notes, first sighting and
# the dataset a camera first came from are Sightline's own, never set by a
# re-import.
SIGHTLINE_OWN_FIELDS = STATUS_FIELDS | {"first_seen", "dataset"}
IMPORTED_FIELDS = tuple(name for name in TRACKED_FIELDS if name not in SIGHTLINE_OWN_FIELDS)
# Columns written by COPY, in order: the imported fields, then bookkeeping.
BOOKKEEPING_COLUMNS = (
    "status",
    "status_note",
    "dataset_id",
    "version",
    "created_at",
    "updated_at",
)
CAMERA_COLUMNS = ("id", *map(column_name, IMPORTED_FIELDS), *BOOKKEEPING_COLUMNS)
# What an import's UPDATE sets (version is bumped separately).
UPDATED_COLUMNS = tuple(map(column_name, IMPORTED_FIELDS))
REVISION_COLUMNS = ("camera_id", "version", "changeset_id", "changes", "created_at")
# Keys whose bad values are listed one by one; other unrecognised values
# (an unknown surveillance:type, say) are counted in the summary.
LISTED_PROBLEM_KEYS = {"camera:direction", "direction", "height", "camera:angle"}
# Validated field by field per feature. The location is checked by the reader
# (building a GEOS point per feature is costly), vendor and operator come from
# resolution, and the tags from a JSON document.
VALIDATED_FIELDS = [
    Camera._meta.get_field(name)
    for name in IMPORTED_FIELDS
    if name not in {"location", "vendor", "operator", "tags", "last_confirmed"}
]


@dataclass
class ImportReport:
    dataset: str
    dry_run: bool = False
    features: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[FeatureRejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unrecognised: Counter = field(default_factory=Counter)
    skipped_conflicts: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        text = (
            f"{self.dataset}: {self.features} features: {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected in {self.seconds:.1f} s"
        )
        if self.skipped_conflicts:
            text += f"; {len(self.skipped_conflicts)} edited meanwhile and skipped"
        return text + (" (dry run: nothing was written)" if self.dry_run else "")

    def unrecognised_by_key(self) -> dict[str, list[tuple[str, int]]]:
        by_key: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for (key, value), count in self.unrecognised.most_common():
            by_key[key].append((value, count))
        return dict(sorted(by_key.items()))


@dataclass
class _Existing:
    pk: int
    version: int
    state: dict[str, Any]


class _ExistingCameras:
    """The cameras an import can match, loaded once: every camera with an OSM
    id, and the dataset's cameras without one, by position and kind."""

    def __init__(self, dataset: Dataset) -> None:
        self.by_osm: dict[tuple[str, int], _Existing] = {}
        self.by_position: dict[tuple, list[_Existing]] = defaultdict(list)
        rows = (
            Camera.objects.filter(Q(osm_id__isnull=False) | Q(dataset=dataset))
            .annotate(lon=Longitude("location"), lat=Latitude("location"))
            .order_by("pk")
            .values("pk", "version", "lon", "lat", *_state_columns())
        )
        for row in rows:
            existing = _Existing(row["pk"], row["version"], _row_state(row))
            if row["osm_id"] is not None:
                self.by_osm[(row["osm_type"], row["osm_id"])] = existing
            else:
                self.by_position[_position_key(existing.state)].append(existing)

    def match(self, state: dict[str, Any]) -> _Existing | None:
        if state["osm_id"] is not None:
            return self.by_osm.get((state["osm_type"], state["osm_id"]))
        # The n-th feature at a spot matches the n-th camera there, so that
        # two devices on one pole stay two.
        candidates = self.by_position.get(_position_key(state))
        return candidates.pop(0) if candidates else None


def _state_columns() -> list[str]:
    return [column_name(name) for name in IMPORTED_FIELDS if name != "location"]


def _row_state(row: dict) -> dict[str, Any]:
    """A loaded row in the shape of a revision snapshot, to diff against."""
    state = {
        name: json_value(row[column_name(name)]) for name in IMPORTED_FIELDS if name != "location"
    }
    state["location"] = [row["lon"], row["lat"]]
    return state


def _position_key(state: dict[str, Any]) -> tuple:
    lon, lat = state["location"]
    return round(lon, 7), round(lat, 7), state["kind"]


class CameraImport:
    def __init__(self, dataset: Dataset, report: ImportReport) -> None:
        self.dataset = dataset
        self.report = report
        self.vendors = NameResolver.for_model(Vendor)
        self.operators = NameResolver.for_model(Operator)
        self.existing = _ExistingCameras(dataset)
        self.seen_osm: dict[tuple[str, int], str] = {}
        self.creations: list[dict[str, Any]] = []
        self.updates: list[tuple[_Existing, dict[str, Any], dict[str, list]]] = []

    def add(self, item: SourceFeature | FeatureRejection) -> None:
        self.report.features += 1
        if isinstance(item, FeatureRejection):
            self.report.rejected.append(item)
            return
        state = self._state(item)
        if state is None:
            return
        existing = self.existing.match(state)
        if existing is None:
            self.creations.append(state)
            return
        self._keep_moderated_names(existing.state, state)
        changes = diff(existing.state, state)
        if changes:
            self.updates.append((existing, state, changes))
        else:
            self.report.unchanged += 1

    def _state(self, feature: SourceFeature) -> dict[str, Any] | None:
        parsed = tags_to_fields(feature.tags)
        for problem in parsed.problems:
            self.report.unrecognised[(problem.key, problem.value)] += 1
            if problem.key in LISTED_PROBLEM_KEYS:
                self.report.warnings.append(f"{feature.label}: {problem}; kept raw")
        fields = parsed.fields
        state = {
            "location": [feature.lon, feature.lat],
            "kind": fields.kind,
            "visibility": fields.visibility,
            "zone": fields.zone,
            "camera_type": fields.camera_type,
            "mount": fields.mount,
            "directions": fields.directions,
            "tilt": fields.tilt,
            "height": fields.height,
            "vendor": self.vendors.resolve(fields.vendor_raw, fields.vendor_wikidata),
            "vendor_raw": fields.vendor_raw[:255],
            "product": fields.product[:200],
            "operator": self.operators.resolve(fields.operator_raw, fields.operator_wikidata),
            "operator_raw": fields.operator_raw[:255],
            "last_confirmed": json_value(fields.last_confirmed),
            "osm_type": feature.osm_type,
            "osm_id": feature.osm_id,
            "tags": feature.tags,
            "source_ref": feature.source_ref[:100],
        }
        if not self._valid(feature, state) or not self._first_of_its_object(feature):
            return None
        return state

    def _valid(self, feature: SourceFeature, state: dict[str, Any]) -> bool:
        """The model fields' own validation (choices, ranges, lengths), the
        same every write path uses, without building a model per feature."""
        valid = True
        for model_field in VALIDATED_FIELDS:
            try:
                model_field.clean(state[model_field.name], None)
            except ValidationError as error:
                self.report.rejected.append(
                    FeatureRejection(
                        feature.index, feature.ref, model_field.name, "; ".join(error.messages)
                    )
                )
                valid = False
        return valid

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
                    f"the same OSM object as {self.seen_osm[key]}; the first one is kept",
                )
            )
            return False
        self.seen_osm[key] = feature.label
        return True

    @staticmethod
    def _keep_moderated_names(before: dict[str, Any], state: dict[str, Any]) -> None:
        """A vendor or operator a moderator set by hand survives a re-import
        that still carries the same raw spelling but cannot resolve it."""
        for role in ("vendor", "operator"):
            if state[role] is None and state[f"{role}_raw"] == before[f"{role}_raw"]:
                state[role] = before[role]

    # ------------------------------------------------------------ writing

    def write(self, changeset: Changeset) -> None:
        now = timezone.now()
        self._write_creations(changeset, now)
        self._write_updates(changeset, now)

    def _write_creations(self, changeset: Changeset, now) -> None:
        ids = allocate_ids(Camera._meta.db_table, len(self.creations))
        copy_rows(
            Camera._meta.db_table,
            CAMERA_COLUMNS,
            (
                self._camera_row(pk, state, version=1, now=now)
                for pk, state in zip(ids, self.creations, strict=True)
            ),
        )
        copy_rows(
            Revision._meta.db_table,
            REVISION_COLUMNS,
            (
                (pk, 1, changeset.pk, Jsonb(self._creation_changes(state)), now)
                for pk, state in zip(ids, self.creations, strict=True)
            ),
        )
        self.report.created = len(ids)

    def _creation_changes(self, state: dict[str, Any]) -> dict[str, list]:
        return creation_changes({**state, "status": Status.REPORTED, "dataset": self.dataset.pk})

    def _write_updates(self, changeset: Changeset, now) -> None:
        """Through a temporary table and one UPDATE; a camera whose version
        moved since it was read (edited meanwhile) is skipped, not overwritten."""
        if not self.updates:
            return
        with connection.cursor() as cursor:
            # Same columns, no constraints: columns the import does not write
            # (the trigger-kept feature text) stay NULL here.
            cursor.execute(
                "CREATE TEMPORARY TABLE import_update ON COMMIT DROP AS "
                "SELECT * FROM registry_camera WITH NO DATA"
            )
            copy_rows(
                "import_update",
                CAMERA_COLUMNS,
                (
                    self._camera_row(existing.pk, state, version=existing.version, now=now)
                    for existing, state, _changes in self.updates
                ),
            )
            assignments = ", ".join(f"{column} = u.{column}" for column in UPDATED_COLUMNS)
            cursor.execute(
                f"UPDATE registry_camera c SET {assignments}, version = c.version + 1, "
                "updated_at = u.updated_at "
                "FROM import_update u WHERE c.id = u.id AND c.version = u.version "
                "RETURNING c.id"
            )
            updated = {row[0] for row in cursor.fetchall()}
        copy_rows(
            Revision._meta.db_table,
            REVISION_COLUMNS,
            (
                (existing.pk, existing.version + 1, changeset.pk, Jsonb(changes), now)
                for existing, _state, changes in self.updates
                if existing.pk in updated
            ),
        )
        self.report.updated = len(updated)
        self.report.skipped_conflicts = sorted(
            existing.pk for existing, _s, _c in self.updates if existing.pk not in updated
        )

    def _camera_row(self, pk: int, state: dict[str, Any], *, version: int, now) -> tuple:
        """One row in CAMERA_COLUMNS order."""
        imported = (_copy_value(name, state[name]) for name in IMPORTED_FIELDS)
        return (pk, *imported, Status.REPORTED, "", self.dataset.pk, version, now, now)


def _copy_value(name: str, value: Any) -> Any:
    if name == "location":
        lon, lat = value
        return f"SRID=4326;POINT({lon!r} {lat!r})"
    if name == "tags":
        return Jsonb(value)
    return value


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


def import_features(
    *,
    features: Iterable[SourceFeature | FeatureRejection],
    dataset_name: str,
    actor: AbstractBaseUser | None = None,
    comment: str = "",
    dry_run: bool = False,
    dataset_metadata: dict[str, str] | None = None,
) -> ImportReport:
    """Import features into the dataset named `dataset_name` (created on first
    use; `dataset_metadata` fills its empty licence, attribution and
    description). With dry_run, everything is computed and then rolled back."""
    started = time.perf_counter()
    report = ImportReport(dataset=dataset_name, dry_run=dry_run)
    with transaction.atomic():
        dataset = _dataset(dataset_name, dataset_metadata or {})
        run = CameraImport(dataset, report)
        for item in features:
            run.add(item)
        if run.creations or run.updates:
            changeset = open_changeset(
                user=actor,
                actor=f"import: {dataset_name}",
                comment=comment or f"Import into {dataset_name}",
                dataset=dataset,
            )
            run.write(changeset)
        if dry_run:
            transaction.set_rollback(True)
    report.seconds = time.perf_counter() - started
    return report
