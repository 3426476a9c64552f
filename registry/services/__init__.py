"""Every write in Sightline: keyword-only functions, atomic, with history."""

from .cameras import (
    VersionConflict,
    camera_create,
    camera_hide,
    camera_remove,
    camera_set_capability,
    camera_set_status,
    camera_unhide,
    camera_update,
    evidence_add,
)
from .moderation import (
    conflict_accept_source,
    conflict_keep_local,
    merge_candidates_decide,
    merge_mark_distinct,
    merge_mark_duplicate,
)
from .names import map_spellings
from .reference import load_reference_data

__all__ = [
    "VersionConflict",
    "camera_create",
    "camera_hide",
    "camera_remove",
    "camera_set_capability",
    "camera_set_status",
    "camera_unhide",
    "camera_update",
    "conflict_accept_source",
    "conflict_keep_local",
    "evidence_add",
    "load_reference_data",
    "map_spellings",
    "merge_candidates_decide",
    "merge_mark_distinct",
    "merge_mark_duplicate",
]
