"""What the API and the site's forms share when residents contribute: photos
checked and stored before the write, an opaque marker of the sending
session, the size a request may have, and the rate limits.

Nothing here keeps anything about the client: rate limits count a keyed
hash of the address in the cache only, for the length of their window."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework.throttling import SimpleRateThrottle

from api.throttles import AnonymousRateThrottle, KeyedAddressMixin, keyed_hash
from registry import photos as photo_files

# ------------------------------------------------------------ rate limits


class ContributionThrottle(KeyedAddressMixin, SimpleRateThrottle):
    """Writes per client: an account by its id, an anonymous client by a
    keyed hash of its address, counted in the cache for the rate's window."""

    scope = "contributions"

    def get_rate(self) -> str:
        return settings.CONTRIBUTION_RATE

    def get_cache_key(self, request, view) -> str:
        if request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class GlobalContributionThrottle(SimpleRateThrottle):
    """All anonymous writes together: a ceiling a flood from many addresses
    still hits."""

    scope = "contributions-all"

    def get_rate(self) -> str:
        return settings.CONTRIBUTION_GLOBAL_RATE

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": "anonymous"}


class WithoutProofThrottle(SimpleRateThrottle):
    """Anonymous contributions sent from the site's forms without a proof of
    work (a browser without JavaScript), all together: they wait for a
    moderator, and this keeps their queue from being flooded."""

    scope = "without-proof"

    def get_rate(self) -> str:
        return settings.NOSCRIPT_SUBMISSIONS_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": "all"}


class LoginThrottle(KeyedAddressMixin, SimpleRateThrottle):
    """Sign-in attempts per client, counted under a keyed hash of its
    address in the cache only: guessing passwords costs time."""

    scope = "login"

    def get_rate(self) -> str:
        return settings.LOGIN_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttle_wait(request, throttles) -> float | None:
    """Seconds to wait if one of the limits is reached, else None; a request
    that passes is counted by each of them."""
    for throttle in throttles:
        if not throttle.allow_request(request, None):
            return throttle.wait() or 0.0
    return None


# -------------------------------------------------------------- requests


def body_size_error(request) -> str | None:
    """Why an oversized body is refused, from its declared length, before
    anything reads it: JSON (or a form without files) up to
    DATA_UPLOAD_MAX_MEMORY_SIZE, multipart up to the photos' limits plus
    room for the fields. None when the size is acceptable."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    multipart = (request.content_type or "").startswith("multipart/")
    limit = body_size_limit(multipart=multipart)
    if length <= limit:
        return None
    if multipart:
        message = _(
            "The request is %(size).1f MB; the limit for a contribution with photos is "
            "%(limit).1f MB. Nothing was stored."
        )
    else:
        message = _(
            "The request is %(size).1f MB; the limit for a contribution without photos is "
            "%(limit).1f MB. Nothing was stored."
        )
    return message % {"size": length / 1e6, "limit": limit / 1e6}


def body_size_limit(*, multipart: bool) -> int:
    if multipart:
        return settings.PHOTO_MAX_BYTES * settings.CONTRIBUTION_MAX_PHOTOS + 1_000_000
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def session_marker(request) -> str:
    """Which session sent it, as a keyed hash that only the cache holds
    (for the moderators' "burst" warning)."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    ident = session_key or AnonymousRateThrottle().get_ident(request) or ""
    return keyed_hash(f"session:{ident}")


# ----------------------------------------------------------------- photos


def stored_photos(uploads) -> list[photo_files.StoredPhoto]:
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
    except Exception:
        delete_photos(stored)
        raise
    return stored


def delete_photos(stored) -> None:
    for item in stored:
        photo_files.delete_photo(item)
