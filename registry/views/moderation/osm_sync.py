"""Where following OpenStreetMap stands (`manage.py osm_sync`): the feed,
the diff reached and its time, the lag, the last batch and the last error,
for moderators."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from registry.models import ReplicationState

from .access import moderator_required


@moderator_required
def osm_sync(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "registry/moderation/osm_sync.html",
        {
            "states": list(ReplicationState.objects.all()),
            "feed_url": settings.OSM_REPLICATION_URL,
            "every": settings.OSM_SYNC_EVERY,
        },
    )
