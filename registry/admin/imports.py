"""What imports leave open, to look up: fields where a source disagrees
with a local edit (import conflicts) and cameras that may be one device
recorded twice (merge candidates). Both are decided on the moderation pages,
where the moderator's areas are checked and the decision recorded; each row
links there. Open ones come first."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.models import Camera, ImportConflict, MergeCandidate

from .common import (
    HiddenCamerasMixin,
    ReadOnlyAdmin,
    camera_link,
    conflict_value,
    moderation_link,
    moderation_url,
    pretty_json,
)


class ImportsAdmin(HiddenCamerasMixin, ReadOnlyAdmin):
    section = ""
    list_per_page = 50
    list_display_links = ("id",)

    @admin.display(description=_("moderation page"))
    def moderation_link(self, item) -> str:
        return moderation_link(self.section, item.pk)


class ConflictStateFilter(admin.SimpleListFilter):
    title = _("resolution")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("open")), *ImportConflict.Resolution.choices]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(resolution="")
        if self.value() in ImportConflict.Resolution.values:
            return queryset.filter(resolution=self.value())
        return queryset


@admin.register(ImportConflict)
class ImportConflictAdmin(ImportsAdmin):
    section = "import-conflicts"
    list_display = (
        "id",
        "camera_link",
        "field",
        "dataset",
        "local",
        "source",
        "created_at",
        "state",
        "moderation_link",
    )
    list_filter = (ConflictStateFilter, "dataset", "field")
    list_select_related = ("camera", "dataset")
    ordering = (
        models.Case(models.When(resolution="", then=0), default=1).asc(),
        "-created_at",
    )
    fields = readonly_fields = (
        "moderation_link",
        "camera_link",
        "dataset",
        "changeset",
        "field",
        "local_pretty",
        "source_pretty",
        "created_at",
        "state",
        "resolved_by",
        "resolved_at",
    )

    @admin.display(description=_("camera"), ordering="camera")
    def camera_link(self, conflict: ImportConflict) -> str:
        return camera_link(conflict.camera)

    @admin.display(description=_("local value (kept)"))
    def local(self, conflict: ImportConflict) -> str:
        return conflict_value(conflict.field, conflict.local_value)

    @admin.display(description=_("source's value"))
    def source(self, conflict: ImportConflict) -> str:
        return conflict_value(conflict.field, conflict.source_value)

    @admin.display(description=_("local value (kept)"))
    def local_pretty(self, conflict: ImportConflict) -> str:
        return pretty_json(conflict.local_value)

    @admin.display(description=_("source's value"))
    def source_pretty(self, conflict: ImportConflict) -> str:
        return pretty_json(conflict.source_value)

    @admin.display(description=_("resolution"), ordering="resolution")
    def state(self, conflict: ImportConflict) -> str:
        return conflict.get_resolution_display() or gettext("open")


@admin.register(MergeCandidate)
class MergeCandidateAdmin(ImportsAdmin):
    section = "merge-candidates"
    camera_paths = ("camera", "duplicate_of")
    list_display = (
        "id",
        "camera_link",
        "duplicate_of_link",
        "distance_m",
        "decision",
        "created_at",
        "moderation_link",
    )
    list_filter = ("decision",)
    list_select_related = ("camera", "duplicate_of")
    ordering = (
        models.Case(models.When(decision=MergeCandidate.Decision.OPEN, then=0), default=1).asc(),
        "distance",
    )
    fields = readonly_fields = (
        "moderation_link",
        "camera_link",
        "duplicate_of_link",
        "distance_m",
        "changeset",
        "created_at",
        "decision",
        "decided_by",
        "decided_at",
    )

    @admin.display(description=_("camera (imported)"), ordering="camera")
    def camera_link(self, candidate: MergeCandidate) -> str:
        return camera_link(candidate.camera)

    @admin.display(description=_("may duplicate"), ordering="duplicate_of")
    def duplicate_of_link(self, candidate: MergeCandidate) -> str:
        return camera_link(candidate.duplicate_of)

    @admin.display(description=_("distance"), ordering="distance")
    def distance_m(self, candidate: MergeCandidate) -> str:
        return gettext("%(distance).1f m") % {"distance": candidate.distance}


# ------------------------------------------------- on the camera's page


def open_questions_about(camera: Camera) -> list[tuple[str, str]]:
    """What imports left open about a camera: (moderation page, words)."""
    return [*_open_conflicts(camera), *_open_candidates(camera)]


def _open_conflicts(camera: Camera) -> list[tuple[str, str]]:
    conflicts = camera.import_conflicts.filter(resolution="").select_related("dataset")
    return [
        (
            moderation_url("import-conflicts", conflict.pk),
            gettext("%(field)s: kept %(local)s; %(dataset)s says %(source)s")
            % {
                "field": conflict.field,
                "local": conflict_value(conflict.field, conflict.local_value),
                "dataset": conflict.dataset,
                "source": conflict_value(conflict.field, conflict.source_value),
            },
        )
        for conflict in conflicts
    ]


def _open_candidates(camera: Camera) -> list[tuple[str, str]]:
    candidates = (
        MergeCandidate.objects.filter(decision=MergeCandidate.Decision.OPEN)
        .filter(models.Q(camera=camera) | models.Q(duplicate_of=camera))
        .select_related("camera", "duplicate_of")
    )
    items = []
    for candidate in candidates:
        if candidate.camera_id == camera.pk:
            other = candidate.duplicate_of
            text = gettext("may be a duplicate of %(other)s, %(distance).1f m away")
        else:
            other = candidate.camera
            text = gettext("%(other)s, %(distance).1f m away, may be a duplicate of this one")
        items.append(
            (
                moderation_url("merge-candidates", candidate.pk),
                text % {"other": other, "distance": candidate.distance},
            )
        )
    return items
