"""Django admin for moderators. Camera writes go through registry.services, so
an admin edit bumps the version and leaves a revision like any other; nothing
can be deleted from here."""

from __future__ import annotations

import json
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from registry import services
from registry.models import (
    Area,
    Camera,
    CameraCapability,
    Changeset,
    Dataset,
    EditSuggestion,
    Evidence,
    ImportConflict,
    MergeCandidate,
    ModerationAction,
    Operator,
    RemovalReport,
    Revision,
    Status,
    Submission,
    Vendor,
    VendorRestriction,
)
from registry.names import group_spellings
from registry.services.areas import area_km2, boundary_from
from registry.services.cameras import EDITABLE_FIELDS
from registry.views.moderation.access import contributor_label


def pretty_json(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


def camera_link(camera: Camera) -> str:
    url = reverse("admin:registry_camera_change", args=[camera.pk])
    return format_html('<a href="{}">{}</a>', url, camera)


# Conflict values of these fields are ids; shown with the record's name.
NAMED_FIELDS = {"vendor": Vendor, "operator": Operator}


def conflict_value(field: str, value, limit: int = 80) -> str:
    """A conflict's value, short: a vendor or operator by name and id."""
    model = NAMED_FIELDS.get(field)
    if model is not None and value is not None:
        name = model.objects.filter(pk=value).values_list("name", flat=True).first()
        return f"{name} (#{value})" if name else gettext("#%(id)s (gone)") % {"id": value}
    return Truncator(json.dumps(value, ensure_ascii=False)).chars(limit)


class NoDeleteMixin:
    """Community data is never hard-deleted: removal and hiding are states."""

    def has_delete_permission(self, request, obj=None):
        return False


class HttpsUrlsMixin:
    """A URL typed without a scheme is taken as https (Django 6's default)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class EvidenceInline(HttpsUrlsMixin, admin.TabularInline):
    model = Evidence
    extra = 0
    can_delete = False
    fields = ("kind", "title", "url", "document", "date", "note")


class CapabilityInline(admin.TabularInline):
    model = CameraCapability
    extra = 0
    fields = ("capability", "note", "evidence")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class RevisionInline(admin.TabularInline):
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


class CameraAdminForm(forms.ModelForm):
    edit_reason = forms.CharField(
        label=_("Reason for this edit"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the camera's history. Required to remove or hide a camera."),
    )

    class Meta:
        model = Camera
        fields = (*sorted(EDITABLE_FIELDS), "status", "removed_on")

    def clean(self):
        """What a status change needs, said on the form rather than after it."""
        data = super().clean()
        status = data.get("status")
        if "status" in self.changed_data and status in (Status.REMOVED, Status.HIDDEN):
            if not data.get("edit_reason", "").strip():
                self.add_error("edit_reason", _("Say why the camera is removed or hidden."))
            if status == Status.REMOVED and not data.get("removed_on"):
                self.add_error("removed_on", _("Give the date the camera was removed."))
        return data


@admin.register(Camera)
class CameraAdmin(NoDeleteMixin, LeafletGeoAdmin):
    form = CameraAdminForm
    list_display = (
        "id",
        "kind",
        "status",
        "vendor",
        "operator",
        "camera_type",
        "dataset",
        "last_confirmed",
        "version",
    )
    list_filter = ("status", "kind", "camera_type", "dataset", "vendor")
    search_fields = ("vendor_raw", "operator_raw", "product", "source_ref", "=osm_id")
    list_select_related = ("vendor", "operator", "dataset")
    autocomplete_fields = ("vendor", "operator")
    readonly_fields = (
        "version",
        "status_note",
        "osm_link",
        "raw_tags",
        "created_at",
        "updated_at",
        "open_questions",
    )
    inlines = (CapabilityInline, EvidenceInline, RevisionInline)
    fieldsets = (
        (_("Open for moderation"), {"fields": ("open_questions",)}),
        (None, {"fields": ("location", "kind", "visibility", "zone")}),
        (
            _("Device"),
            {"fields": ("camera_type", "mount", "directions", "tilt", "height", "product")},
        ),
        (_("Who"), {"fields": ("vendor", "vendor_raw", "operator", "operator_raw")}),
        (
            _("Status"),
            {
                "fields": (
                    "status",
                    "removed_on",
                    "status_note",
                    "first_seen",
                    "last_confirmed",
                    "edit_reason",
                )
            },
        ),
        (
            _("Source"),
            {
                "fields": (
                    "dataset",
                    "source_ref",
                    "osm_type",
                    "osm_id",
                    "osm_link",
                    "tags",
                    "raw_tags",
                    "version",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    @admin.display(description=_("OSM object"))
    def osm_link(self, camera: Camera) -> str:
        if not camera.osm_url:
            return "-"
        return format_html('<a href="{0}" rel="noopener">{0}</a>', camera.osm_url)

    @admin.display(description=_("raw tags (read-only view)"))
    def raw_tags(self, camera: Camera) -> str:
        return pretty_json(camera.tags)

    @admin.display(description=_("import conflicts and possible duplicates"))
    def open_questions(self, camera: Camera) -> str:
        """What imports left open about this camera, each linked to the page
        where a moderator decides it."""
        if camera.pk is None:
            return "-"
        conflicts = camera.import_conflicts.filter(resolution="").select_related("dataset")
        candidates = (
            MergeCandidate.objects.filter(decision=MergeCandidate.Decision.OPEN)
            .filter(models.Q(camera=camera) | models.Q(duplicate_of=camera))
            .select_related("camera", "duplicate_of")
        )
        items = [
            (
                reverse("admin:registry_importconflict_change", args=[conflict.pk]),
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
        for candidate in candidates:
            if candidate.camera_id == camera.pk:
                other = candidate.duplicate_of
                text = gettext("may be a duplicate of %(other)s, %(distance).1f m away")
            else:
                other = candidate.camera
                text = gettext("%(other)s, %(distance).1f m away, may be a duplicate of this one")
            items.append(
                (
                    reverse("admin:registry_mergecandidate_change", args=[candidate.pk]),
                    text % {"other": other, "distance": candidate.distance},
                )
            )
        if not items:
            return gettext("Nothing open.")
        return format_html(
            "<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a></li>', items)
        )

    def save_model(self, request, obj, form, change):
        """Route the form through the services: validation, version, history."""
        reason = form.cleaned_data.get("edit_reason", "")
        if change:
            changed = [name for name in form.changed_data if name in EDITABLE_FIELDS]
            values = {name: form.cleaned_data[name] for name in changed}
            camera = services.camera_update(
                camera=obj,
                actor=request.user,
                reason=reason,
                expected_version=obj.version,
                **values,
            )
        else:
            values = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS & set(form.fields)}
            camera = services.camera_create(actor=request.user, reason=reason, **values)
        status = form.cleaned_data["status"]
        if status != camera.status or "removed_on" in form.changed_data:
            camera = services.camera_set_status(
                camera=camera,
                status=status,
                removed_on=form.cleaned_data.get("removed_on"),
                actor=request.user,
                reason=reason,
            )
        obj.pk, obj.version = camera.pk, camera.version

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A service's ValidationError becomes a message, not a 500, and the
        transaction is rolled back so nothing is half-written."""
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_formset(self, request, form, formset, change):
        # Evidence rows are attached to the camera; capabilities and history
        # are read-only here.
        formset.save()


class RestrictionInline(HttpsUrlsMixin, admin.TabularInline):
    model = VendorRestriction
    extra = 0
    fields = ("regime", "regime_detail", "effective_date", "scope", "source_url", "source_title")


class UnmatchedSpellingsMixin:
    """Raw spellings no record matched, grouped, with a form to map a whole
    group to a record (existing or new) in one action."""

    role: str

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "unmatched/",
                self.admin_site.admin_view(self.unmatched_view),
                name="{}_{}_unmatched".format(*info),
            ),
            *super().get_urls(),
        ]

    def unmatched_view(self, request: HttpRequest):
        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        if request.method == "POST":
            return self._map_group(request)
        counts = getattr(Camera.objects, f"unmatched_{self.role}_values")()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Unmatched %(role)s spellings") % {"role": self.role},
            "opts": self.model._meta,
            "role": self.role,
            "groups": group_spellings(counts),
            "targets": self.model.objects.order_by("name").only("pk", "name"),
        }
        return TemplateResponse(request, "admin/registry/unmatched_spellings.html", context)

    def _map_group(self, request: HttpRequest):
        spellings = request.POST.getlist("spellings")
        target_id = request.POST.get("target")
        new_name = request.POST.get("new_name", "").strip()
        try:
            with transaction.atomic():
                if new_name:
                    target = self.model(name=new_name, slug=slugify(new_name))
                    target.full_clean()
                    target.save()
                elif target_id and target_id.isdigit():
                    target = get_object_or_404(self.model, pk=int(target_id))
                else:
                    raise ValidationError(_("Choose a record or give a name for a new one."))
                changed = services.map_spellings(
                    role=self.role, spellings=spellings, target=target, actor=request.user
                )
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, level=messages.ERROR)
        else:
            self.message_user(
                request,
                _("%(count)d cameras now point to %(name)s.") % {"count": changed, "name": target},
            )
        return HttpResponseRedirect(request.path)


