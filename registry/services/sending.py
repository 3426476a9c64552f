"""Residents' contributions as whole use cases: a new camera, "still there",
"it's gone" and a suggested edit, each one function that the site's forms
and the API call alike with what the request said (`Sender`).

Each chooses who the contribution is filed under (an account, or the
receipt an anonymous client gives or is issued), checks the proof of work
of an anonymous client, checks and stores the photos, and writes in one
transaction in which the proof is spent, the receipt issued and the
idempotency key claimed: a refused contribution leaves nothing behind (no
receipt, no spent proof, no stored file), and a retried one stores nothing
new. Nothing about the client (address, user agent) is passed here, and
nothing here would store it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import IO, Any, Generic, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from registry import photos as photo_files
from registry.models import (
    Camera,
    Confirmation,
    EditSuggestion,
    Receipt,
    RemovalReport,
    Submission,
)
from registry.proof_of_work import Solution, check_solution, spend

from . import idempotency
from .contributions import (
    confirmation_add,
    edit_suggestion_add,
    receipt_for,
    receipt_issue,
    removal_report_add,
    submission_create,
)
from .history import json_value

Item = TypeVar("Item", bound=models.Model)
KINDS: dict[str, type[models.Model]] = {
    "submission": Submission,
    "confirmation": Confirmation,
    "removal_report": RemovalReport,
    "edit_suggestion": EditSuggestion,
}


@dataclass(frozen=True)
class Sender:
    """Who sends a contribution, as far as the request says: an account, or
    an anonymous client with its solved proof of work (`proof`, the `altcha`
    field), perhaps the token of an earlier receipt, perhaps an idempotency
    key. `may_wait_for_review`: an anonymous contribution without a proof is
    accepted to wait for a moderator (the site's forms without JavaScript)."""

    user: AbstractBaseUser | None = None
    proof: str = ""
    receipt_token: str = ""
    idempotency_key: str = ""
    may_wait_for_review: bool = False

    @property
    def account(self) -> AbstractBaseUser | None:
        return self.user if self.user is not None and self.user.is_authenticated else None


@dataclass(frozen=True)
class Author:
    """Whom a contribution is filed under, once the sender is checked."""

    user: AbstractBaseUser | None
    receipt: Receipt | None
    without_proof: bool = False


@dataclass(frozen=True)
class Sent(Generic[Item]):
    """What a contribution made, and the receipt token to give back (an
    anonymous client's, new or given; empty for an account). `replayed`:
    the answer to an earlier request with the same idempotency key."""

    item: Item
    receipt_token: str
    replayed: bool = False
    without_proof: bool = False


# ------------------------------------------------------------- use cases


def send_submission(
    *,
    sender: Sender,
    location: Point,
    note: str = "",
    photos: Sequence[IO[bytes]] = (),
    capabilities: Sequence[str] = (),
    session_marker: str = "",
    **values: Any,
) -> Sent[Submission]:
    """A new camera (see submission_create), filed under `sender`."""
    content = {
        "location": [location.x, location.y],
        "note": note,
        "capabilities": sorted(set(capabilities)),
        "values": {name: json_value(value) for name, value in sorted(values.items())},
    }

    def write(author: Author, stored: list) -> Submission:
        return submission_create(
            location=location,
            user=author.user,
            receipt=author.receipt,
            note=note,
            photos=stored,
            capabilities=capabilities,
            session_marker=session_marker,
            review_first=author.without_proof,
            **values,
        )

    return _send(sender=sender, kind="submission", content=content, uploads=photos, write=write)


def send_confirmation(
    *, sender: Sender, camera: Camera | int, seen_on: date | None = None
) -> Sent[Confirmation]:
    """ "Still there" (see confirmation_add). It can verify a camera, so an
    anonymous client always needs the proof of work."""
    camera_id = camera.pk if isinstance(camera, Camera) else camera
    content = {"camera": camera_id, "seen_on": json_value(seen_on)}
    sender = replace(sender, may_wait_for_review=False)

    def write(author: Author, stored: list) -> Confirmation:
        return confirmation_add(
            camera=Camera(pk=camera_id), user=author.user, receipt=author.receipt, seen_on=seen_on
        )

    return _send(sender=sender, kind="confirmation", content=content, uploads=(), write=write)


def send_removal_report(
    *,
    sender: Sender,
    camera: Camera | int,
    seen_gone_on: date | None = None,
    note: str = "",
    photos: Sequence[IO[bytes]] = (),
) -> Sent[RemovalReport]:
    """ "It's gone", for a moderator to accept (see removal_report_add)."""
    camera_id = camera.pk if isinstance(camera, Camera) else camera
    content = {"camera": camera_id, "seen_gone_on": json_value(seen_gone_on), "note": note}

    def write(author: Author, stored: list) -> RemovalReport:
        return removal_report_add(
            camera=Camera.objects.get(pk=camera_id),
            seen_gone_on=seen_gone_on,
            user=author.user,
            receipt=author.receipt,
            note=note,
            photos=stored,
        )

    return _send(
        sender=sender, kind="removal_report", content=content, uploads=photos, write=write
    )


def send_edit_suggestion(
    *,
    sender: Sender,
    camera: Camera | int,
    changes: dict[str, Any],
    note: str = "",
    seen_version: int | None = None,
) -> Sent[EditSuggestion]:
    """A suggested edit (see edit_suggestion_add). With `seen_version`, the
    version the contributor looked at: refused if the camera changed since."""
    camera_id = camera.pk if isinstance(camera, Camera) else camera
    content = {
        "camera": camera_id,
        "changes": {name: json_value(value) for name, value in sorted(changes.items())},
        "note": note,
        "seen_version": seen_version,
    }

    def write(author: Author, stored: list) -> EditSuggestion:
        return edit_suggestion_add(
            camera=Camera.objects.get(pk=camera_id),
            changes=changes,
            user=author.user,
            receipt=author.receipt,
            note=note,
            seen_version=seen_version,
        )

    return _send(sender=sender, kind="edit_suggestion", content=content, uploads=(), write=write)


# ------------------------------------------------------------ the one way


def _send(
    *,
    sender: Sender,
    kind: str,
    content: dict[str, Any],
    uploads: Sequence[IO[bytes]],
    write: Callable[[Author, list], Item],
) -> Sent[Item]:
    uploads = list(uploads)
    content = {**content, "photos": [_digest(upload) for upload in uploads]}
    key = idempotency.idempotency_key(
        key=sender.idempotency_key, scope=kind, user=sender.account, content=content
    )
    if key is not None and (earlier := idempotency.earlier_result(key)) is not None:
        return _replayed(earlier)
    solution = _checked_proof(sender)
    stored = _stored_photos(uploads)
    try:
        with transaction.atomic():
            if key is not None and (earlier := idempotency.claim(key)) is not None:
                raise _Replay(earlier)
            if solution is not None:
                spend(solution)
            author, token = _author(sender, without_proof=_without_proof(sender, solution))
            item = write(author, stored)
            if key is not None:
                idempotency.record(key, kind=kind, item_id=item.pk, receipt_token=token)
    except _Replay as replay:
        _delete_photos(stored)
        return _replayed(replay.earlier)
    except BaseException:
        _delete_photos(stored)
        raise
    return Sent(item=item, receipt_token=token, without_proof=author.without_proof)


class _Replay(Exception):
    """A way out of the write's transaction: an earlier request with the
    same key committed first."""

    def __init__(self, earlier: idempotency.Earlier) -> None:
        super().__init__()
        self.earlier = earlier


def _replayed(earlier: idempotency.Earlier) -> Sent:
    item = KINDS[earlier.kind].objects.get(pk=earlier.item_id)
    return Sent(item=item, receipt_token=earlier.receipt_token, replayed=True)


def _checked_proof(sender: Sender) -> Solution | None:
    """An account needs no proof; an anonymous client sends one, unless its
    contribution may wait for a moderator without one."""
    if sender.account is not None:
        return None
    if sender.proof or not sender.may_wait_for_review:
        return check_solution(sender.proof or None)
    return None


def _without_proof(sender: Sender, solution: Solution | None) -> bool:
    return sender.account is None and solution is None


def _author(sender: Sender, *, without_proof: bool) -> tuple[Author, str]:
    """The account, or the receipt given (which must exist), or a new one."""
    if sender.account is not None:
        return Author(user=sender.account, receipt=None), ""
    if sender.receipt_token:
        receipt = receipt_for(sender.receipt_token)
        if receipt is None:
            raise ValidationError(
                {
                    "receipt": ValidationError(
                        _("No receipt has this token; send it without one to get a new one."),
                        code="unknown_receipt",
                    )
                }
            )
        return Author(user=None, receipt=receipt, without_proof=without_proof), (
            sender.receipt_token
        )
    receipt, token = receipt_issue()
    return Author(user=None, receipt=receipt, without_proof=without_proof), token


# ----------------------------------------------------------------- photos


def _stored_photos(uploads: list[IO[bytes]]) -> list[photo_files.StoredPhoto]:
    """Every photo checked and cleaned before any is stored: one bad photo
    refuses the contribution and stores nothing."""
    processed = []
    for number, upload in enumerate(uploads, start=1):
        try:
            processed.append(photo_files.read_photo(upload))
        except ValidationError as error:
            raise ValidationError(
                {
                    "photos": [
                        _("Photo %(number)s: %(message)s") % {"number": number, "message": message}
                        for message in error.messages
                    ]
                }
            ) from error
    stored: list[photo_files.StoredPhoto] = []
    try:
        for item in processed:
            stored.append(photo_files.store_photo(item))
    except BaseException:
        _delete_photos(stored)
        raise
    return stored


def _delete_photos(stored: list[photo_files.StoredPhoto]) -> None:
    for item in stored:
        photo_files.delete_photo(item)


def _digest(upload: IO[bytes]) -> str:
    """The upload's SHA-256, for the request's fingerprint; the upload is
    read again from its start afterwards."""
    digest = hashlib.sha256()
    upload.seek(0)
    if hasattr(upload, "chunks"):
        chunks = upload.chunks()
    else:
        chunks = iter(lambda: upload.read(65536), b"")
    for chunk in chunks:
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
