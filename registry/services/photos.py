"""Writes to contributed photos once they are stored."""

from __future__ import annotations

from registry.models import Evidence
from registry.photos import remake_thumbnail


def photo_thumbnails_remake(*, evidence_ids: list[int]) -> int:
    """Thumbnails made again from the stored photos (after a change of
    PHOTO_THUMBNAIL_EDGE, say); the stored photos are clean already. Returns
    how many were made: evidence without a stored photo is left alone."""
    photos = Evidence.objects.filter(pk__in=evidence_ids).exclude(document="")
    return sum(1 for evidence in photos if remake_thumbnail(evidence))
