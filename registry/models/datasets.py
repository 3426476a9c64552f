"""Where cameras come from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Dataset(models.Model):
    """Where cameras came from: an import source (an OSM extract, a city's open
    data list) or Sightline's own contributions."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("URL"), blank=True)
    licence = models.CharField(
        _("licence"), max_length=100, blank=True, help_text=_("e.g. ODbL-1.0")
    )
    attribution = models.CharField(_("attribution"), max_length=300, blank=True)
    odbl_compatible = models.BooleanField(
        _("compatible with the ODbL"),
        default=False,
        help_text=_(
            "Tick only when this licence lets the data go into OpenStreetMap (ODbL-compatible "
            "and accepted by OSM's contributor terms, or an explicit permission). Data taken "
            "from OpenStreetMap is ODbL itself. Verified cameras of this dataset are offered "
            "to OpenStreetMap only when ticked."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What an edit form saw, so a second editor's save is refused, not merged.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("dataset")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