@admin.register(Vendor)
class VendorAdmin(NoDeleteMixin, HttpsUrlsMixin, UnmatchedSpellingsMixin, admin.ModelAdmin):
    role = "vendor"
    list_display = ("name", "country", "wikidata", "parent", "restriction_count")
    list_filter = ("country", "restrictions__regime")
    search_fields = ("name", "aliases", "wikidata")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    inlines = (RestrictionInline, EvidenceInline)
    change_list_template = "admin/registry/change_list_with_unmatched.html"

    @admin.display(description=_("restrictions"))
    def restriction_count(self, vendor: Vendor) -> int:
        return vendor.restrictions.count()


@admin.register(Operator)
class OperatorAdmin(NoDeleteMixin, HttpsUrlsMixin, UnmatchedSpellingsMixin, admin.ModelAdmin):
    role = "operator"
    list_display = ("name", "operator_type", "wikidata")
    list_filter = ("operator_type",)
    search_fields = ("name", "aliases", "wikidata")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (EvidenceInline,)
    change_list_template = "admin/registry/change_list_with_unmatched.html"


@admin.register(Evidence)
class EvidenceAdmin(NoDeleteMixin, HttpsUrlsMixin, admin.ModelAdmin):
    list_display = ("__str__", "kind", "date", "camera", "vendor", "operator")
    list_filter = ("kind",)
    search_fields = ("title", "url", "note")
    raw_id_fields = ("camera",)
    autocomplete_fields = ("vendor", "operator")


