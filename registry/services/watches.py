"""Watches: where someone looks, and what happened there, in words.

A watch is a registry area, a drawn polygon or a route's corridor, with the
map's filters (kind, vendor, operator, restricted vendors only). Its events
are read from the cameras' revisions (registry/models/watches.py); the Atom
feeds, the email digests (registry/services/digests.py) and the webhooks
(registry/services/webhooks.py) all tell the same events the same way."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import takewhile
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiPolygon
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from registry.exposure.files import parse_json
from registry.exposure.geometry import geometry_from_geojson, is_route
from registry.filters import MapFilters
from registry.models import (
    ALL_EVENTS,
    Area,
    Camera,
    Operator,
    Revision,
    Vendor,
    Watch,
    WatchEvent,
    revision_events,
)
from registry.models.cameras import CameraQuerySet

# Fields whose change a reader cares about, in the order they are told;
# bookkeeping (the dataset, OSM ids, tags) is left out of the words.
TOLD_FIELDS = (
    "status",
    "kind",
    "location",
    "vendor",
    "vendor_raw",
    "product",
    "operator",
    "operator_raw",
    "camera_type",
    "mount",
    "directions",
    "visibility",
    "zone",
    "height",
    "tilt",
    "removed_on",
    "last_confirmed",
    "capabilities",
)
# Between the clocks of the app's hosts and the database's.
CLOCK_MARGIN = timedelta(milliseconds=500)
HEADLINES = {
    WatchEvent.ADDED: lambda: _("Camera added"),
    WatchEvent.REMOVED: lambda: _("Camera removed"),
    WatchEvent.VERIFIED: lambda: _("Camera verified"),
    WatchEvent.CHANGED: lambda: _("Camera changed"),
}


# ------------------------------------------------------------- where


def new_key() -> str:
    """A watch's key: its feed's address, so unguessable."""
    return secrets.token_urlsafe(32)


def region_from_geojson(data: bytes) -> MultiPolygon:
    """A drawn area in GeoJSON, within WATCH_MAX_GEOJSON_BYTES and the
    exposure analysis' limits (points, km²)."""
    document = _geojson(data, "polygon")
    geometry = _checked(document, "polygon")
    if is_route(geometry):
        raise ValidationError({"polygon": _("Draw an area (a Polygon), not a line.")})
    return geometry if isinstance(geometry, MultiPolygon) else MultiPolygon(geometry, srid=4326)


def route_from_geojson(data: bytes) -> LineString:
    """A route in GeoJSON (one LineString), within the same limits."""
    geometry = _checked(_geojson(data, "route"), "route")
    if geometry.geom_type != "LineString":
        raise ValidationError({"route": _("Give the route as one line (a LineString).")})
    return geometry


def _geojson(data: bytes, field: str) -> Any:
    limit = settings.WATCH_MAX_GEOJSON_BYTES
    if len(data) > limit:
        raise ValidationError(
            {
                field: _("The GeoJSON is %(size)s bytes; a watch takes up to %(limit)s.")
                % {"size": formats.number_format(len(data)), "limit": formats.number_format(limit)}
            }
        )
    try:
        return parse_json(data)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def _checked(document: Any, field: str) -> GEOSGeometry:
    try:
        return geometry_from_geojson(document)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None


def corridor(route: LineString, width_m: float) -> MultiPolygon:
    """The ground within `width_m` / 2 of `route`, as a polygon (buffered on
    the spheroid, so metres are metres at any latitude)."""
    limit = settings.WATCH_MAX_CORRIDOR_METRES
    if not 1 <= width_m <= limit:
        raise ValidationError(
            {"width": _("The corridor is 1 to %(limit)s metres wide.") % {"limit": limit}}
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_AsEWKB(ST_Multi(ST_Buffer(ST_GeomFromEWKB(%s)::geography, %s)::geometry))",
            [bytes(route.ewkb), width_m / 2],
        )
        (ewkb,) = cursor.fetchone()
    return GEOSGeometry(memoryview(bytes(ewkb)), srid=4326)


@dataclass(frozen=True)
class Where:
    """A watch's place, parsed: exactly one of the three."""

    area: Area | None = None
    polygon: MultiPolygon | None = None
    route: LineString | None = None
    width_m: float | None = None


def watch_create(*, where: Where, filters: MapFilters, events: tuple[str, ...] = ()) -> Watch:
    """A new watch of `where` with `filters` (only kinds, vendors, operators
    and restricted count) for `events` (all of them when empty)."""
    unknown = set(events) - set(ALL_EVENTS)
    if unknown:
        raise ValidationError(
            {"events": _("Not an event: %(names)s") % {"names": sorted(unknown)}}
        )
    watch = Watch(
        key=new_key(),
        kinds=list(filters.kinds),
        vendors=list(filters.vendors),
        operators=list(filters.operators),
        restricted=filters.restricted,
        events=[event for event in ALL_EVENTS if event in events],
    )
    if where.area is not None:
        watch.area = where.area
    elif where.polygon is not None:
        watch.region = where.polygon
    elif where.route is not None and where.width_m is not None:
        watch.route, watch.route_width_m = where.route, where.width_m
        watch.region = corridor(where.route, where.width_m)
    else:
        raise ValidationError({"area": _("Choose an area, draw one, or give a route.")})
    watch.save()
    return watch


@transaction.atomic
def watch_delete_if_unused(*, watch: Watch) -> bool:
    """Deletes `watch` once nobody uses it (no subscription, no webhook):
    its feed goes with it."""
    locked = Watch.objects.select_for_update().filter(pk=watch.pk).first()
    if locked is None or locked.subscriptions.exists() or locked.webhooks.exists():
        return False
    locked.delete()
    return True


