"""History to look up: changesets, revisions and the moderators' decisions,
all written by the services alone and never deleted."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.models import Changeset, ModerationAction, Revision

from .common import HiddenCamerasMixin, ModeratorsMayViewMixin, ReadOnlyAdmin, pretty_json


@admin.register(Changeset)
class ChangesetAdmin(ReadOnlyAdmin):
    list_display = ("id", "actor", "comment", "dataset", "created_at", "revision_count")
    list_filter = ("dataset",)
    search_fields = ("actor", "comment")

    @admin.display(description=_("revisions"))
    def revision_count(self, changeset: Changeset) -> int:
        return changeset.revisions.count()


@admin.register(Revision)
class RevisionAdmin(HiddenCamerasMixin, ReadOnlyAdmin):
    list_display = ("camera", "version", "changeset", "created_at")
    raw_id_fields = ("camera", "changeset")
    readonly_fields = ("camera", "version", "changeset", "created_at", "changes_pretty")
    exclude = ("changes",)

    @admin.display(description=_("what changed"))
    def changes_pretty(self, revision: Revision) -> str:
        return pretty_json(revision.changes)


@admin.register(ModerationAction)
class ModerationActionAdmin(HiddenCamerasMixin, ReadOnlyAdmin):
    """The record of moderators' decisions."""

    list_display = ("created_at", "moderator", "action", "subject", "camera", "reason")
    list_filter = ("action", "moderator")
    list_select_related = ("moderator", "camera")
    search_fields = ("subject", "reason", "moderator__username")
    raw_id_fields = ("camera",)
    date_hierarchy = "created_at"


class RevisionInline(ModeratorsMayViewMixin, admin.TabularInline):
    """The camera's history, newest first."""

    model = Revision
    extra = 0
    ordering = ("-version",)
    fields = ("version", "created_at", "who", "why", "what_changed")
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("history")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changeset")

    @admin.display(description=_("who"))
    def who(self, revision: Revision) -> str:
        return revision.changeset.actor

    @admin.display(description=_("why"))
    def why(self, revision: Revision) -> str:
        return revision.changeset.comment

    @admin.display(description=_("what changed"))
    def what_changed(self, revision: Revision) -> str:
        return pretty_json(revision.changes)
