"""The sources behind the registry's facts."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .cameras import Camera
from .choices import EvidenceKind
from .organisations import Operator, Vendor


class Evidence(models.Model):
    """A source behind a fact: a photo, a contract, a use policy, a news story.
    Attached to exactly one camera, vendor or operator."""

    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    document = models.FileField(_("document"), upload_to="evidence/%Y/%m/", blank=True)
    thumbnail = models.FileField(
        _("thumbnail"),
        blank=True,
        max_length=200,
        help_text=_("A small copy of a photo, for lists and the moderation queue."),
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    date = models.DateField(
        _("date"), null=True, blank=True, help_text=_("When the evidence was made or published.")
    )
    note = models.TextField(_("note"), blank=True)
    camera = models.ForeignKey(
        Camera, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    vendor = models.ForeignKey(
        Vendor, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    operator = models.ForeignKey(
        Operator, on_delete=models.CASCADE, null=True, blank=True, related_name="evidence"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # What kept reports and their PDFs are keyed on (registry/reports/versions.py):
    # an edited title, address or date changes them.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(camera__isnull=False, vendor__isnull=True, operator__isnull=True)
                    | models.Q(camera__isnull=True, vendor__isnull=False, operator__isnull=True)
                    | models.Q(camera__isnull=True, vendor__isnull=True, operator__isnull=False)
                ),
                name="evidence_has_one_subject",
                violation_error_message=_(
                    "Evidence belongs to exactly one camera, vendor or operator."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(url="") | ~models.Q(document=""),
                name="evidence_has_url_or_document",
                violation_error_message=_("Evidence needs a URL or a document."),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url or self.document.name
