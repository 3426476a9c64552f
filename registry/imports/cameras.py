"""Importing cameras from a source (an OSM extract or change file, an
open-data list) and keeping them in step with it: the run, and how each
record is matched.

One import run is one transaction and one changeset, so a run that fails
half-way (killed, database error) leaves the registry as it was. Each feature
is matched to an existing camera: by OSM id; else, within the same dataset,
by the source's record id, else by position and kind. A record whose
fingerprint (position, tags, OSM version) is the one stored at the previous
import is unchanged and costs no parsing.

Where the rest lives: the readers of each format (records.py and one module
per format), tags to fields (tag_parsing.py), new cameras' way in through a
staging table (staging.py), updates and status changes (writing.py), what a
source may not overwrite (local_edits.py).

Sync rules: a field a moderator changed since the source's previous import
keeps the local value and the disagreement is recorded as an ImportConflict;
with `full=True` the source's cameras that are absent from the file become
removed ("absent from SOURCE"), never deleted; a new camera within a few
metres of an existing one of the same kind is linked as a MergeCandidate.
"""

from __future__ import annotations

import gc
import hashlib
import math
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Max

from registry.models import Camera, Dataset, Status
from registry.names import is_placeholder
from registry.services.history import (
    creation_changes,
    open_changeset,
)
from registry.services.tiles import tile_cells_deferred
from registry.text_input import text_problem

from .existing import PK, SOURCE_HASH, STATUS, STATUS_NOTE, Existing, ExistingCameras
from .records import (
    FeatureRejection,
    Removal,
    Source,
    SourceFeature,
    SourceItem,
    SourceNote,
    earliest_day,
)
from .staging import (
    CreationStream,
    as_json,
    create_staging_table,
    indexes_built_after,
    staged_row,
)
from .tag_parsing import TagParser
from .writing import Writer

# Keys whose bad values are listed one by one; other unrecognised values
# (an unknown surveillance:type, say) are counted in the summary.
LISTED_PROBLEM_KEYS = {"camera:direction", "direction", "height", "camera:angle"}
# OpenStreetMap's own limit for keys; values from other sources may be notes.
TAG_KEY_MAX_CHARS = 255
TAG_VALUE_MAX_CHARS = 10_000
# Any character that text_problem might refuse.
SUSPECT_TEXT = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def location_problem(lon: float, lat: float) -> str | None:
    """Why a position is off the globe, or None."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return "the position is not a finite number"
    if not -90 <= lat <= 90:
        return f"latitude {lat:g} is outside -90..90"
    if not -180 <= lon <= 180:
        return f"longitude {lon:g} is outside -180..180"
    return None


def tag_problems(tags: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(key, what is wrong) for each tag whose text Sightline refuses: control
    characters (line breaks allowed in values), lone surrogates, over-long.
    Nearly every record has none: one search over all its text says so."""
    text = "".join(tags) + "".join(tags.values())
    if not SUSPECT_TEXT.search(text) and len(text) <= TAG_KEY_MAX_CHARS:
        return
    for key, value in tags.items():
        problem = text_problem(key, max_length=TAG_KEY_MAX_CHARS) or text_problem(
            value, max_length=TAG_VALUE_MAX_CHARS, lines=True
        )
        if problem:
            yield text_problem_key(key), problem


def text_problem_key(key: str) -> str:
    return key.encode("unicode_escape", errors="backslashreplace").decode("ascii")[:60]


# Bumped when the tag mapping changes meaning, so that a re-import re-reads
# records whose fingerprint would otherwise say "unchanged".
PARSER_VERSION = "2"
IMPORT_ACTOR_PREFIX = "import: "


def absent_note(dataset_name: str) -> str:
    return f"absent from {dataset_name}"


