"""Revisions and changesets: the bookkeeping every camera write shares.

One action, one changeset (as in openstreetmap-website, where the changeset
comes with the edit): a use case runs inside `one_changeset(...)`, and every
revision written inside it, by whichever camera service, joins the changeset
that the first one opens. An action that changes no camera leaves none."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
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
    "verified_by",
    "verified_at",
    "first_seen",
    "last_confirmed",
    "osm_type",
    "osm_id",
    "tags",
    "dataset",
    "source_ref",
)
FOREIGN_KEYS = {"vendor", "operator", "dataset"}
# Set by the status services (removal, hiding, verification), each with what
# it needs.
STATUS_FIELDS = frozenset({"status", "removed_on", "status_note", "verified_by", "verified_at"})


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


@dataclass
class Action:
    """A use case under way: who acts and why, and the changeset its first
    revision opened."""

    user: AbstractBaseUser | None
    comment: str
    actor: str | None = None
    dataset: Dataset | None = None
    changeset: Changeset | None = None

    def open(self) -> Changeset:
        if self.changeset is None:
            self.changeset = open_changeset(
                user=self.user, comment=self.comment, actor=self.actor, dataset=self.dataset
            )
        return self.changeset


_current_action: ContextVar[Action | None] = ContextVar("sightline_action", default=None)


@contextmanager
def one_changeset(
    *,
    user: AbstractBaseUser | None = None,
    comment: str = "",
    actor: str | None = None,
    dataset: Dataset | None = None,
) -> Iterator[Action]:
    """Every revision written inside belongs to one changeset. A use case
    called from inside another joins the outer one: the user's action is
    the outermost call."""
    current = _current_action.get()
    if current is not None:
        yield current
        return
    action = Action(user=user, comment=comment, actor=actor, dataset=dataset)
    token = _current_action.set(action)
    try:
        yield action
    finally:
        _current_action.reset(token)


def current_changeset(*, user: AbstractBaseUser | None, comment: str) -> Changeset:
    """The changeset of the action under way, else one of its own for this
    single write."""
    action = _current_action.get()
    if action is not None:
        return action.open()
    return open_changeset(user=user, comment=comment)


def add_to_comment(text: str) -> None:
    """Says more of the action under way in its changeset's comment (a
    confirmation that also verified the camera, say)."""
    action = _current_action.get()
    if action is None:
        return
    action.comment = f"{action.comment}; {text}" if action.comment else text
    if action.changeset is not None:
        action.changeset.comment = action.comment
        action.changeset.save(update_fields=["comment"])


def action_changeset() -> Changeset | None:
    """The changeset the action under way has written to, if any."""
    action = _current_action.get()
    return action.changeset if action is not None else None


def record_revision(
    *, camera: Camera, changes: dict[str, list[Any]], changeset: Changeset | None = None
) -> Revision:
    """One version of `camera`, in `changeset` or the action's changeset."""
    if changeset is None:
        changeset = current_changeset(user=None, comment="")
    return Revision.objects.create(
        camera=camera, version=camera.version, changeset=changeset, changes=changes
    )