def watch_filters(watch: Watch) -> MapFilters:
    return MapFilters(
        kinds=tuple(watch.kinds),
        vendors=tuple(watch.vendors),
        operators=tuple(watch.operators),
        restricted=watch.restricted,
    )


def watch_cameras(watch: Watch) -> CameraQuerySet:
    cameras = watch_filters(watch).cameras()
    if watch.area_id:
        return cameras.in_area(watch.area)
    return cameras.filter(location__intersects=watch.region)


# -------------------------------------------------------------- what


def feed_events(
    cameras: CameraQuerySet, *, events: tuple[str, ...] = ALL_EVENTS
) -> list[Revision]:
    """The latest events of `cameras`: at most WATCH_FEED_ENTRIES, within the
    last WATCH_FEED_DAYS."""
    since = timezone.now() - timedelta(days=settings.WATCH_FEED_DAYS)
    return (
        revision_events()
        .of_cameras(cameras)
        .of_events(events)
        .latest(since=since, limit=settings.WATCH_FEED_ENTRIES)
    )


def watch_events_after(watch: Watch, revision_id: int, *, limit: int) -> list[Revision]:
    """The watch's settled events after revision `revision_id`, oldest first:
    those no transaction still writing can come before (`settled_before`),
    so that a cursor past them never skips one committed later."""
    events = (
        revision_events()
        .of_cameras(watch_cameras(watch))
        .of_events(watch.watched_events)
        .after(revision_id, limit=limit)
    )
    horizon = settled_before()
    return list(takewhile(lambda event: event.created_at < horizon, events))


def settled_before() -> datetime:
    """Revisions written before this moment all have smaller ids than any a
    transaction still under way will commit. Ids are taken in time order,
    but a long transaction (an import) commits its ids after later, shorter
    ones: a transaction that has written something holds the horizon back
    to its start. The margin covers the app's and the database's clocks."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        (oldest_writer,) = cursor.fetchone()
    now = timezone.now()
    horizon = min(oldest_writer, now) if oldest_writer is not None else now
    return horizon - CLOCK_MARGIN


def latest_revision_id() -> int:
    """Where a new subscriber or hook starts: nothing before now is news."""
    return Revision.objects.order_by("-id").values_list("id", flat=True).first() or 0


def headline(revision: Revision) -> str:
    return HEADLINES[revision.event]()


def change_lines(revision: Revision, names: Names | None = None) -> list[str]:
    """What a revision changed, one line per field, in words."""
    names = names or Names.of([revision])
    changes = revision.changes or {}
    lines = []
    for field in TOLD_FIELDS:
        if field not in changes or not isinstance(changes[field], list):
            continue
        before, after = (changes[field] + [None, None])[:2]
        if revision.event == WatchEvent.ADDED:
            if after not in (None, "", []):
                lines.append(f"{_label(field)}: {names.value(field, after)}")
            continue
        if field == "location":
            lines.append(_("Moved to %(where)s") % {"where": names.value(field, after)})
            continue
        lines.append(
            _("%(field)s: %(before)s → %(after)s")
            % {
                "field": _label(field),
                "before": names.value(field, before),
                "after": names.value(field, after),
            }
        )
    return lines


def _label(field: str) -> str:
    if field == "capabilities":
        return _("Capabilities")
    return str(Camera._meta.get_field(field).verbose_name).capitalize()


@dataclass
class Names:
    """Vendors' and operators' names for the ids in revisions, read once."""

    vendors: dict[int, str]
    operators: dict[int, str]

    @classmethod
    def of(cls, revisions: list[Revision]) -> Names:
        ids: dict[str, set[int]] = {"vendor": set(), "operator": set()}
        for revision in revisions:
            for field in ids:
                for value in (revision.changes or {}).get(field) or ():
                    if isinstance(value, int):
                        ids[field].add(value)
        return cls(
            vendors=dict(Vendor.objects.filter(pk__in=ids["vendor"]).values_list("pk", "name")),
            operators=dict(
                Operator.objects.filter(pk__in=ids["operator"]).values_list("pk", "name")
            ),
        )

    def value(self, field: str, value: Any) -> str:
        if value in (None, "", []):
            return _("none")
        if field == "vendor":
            return self.vendors.get(value, str(value))
        if field == "operator":
            return self.operators.get(value, str(value))
        if field == "location" and isinstance(value, list) and len(value) == 2:
            return f"{value[1]:.5f}, {value[0]:.5f}"
        if isinstance(value, list):
            return ", ".join(str(self._choice(field, item)) for item in value)
        if field in ("removed_on", "last_confirmed") and isinstance(value, str):
            return formats.date_format(date.fromisoformat(value[:10]))
        return str(self._choice(field, value))

    @staticmethod
    def _choice(field: str, value: Any) -> Any:
        if field == "capabilities":
            return value
        choices = dict(Camera._meta.get_field(field).flatchoices)
        return choices.get(value, value)


def camera_path(revision: Revision) -> str:
    return f"/cameras/{revision.camera_id}/"


def entry_id(host: str, revision: Revision) -> str:
    """A stable, unique id for one event (RFC 4151 tag URI): the same event
    has the same id in every feed, digest and webhook."""
    # The UTC date, so that a change of TIME_ZONE changes no id.
    day = revision.created_at.astimezone(UTC).date().isoformat()
    return f"tag:{host},{day}:camera/{revision.camera_id}/version/{revision.version}"


def event_time(revision: Revision) -> datetime:
    return revision.created_at
