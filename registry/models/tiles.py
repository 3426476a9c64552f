"""The grid pyramid the map's low-zoom tiles are drawn from."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The finest level of the pyramid: a tile at zoom z draws the cells of level
# z + 3, so clusters come from the pyramid up to zoom 14.
FINEST_LEVEL = 17


class TileCell(models.Model):
    """How many visible cameras of one kind, status, vendor and operator lie
    in one Web-Mercator tile (x, y) at zoom `level`, and the sums of their
    Web-Mercator positions, so that a cluster is drawn at the mean position of
    its cameras.

    Derived data, written only by the database: statement-level triggers on
    registry_camera add every write's delta (migration 0008), and
    `registry.services.tiles.tile_cells_rebuild` recomputes it all. Hidden
    cameras are never counted."""

    pk = models.CompositePrimaryKey(
        "level", "x", "y", "kind", "status", "vendor_id", "operator_id"
    )
    level = models.PositiveSmallIntegerField(_("level"), help_text=_("Web-Mercator zoom, 0-17."))
    x = models.IntegerField(_("column"), help_text=_("Tile column at this zoom, from the west."))
    y = models.IntegerField(_("row"), help_text=_("Tile row at this zoom, from the north."))
    kind = models.CharField(_("kind"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=10)
    # Plain ids rather than foreign keys: 0 stands for "none", since a
    # primary key column cannot hold NULL.
    vendor_id = models.BigIntegerField(_("vendor id"), help_text=_("0 when no vendor is known."))
    operator_id = models.BigIntegerField(
        _("operator id"), help_text=_("0 when no operator is known.")
    )
    n = models.IntegerField(_("cameras"))
    sum_x = models.BigIntegerField(
        _("sum of eastings"), help_text=_("Web-Mercator x of the cameras, summed, in centimetres.")
    )
    sum_y = models.BigIntegerField(
        _("sum of northings"),
        help_text=_("Web-Mercator y of the cameras, summed, in centimetres."),
    )

    class Meta:
        verbose_name = _("tile cell")

    def __str__(self) -> str:
        return f"{self.level}/{self.x}/{self.y} {self.kind or '-'} {self.status}: {self.n}"
