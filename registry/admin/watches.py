"""Webhooks, managed by staff: an organisation's endpoint for an area's
camera events, and each hook's delivery log (every try, with the receiver's
HTTP status or the error). Written through registry/services/webhooks.py;
the log is only looked at."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from registry.filters import MapFilters
from registry.models import Area, Kind, Webhook, WebhookAttempt, WebhookDelivery
from registry.services.watches import Where, watch_create
from registry.services.webhooks import (
    check_url,
    webhook_create,
    webhook_delete,
    webhook_update,
)


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=2000, assume_scheme="https")

    class Meta:
        model = Webhook
        fields = ("name", "url", "active")

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except ValidationError as error:
            raise ValidationError(error.message_dict["url"]) from None
        return url


class NewWebhookForm(WebhookForm):
    """A hook with its watch: an area and the map's filters."""

    area = forms.ModelChoiceField(queryset=Area.objects.without_geometry(), label=_("area"))
    kinds = forms.MultipleChoiceField(choices=Kind.choices, required=False, label=_("kinds"))
    vendors = forms.CharField(
        required=False, label=_("vendors"), help_text=_("Slugs, separated by commas.")
    )
    operators = forms.CharField(
        required=False, label=_("operators"), help_text=_("Slugs, separated by commas.")
    )
    restricted = forms.BooleanField(required=False, label=_("restricted vendors only"))

    class Meta:
        model = Webhook
        fields = ("name", "url")

    def filters(self) -> MapFilters:
        data = self.cleaned_data
        return MapFilters(
            kinds=tuple(data["kinds"]),
            vendors=_slugs(data["vendors"]),
            operators=_slugs(data["operators"]),
            restricted=data["restricted"],
        )


def _slugs(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("number", "at", "status_code", "error", "duration_ms")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: looked at, never edited."""

    list_display = ("id", "hook", "state", "events", "attempts", "created_at", "next_attempt_at")
    list_filter = ("state", "hook")
    fields = ("hook", "state", "events", "attempts", "created_at", "next_attempt_at", "body")
    readonly_fields = fields
    inlines = [AttemptInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "watch", "active", "created_at")
    list_filter = ("active",)
    readonly_fields = ("watch_area", "secret", "delivery_log", "feed")

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = NewWebhookForm if obj is None else WebhookForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "url", "area", "kinds", "vendors", "operators", "restricted")
        return ("name", "url", "active", "watch_area", "secret", "delivery_log", "feed")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    @admin.display(description=_("watches"))
    def watch_area(self, obj: Webhook) -> str:
        return str(obj.watch)

    @admin.display(description=_("delivery log"))
    def delivery_log(self, obj: Webhook) -> str:
        url = reverse("admin:registry_webhookdelivery_changelist") + f"?hook__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Every delivery and its tries"))

    @admin.display(description=_("feed"))
    def feed(self, obj: Webhook) -> str:
        url = reverse("registry:watch-feed", args=[obj.watch.key])
        return format_html('<a href="{}">{}</a>', url, url)

    def save_model(self, request, obj, form, change) -> None:
        try:
            if change:
                webhook_update(hook=obj, name=obj.name, url=obj.url, active=obj.active)
                return
            watch = watch_create(
                where=Where(area=form.cleaned_data["area"]), filters=form.filters()
            )
            saved = webhook_create(watch=watch, name=obj.name, url=obj.url)
            obj.pk, obj.watch, obj.secret = saved.pk, saved.watch, saved.secret
        except ValidationError as error:
            # The form checked the fields; the address may stop resolving since.
            self.message_user(request, "; ".join(error.messages), level="error")

    def delete_model(self, request, obj) -> None:
        webhook_delete(hook=obj)

    def delete_queryset(self, request, queryset) -> None:
        for hook in queryset:
            webhook_delete(hook=hook)
