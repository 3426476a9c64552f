"""History: every write to a camera leaves a Revision, grouped in a Changeset
(one edit, or one whole import run). Contributors' IP addresses and user
agents are never stored here."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cameras import Camera
from .datasets import Dataset

ANONYMOUS = "anonymous"


class Changeset(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sightline_changesets",
    )
    actor = models.CharField(
        _("who"),
        max_length=150,
        default=ANONYMOUS,
        help_text=_("The username, 'anonymous', or the import that made the change."),
    )
    comment = models.TextField(_("why"), blank=True)
    dataset = models.ForeignKey(
        Dataset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changesets",
        help_text=_("Set when the changes came from an import of this dataset."),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("changeset")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.actor}: {self.comment[:60]}"


class Revision(models.Model):
    """One version of one camera: what changed from the version before."""

    # Looked up through the (camera, version) unique index: no second index
    # for every revision an import writes.
    camera = models.ForeignKey(
        Camera, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    version = models.PositiveIntegerField(_("version"))
    changeset = models.ForeignKey(Changeset, on_delete=models.PROTECT, related_name="revisions")
    changes = models.JSONField(
        _("what changed"),
        default=dict,
        help_text=_("{field: [before, after]}; a new camera has every field's first value."),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("revision")
        ordering = ["camera", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["camera", "version"], name="revision_camera_version")
        ]

    def __str__(self) -> str:
        return f"{self.camera} v{self.version}"
