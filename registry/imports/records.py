"""What every reader yields, whatever the format: features to import,
rejections with their reason, removals (from change files) and notes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# What an import hands a reader that has a text of each record (OPL lines):
# (osm_type, osm_id, index, text) -> None when the record is the one the
# previous import stored (the import has counted it; the reader builds
# nothing for it), else the record's fingerprint, for its feature to carry.
SkipUnchanged = Callable[[str, int, int, str], "int | None"]


class UnreadableFile(Exception):
    """The file cannot be read at all; nothing is imported."""


class SourceFeature:
    """One record of a source: a position, OSM-style tags and its identity.

    A reader that has the tags as text (libosmium's OPL lines) passes
    `raw_tags` and a `decode` function instead of a dict, and its whole text
    of the record (version, tags, position) as `source_text`: the dict is
    built only when the import needs it, which an unchanged record,
    recognised by the fingerprint of that text, never does. A reader that
    has computed the fingerprint already passes it as `source_hash`.

    A source that states the camera's fields beside its raw tags (Sightline's
    own exports, whose fields may have been edited since the tags came)
    passes them as `stated_fields`, typed as the fields are (`directions` a
    list of floats, `last_confirmed` a date, `vendor` and `operator` the slugs
    of its records); they take precedence over what the tags say.

    A source that dates the record itself (an OSM object's timestamp,
    GeoJSON's `@timestamp`) passes the day as `source_date`: with the dates
    the tags give (start_date, check_date, survey:date), the earliest is when
    the camera was first seen."""

    __slots__ = (  # noqa: RUF023 - in the order of the constructor
        "index", "lon", "lat", "osm_type", "osm_id", "source_ref", "osm_version",
        "raw_tags", "source_text", "source_hash", "stated_fields", "source_date", "_tags",
        "_decode",
    )  # fmt: skip

    def __init__(
        self,
        index: int,
        lon: float,
        lat: float,
        tags: dict[str, str] | None = None,
        osm_type: str = "",
        osm_id: int | None = None,
        source_ref: str = "",
        osm_version: int | None = None,
        *,
        raw_tags: str = "",
        decode: Callable[[str], dict[str, str]] | None = None,
        source_text: str = "",
        source_hash: int | None = None,
        stated_fields: dict[str, Any] | None = None,
        source_date: date | None = None,
    ) -> None:
        self.index, self.lon, self.lat = index, lon, lat
        self.osm_type, self.osm_id, self.source_ref = osm_type, osm_id, source_ref
        self.osm_version = osm_version
        self.raw_tags = raw_tags
        self.source_text = source_text
        self.source_hash = source_hash
        self.stated_fields = stated_fields
        self.source_date = source_date
        self._tags = tags if tags is not None or decode else {}
        self._decode = decode

    @property
    def tags(self) -> dict[str, str]:
        if self._tags is None:
            self._tags = self._decode(self.raw_tags)
        return self._tags

    @property
    def label(self) -> str:
        return feature_label(self.index, self.ref)

    @property
    def ref(self) -> str:
        return f"{self.osm_type}/{self.osm_id}" if self.osm_id is not None else self.source_ref

    def share_tags(self, tags: dict[str, str], text: str) -> None:
        """Add tags the whole source shares, under the record's own (its value
        of a key wins); `text` stands for them in the record's text, so that
        its fingerprint changes with them."""
        if self._tags is None:
            decode = self._decode
            self._decode = lambda raw: {**tags, **decode(raw)}
        else:
            self._tags = {**tags, **self._tags}
        if self.source_text:
            self.source_text += text

    def _identity(self) -> tuple:
        return (self.index, self.lon, self.lat, self.tags, self.osm_type, self.osm_id,
                self.source_ref, self.osm_version, self.stated_fields,
                self.source_date)  # fmt: skip

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceFeature) and self._identity() == other._identity()

    __hash__ = None  # mutable tags: not hashable, like a dataclass with eq

    def __repr__(self) -> str:
        return f"SourceFeature({self.label}, {self.lon}, {self.lat}, {self.tags!r})"


@dataclass(frozen=True)
class FeatureRejection:
    index: int
    ref: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{feature_label(self.index, self.ref)}: {self.field}: {self.message}"


@dataclass(frozen=True)
class Removal:
    """A change file says an OSM object is gone, or no longer tagged as
    surveillance."""

    DELETED = "deleted"
    UNTAGGED = "untagged"

    index: int
    osm_type: str
    osm_id: int
    reason: str

    @property
    def ref(self) -> str:
        return f"{self.osm_type}/{self.osm_id}"


@dataclass(frozen=True)
class SourceNote:
    """Something the reader did that the user should know (a way imported at
    its centroid, a row whose columns were guessed)."""

    index: int
    ref: str
    message: str

    def __str__(self) -> str:
        return f"{feature_label(self.index, self.ref)}: {self.message}"


SourceItem = SourceFeature | FeatureRejection | Removal | SourceNote


@dataclass
class Source:
    """An opened file: its format, dataset-level metadata and its items.

    `broken` is set by the reader when the file turned out to be truncated or
    corrupt part-way: the items read before the break are imported, and a
    `--full` sync does not remove anything, since the file is not complete."""

    format: str
    items: Iterator[SourceItem]
    metadata: dict[str, str] = field(default_factory=dict)
    is_change_file: bool = False
    broken: str = ""
    # Set by the import before it reads the items, for readers that can use
    # it (OSM extracts): unchanged records are then never built at all.
    skip_unchanged: SkipUnchanged | None = None
    # Objects read so far, for the message when the file breaks part-way.
    objects_read: int = 0


def feature_label(index: int, ref: str) -> str:
    return f"feature {index}" + (f" ({ref})" if ref else "")


def tag_value(value: object) -> str:
    """A JSON value as the text of a tag: booleans as OSM's yes and no,
    numbers as written, anything else as JSON."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def with_shared_tags(source: Source, tags: dict[str, str]) -> Source:
    """The source, each of its records carrying `tags` where it does not say
    otherwise (`import_cameras --tag`, for every format, as a CSV mapping's
    [tags] for its rows). Records read as text (OPL lines) carry the tags in
    their text, also where the import recognises an unchanged record before
    building it: a different --tag on the next import updates them."""
    if not tags:
        return source
    text = "".join(f"\x1f{key}\x1e{value}" for key, value in sorted(tags.items()))
    items = source.items

    def shared() -> Iterator[SourceItem]:
        # The import sets skip_unchanged after opening the source and before
        # reading it; the reader looks it up when it starts, inside `items`.
        skip = source.skip_unchanged
        if skip is not None:
            source.skip_unchanged = lambda osm_type, osm_id, index, line: skip(
                osm_type, osm_id, index, line + text
            )
        for item in items:
            if isinstance(item, SourceFeature):
                item.share_tags(tags, text)
            yield item

    source.items = shared()
    return source


def earliest_day(*days: str | date | None) -> str | None:
    """The earliest of some days (dates, or ISO text as a camera's state
    holds them), as ISO text: a first sighting only ever moves earlier."""
    texts = [day.isoformat() if isinstance(day, date) else day for day in days if day]
    return min(texts, default=None)
