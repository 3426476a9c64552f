"""What the API and the site's forms share when residents contribute, before
they call the services (registry/services/sending.py): the size a request
may have, and an opaque marker of the sending session. The rate limits are
in registry/throttles.py."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from registry.throttles import AnonymousRateThrottle, keyed_hash

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
