"""Moderators' answers to what an import leaves for them: fields where the
source disagrees with a local edit (ImportConflict) and cameras that may be
one device reported twice (MergeCandidate). Each is decided once (the record
is locked, and a second decision refused), only by a moderator of the
cameras' place (before and after the change), and its camera changes go
through the camera services in one changeset, versioned and recorded like
any other edit."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.gis.db.models import PointField
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Camera, ImportConflict, MergeCandidate, Status

from .cameras import EDITABLE_FIELDS, camera_hide, camera_locked, camera_update
from .history import one_changeset
from .moderators import check_place


def model_value(field_name: str, value: Any) -> Any:
    """The inverse of history.json_value for one Camera field: [lon, lat] as a
    Point, a foreign key's id as its record, an ISO date as a date. A value of
    the wrong type is a ValidationError naming the field (it may come from a
    client, or from a suggestion stored long ago)."""
    if field_name not in EDITABLE_FIELDS:
        raise ValidationError(
            _("The field %(field)s cannot be set by a moderator.") % {"field": field_name}
        )
    field = Camera._meta.get_field(field_name)
    if value is None:
        # "No value" of a field that cannot be null is its empty value ("" for
        # a kind, [] for directions); a required one is refused by its check.
        return None if field.null or not field.blank else field.get_default()
    if isinstance(field, PointField):
        return _point(field_name, value)
    if isinstance(field, models.ForeignKey):
        return _related_record(field, field_name, value)
    if isinstance(field, models.DateField):
        return _date(field, field_name, value)
    return value


def _wrong(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: ValidationError(message, code="invalid")})


def _point(field_name: str, value: Any) -> Point:
    numbers = value if isinstance(value, list | tuple) else ()
    if len(numbers) != 2 or not all(_is_number(number) for number in numbers):
        raise _wrong(field_name, _("Give [longitude, latitude] in degrees."))
    longitude, latitude = (float(number) for number in numbers)
    if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
        raise _wrong(field_name, _("Longitude or latitude is out of range."))
    return Point(longitude, latitude, srid=4326)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _related_record(field: models.ForeignKey, field_name: str, value: Any) -> models.Model:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong(field_name, _("Give the %(field)s's number.") % {"field": field.verbose_name})
    record = field.related_model.objects.filter(pk=value).first()
    if record is None:
        raise _wrong(
            field_name,
            _("The %(field)s #%(id)s no longer exists.")
            % {"field": field.verbose_name, "id": value},
        )
    return record


def _date(field: models.DateField, field_name: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _wrong(
            field_name,
            _("%(value)s is not a date (YYYY-MM-DD) for %(field)s.")
            % {"value": json.dumps(value)[:40], "field": field.verbose_name},
        ) from None


def _locked(item: models.Model) -> models.Model:
    """The item as the database has it now, locked until the transaction
    ends. Nothing joined: a row read after waiting for the lock is the
    committed one, but columns joined to it would be from before the wait."""
    return type(item).objects.select_for_update().get(pk=item.pk)


def _record(item: models.Model, current: models.Model, **values: Any) -> None:
    """Save `values` on the locked row; the caller's object says what the
    database now says."""
    for name, value in values.items():
        setattr(current, name, value)
        setattr(item, name, value)
    current.save(update_fields=list(values))


def _open_conflict(conflict: ImportConflict) -> ImportConflict:
    """The conflict, locked, if nobody resolved it yet."""
    current = _locked(conflict)
    if current.resolution:
        raise ValidationError(
            _("Import conflict #%(id)s was already resolved by %(name)s at %(time)s: %(how)s.")
            % {
                "id": current.pk,
                "how": current.get_resolution_display(),
                **_who_and_when(current.resolved_by, current.resolved_at),
            },
            code="already_resolved",
        )
    return current


def _who_and_when(user, at) -> dict[str, str]:
    return {
        "name": user.get_username() if user is not None else _("someone"),
        "time": timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z") if at else "?",
    }


def _resolve(
    conflict: ImportConflict, current: ImportConflict, resolution: str, user: AbstractBaseUser
) -> None:
    _record(conflict, current, resolution=resolution, resolved_by=user, resolved_at=timezone.now())


@transaction.atomic
def conflict_accept_source(
    *,
    conflict: ImportConflict,
    user: AbstractBaseUser,
    expected_version: int | None = None,
) -> Camera:
    """Give the camera the source's value of the field, as a moderator's edit
    (new version, revision, changeset), and close the conflict. With
    expected_version, refused if the camera changed since the moderator read it."""
    current = _open_conflict(conflict)
    reason = _("Accepted %(dataset)s's value of %(field)s (import conflict #%(id)s)") % {
        "dataset": current.dataset,
        "field": current.field,
        "id": current.pk,
    }
    with one_changeset(user=user, comment=reason):
        camera = camera_locked(current.camera_id, expected_version)
        value = model_value(current.field, current.source_value)
        after = value if current.field == "location" and value is not None else camera.location
        check_place(user, camera.location, after)
        camera = camera_update(camera=camera, actor=user, reason=reason, **{current.field: value})
        _resolve(conflict, current, ImportConflict.Resolution.ACCEPTED_SOURCE, user)
    return camera


@transaction.atomic
def conflict_keep_local(*, conflict: ImportConflict, user: AbstractBaseUser) -> ImportConflict:
    """Close the conflict keeping the camera as it is."""
    current = _open_conflict(conflict)
    check_place(user, current.camera.location)
    _resolve(conflict, current, ImportConflict.Resolution.KEPT_LOCAL, user)
    return conflict


def _open_candidate(candidate: MergeCandidate) -> MergeCandidate:
    current = _locked(candidate)
    if current.decision != MergeCandidate.Decision.OPEN:
        raise ValidationError(
            _("Merge candidate #%(id)s was already decided by %(name)s at %(time)s: %(how)s.")
            % {
                "id": current.pk,
                "how": current.get_decision_display(),
                **_who_and_when(current.decided_by, current.decided_at),
            },
            code="already_decided",
        )
    return current


def _decide(
    candidate: MergeCandidate, current: MergeCandidate, decision: str, user: AbstractBaseUser
) -> None:
    _record(candidate, current, decision=decision, decided_by=user, decided_at=timezone.now())


@transaction.atomic
def merge_mark_duplicate(
    *, candidate: MergeCandidate, user: AbstractBaseUser, note: str = ""
) -> Camera:
    """The imported camera is the existing one reported again: hide it
    (reversibly, with the reason in its status note) and record the decision."""
    current = _open_candidate(candidate)
    check_place(user, current.camera.location, current.duplicate_of.location)
    if current.duplicate_of.status == Status.HIDDEN:
        raise ValidationError(
            _(
                "Camera #%(original)s is hidden itself: hiding camera #%(id)s as its "
                "duplicate would leave neither in view. Unhide #%(original)s first, or "
                "mark the two as distinct."
            )
            % {"original": current.duplicate_of_id, "id": current.camera_id},
            code="original_hidden",
        )
    reason = _("duplicate of camera #%(id)s") % {"id": current.duplicate_of_id}
    if note.strip():
        reason = f"{reason}: {note.strip()}"
    with one_changeset(user=user, comment=reason):
        camera = camera_hide(camera=current.camera, actor=user, reason=reason)
        _decide(candidate, current, MergeCandidate.Decision.DUPLICATE, user)
    return camera


@transaction.atomic
def merge_mark_distinct(*, candidate: MergeCandidate, user: AbstractBaseUser) -> MergeCandidate:
    """Two devices after all: both cameras stay as they are."""
    current = _open_candidate(candidate)
    check_place(user, current.camera.location, current.duplicate_of.location)
    _decide(candidate, current, MergeCandidate.Decision.DISTINCT, user)
    return candidate


# Possible duplicates one action decides at most: a page of the queue.
MAX_CANDIDATES_AT_ONCE = 100


@transaction.atomic
def merge_candidates_decide(
    *, candidates: Sequence[int], duplicate: bool, user: AbstractBaseUser, note: str = ""
) -> int:
    """Many possible duplicates decided as one action: each as
    merge_mark_duplicate (hidden as a duplicate) or merge_mark_distinct
    would, all in one changeset, and all or none: one that was decided
    meanwhile, lies outside the moderator's areas or is gone refuses the
    whole action, naming it. Returns how many were decided."""
    chosen = sorted(set(candidates))  # one order, so two such actions never deadlock
    if not chosen:
        raise ValidationError(_("Choose at least one possible duplicate."), code="none_chosen")
    if len(chosen) > MAX_CANDIDATES_AT_ONCE:
        raise ValidationError(
            _("At most %(limit)d possible duplicates can be decided at once.")
            % {"limit": MAX_CANDIDATES_AT_ONCE},
            code="too_many",
        )
    found = MergeCandidate.objects.in_bulk(chosen)
    missing = [pk for pk in chosen if pk not in found]
    if missing:
        raise ValidationError(
            _("There is no possible duplicate #%(id)s.") % {"id": missing[0]}, code="missing"
        )
    comment = (
        _("%(count)d possible duplicates hidden as duplicates")
        if duplicate
        else _("%(count)d possible duplicates marked as distinct devices")
    ) % {"count": len(chosen)}
    with one_changeset(user=user, comment=comment):
        for pk in chosen:
            if duplicate:
                merge_mark_duplicate(candidate=found[pk], user=user, note=note)
            else:
                merge_mark_distinct(candidate=found[pk], user=user)
    return len(chosen)
