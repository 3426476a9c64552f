"""What the admin's pages share: how values and links are shown, and the
rules every page follows (nothing deleted, history read-only, hidden
cameras for moderators only)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext

from registry.models import Camera, Operator, Status, Vendor
from registry.services.moderators import is_moderator


def pretty_json(value) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


def camera_link(camera: Camera) -> str:
    url = reverse("admin:registry_camera_change", args=[camera.pk])
    return format_html('<a href="{}">{}</a>', url, camera)


def moderation_url(section: str, pk: int) -> str:
    """The moderation page where an item is decided."""
    return reverse("registry:moderation-item", args=[section, pk])


def moderation_link(section: str, pk: int) -> str:
    return format_html(
        '<a href="{}">{}</a>', moderation_url(section, pk), gettext("open on the moderation page")
    )


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
    """Nothing is deleted from the admin: cameras are removed or hidden
    (states, reversible), reference records corrected, history kept."""

    def has_delete_permission(self, request, obj=None):
        return False


class HttpsUrlsMixin:
    """A URL typed without a scheme is taken as https (Django 6's default)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


def https_urls(db_field: models.Field, **kwargs) -> forms.Field | None:
    """HttpsUrlsMixin for a model form of its own (its Meta's formfield_callback)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class ReadOnlyAdmin(NoDeleteMixin, admin.ModelAdmin):
    """Records to look up: written by the services and the moderation pages
    only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ModeratorsMayViewMixin:
    """Moderators see these pages, whatever model permissions their account
    holds: the role is what lets them work on cameras."""

    def has_view_permission(self, request, obj=None):
        return is_moderator(request.user) or super().has_view_permission(request, obj)


class HiddenCamerasMixin:
    """A hidden camera (a vandalised report, a duplicate, a contribution
    waiting for review) is for moderators: other staff accounts see neither
    it nor the rows that would show it. `camera_paths` lead from a row to
    its cameras ("" for a camera itself)."""

    camera_paths: tuple[str, ...] = ("camera",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_moderator(request.user):
            return queryset
        for path in self.camera_paths:
            lookup = f"{path}__status" if path else "status"
            queryset = queryset.exclude(**{lookup: Status.HIDDEN})
        return queryset
