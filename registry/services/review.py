"""Moderators' decisions on residents' contributions. Each decision is one
action: the item locked and decided once (a second decision is told who
decided it and when), the camera locked and, where the moderator saw a
version, checked against it, the moderator's areas checked for the camera's
place before and after, one changeset for every change it makes, and a
ModerationAction on record."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import (
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

from .cameras import (
    camera_hide,
    camera_locked,
    camera_remove,
    camera_set_status,
    camera_unhide,
    camera_update,
)
from .history import one_changeset, snapshot
from .moderation import model_value
from .moderators import can_moderate, check_place, record_moderation

Action = ModerationAction.Action

__all__ = [
    "can_moderate",
    "edit_suggestion_apply",
    "edit_suggestion_reject",
    "moderator_hide",
    "moderator_unhide",
    "removal_report_accept",
    "removal_report_reject",
    "submission_approve",
    "submission_merge",
    "submission_reject",
]


# ------------------------------------------------------------- decided once


def _outcome_word(item: models.Model) -> str:
    """How a decided item is described: "approved", "rejected", ..."""
    if item.state == ReviewState.ACCEPTED:
        if isinstance(item, Submission):
            return _("approved")
        if isinstance(item, EditSuggestion):
            return _("applied")
    return item.get_state_display()


def already_decided(item: models.Model) -> ValidationError:
    """ "Already approved by NAME at TIME": what a second decision is told."""
    who = item.decided_by.get_username() if item.decided_by_id else _("someone")
    when = timezone.localtime(item.decided_at) if item.decided_at else None
    return ValidationError(
        {
            "state": ValidationError(
                _("This was already %(outcome)s by %(name)s at %(time)s.")
                % {
                    "outcome": _outcome_word(item),
                    "name": who,
                    "time": when.strftime("%Y-%m-%d %H:%M %Z") if when else "?",
                },
                code="already_decided",
            )
        }
    )


def open_item(item: models.Model) -> models.Model:
    """The contribution as the database has it now, locked until the
    transaction ends, if nobody decided it yet. Two moderators deciding it
    at once queue here: the second sees the first's decision."""
    # Nothing joined: a row read after waiting for the lock is the committed
    # one, but columns joined to it would be from before the wait.
    current = type(item).objects.select_for_update().get(pk=item.pk)
    if current.state != ReviewState.OPEN:
        raise already_decided(current)
    return current


def _decide(item: models.Model, current: models.Model, moderator, state: str, reason: str) -> None:
    values = {
        "state": state,
        "decided_by": moderator,
        "decided_at": timezone.now(),
        "decision_reason": reason,
    }
    for name, value in values.items():
        setattr(current, name, value)
        setattr(item, name, value)  # the caller's object says what the database says
    current.save(update_fields=list(values))


