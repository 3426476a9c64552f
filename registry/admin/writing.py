"""How the admin's forms write: through a service, never a model's save().

A service that refuses (a ValidationError: a record changed since the form
was opened, a value it will not take; a PermissionDenied: a camera outside
the moderator's areas) stops the save; the admin's transaction is rolled
back and the same form is shown again with the reasons on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Where the refusal waits between the rolled-back attempt and the form shown again.
REFUSAL = "_sightline_admin_refusal"


class Refused(Exception):
    """A service's refusal, carried out of the admin's transaction."""

    def __init__(self, error: ValidationError | PermissionDenied) -> None:
        super().__init__(str(error))
        self.error = error


@contextmanager
def refusals() -> Iterator[None]:
    """Around the service calls of a save."""
    try:
        yield
    except (ValidationError, PermissionDenied) as error:
        raise Refused(error) from error


class ServiceWritesMixin:
    """For a ModelAdmin whose save_model/save_related call services inside
    `refusals()`: a refusal becomes errors on the form, nothing written."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as refused:
            setattr(request, REFUSAL, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, REFUSAL, None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                data = super().clean()
                add_refusal(self, refusal)
                return data

        return RefusedForm


def add_refusal(form: forms.BaseForm, error: ValidationError | PermissionDenied) -> None:
    """The service's reasons on the form: on a field the form shows, or at
    the top, after the name of the field they are about."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or _("You may not do this."))
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.error_dict.items():
        messages = [message for item in errors for message in item.messages]
        if name in form.fields and not isinstance(form.fields[name].widget, forms.HiddenInput):
            form.add_error(name, messages)
        elif name == NON_FIELD_ERRORS:
            form.add_error(None, messages)
        else:
            form.add_error(None, [f"{field_label(form, name)}: {text}" for text in messages])


def field_label(form: forms.BaseForm, name: str) -> str:
    model = getattr(getattr(form, "_meta", None), "model", None)
    if model is not None:
        try:
            return capfirst(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # a name of the service's own
            pass
    return capfirst(name.replace("_", " "))


# --------------------------------------------------------- seen versions


class SeenUpdatedAtForm(forms.ModelForm):
    """Carries, hidden, the record's `updated_at` as the form was opened:
    the admin reads the record again when the form is posted, so without it
    a form opened before someone else's save would silently undo it."""

    seen_updated_at = forms.CharField(widget=forms.HiddenInput, required=False)
    # Whether a change form posted without it is refused.
    seen_required = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and self.instance.updated_at is not None:
            self.initial["seen_updated_at"] = self.instance.updated_at.isoformat()

    def clean_seen_updated_at(self) -> datetime | None:
        value = self.cleaned_data.get("seen_updated_at", "")
        if not value:
            if self.instance.pk is not None and self.seen_required:
                raise ValidationError(SEEN_MISSING)
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError as error:
            raise ValidationError(SEEN_MISSING) from error


SEEN_MISSING = gettext_lazy(
    "The form does not say which version of the record it showed: open the record again."
)


# ------------------------------------------------------------ inline rows

# Form fields that are not the record's.
BOOKKEEPING_FIELDS = frozenset({"id", "DELETE", "seen_updated_at"})


@dataclass(frozen=True)
class RowChange:
    """One row of an inline the person changed: its form, the values to
    write (all of a new row's, the changed ones of an existing row) and
    whether it is struck out."""

    form: forms.ModelForm
    values: dict[str, Any]
    delete: bool = False

    @property
    def pk(self) -> int | None:
        return self.form.instance.pk

    @property
    def seen_updated_at(self) -> datetime | None:
        return self.form.cleaned_data.get("seen_updated_at")


def row_changes(formset) -> list[RowChange]:
    """What a formset's rows ask for, as the services take it."""
    changes = []
    for form in formset.forms:
        existing = form.instance.pk is not None
        struck = formset.can_delete and form.cleaned_data.get("DELETE", False)
        if existing and struck:
            changes.append(RowChange(form, {}, delete=True))
            continue
        if struck or not form.has_changed():
            continue
        names = record_fields(formset, form)
        if existing:
            names = [name for name in names if name in form.changed_data]
        if names:
            changes.append(RowChange(form, {name: form.cleaned_data[name] for name in names}))
    return changes


def record_fields(formset, form: forms.ModelForm) -> list[str]:
    """The row's own fields: not the parent's key, not the bookkeeping."""
    parent_key = getattr(getattr(formset, "fk", None), "name", None)
    concrete = {field.name for field in form._meta.model._meta.concrete_fields}
    return [
        name
        for name in form.fields
        if name in concrete and name not in BOOKKEEPING_FIELDS and name != parent_key
    ]


def record_saved(formset, changes: list[RowChange] = ()) -> None:
    """The formset's account of what was written, which the admin's history
    message reads (formset.save() would have set it)."""
    formset.new_objects = [change.form.instance for change in changes if change.pk is None]
    formset.changed_objects = [
        (change.form.instance, list(change.values))
        for change in changes
        if change.pk is not None and not change.delete
    ]
    formset.deleted_objects = [change.form.instance for change in changes if change.delete]


def formset_of(formsets, model: type[models.Model]):
    return next((formset for formset in formsets if formset.model is model), None)


def model_values(form: forms.ModelForm, fields, *, changed_only: bool) -> dict[str, Any]:
    """The form's values of `fields` (those it shows), or only the changed ones."""
    names = [name for name in fields if name in form.cleaned_data]
    if changed_only:
        names = [name for name in names if name in form.changed_data]
    return {name: form.cleaned_data[name] for name in names}
