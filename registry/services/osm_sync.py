"""Following OpenStreetMap: the changes its replication feed publishes,
applied through the import pipeline (dataset "osm"), so that sources,
precedence, conflicts and history apply as for any import.

A run applies every diff published since the stored position, in batches of
at most OSM_SYNC_BATCH_DIFFS diffs (or OSM_SYNC_BATCH_MB unpacked), each in
one transaction with the position it reaches: a run that stops part-way
leaves the registry and the position at the end of its last whole batch. A
diff that cannot be read is never skipped: the position stays before it, the
error names it, and the next run tries it again."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.imports.cameras import ImportReport, import_source
from registry.imports.formats import open_source
from registry.imports.records import UnreadableFile
from registry.imports.replication import (
    Batch,
    ExtractPosition,
    Feed,
    FeedError,
    HeldObjects,
    extract_position,
    write_relevant_changes,
)
from registry.models import Camera, ReplicationState
from registry.models.replication import normalised_feed_url

OSM_DATASET = "osm"
OSM_METADATA = {
    "licence": "ODbL-1.0",
    "attribution": "© OpenStreetMap contributors",
    "description": "OpenStreetMap, followed through its replication feed",
    "url": "https://www.openstreetmap.org/",
}

__all__ = ["FeedError", "UnreadableFile", "osm_sync_bootstrap", "osm_sync_run"]


@dataclass
class SyncRun:
    """What one run did: each batch's summary (as stored in
    ReplicationState.last_batch), where it started from, and the error that
    stopped it, if any."""

    feed_url: str
    state: ReplicationState | None = None
    started: str = ""  # how the position was set, when this run set it
    batches: list[dict[str, Any]] = field(default_factory=list)
    error: FeedError | None = None

    def total(self, key: str) -> int:
        return sum(batch[key] for batch in self.batches)

    @property
    def diffs(self) -> int:
        return self.total("diffs")


def _feed(url: str) -> Feed:
    return Feed(url, max_diff_bytes=settings.OSM_SYNC_MAX_DIFF_MB * 1_000_000)


def osm_sync_run(
    *,
    feed_url: str | None = None,
    start: int | None = None,
    on_batch: Callable[[SyncRun, dict[str, Any]], None] | None = None,
) -> SyncRun:
    """Apply everything the feed (OSM_REPLICATION_URL by default) published
    since the stored position, then return. With no position stored, start
    from the feed's current state (nothing to apply yet); `start` makes
    diff `start` the next one applied. Errors of the feed are recorded on the
    position and returned, not raised; `on_batch` hears of each batch."""
    url = normalised_feed_url(feed_url or settings.OSM_REPLICATION_URL)
    run = SyncRun(feed_url=url)
    with _feed(url) as feed:
        try:
            newest = feed.newest()
            run.state, run.started = _position(feed, url, newest, start=start)
            _record_check(run.state, newest)
            while (summary := _apply_batch(feed, run.state.pk, newest)) is not None:
                run.batches.append(summary)
                if on_batch is not None:
                    on_batch(run, summary)
                if summary["stopped_by"]:
                    run.error = FeedError(summary["stopped_by"], sequence=summary["last"] + 1)
                    break
        except FeedError as error:
            run.error = error
            run.state = run.state or ReplicationState.objects.for_feed(url).first()
            if run.state is not None:
                _record_error(run.state.pk, error)
    if run.state is not None:
        run.state.refresh_from_db()
    return run


def _position(feed: Feed, url: str, newest, *, start: int | None) -> tuple[ReplicationState, str]:
    """The feed's stored position, set from `start` or, the first time,
    from the feed's current state; and how it was set, when it was."""
    if start is not None:
        if not 1 <= start <= newest.sequence + 1:
            raise FeedError(
                f"--start {start}: the feed's diffs run from 1 to {newest.sequence}",
                sequence=start,
            )
        timestamp = feed.published_at(start - 1, newest) if start > 1 else None
        state = _set_position(url, sequence=start - 1, timestamp=timestamp)
        return state, f"starting at diff {start}, as asked"
    state = ReplicationState.objects.for_feed(url).first()
    if state is not None:
        return state, ""
    state = _set_position(url, sequence=newest.sequence, timestamp=newest.timestamp, keep=True)
    if state.sequence != newest.sequence:
        return state, ""  # another run set it first
    return state, (
        f"no position stored for this feed: starting from its current state, diff "
        f"{newest.sequence} of {newest.timestamp:%Y-%m-%d %H:%M:%S} UTC (load the cameras "
        "mapped before it with --bootstrap EXTRACT)"
    )


def _set_position(
    url: str, *, sequence: int, timestamp: datetime | None, keep: bool = False
) -> ReplicationState:
    """Store the position (with `keep`, only where none is stored yet)."""
    values = {"sequence": sequence, "timestamp": timestamp}
    try:
        with transaction.atomic():
            state, created = ReplicationState.objects.select_for_update().get_or_create(
                feed_url=url, defaults=values
            )
            if not created and not keep:
                for name, value in values.items():
                    setattr(state, name, value)
                state.save(update_fields=[*values])
    except IntegrityError:  # created meanwhile by another run
        return ReplicationState.objects.for_feed(url).get()
    return state


