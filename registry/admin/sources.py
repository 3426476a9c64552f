"""Where facts come from: the datasets cameras are imported from, and the
evidence behind a camera, a vendor or an operator (also an inline of their
pages). Written through registry/services/datasets.py and evidence.py."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from registry.models import Camera, Dataset, Evidence, Operator, Vendor
from registry.services.datasets import DATASET_FIELDS, dataset_create, dataset_update
from registry.services.evidence import (
    EVIDENCE_FIELDS,
    SUBJECT_FIELDS,
    evidence_create,
    evidence_update,
)

from .common import HiddenCamerasMixin, HttpsUrlsMixin, NoDeleteMixin, https_urls
from .writing import (
    SeenUpdatedAtForm,
    ServiceWritesMixin,
    model_values,
    record_saved,
    refusals,
    row_changes,
)


class EvidenceForm(SeenUpdatedAtForm):
    class Meta:
        model = Evidence
        formfield_callback = https_urls
        fields = (*EVIDENCE_FIELDS, *SUBJECT_FIELDS)


class EvidenceInline(HttpsUrlsMixin, admin.TabularInline):
    """A camera's, vendor's or operator's evidence: added and corrected,
    never deleted, through the evidence services (see write_evidence)."""

    model = Evidence
    form = EvidenceForm
    extra = 0
    can_delete = False
    fields = (*EVIDENCE_FIELDS, "seen_updated_at")


def write_evidence(formset, subject: Camera | Vendor | Operator) -> None:
    """The evidence rows of a page's inline, each through its service; call
    inside `refusals()`."""
    changes = row_changes(formset)
    for change in changes:
        if change.pk is None:
            evidence_create(values=change.values, subject=subject)
        else:
            evidence_update(
                evidence=change.pk,
                values=change.values,
                expected_updated_at=change.seen_updated_at,
            )
    record_saved(formset, changes)


@admin.register(Evidence)
class EvidenceAdmin(
    ServiceWritesMixin, HiddenCamerasMixin, NoDeleteMixin, HttpsUrlsMixin, admin.ModelAdmin
):
    form = EvidenceForm
    list_display = ("__str__", "kind", "date", "camera", "vendor", "operator")
    list_filter = ("kind",)
    search_fields = ("title", "url", "note")
    raw_id_fields = ("camera",)
    autocomplete_fields = ("vendor", "operator")

    def save_model(self, request, obj, form, change):
        fields = (*EVIDENCE_FIELDS, *SUBJECT_FIELDS)
        with refusals():
            if change:
                saved = evidence_update(
                    evidence=obj.pk,
                    values=model_values(form, fields, changed_only=True),
                    expected_updated_at=form.cleaned_data["seen_updated_at"],
                )
            else:
                saved = evidence_create(values=model_values(form, fields, changed_only=False))
        obj.pk = saved.pk


class DatasetForm(SeenUpdatedAtForm):
    class Meta:
        model = Dataset
        formfield_callback = https_urls
        fields = DATASET_FIELDS


@admin.register(Dataset)
class DatasetAdmin(ServiceWritesMixin, NoDeleteMixin, HttpsUrlsMixin, admin.ModelAdmin):
    form = DatasetForm
    list_display = ("name", "licence", "odbl_compatible", "camera_count", "created_at")
    search_fields = ("name",)

    @admin.display(description=_("cameras"))
    def camera_count(self, dataset: Dataset) -> int:
        return dataset.cameras.count()

    def save_model(self, request, obj, form, change):
        with refusals():
            if change:
                values = model_values(form, DATASET_FIELDS, changed_only=True)
                saved = dataset_update(
                    dataset=obj.pk,
                    values=values,
                    expected_updated_at=form.cleaned_data["seen_updated_at"],
                )
            else:
                saved = dataset_create(
                    values=model_values(form, DATASET_FIELDS, changed_only=False)
                )
        obj.pk = saved.pk
