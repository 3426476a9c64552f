"""Cameras in the admin. Moderators add and edit them through the
moderators' services (registry/services/editing.py), which check the
version the form showed and the moderator's areas, and record the change
like any other; other staff accounts may look, hidden cameras excepted.
What imports leave open about a camera is linked to its moderation page."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from registry.models import Camera, CameraCapability, Evidence, Status
from registry.services.cameras import EDITABLE_FIELDS
from registry.services.editing import camera_add, camera_edit
from registry.services.moderators import is_moderator

from .common import HiddenCamerasMixin, ModeratorsMayViewMixin, NoDeleteMixin, pretty_json
from .history import RevisionInline
from .imports import open_questions_about
from .sources import EvidenceInline, write_evidence
from .writing import ServiceWritesMixin, formset_of, record_saved, refusals

STALE_FORM = _("The form does not say which version of the camera it showed: open it again.")


class CapabilityInline(ModeratorsMayViewMixin, admin.TabularInline):
    model = CameraCapability
    extra = 0
    fields = ("capability", "note", "evidence")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CameraEvidenceInline(ModeratorsMayViewMixin, EvidenceInline):
    """A camera's evidence is the moderators' to add and correct."""

    def has_add_permission(self, request, obj=None):
        return is_moderator(request.user)

    def has_change_permission(self, request, obj=None):
        return is_moderator(request.user)


class CameraAdminForm(forms.ModelForm):
    edit_reason = forms.CharField(
        label=_("Reason for this edit"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the camera's history. Required to remove or hide a camera."),
    )
    # The version the form showed: the admin reads the camera again when the
    # form is posted, so without it a stale form would undo a newer edit.
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Camera
        fields = (*sorted(EDITABLE_FIELDS), "status", "removed_on")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial["seen_version"] = self.instance.version

    def clean(self):
        """What a status change needs, said on the form rather than after it."""
        data = super().clean()
        if self.instance.pk is not None and data.get("seen_version") is None:
            self.add_error(None, STALE_FORM)
        status = data.get("status")
        if "status" in self.changed_data and status in (Status.REMOVED, Status.HIDDEN):
            if not data.get("edit_reason", "").strip():
                self.add_error("edit_reason", _("Say why the camera is removed or hidden."))
            if status == Status.REMOVED and not data.get("removed_on"):
                self.add_error("removed_on", _("Give the date the camera was removed."))
        return data


@admin.register(Camera)
class CameraAdmin(
    ServiceWritesMixin, HiddenCamerasMixin, ModeratorsMayViewMixin, NoDeleteMixin, LeafletGeoAdmin
):
    form = CameraAdminForm
    camera_paths = ("",)
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
    inlines = (CapabilityInline, CameraEvidenceInline, RevisionInline)
    fieldsets = (
        (_("Open for moderation"), {"fields": ("open_questions",)}),
        (None, {"fields": ("location", "kind", "visibility", "zone", "seen_version")}),
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

    # Moderators change cameras; other staff accounts may only look.
    def has_add_permission(self, request):
        return is_moderator(request.user)

    def has_change_permission(self, request, obj=None):
        return is_moderator(request.user)

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
        """What imports left open about this camera, each linked to the
        moderation page where it is decided."""
        if camera.pk is None:
            return "-"
        items = open_questions_about(camera)
        if not items:
            return gettext("Nothing open.")
        return format_html(
            "<ul>{}</ul>", format_html_join("", '<li><a href="{}">{}</a></li>', items)
        )

    def save_model(self, request, obj, form, change):
        """The form through the moderators' services: the version it showed
        checked, the moderator's areas checked, one changeset, on record."""
        data = form.cleaned_data
        status = {
            "reason": data.get("edit_reason", ""),
            "status": data["status"],
            "removed_on": data.get("removed_on"),
        }
        with refusals():
            if change:
                changed = [name for name in form.changed_data if name in EDITABLE_FIELDS]
                camera = camera_edit(
                    camera=obj.pk,
                    moderator=request.user,
                    expected_version=data["seen_version"],
                    values={name: data[name] for name in changed},
                    **status,
                )
            else:
                fields = (EDITABLE_FIELDS & set(form.fields)) - {"location"}
                values = {name: data[name] for name in fields}
                camera = camera_add(
                    moderator=request.user, location=data["location"], **status, **values
                )
        obj.pk, obj.version = camera.pk, camera.version

    def save_related(self, request, form, formsets, change):
        # Capabilities and history are read-only here; evidence goes through
        # its service.
        for formset in formsets:
            record_saved(formset)
        evidence = formset_of(formsets, Evidence)
        if evidence is not None:
            with refusals():
                write_evidence(evidence, subject=form.instance)