def _record_check(state: ReplicationState, newest) -> None:
    """The feed answered: its newest diff, and an error that named no diff
    (the feed could not be read) is over."""
    states = ReplicationState.objects.filter(pk=state.pk)
    states.update(feed_sequence=newest.sequence, checked_at=timezone.now())
    states.filter(last_error_sequence__isnull=True).update(last_error="", last_error_at=None)


def _record_error(state_id: int, error: FeedError) -> None:
    ReplicationState.objects.filter(pk=state_id).update(
        last_error=str(error)[:2000],
        last_error_sequence=error.sequence,
        last_error_at=timezone.now(),
    )


def _apply_batch(feed: Feed, state_id: int, newest) -> dict[str, Any] | None:
    """The next batch of diffs, applied in one transaction with the position
    it reaches; None when there is nothing left. The position is locked
    first: a second run waits, then goes on from where this one got."""
    with transaction.atomic():
        state = ReplicationState.objects.select_for_update().get(pk=state_id)
        if state.sequence >= newest.sequence:
            return None
        started = time.perf_counter()
        first = state.sequence + 1
        last = min(newest.sequence, state.sequence + settings.OSM_SYNC_BATCH_DIFFS)
        batch = feed.batch(first, last, max_kb=settings.OSM_SYNC_BATCH_MB * 1024)
        report = _import(batch, feed.baseurl)
        state.sequence = batch.last
        state.timestamp = feed.published_at(batch.last, newest)
        state.last_batch = _summary(batch, report, seconds=time.perf_counter() - started)
        state.last_batch_at = timezone.now()
        if batch.stopped_by:
            state.last_error = batch.stopped_by
            state.last_error_sequence = batch.last + 1
            state.last_error_at = state.last_batch_at
        elif state.sequence >= (state.last_error_sequence or 0):
            state.last_error, state.last_error_sequence, state.last_error_at = "", None, None
        state.save()
    return state.last_batch


def _import(batch: Batch, url: str) -> ImportReport:
    """The batch's relevant changes, through the import pipeline. A change
    the import finds broken fails the whole batch (the transaction rolls
    back), naming its diffs."""
    diffs = (
        f"diffs {batch.first}–{batch.last}" if batch.last > batch.first else f"diff {batch.first}"
    )
    with tempfile.TemporaryDirectory(prefix="sightline-sync-") as folder:
        path = Path(folder) / "changes.osc"
        write_relevant_changes(batch, _held_objects(), path)
        try:
            source = open_source(path)
        except UnreadableFile as error:
            raise FeedError(f"{diffs}: {error}", sequence=batch.first) from None
        source.metadata = OSM_METADATA
        report = import_source(
            source=source,
            dataset_name=OSM_DATASET,
            comment=f"OpenStreetMap {diffs} from {url}",
        )
    if report.broken:
        raise FeedError(f"{diffs}: {report.broken}", sequence=batch.first)
    return report


def _held_objects() -> HeldObjects:
    cameras = Camera.objects.all()
    return HeldObjects(nodes=cameras.osm_ids("node"), ways=cameras.osm_ids("way"))


def _summary(batch: Batch, report: ImportReport, *, seconds: float) -> dict[str, Any]:
    return {
        "first": batch.first,
        "last": batch.last,
        "diffs": batch.last - batch.first + 1,
        "objects": report.features + len(report.unknown_removals),
        "created": report.created,
        "updated": report.updated + report.linked + report.restored,
        "removed": report.removed,
        "unchanged": report.unchanged,
        "rejected": len(report.rejected),
        "conflicts": report.conflicts,
        "seconds": round(seconds, 2),
        "stopped_by": batch.stopped_by,
    }


@dataclass
class Bootstrap:
    report: ImportReport
    position: ExtractPosition
    state: ReplicationState


def osm_sync_bootstrap(*, path: Path, feed_url: str | None = None) -> Bootstrap:
    """Load an OSM extract through the import (dataset "osm") and store,
    in the same transaction, the feed position its header gives: its own
    sequence when it was cut from this feed, else the diff before its
    replication timestamp (pyosmium's timestamp_to_sequence). Raises
    UnreadableFile or FeedError, having written nothing."""
    url = normalised_feed_url(feed_url or settings.OSM_REPLICATION_URL)
    position = extract_position(path)
    with _feed(url) as feed:
        newest = feed.newest()
        sequence = _extract_sequence(feed, url, position)
        timestamp = feed.published_at(sequence, newest)
    source = open_source(path)
    if source.is_change_file:
        raise UnreadableFile(f"{path}: an osmChange file, not an extract")
    with transaction.atomic():
        source.metadata = OSM_METADATA
        report = import_source(
            source=source,
            dataset_name=OSM_DATASET,
            comment=f"Import of {path.name} ({source.format}), to follow {url}",
        )
        if report.broken:
            raise UnreadableFile(f"{path}: {report.broken}")
        state = _set_position(url, sequence=sequence, timestamp=timestamp)
    return Bootstrap(report=report, position=position, state=state)


def _extract_sequence(feed: Feed, url: str, position: ExtractPosition) -> int:
    if position.sequence is not None and normalised_feed_url(position.base_url or "-") == url:
        return position.sequence
    sequence = feed.timestamp_to_sequence(position.timestamp)
    if sequence is None:
        raise FeedError(
            f"the feed has no diff from before {position.timestamp:%Y-%m-%d %H:%M:%S} UTC, "
            "the extract's replication timestamp"
        )
    return sequence
