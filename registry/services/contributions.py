"""Residents' contributions: a new camera, "still there", "it's gone", and
suggested edits. Each is atomic and leaves what moderators need; none keeps
an IP address or a user agent (callers never pass them, and nothing here
would store them).

Photos arrive already decoded, stripped of metadata and stored (see
`registry.photos`); here they become evidence of the camera. If the write
fails, the stored files are deleted again, so a refused contribution
leaves nothing behind."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, F, Model, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import (
    Camera,
    Confirmation,
    EditSuggestion,
    Evidence,
    EvidenceKind,
    Receipt,
    RemovalReport,
    ReviewState,
    Status,
    Submission,
    VerifiedBy,
)

from .cameras import (
    EDITABLE_FIELDS,
    VersionConflict,
    camera_create,
    camera_set_status,
    camera_update,
)
from .history import add_to_comment, json_value, one_changeset, snapshot
from .moderation import model_value
from .plausibility import Sent, plausibility_warnings, warning

# What a contributor may change; where a camera came from (OSM identity,
# dataset, raw tags) is the importers' business.
SUGGESTIBLE_FIELDS = EDITABLE_FIELDS - {"osm_type", "osm_id", "tags", "dataset", "source_ref"}
AWAITING_REVIEW = "awaiting review"


class StoredPhoto(Protocol):
    """A photo already cleaned and saved through the storage API. It may
    also carry `position`, the (latitude, longitude) its EXIF gave, for the
    plausibility warnings only: it is never stored."""

    name: str
    thumbnail_name: str


# ----------------------------------------------------------------- receipts


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def receipt_issue() -> tuple[Receipt, str]:
    """A new receipt and its token, which only the contributor's link keeps."""
    token = secrets.token_urlsafe(24)
    return Receipt.objects.create(token_hash=token_hash(token)), token


def receipt_for(token: str) -> Receipt | None:
    return Receipt.objects.filter(token_hash=token_hash(token)).first() if token else None


# --------------------------------------------------------- new cameras


def submission_create(
    *,
    location: Point,
    user: AbstractBaseUser | None = None,
    receipt: Receipt | None = None,
    note: str = "",
    photos: Sequence[StoredPhoto] = (),
    capabilities: Sequence[str] = (),
    session_marker: str = "",
    review_first: bool = False,
    **values: Any,
) -> Submission:
    """A camera reported by a resident: status `reported` (public, marked
    unverified) or, when SUBMISSIONS_PUBLIC_BEFORE_REVIEW is off or the
    caller asks for `review_first` (a report that came without a proof of
    work), hidden until a moderator approves it. `session_marker` is an
    opaque keyed hash of the contributor's session, counted in the cache
    only, to warn moderators of bursts; the plausibility warnings
    (registry.services.plausibility) are computed here and stored with the
    submission."""
    with _photos_kept_only_on_success(photos):
        return _submission_create(
            location=location,
            user=user,
            receipt=receipt,
            note=note,
            photos=photos,
            capabilities=capabilities,
            session_marker=session_marker,
            review_first=review_first,
            values=values,
        )


@transaction.atomic
def _submission_create(
    *, location, user, receipt, note, photos, capabilities, session_marker, review_first, values
):
    values = {name: value for name, value in values.items() if value not in (None, "", [])}
    _check_suggestible(values)
    hidden = review_first or not settings.SUBMISSIONS_PUBLIC_BEFORE_REVIEW
    with one_changeset(user=user, comment=_("submitted")):
        camera = camera_create(
            location=location,
            actor=user,
            reason=_("submitted"),
            capabilities=capabilities,
            capability_note=_("reported by the contributor"),
            hidden_because=AWAITING_REVIEW if hidden else "",
            **values,
        )
        submission = Submission(camera=camera, user=_account(user), receipt=receipt, note=note)
        submission.warnings = plausibility_warnings(
            camera,
            sent=Sent(user=_account(user), receipt=receipt, session_marker=session_marker),
            photo_positions=[getattr(photo, "position", None) for photo in photos],
        )
        if review_first:
            submission.warnings.append(warning("without_proof"))
        submission.full_clean()
        submission.save()
        submission.photos.add(
            *_photo_evidence(camera, photos, note=_("photo sent with the report"))
        )
    return submission


def _check_suggestible(values: dict[str, Any]) -> None:
    unknown = sorted(set(values) - SUGGESTIBLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})


