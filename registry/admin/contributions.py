"""Residents' contributions, to look up: they are decided on the moderation
pages (/moderation/), through the review services, which check the
moderator's areas and record every decision."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.models import EditSuggestion, RemovalReport, Submission
from registry.views.moderation.access import contributor_label

from .common import HiddenCamerasMixin, ReadOnlyAdmin, moderation_link


class ContributionAdmin(HiddenCamerasMixin, ReadOnlyAdmin):
    section = ""
    list_display = (
        "id",
        "camera",
        "state",
        "contributor",
        "created_at",
        "decided_by",
        "decided_at",
        "moderation_link",
    )
    list_filter = ("state",)
    list_select_related = ("camera", "user", "decided_by")
    raw_id_fields = ("camera",)
    date_hierarchy = "created_at"

    @admin.display(description=_("from"))
    def contributor(self, item) -> str:
        return contributor_label(item)

    @admin.display(description=_("moderation page"))
    def moderation_link(self, item) -> str:
        return moderation_link(self.section, item.pk)


@admin.register(Submission)
class SubmissionAdmin(ContributionAdmin):
    section = "submissions"


@admin.register(RemovalReport)
class RemovalReportAdmin(ContributionAdmin):
    section = "removal-reports"


@admin.register(EditSuggestion)
class EditSuggestionAdmin(ContributionAdmin):
    section = "edit-suggestions"
