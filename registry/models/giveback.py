"""Giving back to OpenStreetMap: the moderators' OSM authorisations (tokens
kept encrypted) and the log of every upload."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OsmAuthorization(models.Model):
    """A moderator's OAuth 2.0 access to their own OSM account, scope
    `write_api`. The token is stored encrypted (Fernet; see
    registry.services.osm_accounts), never in clear."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="osm_authorization"
    )
    token_encrypted = models.BinaryField(_("encrypted token"), editable=False)
    osm_user_id = models.BigIntegerField(_("OSM user id"), null=True, blank=True)
    osm_display_name = models.CharField(_("OSM account"), max_length=255, blank=True)
    api_url = models.URLField(
        _("OSM API"), help_text=_("The server the token was issued by: it is good only there.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("OSM authorisation")

    def __str__(self) -> str:
        return f"{self.user} → {self.osm_display_name or self.osm_user_id}"


class OsmUpload(models.Model):
    """One batch sent to OSM as one changeset, whether it went through or
    not: who, when, which OSM changeset, what it held and what was refused."""

    class Outcome(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        FAILED = "failed", _("failed")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    api_url = models.URLField(_("OSM API"))
    osm_changeset = models.BigIntegerField(_("OSM changeset"), null=True, blank=True)
    comment = models.TextField(_("changeset comment"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    created = models.PositiveIntegerField(_("nodes created"), default=0)
    modified = models.PositiveIntegerField(_("nodes modified"), default=0)
    refused = models.PositiveIntegerField(_("cameras refused"), default=0)
    message = models.TextField(_("what went wrong"), blank=True)
    errors = models.JSONField(
        _("refusals by camera"),
        default=dict,
        blank=True,
        help_text=_("{camera id: why OSM or Sightline refused it}."),
    )
    changeset = models.ForeignKey(
        "registry.Changeset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="osm_uploads",
        help_text=_("Sightline's changeset recording the OSM ids and versions; none if none."),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("upload to OpenStreetMap")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.moderator} {self.outcome}"
