"""A replication feed of OpenStreetMap's layout, written with pyosmium into
a folder and served by a real HTTP server on 127.0.0.1, for the tests and
the benchmarks: `000/000/004.osc.gz` with `000/000/004.state.txt` beside it,
and `state.txt` at the top for the newest diff."""

from __future__ import annotations

import functools
import gzip
import http.server
import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import osmium
from osmium.osm.mutable import Node, Relation, Way

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def node(
    node_id: int,
    tags: dict[str, str] | None = None,
    *,
    version: int = 1,
    lon: float = -87.6,
    lat: float = 41.8,
    deleted: bool = False,
) -> Node:
    """A node as a diff carries it; a deleted one has no tags nor place."""
    if deleted:
        return Node(id=node_id, version=version, visible=False, timestamp=START)
    return Node(
        id=node_id,
        version=version,
        visible=True,
        location=osmium.osm.Location(lon, lat),
        tags=tags or {},
        timestamp=START,
    )


def way(way_id: int, node_ids: list[int], tags: dict[str, str], version: int = 1) -> Way:
    return Way(
        id=way_id, version=version, visible=True, nodes=node_ids, tags=tags, timestamp=START
    )


def relation(relation_id: int, tags: dict[str, str]) -> Relation:
    return Relation(
        id=relation_id, version=1, visible=True, members=[], tags=tags, timestamp=START
    )


class ReplicationFeed:
    """A feed in `folder` publishing one diff every `interval` from START."""

    def __init__(self, folder: Path, interval: timedelta = timedelta(minutes=1)) -> None:
        self.folder = folder
        self.interval = interval
        self.server: http.server.ThreadingHTTPServer | None = None
        self.newest = 0
        folder.mkdir(parents=True, exist_ok=True)

    def timestamp(self, sequence: int) -> datetime:
        return START + sequence * self.interval

    def path(self, sequence: int, suffix: str) -> Path:
        digits = f"{sequence:09d}"
        return self.folder / digits[:3] / digits[3:6] / f"{digits[6:]}.{suffix}"

    def write_diff(self, sequence: int, objects: Iterable, *, publish: bool = True) -> Path:
        """Diff `sequence` holding `objects` (nodes first, then ways, then
        relations, as osmChange files order them), its state file, and,
        with `publish`, the top state.txt saying it is the newest (unless a
        later one is published already)."""
        path = self.path(sequence, "osc.gz")
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = osmium.SimpleWriter(osmium.io.File(str(path), "osc.gz"), overwrite=True)
        try:
            for item in objects:
                if isinstance(item, Node):
                    writer.add_node(item)
                elif isinstance(item, Way):
                    writer.add_way(item)
                else:
                    writer.add_relation(item)
        finally:
            writer.close()
        self.write_state(sequence, publish=publish)
        return path

    def write_state(self, sequence: int, *, publish: bool = True) -> None:
        state = self.path(sequence, "state.txt")
        state.parent.mkdir(parents=True, exist_ok=True)
        stamp = self.timestamp(sequence).strftime("%Y-%m-%dT%H\\:%M\\:%SZ")
        text = f"#{stamp}\nsequenceNumber={sequence}\ntimestamp={stamp}\n"
        state.write_text(text)
        if publish and sequence >= self.newest:
            (self.folder / "state.txt").write_text(text)
            self.newest = sequence

    def truncate(self, sequence: int) -> None:
        """Cut diff `sequence`'s gzip stream in half, as an interrupted upload
        leaves it."""
        path = self.path(sequence, "osc.gz")
        data = path.read_bytes()
        assert data[:2] == b"\x1f\x8b" and gzip.decompress(data)
        path.write_bytes(data[: len(data) // 2])

    # -- the HTTP server

    def serve(self) -> str:
        handler = functools.partial(_QuietHandler, directory=str(self.folder))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.server_url

    @property
    def server_url(self) -> str:
        assert self.server is not None, "not served"
        return f"http://127.0.0.1:{self.server.server_port}/"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:
        pass