@admin.register(Dataset)
class DatasetAdmin(NoDeleteMixin, HttpsUrlsMixin, admin.ModelAdmin):
    list_display = ("name", "licence", "camera_count", "created_at")
    search_fields = ("name",)

    @admin.display(description=_("cameras"))
    def camera_count(self, dataset: Dataset) -> int:
        return dataset.cameras.count()


class ReadOnlyAdmin(NoDeleteMixin, admin.ModelAdmin):
    """History is written by the services only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Changeset)
class ChangesetAdmin(ReadOnlyAdmin):
    list_display = ("id", "actor", "comment", "dataset", "created_at", "revision_count")
    list_filter = ("dataset",)
    search_fields = ("actor", "comment")

    @admin.display(description=_("revisions"))
    def revision_count(self, changeset: Changeset) -> int:
        return changeset.revisions.count()


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ("camera", "version", "changeset", "created_at")
    raw_id_fields = ("camera", "changeset")
    readonly_fields = ("camera", "version", "changeset", "created_at", "changes_pretty")
    exclude = ("changes",)

    @admin.display(description=_("what changed"))
    def changes_pretty(self, revision: Revision) -> str:
        return pretty_json(revision.changes)


class ModerationAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Records an import leaves for moderators: read-only, decided through
    actions that call the moderation services. Open ones come first."""

    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Nothing to save here: decisions are the list's actions."""
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def label(self, obj) -> str:
        raise NotImplementedError

    def run_each(
        self,
        request: HttpRequest,
        queryset: models.QuerySet,
        service: Callable[[models.Model], object],
        done: Callable[[int], str],
    ) -> None:
        """`service(obj)` for each selected record, each in its own
        transaction: one that fails is named with its reason, the others
        are done."""
        count, failures = 0, []
        for obj in queryset.order_by("pk"):
            try:
                service(obj)
            except ValidationError as error:
                failures.append(f"{self.label(obj)}: {' '.join(error.messages)}")
            else:
                count += 1
        if count:
            self.message_user(request, done(count), level=messages.SUCCESS)
        if failures:
            self.message_user(
                request,
                ngettext(
                    "%(count)d failed and was left as it was: %(failures)s",
                    "%(count)d failed and were left as they were: %(failures)s",
                    len(failures),
                )
                % {"count": len(failures), "failures": "; ".join(failures)},
                level=messages.ERROR,
            )


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
class ImportConflictAdmin(ModerationAdmin):
    list_display = (
        "id",
        "camera_link",
        "field",
        "dataset",
        "local",
        "source",
        "created_at",
        "state",
    )
    list_display_links = ("id",)
    list_filter = (ConflictStateFilter, "dataset", "field")
    list_select_related = ("camera", "dataset")
    ordering = (
        models.Case(models.When(resolution="", then=0), default=1).asc(),
        "-created_at",
    )
    fields = (
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
    actions = ("accept_source", "keep_local")

    def label(self, conflict: ImportConflict) -> str:
        return gettext("conflict #%(id)s (%(camera)s, %(field)s)") % {
            "id": conflict.pk,
            "camera": conflict.camera,
            "field": conflict.field,
        }

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

    @admin.action(description=_("Accept the source's value"), permissions=["change"])
    def accept_source(self, request, queryset):
        self.run_each(
            request,
            queryset,
            lambda conflict: services.conflict_accept_source(conflict=conflict, user=request.user),
            lambda count: (
                ngettext(
                    "Accepted the source's value for %(count)d conflict.",
                    "Accepted the source's value for %(count)d conflicts.",
                    count,
                )
                % {"count": count}
            ),
        )

    @admin.action(description=_("Keep the local value"), permissions=["change"])
    def keep_local(self, request, queryset):
        self.run_each(
            request,
            queryset,
            lambda conflict: services.conflict_keep_local(conflict=conflict, user=request.user),
            lambda count: (
                ngettext(
                    "Kept the local value for %(count)d conflict.",
                    "Kept the local value for %(count)d conflicts.",
                    count,
                )
                % {"count": count}
            ),
        )


@admin.register(MergeCandidate)
class MergeCandidateAdmin(ModerationAdmin):
    list_display = (
        "id",
        "camera_link",
        "duplicate_of_link",
        "distance_m",
        "decision",
        "created_at",
    )
    list_display_links = ("id",)
    list_filter = ("decision",)
    list_select_related = ("camera", "duplicate_of")
    ordering = (
        models.Case(models.When(decision=MergeCandidate.Decision.OPEN, then=0), default=1).asc(),
        "distance",
    )
    fields = (
        "camera_link",
        "duplicate_of_link",
        "distance_m",
        "changeset",
        "created_at",
        "decision",
        "decided_by",
        "decided_at",
    )
    actions = ("mark_duplicate", "mark_distinct")

    def label(self, candidate: MergeCandidate) -> str:
        return gettext("candidate #%(id)s (%(camera)s ~ %(other)s)") % {
            "id": candidate.pk,
            "camera": candidate.camera,
            "other": candidate.duplicate_of,
        }

    @admin.display(description=_("camera (imported)"), ordering="camera")
    def camera_link(self, candidate: MergeCandidate) -> str:
        return camera_link(candidate.camera)

    @admin.display(description=_("may duplicate"), ordering="duplicate_of")
    def duplicate_of_link(self, candidate: MergeCandidate) -> str:
        return camera_link(candidate.duplicate_of)

    @admin.display(description=_("distance"), ordering="distance")
    def distance_m(self, candidate: MergeCandidate) -> str:
        return gettext("%(distance).1f m") % {"distance": candidate.distance}

    @admin.action(description=_("Hide as duplicate"), permissions=["change"])
    def mark_duplicate(self, request, queryset):
        self.run_each(
            request,
            queryset,
            lambda candidate: services.merge_mark_duplicate(
                candidate=candidate, user=request.user
            ),
            lambda count: (
                ngettext(
                    "Hid %(count)d camera as a duplicate.",
                    "Hid %(count)d cameras as duplicates.",
                    count,
                )
                % {"count": count}
            ),
        )

    @admin.action(description=_("Mark as distinct devices"), permissions=["change"])
    def mark_distinct(self, request, queryset):
        self.run_each(
            request,
            queryset,
            lambda candidate: services.merge_mark_distinct(candidate=candidate, user=request.user),
            lambda count: (
                ngettext(
                    "Marked %(count)d pair as distinct devices.",
                    "Marked %(count)d pairs as distinct devices.",
                    count,
                )
                % {"count": count}
            ),
        )


@admin.register(Area)
class AreaAdmin(LeafletGeoAdmin):
    """Boundaries come from files (`import_areas`); the admin corrects
    names, codes, populations and, where needed, a boundary."""

    list_display = ("name", "level", "parent", "code", "population", "area_km2")
    list_filter = ("level",)
    search_fields = ("name", "code", "slug")
    readonly_fields = ("area_km2", "created_at", "updated_at")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        # The area in km² follows the boundary; GEOS cannot measure it on
        # the ellipsoid, PostGIS does.
        obj.geometry = boundary_from(obj.geometry)
        obj.area_km2 = area_km2(obj.geometry)
        super().save_model(request, obj, form, change)


# ------------------------------------------------------------- moderation


class ContributionAdmin(ReadOnlyAdmin):
    """Residents' contributions, to look up: they are decided on the
    moderation pages (/moderation/), through the review services, which
    check the moderator's areas and record every decision."""

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
        url = reverse("registry:moderation-item", args=[self.section, item.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("open"))


@admin.register(Submission)
class SubmissionAdmin(ContributionAdmin):
    section = "submissions"


@admin.register(RemovalReport)
class RemovalReportAdmin(ContributionAdmin):
    section = "removal-reports"


@admin.register(EditSuggestion)
class EditSuggestionAdmin(ContributionAdmin):
    section = "edit-suggestions"


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    """The record of moderators' decisions: read-only, never deleted."""

    list_display = ("created_at", "moderator", "action", "subject", "camera", "reason")
    list_filter = ("action", "moderator")
    list_select_related = ("moderator", "camera")
    search_fields = ("subject", "reason", "moderator__username")
    raw_id_fields = ("camera",)
    date_hierarchy = "created_at"
