"""Django admin for moderators. Camera writes go through registry.services, so
an admin edit bumps the version and leaves a revision like any other; nothing
can be deleted from here."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from registry import services
from registry.models import (
    Camera,
    CameraCapability,
    Changeset,
    Dataset,
    Evidence,
    Operator,
    Revision,
    Status,
    Vendor,
    VendorRestriction,
)
from registry.names import group_spellings
from registry.services.cameras import EDITABLE_FIELDS


def pretty_json(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


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
    )
    inlines = (CapabilityInline, EvidenceInline, RevisionInline)
    fieldsets = (
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
