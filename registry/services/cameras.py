"""Writes to cameras. Each function is atomic, validates with full_clean(),
bumps `version` and leaves a Revision in a Changeset. Nothing is deleted:
removal and hiding are states, reversible and recorded."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import (
    Camera,
    CameraCapability,
    Changeset,
    Evidence,
    Operator,
    Status,
    Vendor,
    VerifiedBy,
)
from registry.names import NameResolver

from .history import (
    STATUS_FIELDS,
    TRACKED_FIELDS,
    creation_changes,
    current_changeset,
    diff,
    record_revision,
    snapshot,
)
from .operators import operator_for_string

# Fields a caller may set through camera_create/camera_update; status changes
# have their own functions because each needs its own evidence.
EDITABLE_FIELDS = frozenset(TRACKED_FIELDS) - STATUS_FIELDS


class VersionConflict(ValidationError):
    """The camera changed since the client read it: the edit is refused, never
    merged. Says what changed since, who changed it and when, so that the
    person can look again; `current_version` and `changes_since` are there
    for the API's 409."""

    def __init__(self, camera: Camera, expected: int) -> None:
        self.camera = camera
        self.current_version = camera.version
        self.expected_version = expected
        self.changes_since = changes_since(camera, expected)
        super().__init__(
            _(
                "Camera #%(id)s changed since you read it (version %(expected)s, now "
                "%(current)s): %(changes)s. Nothing was saved: look at it again and make "
                "your edit anew."
            )
            % {
                "id": camera.pk,
                "current": camera.version,
                "expected": expected,
                "changes": "; ".join(_describe(change) for change in self.changes_since)
                or _("its history does not say how"),
            },
            code="version_conflict",
        )


def changes_since(camera: Camera, version: int) -> list[dict[str, Any]]:
    """The revisions after `version`, oldest first: {version, by, at, fields}."""
    revisions = (
        camera.revisions.filter(version__gt=version)
        .select_related("changeset")
        .order_by("version")
    )
    return [
        {
            "version": revision.version,
            "by": revision.changeset.actor,
            "at": revision.created_at.isoformat(timespec="seconds"),
            "fields": sorted(revision.changes),
        }
        for revision in revisions
    ]


def _describe(change: dict[str, Any]) -> str:
    return _("version %(version)s by %(by)s at %(at)s changed %(fields)s") % {
        "version": change["version"],
        "by": change["by"],
        "at": change["at"],
        "fields": ", ".join(change["fields"]),
    }


def _check_fields(values: dict[str, Any]) -> None:
    unknown = set(values) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(
            {name: _("This field cannot be set here.") for name in sorted(unknown)}
        )


def _resolve_names(values: dict[str, Any]) -> None:
    """A raw vendor/operator string without a record gets the record it
    names; an operator string that names none makes a record from the data."""
    raw = values.get("vendor_raw")
    if raw and values.get("vendor") is None:
        pk = NameResolver.for_model(Vendor).resolve(raw)
        if pk is not None:
            values["vendor"] = Vendor.objects.get(pk=pk)
    raw = values.get("operator_raw")
    if raw and values.get("operator") is None:
        values["operator"] = operator_for_string(name=raw)


@transaction.atomic
def camera_create(
    *,
    location: Point,
    actor: AbstractBaseUser | None,
    reason: str = "",
    changeset: Changeset | None = None,
    capabilities: Iterable[str] = (),
    capability_note: str = "",
    hidden_because: str = "",
    **values: Any,
) -> Camera:
    """A new camera, status `reported` (or hidden, with `hidden_because` as
    its status note), version 1, with its capabilities and one revision
    holding all of it."""
    _check_fields(values)
    _resolve_names(values)
    camera = Camera(location=location, **values)
    if hidden_because:
        camera.status, camera.status_note = Status.HIDDEN, hidden_because
    camera.full_clean()
    camera.save()
    capabilities = sorted(set(capabilities))
    for capability in capabilities:
        row = CameraCapability(camera=camera, capability=capability, note=capability_note)
        row.full_clean(validate_constraints=False)
        row.save()
    changes = creation_changes(snapshot(camera))
    if capabilities:
        changes["capabilities"] = [[], capabilities]
    changeset = changeset or current_changeset(user=actor, comment=reason)
    record_revision(camera=camera, changeset=changeset, changes=changes)
    return camera


