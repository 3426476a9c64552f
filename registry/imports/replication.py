"""OpenStreetMap's replication feeds, read with pyosmium's replication
client: the feed's state, batches of diffs, and the few objects of a diff
that concern Sightline, written as a small osmChange file for the import.

A feed is a folder of numbered diffs (`000/001/234.osc.gz`) with a state
file beside each (`000/001/234.state.txt`: its sequence number and the time
it reaches) and `state.txt` at the top for the newest; planet.openstreetmap.org
publishes one a minute, an hour or a day, Geofabrik's regional feeds one a day.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import osmium
import requests
from osmium.replication.server import DownloadResult, OsmosisState, ReplicationServer

from .osm import SURVEILLANCE_KEYS
from .records import UnreadableFile

DOWNLOAD_CHUNK_BYTES = 1 << 20


class FeedError(Exception):
    """The feed cannot be read, or one of its diffs cannot be applied.
    `sequence` names the diff, when there is one to name."""

    def __init__(self, message: str, *, sequence: int | None = None) -> None:
        super().__init__(message)
        self.sequence = sequence


class Feed(ReplicationServer):
    """pyosmium's client, which also remembers the diff it fetched last and
    why it could not (pyosmium logs a failure part-way through a batch and
    returns the diffs before it), and refuses a diff larger than
    `max_diff_bytes` after downloading that much."""

    def __init__(self, url: str, *, max_diff_bytes: int, timeout: float = 60) -> None:
        super().__init__(url)
        self.max_diff_bytes = max_diff_bytes
        self.set_request_parameter("timeout", timeout)
        self.fetching: int | None = None
        self.failure = ""

    def get_diff_block(self, seq: int) -> bytes:
        self.fetching, self.failure = seq, ""
        try:
            with self.open_url(self.make_request(self.get_diff_url(seq))) as response:
                response.raise_for_status()
                data = self._limited(response, seq)
        except requests.RequestException as error:
            self.failure = _describe(error)
            raise
        if not data:
            self.failure = "the diff is empty"
        return data

    def _limited(self, response: requests.Response, seq: int) -> bytes:
        chunks, size = [], 0
        for chunk in response.iter_content(DOWNLOAD_CHUNK_BYTES):
            size += len(chunk)
            if size > self.max_diff_bytes:
                raise FeedError(
                    f"diff {seq} is larger than {self.max_diff_bytes / 1e6:g} MB, the most "
                    "Sightline downloads (OSM_SYNC_MAX_DIFF_MB)",
                    sequence=seq,
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def newest(self) -> OsmosisState:
        state = self.get_state_info()
        if state is None:
            raise FeedError(f"{self.get_state_url(None)}: cannot read the feed's state")
        return state

    def published_at(self, sequence: int, newest: OsmosisState) -> datetime | None:
        """When diff `sequence` was published up to, None if its state file
        cannot be read."""
        if sequence == newest.sequence:
            return newest.timestamp
        state = self.get_state_info(sequence)
        return state.timestamp if state is not None else None

    def batch(self, first: int, last: int, *, max_kb: int) -> Batch:
        """Diffs `first`..`last` (fewer when they reach `max_kb` kB unpacked,
        at least one), merged by libosmium. Raises FeedError naming the diff
        when the first cannot be read, or any is corrupt or truncated (then
        nothing of the batch is used); a diff missing part-way ends the batch
        before it, with the reason in `stopped_by`."""
        self.fetching, self.failure = None, ""
        try:
            diffs = self.collect_diffs(first, max_size=max_kb, end_id=last)
        except requests.RequestException as error:
            raise FeedError(
                f"diff {first} cannot be downloaded ({_describe(error)})", sequence=first
            ) from None
        except RuntimeError as error:  # libosmium: a gzip or XML error
            sequence = self.fetching if self.fetching is not None else first
            raise FeedError(
                f"diff {sequence} is truncated or corrupt ({error})", sequence=sequence
            ) from None
        if diffs is None:
            reason = self.failure or "not published"
            raise FeedError(f"diff {first} cannot be downloaded ({reason})", sequence=first)
        stopped_by = ""
        if diffs.id < last and self.fetching == diffs.id + 1 and self.failure:
            stopped_by = f"diff {diffs.id + 1} cannot be downloaded ({self.failure})"
        return Batch(first=first, diffs=diffs, stopped_by=stopped_by)


def _describe(error: requests.RequestException) -> str:
    response = error.response
    if response is not None:
        return f"HTTP {response.status_code} {response.reason}".strip()
    return str(error) or type(error).__name__


@dataclass
class Batch:
    first: int
    diffs: DownloadResult
    # Why the batch ended before the last diff asked for, if a diff was missing.
    stopped_by: str = ""

    @property
    def last(self) -> int:
        return self.diffs.id


@dataclass(frozen=True)
class HeldObjects:
    """The OSM ids the registry holds cameras for, by type: a change to one
    of them counts even without surveillance tags (a deletion carries none,
    and a modification may have removed them)."""

    nodes: list[int]
    ways: list[int]


def write_relevant_changes(batch: Batch, held: HeldObjects, target: Path) -> None:
    """The batch's objects that concern Sightline, as an osmChange file:
    those with a surveillance key, and every change to an object the
    registry holds. libosmium does the choosing, in C++: a planet minutely
    diff holds some 100,000 objects, a few of them cameras. The merged diff
    (each object's newest version, deletions included) is written once as
    OPL, then read twice, once through each filter, into the one file (an
    object that passes both appears twice; the import keeps one)."""
    with tempfile.TemporaryDirectory(prefix="sightline-sync-") as folder:
        merged = str(Path(folder) / "merged.opl")
        writer = osmium.SimpleWriter(osmium.io.File(merged, "opl"))
        try:
            # The reader can be applied once only: its buffers are emptied.
            batch.diffs.reader.apply(writer, simplify=True)
        finally:
            writer.close()
        writer = osmium.SimpleWriter(osmium.io.File(str(target), "osc"))
        try:
            osmium.apply(merged, osmium.filter.KeyFilter(*SURVEILLANCE_KEYS), writer)
            if held.nodes or held.ways:
                osmium.apply(merged, *_held_filters(held), writer)
        finally:
            writer.close()


def _held_filters(held: HeldObjects) -> list[osmium.filter.BaseFilter]:
    nodes = osmium.filter.IdFilter(held.nodes)
    nodes.enable_for(osmium.osm.NODE)
    ways = osmium.filter.IdFilter(held.ways)
    ways.enable_for(osmium.osm.WAY)
    return [osmium.filter.EntityFilter(osmium.osm.NODE | osmium.osm.WAY), nodes, ways]


@dataclass(frozen=True)
class ExtractPosition:
    """What an extract's header says of the feed it was cut from."""

    timestamp: datetime
    sequence: int | None
    base_url: str


def extract_position(path: Path) -> ExtractPosition:
    """The replication timestamp (and sequence and feed, where given) in an
    OSM extract's header, as osmium and Geofabrik write them."""
    try:
        reader = osmium.io.Reader(str(path), osmium.osm.NOTHING)
        try:
            header = reader.header()
            stamp = header.get("osmosis_replication_timestamp")
            sequence = header.get("osmosis_replication_sequence_number")
            base_url = header.get("osmosis_replication_base_url")
        finally:
            reader.close()
    except (RuntimeError, ValueError) as error:
        raise UnreadableFile(f"{path}: cannot read its OSM header ({error})") from None
    if not stamp:
        raise UnreadableFile(
            f"{path}: its header has no osmosis_replication_timestamp, so the changes since "
            "it are unknown; give the first diff to apply with --start"
        )
    try:
        timestamp = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise UnreadableFile(
            f"{path}: osmosis_replication_timestamp {stamp!r} is not a time"
        ) from None
    number = int(sequence) if sequence and sequence.isdigit() else None
    return ExtractPosition(timestamp=timestamp, sequence=number, base_url=base_url)
