"""What an import leaves for moderators: fields where the source disagrees
with a moderator's local edit, and cameras that may be the same device."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cameras import Camera
from .datasets import Dataset
from .history import Changeset


class ImportConflict(models.Model):
    """A source changed a field that a moderator had changed locally since the
    source's previous import. The local value was kept; a moderator decides."""

    class Resolution(models.TextChoices):
        KEPT_LOCAL = "kept_local", _("kept the local value")
        ACCEPTED_SOURCE = "accepted_source", _("accepted the source's value")

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="import_conflicts")
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="conflicts")
    changeset = models.ForeignKey(
        Changeset,
        on_delete=models.CASCADE,
        related_name="conflicts",
        help_text=_("The import run that met the conflict (the latest one, if several did)."),
    )
    field = models.CharField(_("field"), max_length=40)
    local_value = models.JSONField(_("local value"), null=True, blank=True)
    source_value = models.JSONField(_("source's value"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolution = models.CharField(
        _("resolution"), max_length=20, choices=Resolution.choices, blank=True
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import conflict")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "dataset", "field"],
                condition=models.Q(resolution=""),
                name="import_conflict_open_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.camera}: {self.field} ({self.dataset})"


class MergeCandidate(models.Model):
    """A camera an import created within a few metres of an existing one of
    the same kind: maybe one device reported twice. Never merged automatically."""

    class Decision(models.TextChoices):
        OPEN = "open", _("open")
        DUPLICATE = "duplicate", _("duplicate: hidden")
        DISTINCT = "distinct", _("distinct devices")

    camera = models.ForeignKey(
        Camera,
        on_delete=models.CASCADE,
        related_name="merge_candidates",
        help_text=_("The camera the import created."),
    )
    duplicate_of = models.ForeignKey(
        Camera,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The existing camera it may duplicate."),
    )
    distance = models.FloatField(_("distance (m)"))
    changeset = models.ForeignKey(
        Changeset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merge candidate")
        ordering = ["distance", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "duplicate_of"], name="merge_candidate_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.camera} ~ {self.duplicate_of} ({self.distance:.1f} m)"
