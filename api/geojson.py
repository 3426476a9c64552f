"""Camera lists as GeoJSON, assembled from pre-serialised features.

Each camera's Feature text is kept in `Camera.feature` by a database trigger
(registry/migrations/0003); a page is those texts joined. bench/api.py
measures this against DRF + djangorestframework-gis serializers and against
building the same JSON in PostgreSQL per request."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import FloatField, Q, QuerySet
from django.db.models.functions import Cast


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after this id, and after this value of the
    list's first sort key (a distance, a time) when it has one. Opaque to
    clients."""

    after_id: int
    after_value: float | int | None = None

    def encode(self) -> str:
        payload = {"id": self.after_id}
        if self.after_value is not None:
            payload["d"] = self.after_value
        return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            padded = text + "=" * (-len(text) % 4)
            payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
            after_id = payload["id"]
            distance = payload.get("d")
            if not isinstance(after_id, int) or not (
                distance is None or isinstance(distance, int | float)
            ):
                raise ValueError
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            raise ValidationError(
                {"cursor": "Invalid cursor; use the `next` link as given."}
            ) from None
        return cls(after_id, distance)


@dataclass
class Page:
    body: str
    next_cursor: Cursor | None
    returned: int = 0


def feature_page(
    queryset: QuerySet, *, limit: int, cursor: Cursor | None, column: str = "feature"
) -> Page:
    """One page of features as a GeoJSON FeatureCollection text, left open
    for the caller's members. `column` holds each feature's text (an
    annotation in another CRS, say)."""
    by_distance = "distance" in queryset.query.annotations
    if cursor is not None:
        queryset = _after(queryset, cursor, by_distance)
    if not by_distance:
        queryset = queryset.order_by("id")
    columns = ["id", column, *(["distance"] if by_distance else [])]
    rows = list(queryset.values_list(*columns)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        last = rows[-1]
        next_cursor = Cursor(last[0], last[2].m if by_distance else None)
    body = '{"type":"FeatureCollection","features":[' + ",".join(row[1] for row in rows) + "]"
    return Page(body=body, next_cursor=next_cursor, returned=len(rows))


def _after(queryset: QuerySet, cursor: Cursor, by_distance: bool) -> QuerySet:
    if not by_distance:
        return queryset.filter(id__gt=cursor.after_id)
    if cursor.after_value is None:
        raise ValidationError({"cursor": "This cursor belongs to a list not ordered by distance."})
    metres = Cast("distance", FloatField())
    return queryset.annotate(distance_m=metres).filter(
        Q(distance_m__gt=cursor.after_value)
        | Q(distance_m=cursor.after_value, id__gt=cursor.after_id)
    )
