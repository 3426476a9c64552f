"""Watches: an area someone follows for cameras added, removed, verified and
changed, through an Atom feed, email digests or webhooks.

What happened to a camera is read from its revisions (registry history),
never stored twice: a watch only keeps where it looks, what it filters and,
for each way of telling, how far it has told. An email address is kept only
for its subscription, and deleted with it; nothing about a client's address
or browser is stored."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from .areas import Area
from .choices import Kind, Status
from .history import Changeset, Revision


class WatchEvent(models.TextChoices):
    ADDED = "added", _("added")
    REMOVED = "removed", _("removed")
    VERIFIED = "verified", _("verified")
    CHANGED = "changed", _("changed")


ALL_EVENTS = tuple(WatchEvent.values)


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("as it happens")
    DAILY = "daily", _("once a day")
    WEEKLY = "weekly", _("once a week")


def _status_after(status: str) -> Q:
    return Q(changes__status__1=status)


def _status_before(status: str) -> Q:
    return Q(changes__status__0=status)


class RevisionEvents(QuerySet):
    """Revisions read as public events. A camera made public (created
    visible, or approved out of hiding) is "added"; hidden, it drops out
    without a word, as it does from the map."""

    def as_events(self) -> RevisionEvents:
        event = Case(
            When(_status_before(Status.HIDDEN), then=Value(WatchEvent.ADDED)),
            When(version=1, then=Value(WatchEvent.ADDED)),
            When(_status_after(Status.REMOVED), then=Value(WatchEvent.REMOVED)),
            When(_status_after(Status.VERIFIED), then=Value(WatchEvent.VERIFIED)),
            default=Value(WatchEvent.CHANGED),
            output_field=models.CharField(),
        )
        return (
            # A revision without a status change has no such key: NULL, which
            # a bare exclude() would drop too.
            self.exclude(Q(changes__has_key="status") & _status_after(Status.HIDDEN))
            .annotate(event=event, actor=F("changeset__actor"))
            .select_related("camera")
            .defer("camera__feature", "camera__tags")
        )

    def of_events(self, events: tuple[str, ...]) -> RevisionEvents:
        if set(events) >= set(ALL_EVENTS):
            return self
        return self.filter(event__in=events)

    def of_cameras(self, cameras: QuerySet) -> RevisionEvents:
        return self.filter(camera_id__in=cameras.values("id"))

    def latest(self, *, since: datetime, limit: int) -> list[Revision]:
        """The newest `limit` events since `since`, newest first. Revisions
        have no index on their time, but their changesets do, and a revision
        is written with its changeset: the window starts at the first
        changeset since `since`, a range of the revisions' changeset index."""
        first = (
            Changeset.objects.filter(created_at__gte=since)
            .order_by("created_at", "id")
            .values_list("id", flat=True)
            .first()
        )
        if first is None:
            return []
        return list(self.filter(changeset_id__gte=first).order_by("-id")[:limit])

    def after(self, revision_id: int, *, limit: int) -> list[Revision]:
        """The first `limit` events after revision `revision_id`, oldest first."""
        return list(self.filter(id__gt=revision_id).order_by("id")[:limit])


def revision_events() -> RevisionEvents:
    return RevisionEvents(model=Revision).as_events()


class Watch(models.Model):
    """Where to look, and for what. Exactly one of `area` (a registry area)
    and `region` (a drawn polygon, or a route's corridor: `route` buffered by
    `route_width_m`)."""

    key = models.CharField(max_length=43, unique=True, editable=False)
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, null=True, blank=True, related_name="watches"
    )
    region = models.MultiPolygonField(_("region"), srid=4326, null=True, blank=True)
    route = models.LineStringField(_("route"), srid=4326, null=True, blank=True)
    route_width_m = models.FloatField(_("corridor width (m)"), null=True, blank=True)
    kinds = ArrayField(
        models.CharField(max_length=20, choices=Kind.choices), default=list, blank=True
    )
    vendors = ArrayField(models.SlugField(max_length=200), default=list, blank=True)
    operators = ArrayField(models.SlugField(max_length=200), default=list, blank=True)
    restricted = models.BooleanField(_("restricted vendors only"), default=False)
    events = ArrayField(
        models.CharField(max_length=10, choices=WatchEvent.choices), default=list, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("watch")
        constraints = [
            models.CheckConstraint(
                condition=Q(area__isnull=False, region__isnull=True)
                | Q(area__isnull=True, region__isnull=False),
                name="watch_area_or_region",
            )
        ]

    def __str__(self) -> str:
        return self.area.name if self.area_id else str(_("a drawn area"))

    @property
    def watched_events(self) -> tuple[str, ...]:
        return tuple(self.events) or ALL_EVENTS


class SubscriptionQuerySet(models.QuerySet):
    def confirmed(self) -> SubscriptionQuerySet:
        return self.filter(confirmed_at__isnull=False)

    def unconfirmed_before(self, moment: datetime) -> SubscriptionQuerySet:
        return self.filter(confirmed_at__isnull=True, created_at__lt=moment)

    def of_address(self, email: str) -> SubscriptionQuerySet:
        return self.filter(email__iexact=email)


class Subscription(models.Model):
    """An email digest of one watch. `email` is kept only here, and goes
    with the row (unsubscribing deletes it). Nothing is sent but the
    confirmation before `confirmed_at`; `told_up_to` is the last revision
    a digest told of. `nonce` makes the signed links of a deleted
    subscription useless for any later one."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="subscriptions")
    email = models.EmailField(_("email address"), max_length=254)
    frequency = models.CharField(
        _("how often"), max_length=10, choices=Frequency.choices, default=Frequency.DAILY
    )
    nonce = models.CharField(max_length=32, editable=False)
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    told_up_to = models.BigIntegerField(default=0)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("email subscription")
        indexes = [models.Index(fields=["created_at"], name="subscription_created")]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()}: {self.watch}"


class Webhook(models.Model):
    """An organisation's endpoint, told of a watch's events as signed JSON.
    `told_up_to` is the last revision a delivery was made for."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=2000)
    secret = models.CharField(_("signing secret"), max_length=64, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    told_up_to = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("webhook")

    def __str__(self) -> str:
        return self.name


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """One payload for one hook, tried until it is accepted (a 2xx) or the
    attempts run out; each try is a WebhookAttempt."""

    hook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    body = models.TextField()
    events = models.PositiveIntegerField(default=0)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.hook} #{self.pk} ({self.state})"


class WebhookAttempt(models.Model):
    """One try of a delivery: the receiver's HTTP status, or why none came."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("webhook attempt")
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"#{self.number}: {self.status_code or self.error}"


__all__ = [
    "ALL_EVENTS",
    "DeliveryState",
    "Frequency",
    "Subscription",
    "Watch",
    "WatchEvent",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "revision_events",
]
