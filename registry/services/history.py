"""Revisions and changesets: the bookkeeping every camera write shares."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.gis.geos import Point

from registry.models import ANONYMOUS, Camera, Changeset, Dataset, Revision

# The fields a revision records; bookkeeping (version, timestamps) is not a change.
TRACKED_FIELDS = (
    "location",
    "kind",
    "visibility",
    "zone",
    "camera_type",
    "mount",
    "directions",
    "tilt",
    "height",
    "vendor",
    "vendor_raw",
    "product",
    "operator",
    "operator_raw",
    "status",
    "removed_on",
    "status_note",
    "first_seen",
    "last_confirmed",
    "osm_type",
    "osm_id",
    "tags",
    "dataset",
    "source_ref",
)
FOREIGN_KEYS = {"vendor", "operator", "dataset"}
# Set by the status services (removal, hiding), each with what it needs.
STATUS_FIELDS = frozenset({"status", "removed_on", "status_note"})


def column_name(field_name: str) -> str:
    """The attribute/column holding a tracked field (`vendor` -> `vendor_id`)."""
    return f"{field_name}_id" if field_name in FOREIGN_KEYS else field_name


def json_value(value: Any) -> Any:
    """A field value as JSON: points as [lon, lat], dates as ISO strings."""
    if isinstance(value, Point):
        return [value.x, value.y]
    if isinstance(value, date):
        return value.isoformat()
    return value


def snapshot(camera: Camera) -> dict[str, Any]:
    """The tracked fields of a camera, as JSON values (foreign keys by id)."""
    return {name: json_value(getattr(camera, column_name(name))) for name in TRACKED_FIELDS}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


# What "no value" looks like for each kind of field (built once: a bulk
# import asks for every field of every camera).
EMPTY_VALUES = (None, "", [], {})


def creation_changes(after: dict[str, Any]) -> dict[str, list[Any]]:
    """A new camera's revision holds every field that has a value."""
    return {name: [None, value] for name, value in after.items() if value not in EMPTY_VALUES}


def actor_name(user: AbstractBaseUser | None) -> str:
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return user.get_username()


def open_changeset(
    *,
    user: AbstractBaseUser | None = None,
    comment: str = "",
    actor: str | None = None,
    dataset: Dataset | None = None,
) -> Changeset:
    """One changeset groups the revisions of one edit or one import run."""
    authenticated = user if user is not None and user.is_authenticated else None
    return Changeset.objects.create(
        user=authenticated,
        actor=actor or actor_name(user),
        comment=comment,
        dataset=dataset,
    )


def record_revision(
    *, camera: Camera, changeset: Changeset, changes: dict[str, list[Any]]
) -> Revision:
    return Revision.objects.create(
        camera=camera, version=camera.version, changeset=changeset, changes=changes
    )
