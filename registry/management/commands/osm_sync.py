"""`manage.py osm_sync`: OpenStreetMap's changes since the last run, from its
replication feed (OSM_REPLICATION_URL), applied through the import."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry.models import ReplicationState
from registry.services.osm_sync import (
    FeedError,
    SyncRun,
    UnreadableFile,
    osm_sync_bootstrap,
    osm_sync_run,
)


def describe_lag(lag: timedelta | None) -> str:
    if lag is None:
        return "unknown"
    seconds = int(lag.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def describe_position(state: ReplicationState) -> str:
    """One line: where the registry stands in the feed."""
    stamp = f"{state.timestamp:%Y-%m-%d %H:%M:%S} UTC" if state.timestamp else "time unknown"
    behind = f", {state.behind} diffs behind the feed" if state.behind else ""
    lag = describe_lag(state.lag)
    return f"{state.feed_url} at diff {state.sequence} ({stamp}), lag {lag}{behind}"


def describe_batch(batch: dict[str, Any]) -> str:
    diffs = (
        f"diffs {batch['first']}-{batch['last']}"
        if batch["diffs"] > 1
        else f"diff {batch['first']}"
    )
    return (
        f"{diffs}: {batch['objects']} relevant objects, {batch['created']} created, "
        f"{batch['updated']} updated, {batch['removed']} removed, {batch['rejected']} rejected "
        f"in {batch['seconds']:.1f} s"
    )


class Command(BaseCommand):
    help = (
        "Apply OpenStreetMap's changes published since the last run (OSM_REPLICATION_URL, a "
        "minutely, hourly or daily replication feed) to the 'osm' dataset, in batches of one "
        "transaction each, then exit. The first run starts from the feed's current state."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bootstrap",
            type=Path,
            metavar="EXTRACT",
            help=(
                "Import an OSM extract (PBF or XML) first and follow the feed from the "
                "replication timestamp in its header."
            ),
        )
        parser.add_argument(
            "--start",
            type=int,
            metavar="SEQUENCE",
            help="Make this diff the next one applied (replaces the stored position).",
        )
        parser.add_argument(
            "--feed", help="The replication feed's address (default: OSM_REPLICATION_URL)."
        )

    def handle(
        self, *args, bootstrap: Path | None, start: int | None, feed: str | None, **options
    ):
        if bootstrap is not None and start is not None:
            raise CommandError("--bootstrap and --start both set the position: give one.")
        self.verbosity = options["verbosity"]
        url = feed or settings.OSM_REPLICATION_URL
        if bootstrap is not None:
            self.bootstrap(bootstrap, url)
        run = osm_sync_run(feed_url=url, start=start, on_batch=self.print_batch)
        self.print_run(run)
        if run.error is not None:
            raise CommandError(
                f"{run.error}. The position stays before it; the next run tries it again."
            )

    def bootstrap(self, path: Path, url: str) -> None:
        try:
            done = osm_sync_bootstrap(path=path, feed_url=url)
        except (UnreadableFile, FeedError) as error:
            raise CommandError(f"{error}. Nothing was imported.") from None
        self.stdout.write(done.report.summary())
        self.stdout.write(
            f"{path.name} reaches {done.position.timestamp:%Y-%m-%d %H:%M:%S} UTC: following "
            f"the feed from diff {done.state.sequence + 1}."
        )

    def print_batch(self, run: SyncRun, batch: dict[str, Any]) -> None:
        if len(run.batches) == 1:
            self.print_start(run)
        if self.verbosity >= 1:
            self.stdout.write(describe_batch(batch))

    def print_start(self, run: SyncRun) -> None:
        if run.started:
            self.stdout.write(run.started[:1].upper() + run.started[1:] + ".")

    def print_run(self, run: SyncRun) -> None:
        if not run.batches:
            self.print_start(run)
        if run.batches:
            first, last = run.batches[0]["first"], run.batches[-1]["last"]
            self.stdout.write(
                f"Applied {run.diffs} diffs ({first}-{last}) in {len(run.batches)} batches: "
                f"{run.total('created')} cameras created, {run.total('updated')} updated, "
                f"{run.total('removed')} removed."
            )
        elif run.error is None and not run.started:
            self.stdout.write("Nothing new in the feed.")
        if run.state is not None:
            self.stdout.write(describe_position(run.state))
