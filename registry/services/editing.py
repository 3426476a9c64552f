"""Moderators changing cameras directly: adding one, editing its fields and
status (the admin's camera form, the API's PATCH), and bringing it back to an
earlier version. Each is one action: the camera locked, the version the
moderator saw checked, the moderator's areas checked for the camera's place
before and after, one changeset, and a ModerationAction on record."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.models import Camera, ModerationAction, Status

from .cameras import (
    camera_create,
    camera_locked,
    camera_set_status,
    camera_update,
    settle_verification,
)
from .history import (
    TRACKED_FIELDS,
    column_name,
    current_changeset,
    diff,
    one_changeset,
    record_revision,
    snapshot,
)
from .moderation import model_value
from .moderators import check_place, record_moderation

Action = ModerationAction.Action


def _need_reason(reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, for the contributor and the record.")})


@transaction.atomic
def camera_add(
    *,
    moderator: AbstractBaseUser,
    location: Point,
    reason: str = "",
    status: str = Status.REPORTED,
    removed_on: date | None = None,
    **values: Any,
) -> Camera:
    """A camera a moderator records themselves, at a place they moderate."""
    check_place(moderator, location)
    with one_changeset(user=moderator, comment=reason or _("added by a moderator")):
        camera = camera_create(location=location, actor=moderator, reason=reason, **values)
        if status != camera.status:
            camera = camera_set_status(
                camera=camera, status=status, removed_on=removed_on, actor=moderator, reason=reason
            )
        record_moderation(
            moderator=moderator, action=Action.CREATE, item=camera, camera=camera, reason=reason
        )
    return camera


@transaction.atomic
def camera_edit(
    *,
    camera: Camera | int,
    moderator: AbstractBaseUser,
    expected_version: int | None,
    values: dict[str, Any],
    reason: str = "",
    status: str | None = None,
    removed_on: date | None = None,
) -> Camera:
    """Change some of a camera's fields (`values`, model values) and, with
    `status`, its status. Refused if the camera is past `expected_version`,
    or if its place before or after is outside the moderator's areas."""
    with one_changeset(user=moderator, comment=reason or _("edited by a moderator")):
        current = camera_locked(camera, expected_version)
        check_place(moderator, current.location, values.get("location") or current.location)
        version = current.version
        if values:
            current = camera_update(camera=current, actor=moderator, reason=reason, **values)
        if status is not None and _status_changes(current, status, removed_on):
            current = camera_set_status(
                camera=current,
                status=status,
                removed_on=removed_on,
                actor=moderator,
                reason=reason,
            )
        if current.version != version:
            record_moderation(
                moderator=moderator,
                action=Action.EDIT,
                item=current,
                camera=current,
                reason=reason,
            )
    return current


def _status_changes(camera: Camera, status: str, removed_on: date | None) -> bool:
    if status != camera.status:
        return True
    return status == Status.REMOVED and removed_on is not None and removed_on != camera.removed_on


# ------------------------------------------------------------------ revert


def values_at_version(camera: Camera, version: int) -> dict[str, Any]:
    """The tracked fields as they were at `version`, in the history's JSON
    form: today's values with every later revision undone, newest first."""
    if not 1 <= version <= camera.version:
        raise ValidationError(
            {
                "version": _("Camera #%(id)s has versions 1 to %(last)s.")
                % {"id": camera.pk, "last": camera.version}
            }
        )
    values = snapshot(camera)
    for revision in camera.revisions.filter(version__gt=version).order_by("-version"):
        for name, (before, _after) in revision.changes.items():
            if name in values:
                values[name] = before
    return values


@transaction.atomic
def camera_revert(
    *,
    camera: Camera | int,
    version: int,
    moderator: AbstractBaseUser,
    reason: str,
    expected_version: int | None = None,
) -> Camera:
    """Bring the camera back to an earlier version, as a new version: the
    history keeps everything in between. The place it goes back to must be
    one the moderator moderates, like the place it leaves."""
    _need_reason(reason)
    with one_changeset(user=moderator, comment=reason):
        current = camera_locked(camera, expected_version)
        check_place(moderator, current.location)
        if version == current.version:
            raise ValidationError({"version": _("This is the camera's current version.")})
        target = values_at_version(current, version)
        now = snapshot(current)
        values = {
            name: _column_value(name, target[name])
            for name in TRACKED_FIELDS
            if target[name] != now[name]
        }
        check_place(moderator, values.get("location") or current.location)
        if values:
            _assign(current, values)
            settle_verification(current)
            current.full_clean()
            changes = diff(now, snapshot(current))
            current.version += 1
            current.save()
            record_revision(
                camera=current,
                changeset=current_changeset(user=moderator, comment=reason),
                changes=changes,
            )
        record_moderation(
            moderator=moderator, action=Action.REVERT, item=current, camera=current, reason=reason
        )
    return current


def _assign(camera: Camera, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(camera, column_name(name), value)


def _column_value(name: str, value: Any) -> Any:
    """A JSON history value back into the column (foreign keys stay ids)."""
    if name in ("vendor", "operator", "dataset"):
        return value
    if value is None:
        return None
    if name == "location":
        return model_value("location", value)
    return Camera._meta.get_field(name).to_python(value)