def camera_locked(camera: Camera | int, expected_version: int | None = None) -> Camera:
    """The camera as the database has it now, locked until the transaction
    ends; with `expected_version`, refused (VersionConflict) if it is not
    the version the client saw."""
    pk = camera.pk if isinstance(camera, Camera) else camera
    # FOR NO KEY UPDATE: rows that merely refer to the camera (a revision, a
    # possible duplicate an import is recording) do not stop the edit.
    current = Camera.objects.select_for_update(no_key=True).get(pk=pk)
    if expected_version is not None and current.version != expected_version:
        raise VersionConflict(current, expected_version)
    return current


def _save_revision(
    camera: Camera,
    before: dict[str, Any],
    *,
    actor: AbstractBaseUser | None,
    reason: str,
    extra_changes: dict[str, list[Any]] | None = None,
) -> Camera:
    camera.full_clean()
    changes = {**diff(before, snapshot(camera)), **(extra_changes or {})}
    if not changes:
        return camera
    camera.version += 1
    camera.save()
    record_revision(
        camera=camera,
        changeset=current_changeset(user=actor, comment=reason),
        changes=changes,
    )
    return camera


@transaction.atomic
def camera_update(
    *,
    camera: Camera,
    actor: AbstractBaseUser | None,
    reason: str = "",
    expected_version: int | None = None,
    **values: Any,
) -> Camera:
    """Change some fields. With expected_version, an edit made on an older
    version is refused instead of silently overwriting the newer one."""
    _check_fields(values)
    _resolve_names(values)
    camera = camera_locked(camera, expected_version)
    before = snapshot(camera)
    for name, value in values.items():
        setattr(camera, name, value)
    return _save_revision(camera, before, actor=actor, reason=reason)


@transaction.atomic
def camera_remove(
    *,
    camera: Camera,
    removed_on: date,
    actor: AbstractBaseUser | None,
    reason: str,
    evidence_url: str = "",
    expected_version: int | None = None,
) -> Camera:
    """Mark a camera gone. It stays in the registry with the date and evidence."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the camera is considered removed.")})
    camera = camera_locked(camera, expected_version)
    before = snapshot(camera)
    camera.status = Status.REMOVED
    camera.removed_on = removed_on
    camera.status_note = reason
    settle_verification(camera)
    if evidence_url:
        evidence_add(camera=camera, kind="survey", url=evidence_url, note=reason, date=removed_on)
    return _save_revision(camera, before, actor=actor, reason=reason)


@transaction.atomic
def camera_hide(*, camera: Camera, actor: AbstractBaseUser | None, reason: str) -> Camera:
    """Moderation: take a camera out of public view, reversibly."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the camera is hidden.")})
    camera = camera_locked(camera, None)
    before = snapshot(camera)
    # Hidden already (waiting for review, say): now for this reason.
    camera.status = Status.HIDDEN
    camera.status_note = reason
    settle_verification(camera)
    return _save_revision(camera, before, actor=actor, reason=reason)


@transaction.atomic
def camera_unhide(*, camera: Camera, actor: AbstractBaseUser | None, reason: str) -> Camera:
    """Undo camera_hide: the status it had before, from its history."""
    camera = camera_locked(camera, None)
    if camera.status != Status.HIDDEN:
        raise ValidationError({"status": _("This camera is not hidden.")})
    hiding = camera.revisions.filter(changes__status__1=Status.HIDDEN).order_by("-version").first()
    before = snapshot(camera)
    changes = hiding.changes if hiding else {}
    camera.status = changes.get("status", [Status.REPORTED])[0] or Status.REPORTED
    camera.status_note = changes.get("status_note", [""])[0] or ""
    # Verified again as it was verified before hiding (a hiding recorded
    # before verification said how counts as the moderator's showing it).
    camera.verified_by = changes.get("verified_by", [""])[0] or ""
    verified_at = changes.get("verified_at", [None])[0]
    camera.verified_at = Camera._meta.get_field("verified_at").to_python(verified_at)
    settle_verification(camera)
    return _save_revision(camera, before, actor=actor, reason=reason)


