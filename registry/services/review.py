"""Moderators' decisions on contributions, and reverting a camera to an
earlier version. Each decision checks that the moderator may moderate that
camera (the `registry.moderate` permission, limited to their areas when
they have any), changes the camera through the camera services (versioned,
in the history) and is itself recorded as a ModerationAction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import (
    Area,
    Camera,
    Confirmation,
    EditSuggestion,
    Evidence,
    ModerationAction,
    RemovalReport,
    ReviewState,
    Status,
    Submission,
)

from .cameras import camera_hide, camera_remove, camera_set_status, camera_unhide, camera_update
from .history import TRACKED_FIELDS, column_name, open_changeset, record_revision, snapshot
from .moderation import model_value

MODERATE_PERMISSION = "registry.moderate"
Action = ModerationAction.Action


def can_moderate(user: AbstractBaseUser | None, camera: Camera | None = None) -> bool:
    """Moderators hold `registry.moderate` (superusers hold everything);
    one limited to some areas moderates only cameras inside them."""
    if user is None or not user.is_authenticated or not user.has_perm(MODERATE_PERMISSION):
        return False
    if camera is None or user.is_superuser:
        return True
    areas = Area.objects.filter(pk__in=user.moderated_areas.values("area_id"))
    if not areas.exists():
        return True
    # Decided in the database: boundaries can weigh megabytes.
    return areas.filter(geometry__intersects=camera.location).exists()


def _check(moderator: AbstractBaseUser, camera: Camera) -> None:
    if not can_moderate(moderator, camera):
        raise PermissionDenied(_("You may not moderate this camera."))


def _record(moderator, action: str, item, camera: Camera, reason: str) -> ModerationAction:
    subject = f"{item._meta.model_name}:{item.pk}"
    return ModerationAction.objects.create(
        moderator=moderator, action=action, subject=subject, camera=camera, reason=reason
    )


def _decide(item, moderator, state: str, reason: str) -> None:
    if item.state != ReviewState.OPEN:
        raise ValidationError(
            {
                "state": _("This was already decided: %(state)s.")
                % {"state": item.get_state_display()}
            }
        )
    item.state, item.decided_by, item.decided_at = state, moderator, timezone.now()
    item.decision_reason = reason
    item.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])


def _need_reason(reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, for the contributor and the record.")})


# ------------------------------------------------------------- submissions


@transaction.atomic
def submission_approve(
    *,
    submission: Submission,
    moderator: AbstractBaseUser,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> Camera:
    """Approve, after editing the camera with `changes` if given: it is
    verified (and shown, if it waited hidden for review)."""
    camera = submission.camera
    _check(moderator, camera)
    _decide(submission, moderator, ReviewState.ACCEPTED, reason)
    if camera.status == Status.HIDDEN:
        camera = camera_unhide(camera=camera, actor=moderator, reason=_("approved"))
    if changes:
        values = {name: model_value(name, value) for name, value in changes.items()}
        camera = camera_update(camera=camera, actor=moderator, reason=reason, **values)
    camera = camera_set_status(
        camera=camera, status=Status.VERIFIED, actor=moderator, reason=reason or _("approved")
    )
    _record(moderator, Action.APPROVE, submission, camera, reason)
    return camera


@transaction.atomic
def submission_reject(*, submission: Submission, moderator: AbstractBaseUser, reason: str) -> None:
    """Reject: the camera is hidden (reversibly), with the reason."""
    _need_reason(reason)
    _check(moderator, submission.camera)
    _decide(submission, moderator, ReviewState.REJECTED, reason)
    _hide_submitted(submission.camera, moderator, reason)
    _record(moderator, Action.REJECT, submission, submission.camera, reason)


def _hide_submitted(camera: Camera, moderator, reason: str) -> None:
    if camera.status == Status.HIDDEN:  # waited hidden for review: now for good reason
        camera.status_note = reason
        camera.save(update_fields=["status_note"])
        return
    camera_hide(camera=camera, actor=moderator, reason=reason)


@transaction.atomic
def submission_merge(
    *, submission: Submission, into: Camera, moderator: AbstractBaseUser, reason: str = ""
) -> Camera:
    """The same device as `into`: the report becomes a confirmation of it,
    its photos move to it, and the duplicate is hidden."""
    duplicate = submission.camera
    if into.pk == duplicate.pk or into.status == Status.HIDDEN:
        raise ValidationError({"into": _("Merge into another, public camera.")})
    _check(moderator, duplicate)
    _check(moderator, into)
    reason = reason or _("the same camera as #%(id)s") % {"id": into.pk}
    _decide(submission, moderator, ReviewState.MERGED, reason)
    submission.merged_into = into
    submission.save(update_fields=["merged_into"])
    Evidence.objects.filter(pk__in=submission.photos.values("pk")).update(
        camera=into, updated_at=timezone.now()
    )
    Confirmation.objects.create(
        camera=into,
        user=submission.user,
        receipt=submission.receipt,
        seen_on=submission.created_at.date(),
    )
    _hide_submitted(duplicate, moderator, reason)
    _record(moderator, Action.MERGE, submission, into, reason)
    return into


# ---------------------------------------------------------- removal reports


@transaction.atomic
def removal_report_accept(
    *, report: RemovalReport, moderator: AbstractBaseUser, reason: str = ""
) -> Camera:
    """The camera becomes removed, dated by the report."""
    _check(moderator, report.camera)
    reason = reason or report.note or _("reported gone")
    _decide(report, moderator, ReviewState.ACCEPTED, reason)
    camera = camera_remove(
        camera=report.camera, removed_on=report.seen_gone_on, actor=moderator, reason=reason
    )
    _record(moderator, Action.APPROVE, report, camera, reason)
    return camera


@transaction.atomic
def removal_report_reject(
    *, report: RemovalReport, moderator: AbstractBaseUser, reason: str
) -> None:
    _need_reason(reason)
    _check(moderator, report.camera)
    _decide(report, moderator, ReviewState.REJECTED, reason)
    _record(moderator, Action.REJECT, report, report.camera, reason)


# --------------------------------------------------------- edit suggestions


@transaction.atomic
def edit_suggestion_apply(
    *, suggestion: EditSuggestion, moderator: AbstractBaseUser, reason: str = ""
) -> Camera:
    """Apply the proposed values. A field someone changed since the
    contributor saw it is not overwritten: the moderator is told which."""
    camera = Camera.objects.select_for_update().get(pk=suggestion.camera_id)
    _check(moderator, camera)
    current = snapshot(camera)
    moved = [name for name, (seen, _new) in suggestion.changes.items() if current[name] != seen]
    if moved:
        raise ValidationError(
            {name: _("Changed since the suggestion was made; review it again.") for name in moved}
        )
    reason = reason or suggestion.note or _("suggested edit")
    _decide(suggestion, moderator, ReviewState.ACCEPTED, reason)
    values = {name: model_value(name, new) for name, (_seen, new) in suggestion.changes.items()}
    camera = camera_update(camera=camera, actor=moderator, reason=reason, **values)
    _record(moderator, Action.APPLY, suggestion, camera, reason)
    return camera


@transaction.atomic
def edit_suggestion_reject(
    *, suggestion: EditSuggestion, moderator: AbstractBaseUser, reason: str
) -> None:
    _need_reason(reason)
    _check(moderator, suggestion.camera)
    _decide(suggestion, moderator, ReviewState.REJECTED, reason)
    _record(moderator, Action.REJECT, suggestion, suggestion.camera, reason)


# -------------------------------------------------------------- hide, revert


@transaction.atomic
def moderator_hide(*, camera: Camera, moderator: AbstractBaseUser, reason: str) -> Camera:
    _check(moderator, camera)
    camera = camera_hide(camera=camera, actor=moderator, reason=reason)
    _record(moderator, Action.HIDE, camera, camera, reason)
    return camera


@transaction.atomic
def moderator_unhide(*, camera: Camera, moderator: AbstractBaseUser, reason: str) -> Camera:
    _check(moderator, camera)
    camera = camera_unhide(camera=camera, actor=moderator, reason=reason)
    _record(moderator, Action.UNHIDE, camera, camera, reason)
    return camera


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
    *, camera: Camera, version: int, moderator: AbstractBaseUser, reason: str
) -> Camera:
    """Bring the camera back to an earlier version, as a new version: the
    history keeps everything in between."""
    _need_reason(reason)
    camera = Camera.objects.select_for_update().get(pk=camera.pk)
    _check(moderator, camera)
    target = values_at_version(camera, version)
    current = snapshot(camera)
    for name in TRACKED_FIELDS:
        if target[name] != current[name]:
            setattr(camera, column_name(name), _column_value(name, target[name]))
    camera.full_clean()
    changes = {name: [current[name], target[name]] for name in TRACKED_FIELDS
               if current[name] != target[name]}  # fmt: skip
    if changes:
        camera.version += 1
        camera.save()
        record_revision(
            camera=camera,
            changeset=open_changeset(user=moderator, comment=reason),
            changes=changes,
        )
    _record(moderator, Action.REVERT, camera, camera, reason)
    return camera


def _column_value(name: str, value: Any) -> Any:
    """A JSON history value back into the column (foreign keys stay ids)."""
    if name in ("vendor", "operator", "dataset"):
        return value
    field = Camera._meta.get_field(name)
    if value is None:
        return None
    return field.to_python(value) if name != "location" else model_value("location", value)
