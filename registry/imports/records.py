"""What every reader yields, whatever the format: features to import,
rejections with their reason, removals (from change files) and notes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


class UnreadableFile(Exception):
    """The file cannot be read at all; nothing is imported."""


@dataclass(frozen=True)
class SourceFeature:
    index: int
    lon: float
    lat: float
    tags: dict[str, str]
    osm_type: str = ""
    osm_id: int | None = None
    source_ref: str = ""
    osm_version: int | None = None

    @property
    def label(self) -> str:
        return feature_label(self.index, self.ref)

    @property
    def ref(self) -> str:
        return f"{self.osm_type}/{self.osm_id}" if self.osm_id is not None else self.source_ref


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


def feature_label(index: int, ref: str) -> str:
    return f"feature {index}" + (f" ({ref})" if ref else "")
