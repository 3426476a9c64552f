"""What a cache key holds so that every edit changes it.

A table's rows change in three ways: one is added, one goes away, or one is
edited. The number of rows catches the first two, the latest `updated_at`
(which every write through the services bumps, hiding included) the third.
So a key built from both is never stale, and needs no invalidation hook in
any writer: the next read simply computes a new key."""

from __future__ import annotations

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