def _need_reason(reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, for the contributor and the record.")})


def _model_values(changes: dict[str, Any] | None) -> dict[str, Any]:
    """{field: value in the history's JSON form} as model values."""
    return {name: model_value(name, value) for name, value in (changes or {}).items()}


# ------------------------------------------------------------- submissions


@transaction.atomic
def submission_approve(
    *,
    submission: Submission,
    moderator: AbstractBaseUser,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Camera:
    """Approve, after editing the camera with `changes` if given: it is
    verified (and shown, if it waited hidden for review)."""
    with one_changeset(user=moderator, comment=reason or _("approved")):
        current = open_item(submission)
        camera = camera_locked(current.camera_id, expected_version)
        values = _model_values(changes)
        check_place(moderator, camera.location, values.get("location") or camera.location)
        _decide(submission, current, moderator, ReviewState.ACCEPTED, reason)
        if camera.status == Status.HIDDEN:
            camera = camera_unhide(camera=camera, actor=moderator, reason=_("approved"))
        if values:
            camera = camera_update(camera=camera, actor=moderator, reason=reason, **values)
        camera = camera_set_status(
            camera=camera, status=Status.VERIFIED, actor=moderator, reason=reason or _("approved")
        )
        record_moderation(
            moderator=moderator, action=Action.APPROVE, item=current, camera=camera, reason=reason
        )
    return camera


@transaction.atomic
def submission_reject(
    *,
    submission: Submission,
    moderator: AbstractBaseUser,
    reason: str,
    expected_version: int | None = None,
) -> Camera:
    """Reject: the camera is hidden (reversibly), with the reason."""
    _need_reason(reason)
    with one_changeset(user=moderator, comment=reason):
        current = open_item(submission)
        camera = camera_locked(current.camera_id, expected_version)
        check_place(moderator, camera.location)
        _decide(submission, current, moderator, ReviewState.REJECTED, reason)
        camera = camera_hide(camera=camera, actor=moderator, reason=reason)
        record_moderation(
            moderator=moderator, action=Action.REJECT, item=current, camera=camera, reason=reason
        )
    return camera


@transaction.atomic
def submission_merge(
    *,
    submission: Submission,
    into: Camera | int,
    moderator: AbstractBaseUser,
    reason: str = "",
) -> Camera:
    """The same device as `into`: the report becomes a confirmation of it,
    its photos move to it, and the duplicate is hidden."""
    into_id = into.pk if isinstance(into, Camera) else into
    reason = reason or _("the same camera as #%(id)s") % {"id": into_id}
    with one_changeset(user=moderator, comment=reason):
        current = open_item(submission)
        duplicate, target = _both_locked(current.camera_id, into_id)
        if target.pk == duplicate.pk or target.status == Status.HIDDEN:
            raise ValidationError({"into": _("Merge into another, public camera.")})
        check_place(moderator, duplicate.location, target.location)
        _decide(submission, current, moderator, ReviewState.MERGED, reason)
        current.merged_into = submission.merged_into = target
        current.save(update_fields=["merged_into"])
        Evidence.objects.filter(pk__in=current.photos.values("pk")).update(
            camera=target, updated_at=timezone.now()
        )
        Confirmation.objects.create(
            camera=target,
            user=current.user,
            receipt=current.receipt,
            seen_on=current.created_at.date(),
        )
        camera_hide(camera=duplicate, actor=moderator, reason=reason)
        record_moderation(
            moderator=moderator, action=Action.MERGE, item=current, camera=target, reason=reason
        )
    return target


def _both_locked(first_id: int, second_id: int) -> tuple[Camera, Camera]:
    """Two cameras locked in the order of their ids, whichever way round they
    are merged, so that two merges of one pair cannot deadlock."""
    found = {
        camera.pk: camera
        for camera in Camera.objects.select_for_update(no_key=True)
        .filter(pk__in=[first_id, second_id])
        .order_by("pk")
    }
    if second_id not in found:
        raise ValidationError({"into": _("No camera has the number %(id)s.") % {"id": second_id}})
    return found[first_id], found[second_id]


# ---------------------------------------------------------- removal reports


@transaction.atomic
def removal_report_accept(
    *,
    report: RemovalReport,
    moderator: AbstractBaseUser,
    reason: str = "",
    expected_version: int | None = None,
) -> Camera:
    """The camera becomes removed, dated by the report."""
    with one_changeset(user=moderator, comment=reason or report.note or _("reported gone")):
        current = open_item(report)
        camera = camera_locked(current.camera_id, expected_version)
        check_place(moderator, camera.location)
        reason = reason or current.note or _("reported gone")
        _decide(report, current, moderator, ReviewState.ACCEPTED, reason)
        camera = camera_remove(
            camera=camera, removed_on=current.seen_gone_on, actor=moderator, reason=reason
        )
        record_moderation(
            moderator=moderator, action=Action.APPROVE, item=current, camera=camera, reason=reason
        )
    return camera


@transaction.atomic
def removal_report_reject(
    *, report: RemovalReport, moderator: AbstractBaseUser, reason: str
) -> None:
    _reject_contribution(report, moderator, reason)


@transaction.atomic
def edit_suggestion_reject(
    *, suggestion: EditSuggestion, moderator: AbstractBaseUser, reason: str
) -> None:
    _reject_contribution(suggestion, moderator, reason)


def _reject_contribution(item, moderator: AbstractBaseUser, reason: str) -> None:
    """Closes the item; the camera stays as it is."""
    _need_reason(reason)
    current = open_item(item)
    camera = Camera.objects.get(pk=current.camera_id)
    check_place(moderator, camera.location)
    _decide(item, current, moderator, ReviewState.REJECTED, reason)
    record_moderation(
        moderator=moderator, action=Action.REJECT, item=current, camera=camera, reason=reason
    )


# --------------------------------------------------------- edit suggestions


def changed_since(suggestion: EditSuggestion, camera: Camera) -> list[str]:
    """Fields someone changed since the contributor saw them: applying
    would overwrite that edit."""
    current = snapshot(camera)
    return [name for name, (seen, _new) in suggestion.changes.items() if current[name] != seen]


@transaction.atomic
def edit_suggestion_apply(
    *,
    suggestion: EditSuggestion,
    moderator: AbstractBaseUser,
    reason: str = "",
    expected_version: int | None = None,
) -> Camera:
    """Apply the proposed values. A field someone changed since the
    contributor saw it is not overwritten: the moderator is told which."""
    with one_changeset(user=moderator, comment=reason or suggestion.note or _("suggested edit")):
        current = open_item(suggestion)
        camera = camera_locked(current.camera_id, expected_version)
        moved = changed_since(current, camera)
        if moved:
            raise ValidationError(
                {
                    name: ValidationError(
                        _("Changed since the suggestion was made; review it again."),
                        code="changed_since",
                    )
                    for name in moved
                }
            )
        values = _model_values({name: new for name, (_seen, new) in current.changes.items()})
        check_place(moderator, camera.location, values.get("location") or camera.location)
        reason = reason or current.note or _("suggested edit")
        _decide(suggestion, current, moderator, ReviewState.ACCEPTED, reason)
        camera = camera_update(camera=camera, actor=moderator, reason=reason, **values)
        record_moderation(
            moderator=moderator, action=Action.APPLY, item=current, camera=camera, reason=reason
        )
    return camera


# -------------------------------------------------------------- hide, show


@transaction.atomic
def moderator_hide(
    *,
    camera: Camera | int,
    moderator: AbstractBaseUser,
    reason: str,
    expected_version: int | None = None,
) -> Camera:
    def hide(current: Camera) -> Camera:
        if current.status == Status.HIDDEN:
            raise ValidationError(
                {"status": ValidationError(_("This camera is already hidden."), code="hidden")}
            )
        return camera_hide(camera=current, actor=moderator, reason=reason)

    return _change_camera(camera, moderator, reason, expected_version, Action.HIDE, hide)


@transaction.atomic
def moderator_unhide(
    *,
    camera: Camera | int,
    moderator: AbstractBaseUser,
    reason: str,
    expected_version: int | None = None,
) -> Camera:
    def unhide(current: Camera) -> Camera:
        return camera_unhide(camera=current, actor=moderator, reason=reason)

    return _change_camera(camera, moderator, reason, expected_version, Action.UNHIDE, unhide)


def _change_camera(camera, moderator, reason: str, expected_version, action: str, change):
    """`change(camera)` as one recorded action on the locked camera, at the
    version seen, in a place the moderator moderates."""
    with one_changeset(user=moderator, comment=reason):
        current = camera_locked(camera, expected_version)
        check_place(moderator, current.location)
        current = change(current)
        record_moderation(
            moderator=moderator, action=action, item=current, camera=current, reason=reason
        )
    return current
