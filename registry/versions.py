"""What a cache key holds so that every edit changes it.

A table's rows change in three ways: one is added, one goes away, or one is
edited. The number of rows catches the first two, the latest `updated_at`
(which every write through the services bumps, hiding included) the third.
So a key built from both is never stale, and needs no invalidation hook in
any writer: the next read simply computes a new key."""

from __future__ import annotations

import hashlib
from dataclasses import fields, is_dataclass

from django.db.models import Count, Max, QuerySet


def data_version(queryset: QuerySet, *, latest: str = "updated_at") -> str:
    """`queryset`'s number of rows and the largest `latest` among them, as
    `"n@latest"`. Tables without an `updated_at` name what grows instead
    (`created_at`, or `pk` for rows that are only added and removed)."""
    summary = queryset.order_by().aggregate(n=Count("pk"), latest=Max(latest))
    value = summary["latest"]
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    return f"{summary['n']}@{'-' if value is None else value}"


def class_shape(namespace: dict) -> str:
    """A digest of the names of the dataclasses in `namespace` (a module's
    `vars()`) and of their fields. What a cache keeps pickled comes back as
    the classes it was made with: a release whose classes differ must not
    read the previous release's entries, so their shape is part of the key."""
    shapes = sorted(
        f"{name}({','.join(field.name for field in fields(value))})"
        for name, value in namespace.items()
        if isinstance(value, type) and is_dataclass(value)
    )
    return hashlib.sha256(";".join(shapes).encode()).hexdigest()[:12]


# Sightline's release, as it names itself to other services (the
# `created_by` tag of a changeset it uploads to OpenStreetMap).
SIGHTLINE_VERSION = "1.0"