@dataclass
class ImportReport:
    dataset: str
    dry_run: bool = False
    format: str = ""
    full: bool = False
    features: int = 0
    created: int = 0
    linked: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    restored: int = 0
    conflicts: int = 0
    merge_candidates: int = 0
    vendor_placeholders: int = 0  # features whose vendor tag only says "unknown"
    operators_created: int = 0
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
            (self.linked, "linked to cameras already here (same place, kind and tags)"),
            (self.removed, "removed"),
            (self.restored, "back after being absent"),
            (self.conflicts, "fields kept against the source (conflicts for moderators)"),
            (self.merge_candidates, "possible duplicates for moderators"),
            (self.vendor_placeholders, "named no vendor (placeholder values such as unknown)"),
            (self.operators_created, "operators made from the data, to review"),
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
    position, OSM version and sorted tags. The parser version personalises
    the hash, so a new tag mapping sees every record as changed."""
    if feature.source_hash is not None:
        return feature.source_hash
    if feature.source_text:  # read from a UTF-8 file: no lone surrogates
        return text_fingerprint(feature.source_text)
    tags = "\x1f".join(key + "\x1e" + value for key, value in sorted(feature.tags.items()))
    text = f"{feature.lon!r}\x1f{feature.lat!r}\x1f{feature.osm_version}\x1f{tags}"
    return _digest(text.encode("utf-8", "surrogatepass"))


def text_fingerprint(text: str) -> int:
    """fingerprint() of a record the reader has as UTF-8 text."""
    return _digest(text.encode())


def _digest(data: bytes) -> int:
    digest = _HASH.copy()
    digest.update(data)
    return int.from_bytes(digest.digest(), "big", signed=True)


_HASH = hashlib.blake2b(digest_size=8, person=f"sightline-{PARSER_VERSION}".encode())


def _storable_text(feature: SourceFeature) -> bool:
    """PostgreSQL stores valid UTF-8 only: a lone surrogate (a JSON file's
    broken \\ud800 escape) would fail the whole run at COPY; it fails its
    record here instead. A record read as text from a UTF-8 file (an OPL
    line) cannot hold one, and is not serialised an extra time to check."""
    if feature.source_text:
        return True
    try:
        as_json(feature.tags)
        feature.source_ref.encode()
    except (orjson.JSONEncodeError, UnicodeEncodeError):
        return False
    return True


@dataclass
class _Update:
    existing: Existing
    state: dict[str, Any]
    source_hash: int
    osm_version: int | None
    linked: bool = False  # an OSM object found to be this camera of another source


class CameraImport:
    def __init__(self, dataset: Dataset, report: ImportReport, *, near_distance: float) -> None:
        self.dataset = dataset
        self.report = report
        self.near_distance = near_distance
        # Cameras created by this run have larger ids: they are neither
        # near-duplicate candidates nor "absent" from the file.
        self.max_id_before: int | None = Camera.objects.aggregate(max=Max("id"))["max"]
        self.parser = TagParser(dataset.name)
        self.existing = ExistingCameras(dataset, near_metres=near_distance)
        self.seen_osm: dict[tuple[str, int], int] = {}
        self.seen_ids: set[int] = set()
        self.placeholders: dict[str, bool] = {}
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
        problem = location_problem(feature.lon, feature.lat)
        if problem:
            self.report.rejected.append(
                FeatureRejection(feature.index, feature.ref, "location", problem)
            )
            return None
        # Identity first: an OSM object (once per file), else the record id.
        existing = None
        if feature.osm_id is not None:
            key = (feature.osm_type, feature.osm_id)
            if key in self.seen_osm:
                self._reject_repeated(feature, key)
                return None
            self.seen_osm[key] = feature.index
            existing = self.existing.by_osm.get(key)
        elif feature.source_ref:
            existing = self.existing.by_ref.get(feature.source_ref)
        source_hash = fingerprint(feature)
        if existing is None and feature.osm_id is None:
            existing = self.existing.match_position(feature, source_hash, kind=None)
        if existing is not None and existing[SOURCE_HASH] == source_hash:
            self._seen(existing)
            self.report.unchanged += 1
            return None
        state = self._state(feature)
        if state is None:
            return None
        linked = False
        if existing is None and feature.osm_id is None:
            existing = self.existing.match_position(feature, source_hash, kind=state["kind"])
        if existing is None:
            existing = self.existing.link(feature.lon, feature.lat, state["kind"], feature.tags)
            linked = existing is not None
        if existing is None:
            return self._creation_row(feature, state, source_hash)
        self._seen(existing)
        self.updates.append(
            _Update(Existing._make(existing), state, source_hash, feature.osm_version, linked)
        )
        return None

    def skip_unchanged(self, osm_type: str, osm_id: int, index: int, text: str) -> int | None:
        """The reader's shortcut (records.SkipUnchanged): an OSM object seen
        for the first time in this file whose text has the fingerprint
        stored at the previous import is counted as unchanged here, and
        None returned; any other record goes the whole way, carrying the
        fingerprint computed here."""
        source_hash = text_fingerprint(text)
        key = (osm_type, osm_id)
        if key in self.seen_osm:
            return source_hash  # the whole way rejects the repeat
        existing = self.existing.by_osm.get(key)
        if existing is None or existing[SOURCE_HASH] != source_hash:
            return source_hash
        self.seen_osm[key] = index
        self.report.features += 1
        self.report.unchanged += 1
        self._seen(existing)
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
        near = self.existing.has_neighbour(feature.lon, feature.lat, state["kind"])
        return (*staged_row(state), feature.osm_version, source_hash, as_json(changes), near)

    def _seen(self, existing: tuple) -> None:
        self.seen_ids.add(existing[PK])
        # A camera this source had dropped, and that is back in it.
        if existing[STATUS] == Status.REMOVED and existing[STATUS_NOTE] == self.absent:
            self.restores.append(existing[PK])

    def _state(self, feature: SourceFeature) -> dict[str, Any] | None:
        if not _storable_text(feature):
            self.report.rejected.append(
                FeatureRejection(
                    feature.index, feature.ref, "tags", "contains text that is not valid Unicode"
                )
            )
            return None
        for key, problem in tag_problems(feature.tags):
            self.report.rejected.append(
                FeatureRejection(feature.index, feature.ref, f"tag {key}", problem)
            )
            return None
        state = {
            "location": [feature.lon, feature.lat],
            "osm_type": feature.osm_type,
            "osm_id": feature.osm_id,
            "tags": feature.tags,
            "source_ref": feature.source_ref[:100],
        }
        problems, errors = self.parser.fill(state, feature.tags, feature.stated_fields)
        if state.get("vendor") is None and self._placeholder(state.get("vendor_raw", "")):
            self.report.vendor_placeholders += 1
        if feature.source_date is not None:
            state["first_seen"] = earliest_day(state.get("first_seen"), feature.source_date)
        for problem in problems:
            self.report.unrecognised[(problem.key, problem.value)] += 1
            if problem.key in LISTED_PROBLEM_KEYS:
                self.report.warnings.append(f"{feature.label}: {problem}; kept raw")
        for field_name, message in errors:
            self.report.rejected.append(
                FeatureRejection(feature.index, feature.ref, field_name, message)
            )
        return None if errors else state

    def _placeholder(self, raw: str) -> bool:
        """Whether a vendor string only says no vendor is known (cached: an
        extract repeats a few strings)."""
        if raw not in self.placeholders:
            self.placeholders[raw] = bool(raw.strip()) and is_placeholder(raw)
        return self.placeholders[raw]

    def _reject_repeated(self, feature: SourceFeature, key: tuple[str, int]) -> None:
        self.report.rejected.append(
            FeatureRejection(
                feature.index,
                feature.ref,
                "id",
                f"the same OSM object as feature {self.seen_osm[key]}; the first one is kept",
            )
        )


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
def _prompt_thread_switches() -> Iterator[None]:
    """The writer thread hands PostgreSQL a 32 kB chunk at a time and needs
    the GIL back after each; with Python's default 5 ms switch interval it
    waits behind the reading thread for most of it. Measured on the 168k
    sample: 14.3 s at 5 ms, 10.2 s at 1 ms."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


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
        source.skip_unchanged = run.skip_unchanged
        changeset = open_changeset(
            user=actor,
            actor=f"{IMPORT_ACTOR_PREFIX}{dataset_name}",
            comment=comment or f"Import into {dataset_name}",
            dataset=dataset,
        )
        writer = Writer(run, changeset)
        create_staging_table()
        first_load = run.max_id_before is None
        # Into a registry in use, the tile pyramid's cells (which every
        # contribution adds to) are locked only from the run's end to its
        # commit: contributions never wait for a long import.
        with nullcontext() if first_load else _in_use():
            loading = indexes_built_after() if first_load else nullcontext()
            with _without_cyclic_gc(), _prompt_thread_switches(), loading:
                CreationStream(writer).write(run.staged_rows(source.items))
            report.broken = source.broken
            writer.settle_operators()
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


@contextmanager
def _in_use() -> Iterator[None]:
    """Into a registry in use: the tile pyramid's deltas kept aside and added
    at the end, and foreign keys checked statement by statement rather than
    all at the commit (2.9 s for the 168k sample), when the cells every
    contribution adds to are locked."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with tile_cells_deferred():
        yield
    with connection.cursor() as cursor:  # as Django declares them, for what follows
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


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
