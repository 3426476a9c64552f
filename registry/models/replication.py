"""Where Sightline stands in an OpenStreetMap replication feed
(`manage.py osm_sync`): the last diff applied, when it was published, and
how the latest run went."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReplicationStateQuerySet(models.QuerySet):
    def for_feed(self, url: str) -> ReplicationStateQuerySet:
        """The feed's row; the URL is compared without its trailing slash,
        as pyosmium's client reads it either way."""
        return self.filter(feed_url=normalised_feed_url(url))


def normalised_feed_url(url: str) -> str:
    return url.strip().rstrip("/") + "/"


class ReplicationState(models.Model):
    """One replication feed's position: every diff up to `sequence` is
    applied. A diff that could not be applied (missing, truncated) is never
    skipped: the position stays before it and `last_error` names it."""

    feed_url = models.URLField(_("feed URL"), max_length=500, unique=True)
    sequence = models.BigIntegerField(_("sequence"))
    # When the diff `sequence` was published up to (its state file's
    # timestamp); None when the feed did not say.
    timestamp = models.DateTimeField(_("timestamp"), null=True, blank=True)
    # The newest sequence the feed published at the latest check.
    feed_sequence = models.BigIntegerField(null=True, blank=True)
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)
    # What the last batch applied: sequences, counts, seconds (a JSON object).
    last_batch = models.JSONField(default=dict, blank=True)
    last_batch_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_sequence = models.BigIntegerField(null=True, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReplicationStateQuerySet.as_manager()

    class Meta:
        verbose_name = _("replication state")
        ordering = ["feed_url"]

    def __str__(self) -> str:
        return f"{self.feed_url} at {self.sequence}"

    @property
    def lag(self) -> timedelta | None:
        """How far behind OpenStreetMap the registry is: the age of the
        last change applied."""
        if self.timestamp is None:
            return None
        return max(timezone.now() - self.timestamp, timedelta(0))

    @property
    def behind(self) -> int | None:
        """Diffs published and not applied yet, at the latest check."""
        if self.feed_sequence is None:
            return None
        return max(self.feed_sequence - self.sequence, 0)
