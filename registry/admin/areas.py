"""Areas in the admin. Boundaries come from files (`import_areas`); the
admin corrects names, codes, populations and, where needed, a boundary,
through registry/services/areas.py, which makes the boundary valid and
measures it again. An area is never deleted here: a moderator limited to it
would be left moderating everywhere."""

from __future__ import annotations

from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from registry.models import Area
from registry.services.areas import AREA_FIELDS, area_create, area_update

from .common import NoDeleteMixin
from .writing import SeenUpdatedAtForm, ServiceWritesMixin, model_values, refusals


class AreaForm(SeenUpdatedAtForm):
    # The admin's form always carries it; a post without it (a script's)
    # is still taken, as before: a boundary is corrected rarely, and
    # re-imports go through area_upsert anyway.

    class Meta:
        model = Area
        fields = AREA_FIELDS


@admin.register(Area)
class AreaAdmin(ServiceWritesMixin, NoDeleteMixin, LeafletGeoAdmin):
    form = AreaForm
    list_display = ("name", "level", "parent", "code", "population", "area_km2")
    list_filter = ("level",)
    search_fields = ("name", "code", "slug")
    readonly_fields = ("area_km2", "created_at", "updated_at")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        with refusals():
            if change:
                area = area_update(
                    area=obj.pk,
                    values=model_values(form, AREA_FIELDS, changed_only=True),
                    expected_updated_at=form.cleaned_data["seen_updated_at"],
                )
            else:
                area = area_create(values=model_values(form, AREA_FIELDS, changed_only=False))
        obj.pk, obj.area_km2 = area.pk, area.area_km2
