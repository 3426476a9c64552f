"""What the moderators' buttons do. Each action reads its form and calls
one service (registry/services/review.py, registry/services/moderation.py),
which checks the moderator's right to the camera, validates, changes the
camera through the versioned camera services and records the decision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from registry.models import Camera
from registry.services import (
    conflict_accept_source,
    conflict_keep_local,
    merge_mark_distinct,
    merge_mark_duplicate,
)
from registry.services.editing import camera_revert
from registry.services.review import (
    changed_since,
    edit_suggestion_apply,
    edit_suggestion_reject,
    moderator_hide,
    moderator_unhide,
    removal_report_accept,
    removal_report_reject,
    submission_approve,
    submission_merge,
    submission_reject,
)

from ..pages.wording import field_label
from .forms import CameraEditForm, ExpectedVersionForm, MergeForm, ReasonForm, RevertForm

# What makes a refusal a conflict with the item's current state (409)
# rather than a bad request (400): the error's field or its code.
CONFLICT_FIELDS = frozenset({"state", "status"})
CONFLICT_CODES = frozenset(
    {"already_resolved", "already_decided", "version_conflict", "changed_since", "original_hidden"}
)


@dataclass(frozen=True)
class Action:
    """What a button does: `run(request, item)` calls one service and
    returns the message for the moderator. A deciding action closes the
    item, so it needs the item open; hiding and showing do not."""

    run: Callable[[HttpRequest, Any], str]
    decides: bool = True


def _valid(form) -> dict[str, Any]:
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    return form.cleaned_data


def _reason(request: HttpRequest) -> str:
    return _valid(ReasonForm(request.POST))["reason"].strip()


def _seen_version(request: HttpRequest) -> int | None:
    """The camera's version the page showed: a decision made on an older
    page is refused instead of overwriting what changed since."""
    return _valid(ExpectedVersionForm(request.POST))["seen_version"]


def _approve(request, submission) -> str:
    camera = submission_approve(
        submission=submission,
        moderator=request.user,
        reason=_reason(request),
        expected_version=_seen_version(request),
    )
    return _("Approved: %(camera)s is verified.") % {"camera": camera}


def _edit_then_approve(request, submission) -> str:
    reason = _reason(request)
    form = CameraEditForm(request.POST, camera=submission.camera)
    _valid(form)
    changes = form.changes()
    camera = submission_approve(
        submission=submission,
        moderator=request.user,
        reason=reason,
        changes=changes or None,
        expected_version=_seen_version(request),
    )
    if not changes:
        return _("Approved without changes: %(camera)s is verified.") % {"camera": camera}
    return _("Approved after editing %(fields)s: %(camera)s is verified.") % {
        "fields": ", ".join(str(field_label(name)) for name in changes),
        "camera": camera,
    }


def _reject_submission(request, submission) -> str:
    submission_reject(
        submission=submission,
        moderator=request.user,
        reason=_reason(request),
        expected_version=_seen_version(request),
    )
    return _("Rejected: %(camera)s is hidden.") % {"camera": submission.camera}


def _merge(request, submission) -> str:
    data = _valid(MergeForm(request.POST))
    into = submission_merge(
        submission=submission,
        into=data["target"],
        moderator=request.user,
        reason=data["reason"].strip(),
    )
    return _("Merged into %(camera)s: the report counts as a confirmation of it.") % {
        "camera": into
    }


def _camera_of(item) -> Camera:
    return item if isinstance(item, Camera) else item.camera


def _hide(request, item) -> str:
    camera = moderator_hide(
        camera=_camera_of(item),
        moderator=request.user,
        reason=_reason(request),
        expected_version=_seen_version(request),
    )
    return _("%(camera)s is hidden; it can be shown again.") % {"camera": camera}


def _unhide(request, item) -> str:
    camera = moderator_unhide(
        camera=_camera_of(item),
        moderator=request.user,
        reason=_reason(request),
        expected_version=_seen_version(request),
    )
    return _("%(camera)s is shown again (%(status)s).") % {
        "camera": camera,
        "status": camera.get_status_display(),
    }


def _apply(request, suggestion) -> str:
    # Said here with the fields' labels; the service checks again under its lock.
    moved = changed_since(suggestion, suggestion.camera)
    if moved:
        raise ValidationError(
            _("Changed since the suggestion was made: %(fields)s. Reject it, or edit the camera.")
            % {"fields": ", ".join(str(field_label(name)) for name in moved)},
            code="changed_since",
        )
    camera = edit_suggestion_apply(
        suggestion=suggestion,
        moderator=request.user,
        reason=_reason(request),
        expected_version=_seen_version(request),
    )
    return _("Applied: %(camera)s is now version %(version)s.") % {
        "camera": camera,
        "version": camera.version,
    }


def _reject_suggestion(request, suggestion) -> str:
    edit_suggestion_reject(suggestion=suggestion, moderator=request.user, reason=_reason(request))
    return _("Edit suggestion rejected.")


def _accept_removal(request, report) -> str:
    camera = removal_report_accept(
        report=report,
        moderator=request.user,
        reason=_reason(request),
        expected_version=_seen_version(request),
    )
    return _("Accepted: %(camera)s is removed as of %(date)s.") % {
        "camera": camera,
        "date": report.seen_gone_on.isoformat(),
    }


def _reject_removal(request, report) -> str:
    removal_report_reject(report=report, moderator=request.user, reason=_reason(request))
    return _("Removal report rejected: the camera stays as it is.")


def _accept_source(request, conflict) -> str:
    camera = conflict_accept_source(
        conflict=conflict, user=request.user, expected_version=_seen_version(request)
    )
    return _("The source's value is now %(camera)s's.") % {"camera": camera}


def _keep_local(request, conflict) -> str:
    conflict_keep_local(conflict=conflict, user=request.user)
    return _("The local value is kept.")


def _duplicate(request, candidate) -> str:
    camera = merge_mark_duplicate(candidate=candidate, user=request.user, note=_reason(request))
    return _("%(camera)s is hidden as a duplicate.") % {"camera": camera}


def _distinct(request, candidate) -> str:
    merge_mark_distinct(candidate=candidate, user=request.user)
    return _("Marked as two distinct devices.")


HIDING = {"hide": Action(_hide, decides=False), "unhide": Action(_unhide, decides=False)}
ACTIONS: dict[str, dict[str, Action]] = {
    "submissions": {
        "approve": Action(_approve),
        "edit-approve": Action(_edit_then_approve),
        "reject": Action(_reject_submission),
        "merge": Action(_merge),
        **HIDING,
    },
    "edit-suggestions": {
        "apply": Action(_apply),
        "reject": Action(_reject_suggestion),
        **HIDING,
    },
    "removal-reports": {
        "accept": Action(_accept_removal),
        "reject": Action(_reject_removal),
        **HIDING,
    },
    "import-conflicts": {
        "accept-source": Action(_accept_source),
        "keep-local": Action(_keep_local),
    },
    "merge-candidates": {"duplicate": Action(_duplicate), "distinct": Action(_distinct)},
}


def _revert(request, camera: Camera) -> str:
    data = _valid(RevertForm(request.POST))
    camera = camera_revert(
        camera=camera,
        version=data["version"],
        moderator=request.user,
        reason=data["reason"],
        expected_version=data["seen_version"],
    )
    return _("%(camera)s has the values of version %(target)s again, as version %(version)s.") % {
        "camera": camera,
        "target": data["version"],
        "version": camera.version,
    }


# The camera's own page: revert to a version, hide, show again.
CAMERA_ACTIONS: dict[str, Action] = {"revert": Action(_revert, decides=False), **HIDING}


# ------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class Outcome:
    """How an action went: the message for the moderator, or the status
    and the reasons it was refused (nothing was changed then)."""

    status: int = 200
    message: str = ""
    errors: tuple[str, ...] = ()


def perform(request: HttpRequest, action: Action, target: Any) -> Outcome:
    """Runs the action in one transaction: a refusal leaves nothing behind."""
    try:
        with transaction.atomic():
            return Outcome(message=action.run(request, target))
    except PermissionDenied as error:
        return Outcome(403, errors=(str(error) or _("You may not moderate this camera."),))
    except ValidationError as error:
        return Outcome(409 if is_conflict(error) else 400, errors=tuple(error_messages(error)))


def unknown_action(name: str) -> Outcome:
    message = _("“%(action)s” is not something a moderator can do here.") % {"action": name[:40]}
    return Outcome(400, errors=(message,))


def is_conflict(error: ValidationError) -> bool:
    if hasattr(error, "error_dict"):
        if CONFLICT_FIELDS & set(error.error_dict):
            return True
        errors = [item for items in error.error_dict.values() for item in items]
    else:
        errors = error.error_list
    return any(item.code in CONFLICT_CODES for item in errors)


def error_messages(error: ValidationError) -> list[str]:
    """The reasons, each after the name of the field it is about."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    labels = {
        "reason": _("Reason"),
        "into": _("Camera to merge into"),
        "into_id": _("Camera to merge into"),
        "seen_version": _("Version"),
    }
    lines = []
    for name, items in error.message_dict.items():
        if name in ("__all__", "state", "status"):
            lines.extend(items)
            continue
        label = labels.get(name) or field_label(name)
        lines.extend(f"{label}: {item}" for item in items)
    return lines