def _account(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


def _photo_evidence(camera: Camera, photos: Sequence[StoredPhoto], *, note: str) -> list[Evidence]:
    evidence = []
    for photo in photos:
        item = Evidence(
            kind=EvidenceKind.PHOTO,
            camera=camera,
            document=photo.name,
            thumbnail=photo.thumbnail_name,
            date=timezone.localdate(),
            note=note,
        )
        item.full_clean()
        item.save()
        evidence.append(item)
    return evidence


class _photos_kept_only_on_success:
    """Deletes the stored photo files when the write they belong to fails."""

    def __init__(self, photos: Sequence[StoredPhoto]) -> None:
        self.photos = photos

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if error is not None:
            for photo in self.photos:
                for name in (photo.name, photo.thumbnail_name):
                    if name:
                        default_storage.delete(name)
        return False


# ------------------------------------------------------------ still there


@transaction.atomic
def confirmation_add(
    *,
    camera: Camera,
    user: AbstractBaseUser | None = None,
    receipt: Receipt | None = None,
    seen_on: date | None = None,
) -> Confirmation:
    """ "Still there": recorded, the camera's last confirmation moved
    forward, and a reported camera verified once enough independent
    contributors with standing have confirmed it on enough different days
    (VERIFY_* settings; anonymous confirmations never verify)."""
    with one_changeset(user=user, comment=_("confirmed still there")):
        camera = Camera.objects.select_for_update(no_key=True).get(pk=camera.pk)
        _check_public_and_in_place(camera)
        seen_on = _past_date(seen_on or timezone.localdate(), "seen_on")
        confirmation = Confirmation.objects.create(
            camera=camera, user=_account(user), receipt=receipt, seen_on=seen_on
        )
        if camera.last_confirmed is None or seen_on > camera.last_confirmed:
            camera = camera_update(
                camera=camera,
                actor=user,
                reason=_("confirmed still there"),
                last_confirmed=seen_on,
            )
        _verify_when_confirmed_enough(camera, user)
    return confirmation


def _check_public_and_in_place(camera: Camera) -> None:
    if camera.status == Status.HIDDEN:
        raise ValidationError({"camera": _("This camera is not public.")})
    if camera.status == Status.REMOVED:
        raise ValidationError(
            {
                "camera": _(
                    "This camera is recorded as removed. If it is back, suggest an edit "
                    "or report it as a new camera."
                )
            }
        )


def _past_date(value: date, field: str) -> date:
    if value > timezone.localdate():
        raise ValidationError({field: _("The date is in the future.")})
    return value


# The reviews that make a contribution "accepted": a moderator agreed with it.
ACCEPTED_STATES = {
    Submission: (ReviewState.ACCEPTED, ReviewState.MERGED),
    EditSuggestion: (ReviewState.ACCEPTED,),
    RemovalReport: (ReviewState.ACCEPTED,),
}


def confirmations_with_standing(camera: Camera) -> QuerySet[Confirmation]:
    """The camera's confirmations that may verify it: each from an active
    signed-in account other than the submitter's that, when it confirmed,
    was at least VERIFY_ACCOUNT_MIN_AGE_DAYS old and had at least
    VERIFY_ACCOUNT_MIN_ACCEPTED contributions accepted by a moderator.
    Receipts and proofs of work cost nothing to make afresh, so anonymous
    confirmations are support only."""
    submitters = camera.submissions.exclude(user=None).values("user_id")
    min_age = timedelta(days=settings.VERIFY_ACCOUNT_MIN_AGE_DAYS)
    confirmations = (
        Confirmation.objects.filter(camera=camera, user__is_active=True)
        .exclude(user_id__in=submitters)
        .filter(user__date_joined__lte=F("created_at") - min_age)
    )
    if settings.VERIFY_ACCOUNT_MIN_ACCEPTED > 0:
        accepted = sum(
            (_accepted_before(model, states) for model, states in ACCEPTED_STATES.items()),
            start=Value(0),
        )
        confirmations = confirmations.alias(accepted=accepted).filter(
            accepted__gte=settings.VERIFY_ACCOUNT_MIN_ACCEPTED
        )
    return confirmations


def _accepted_before(model: type[Model], states: tuple[str, ...]) -> Coalesce:
    """How many of the confirming account's contributions of `model` a
    moderator accepted before the confirmation was made."""
    accepted = (
        model.objects.filter(
            user_id=OuterRef("user_id"), state__in=states, decided_at__lt=OuterRef("created_at")
        )
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(accepted), 0)


def independent_confirmations(camera: Camera) -> int:
    """How many distinct accounts with standing confirmed the camera (see
    `confirmations_with_standing`): one account confirming twice counts
    once, and no one verifies their own report."""
    return confirmations_with_standing(camera).values("user_id").distinct().count()


def confirmation_days(camera: Camera) -> int:
    """On how many different days (by when Sightline recorded them, which a
    contributor cannot backdate) those confirmations were made."""
    days = confirmations_with_standing(camera).annotate(day=TruncDate("created_at"))
    return days.values("day").distinct().count()


def _verify_when_confirmed_enough(camera: Camera, user: AbstractBaseUser | None) -> None:
    needed = settings.VERIFY_AFTER_CONFIRMATIONS
    if camera.status != Status.REPORTED or not needed:
        return
    count = independent_confirmations(camera)
    if count < needed or confirmation_days(camera) < settings.VERIFY_MIN_DAYS:
        return
    verified = _("verified by %(count)s independent confirmations") % {"count": count}
    add_to_comment(verified)
    camera_set_status(
        camera=camera,
        status=Status.VERIFIED,
        actor=user,
        reason=verified,
        verified_by=VerifiedBy.CONFIRMATIONS,
    )


# -------------------------------------------------------------- it's gone


def removal_report_add(
    *,
    camera: Camera,
    seen_gone_on: date | None = None,
    user: AbstractBaseUser | None = None,
    receipt: Receipt | None = None,
    note: str = "",
    photos: Sequence[StoredPhoto] = (),
) -> RemovalReport:
    """ "It's gone", for a moderator to accept: the camera stays as it is
    until then."""
    with _photos_kept_only_on_success(photos):
        return _removal_report_add(
            camera=camera,
            seen_gone_on=seen_gone_on,
            user=user,
            receipt=receipt,
            note=note,
            photos=photos,
        )


@transaction.atomic
def _removal_report_add(*, camera, seen_gone_on, user, receipt, note, photos):
    _check_public_and_in_place(camera)
    report = RemovalReport(
        camera=camera,
        user=_account(user),
        receipt=receipt,
        note=note,
        seen_gone_on=_past_date(seen_gone_on or timezone.localdate(), "seen_gone_on"),
    )
    report.full_clean()
    report.save()
    report.photos.add(*_photo_evidence(camera, photos, note=_("photo of the place without it")))
    return report


# --------------------------------------------------------- suggested edits


@transaction.atomic
def edit_suggestion_add(
    *,
    camera: Camera,
    changes: dict[str, Any],
    user: AbstractBaseUser | None = None,
    receipt: Receipt | None = None,
    note: str = "",
    seen_version: int | None = None,
) -> EditSuggestion:
    """A diff for moderators, {field: [value seen, proposed value]} in the
    history's JSON form, checked as the camera's own validation would. With
    `seen_version`, refused if the camera is past the version the
    contributor saw: their "seen" values would be someone else's."""
    camera = Camera.objects.get(pk=camera.pk)
    if seen_version is not None and seen_version != camera.version:
        raise VersionConflict(camera, seen_version)
    if camera.status == Status.HIDDEN:
        raise ValidationError({"camera": _("This camera is not public.")})
    if not changes:
        raise ValidationError({"changes": _("Propose at least one change.")})
    _check_suggestible(changes)
    proposed = _validated_copy(camera, changes)
    seen, after = snapshot(camera), snapshot(proposed)
    diff = {name: [seen[name], after[name]] for name in changes if seen[name] != after[name]}
    if not diff:
        raise ValidationError({"changes": _("The camera already has these values.")})
    suggestion = EditSuggestion(
        camera=camera,
        user=_account(user),
        receipt=receipt,
        note=note,
        base_version=camera.version,
        changes=diff,
    )
    suggestion.full_clean()
    suggestion.save()
    return suggestion


def _validated_copy(camera: Camera, changes: dict[str, Any]) -> Camera:
    """The camera with the changes applied in memory, validated; nothing
    is saved."""
    copy = Camera.objects.get(pk=camera.pk)
    for name, value in changes.items():
        plain = value.pk if isinstance(value, Model) else json_value(value)
        setattr(copy, name, model_value(name, plain))
    try:
        copy.full_clean()
    except (TypeError, ValueError) as error:
        # A value of a type the field's own checks do not expect (a list
        # for a number, say): said for each field that cannot take its value.
        raise ValidationError(_type_errors(copy, changes)) from error
    return copy


def _type_errors(copy: Camera, changes: dict[str, Any]) -> dict[str, str]:
    errors = {}
    for name in changes:
        try:
            field = Camera._meta.get_field(name)
            field.clean(getattr(copy, field.attname), copy)
        except (TypeError, ValueError, ValidationError):
            errors[name] = _("This value is not of the kind this field holds.")
    return errors or {"changes": _("These values are not of the kinds the fields hold.")}
