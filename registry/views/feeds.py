"""Atom feeds of the cameras added, removed, verified and changed: an area's,
the camera list's (with its filters) and a watch's, without signing up.

A feed reader shows no notice, so a value the list would ignore (a misspelt
kind, an unknown area) is a 400 naming the parameter here. Each entry's id
is a tag URI of the camera's version: the same event keeps its id in every
feed, and from one request to the next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from registry.filters import Ignored, MapFilters, Within
from registry.models import Area, Revision, Watch
from registry.models.cameras import CameraQuerySet
from registry.services.watches import (
    Names,
    change_lines,
    entry_id,
    feed_events,
    headline,
    watch_cameras,
)

from .pages.listing import with_query

FEED_CACHE_SECONDS = 300


def area_feed(request: HttpRequest, slug: str) -> HttpResponse:
    area = get_object_or_404(Area.objects.only("id", "name", "slug", "geometry"), slug=slug)
    cameras = MapFilters().cameras().in_area(area)
    return _feed_response(
        request,
        title=_("Sightline: cameras in %(place)s") % {"place": area.name},
        alternate=reverse("registry:area", args=[area.slug]),
        events=feed_events(cameras),
    )


def camera_feed(request: HttpRequest) -> HttpResponse:
    filters = MapFilters.from_query(request.GET)
    ignored = list(filters.ignored)
    within = Within.from_query(request.GET, ignored)
    if ignored:
        return _bad_parameters(ignored)
    query = {**filters.as_query(), **within.as_query()}
    cameras: CameraQuerySet = within.apply(filters.cameras())
    place = within.area.name if within.area else None
    title = (
        _("Sightline: cameras in %(place)s") % {"place": place}
        if place
        else _("Sightline: cameras")
    )
    return _feed_response(
        request,
        title=title,
        alternate=with_query(reverse("registry:cameras"), query),
        events=feed_events(cameras),
    )


def watch_feed(request: HttpRequest, key: str) -> HttpResponse:
    watch = get_object_or_404(Watch.objects.select_related("area"), key=key)
    return _feed_response(
        request,
        title=_("Sightline: cameras in %(place)s") % {"place": watch},
        alternate=reverse("registry:area", args=[watch.area.slug])
        if watch.area_id
        else reverse("registry:cameras"),
        events=feed_events(watch_cameras(watch), events=watch.watched_events),
    )


def _bad_parameters(ignored: list[Ignored]) -> HttpResponse:
    lines = [f"{item.parameter}: {item.reason} ({item.value})" for item in ignored]
    return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")


def _feed_response(
    request: HttpRequest, *, title: str, alternate: str, events: list[Revision]
) -> HttpResponse:
    self_url = request.build_absolute_uri()
    about = _("Cameras added, removed, verified and changed, newest first.")
    feed = Atom1Feed(
        title=title,
        link=request.build_absolute_uri(alternate),
        description=about,
        subtitle=about,
        feed_url=self_url,
        feed_guid=self_url,
        author_name="Sightline",
        language=translation.get_language(),
    )
    host = request.get_host().split(":")[0]
    names = Names.of(events)
    for event in events:
        camera_url = request.build_absolute_uri(reverse("registry:camera", args=[event.camera_id]))
        feed.add_item(
            title=f"{headline(event)}: #{event.camera_id}",
            link=camera_url,
            description=_summary(event, names),
            unique_id=entry_id(host, event),
            unique_id_is_permalink=False,
            pubdate=event.created_at,
            updateddate=event.created_at,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    patch_cache_control(response, max_age=FEED_CACHE_SECONDS)
    return response


def _summary(event: Revision, names: Names) -> str:
    lines = change_lines(event, names)
    if not lines:
        return format_html("<p>{}</p>", _("No field a reader sees changed."))
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((li,) for li in lines)))
