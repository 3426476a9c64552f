"""Vendors (with their restrictions) and operators: reference data the admin
corrects and extends, through registry/services/organisations.py. Raw
spellings no record matches are mapped on the moderation pages
(/moderation/spellings/)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.models import Evidence, Operator, Vendor, VendorRestriction
from registry.services.organisations import (
    OPERATOR_FIELDS,
    RESTRICTION_FIELDS,
    VENDOR_FIELDS,
    RestrictionChange,
    operator_create,
    operator_update,
    vendor_create,
    vendor_update,
)

from .common import HttpsUrlsMixin, ModeratorsMayViewMixin, NoDeleteMixin, https_urls
from .sources import EvidenceInline, write_evidence
from .writing import (
    SeenUpdatedAtForm,
    ServiceWritesMixin,
    formset_of,
    model_values,
    record_saved,
    refusals,
    row_changes,
)


class OrganisationForm(SeenUpdatedAtForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The service makes one from the name.
        self.fields["slug"].required = False


class VendorForm(OrganisationForm):
    class Meta:
        model = Vendor
        formfield_callback = https_urls
        fields = VENDOR_FIELDS


class OperatorForm(OrganisationForm):
    class Meta:
        model = Operator
        formfield_callback = https_urls
        fields = OPERATOR_FIELDS


class RestrictionInline(HttpsUrlsMixin, admin.TabularInline):
    model = VendorRestriction
    extra = 0
    fields = RESTRICTION_FIELDS


class OrganisationAdmin(
    ServiceWritesMixin, ModeratorsMayViewMixin, NoDeleteMixin, HttpsUrlsMixin, admin.ModelAdmin
):
    """The record and its inlines are written together, in save_related,
    where the inlines' rows are at hand; save_model writes nothing."""

    search_fields = ("name", "aliases", "wikidata")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        """Nothing yet: see save_related."""

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            record_saved(formset)
        with refusals():
            record = self.write(form, formsets, change)
            evidence = formset_of(formsets, Evidence)
            if evidence is not None:
                write_evidence(evidence, subject=record)
        form.instance.pk = record.pk

    def write(self, form, formsets, change):
        raise NotImplementedError


@admin.register(Vendor)
class VendorAdmin(OrganisationAdmin):
    form = VendorForm
    list_display = ("name", "country", "wikidata", "parent", "restriction_count")
    list_filter = ("country", "restrictions__regime")
    autocomplete_fields = ("parent",)
    inlines = (RestrictionInline, EvidenceInline)

    @admin.display(description=_("restrictions"))
    def restriction_count(self, vendor: Vendor) -> int:
        return vendor.restrictions.count()

    def write(self, form, formsets, change) -> Vendor:
        """The vendor and its restrictions in one service call."""
        restrictions_formset = formset_of(formsets, VendorRestriction)
        rows = row_changes(restrictions_formset) if restrictions_formset is not None else []
        restrictions = [
            RestrictionChange(id=row.pk, values=row.values, delete=row.delete) for row in rows
        ]
        if change:
            vendor = vendor_update(
                vendor=form.instance.pk,
                values=model_values(form, VENDOR_FIELDS, changed_only=True),
                restrictions=restrictions,
                expected_updated_at=form.cleaned_data["seen_updated_at"],
            )
        else:
            vendor = vendor_create(
                values=model_values(form, VENDOR_FIELDS, changed_only=False),
                restrictions=restrictions,
            )
        if restrictions_formset is not None:
            record_saved(restrictions_formset, rows)
        return vendor


@admin.register(Operator)
class OperatorAdmin(OrganisationAdmin):
    form = OperatorForm
    list_display = ("name", "operator_type", "wikidata")
    list_filter = ("operator_type",)
    inlines = (EvidenceInline,)

    def write(self, form, formsets, change) -> Operator:
        if change:
            return operator_update(
                operator=form.instance.pk,
                values=model_values(form, OPERATOR_FIELDS, changed_only=True),
                expected_updated_at=form.cleaned_data["seen_updated_at"],
            )
        return operator_create(values=model_values(form, OPERATOR_FIELDS, changed_only=False))
