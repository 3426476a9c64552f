"""What a camera can do beyond what OSM tags say, each with its evidence."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .cameras import Camera
from .choices import Capability
from .evidence import Evidence


class CameraCapability(models.Model):
    """A capability OSM has no tag for (face recognition, audio, ...), asserted
    for one camera with the evidence that backs it."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="capabilities")
    capability = models.CharField(_("capability"), max_length=30, choices=Capability.choices)
    note = models.TextField(_("note"), blank=True)
    evidence = models.ManyToManyField(Evidence, blank=True, related_name="capabilities")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("camera capability")
        verbose_name_plural = _("camera capabilities")
        constraints = [
            models.UniqueConstraint(
                fields=["camera", "capability"], name="camera_capability_unique"
            )
        ]

    def __str__(self) -> str:
        return self.get_capability_display()
