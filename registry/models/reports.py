"""Area reports as PDF files, rendered in the background and kept.

A file belongs to one version of an area's data (`data_version`: see
registry/reports/versions.py) in one language, so a request for an
unchanged area reuses it, and any edit makes the next request render a new
one. These are derived files, not community data: older versions are
deleted once a newer one is ready."""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .areas import Area

# A country's report renders in about 2 s: one still rendering after this
# long was cut off (its worker stopped), and may be asked for again.
STALLED_AFTER = timedelta(minutes=10)


class PdfStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("being rendered")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class AreaReportPdf(models.Model):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="report_pdfs")
    language = models.CharField(_("language"), max_length=10)
    data_version = models.CharField(
        _("data version"),
        max_length=64,
        help_text=_("A digest of everything the report shows; any edit changes it."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PdfStatus.choices, default=PdfStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.CharField(
        _("error"),
        max_length=200,
        blank=True,
        help_text=_("The class of the last failure; the traceback is in `manage.py tasks`."),
    )
    document = models.FileField(_("document"), upload_to="reports/areas/", blank=True)
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("area report PDF")
        verbose_name_plural = _("area report PDFs")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "language", "data_version"], name="area_report_pdf_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.area.slug} ({self.language}, {self.status})"

    @property
    def stalled(self) -> bool:
        return (
            self.status == PdfStatus.RUNNING
            and self.started_at is not None
            and timezone.now() - self.started_at > STALLED_AFTER
        )