@transaction.atomic
def camera_set_status(
    *,
    camera: Camera,
    status: str,
    actor: AbstractBaseUser | None,
    reason: str,
    removed_on: date | None = None,
    verified_by: str = VerifiedBy.MODERATOR,
) -> Camera:
    """Moderation's one entry point for status: each status through the
    function that records what it needs (a removal its date, hiding its
    reason, a verification how it was made: `verified_by`, a moderator's
    decision unless the confirmations rule says otherwise)."""
    if status == Status.REMOVED:
        if removed_on is None:
            raise ValidationError({"removed_on": _("Give the date the camera was removed.")})
        return camera_remove(camera=camera, removed_on=removed_on, actor=actor, reason=reason)
    if status == Status.HIDDEN:
        return camera_hide(camera=camera, actor=actor, reason=reason)
    if status not in Status.values:
        raise ValidationError({"status": _("Unknown status %(status)r.") % {"status": status}})
    camera = camera_locked(camera, None)
    before = snapshot(camera)
    camera.status = status  # reported or verified: in place, so no removal
    camera.removed_on = None
    camera.status_note = ""
    if status == Status.VERIFIED and camera.verified_by != verified_by:
        camera.verified_by, camera.verified_at = verified_by, timezone.now()
    settle_verification(camera)
    return _save_revision(camera, before, actor=actor, reason=reason)


def settle_verification(camera: Camera) -> None:
    """Only a verified camera says how and when it was verified, and it
    always does: one that is no longer verified forgets it (its history
    keeps it), and one verified without saying how (brought back by a
    moderator to a version recorded before Sightline said how) counts as
    verified by that moderator, now."""
    if camera.status != Status.VERIFIED:
        camera.verified_by, camera.verified_at = "", None
    elif not camera.verified_by or camera.verified_at is None:
        camera.verified_by = camera.verified_by or VerifiedBy.MODERATOR
        camera.verified_at = camera.verified_at or timezone.now()


@transaction.atomic
def camera_set_capability(
    *,
    camera: Camera,
    capability: str,
    present: bool,
    actor: AbstractBaseUser | None,
    reason: str = "",
    evidence: Iterable[Evidence] = (),
    note: str = "",
) -> Camera:
    """Assert (or withdraw) a capability OSM has no tag for, with its evidence."""
    camera = camera_locked(camera, None)
    before = sorted(camera.capabilities.values_list("capability", flat=True))
    if present:
        row = CameraCapability(camera=camera, capability=capability, note=note)
        row.full_clean(validate_unique=False, validate_constraints=False)
        row, _created = CameraCapability.objects.update_or_create(
            camera=camera, capability=capability, defaults={"note": note}
        )
        row.evidence.add(*evidence)
    else:
        camera.capabilities.filter(capability=capability).delete()
    after = sorted(camera.capabilities.values_list("capability", flat=True))
    if before == after and not present:
        return camera  # nothing to withdraw
    return _save_revision(
        camera,
        snapshot(camera),
        actor=actor,
        reason=reason,
        extra_changes={"capabilities": [before, after]},
    )


def evidence_add(
    *,
    kind: str,
    url: str = "",
    document=None,
    title: str = "",
    date: date | None = None,
    note: str = "",
    camera: Camera | None = None,
    vendor: Vendor | None = None,
    operator: Operator | None = None,
) -> Evidence:
    evidence = Evidence(
        kind=kind,
        url=url,
        document=document or "",
        title=title,
        date=date,
        note=note,
        camera=camera,
        vendor=vendor,
        operator=operator,
    )
    evidence.full_clean()
    evidence.save()
    return evidence
