"""Writing vendors (with their restrictions) and operators, as the admin
corrects and extends them. A vendor and the rows of its restrictions table
are written together: the vendor's `updated_at` moves with any of them,
which is what kept reports and the pages' counts are keyed on."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from registry.models import Operator, Vendor, VendorRestriction

from .records import assign, check_fields, check_unchanged, locked

ORGANISATION_FIELDS = ("name", "slug", "aliases", "wikidata", "website")
VENDOR_FIELDS = (*ORGANISATION_FIELDS, "country", "parent")
OPERATOR_FIELDS = (*ORGANISATION_FIELDS, "operator_type")
RESTRICTION_FIELDS = (
    "regime",
    "regime_detail",
    "effective_date",
    "scope",
    "source_url",
    "source_title",
)


@dataclass(frozen=True)
class RestrictionChange:
    """One row of a vendor's restrictions as edited: a new row (no `id`),
    new `values` for an existing one, or an existing one struck out
    (`delete`)."""

    id: int | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    delete: bool = False


# ------------------------------------------------------------------ vendors


@transaction.atomic
def vendor_create(
    *, values: Mapping[str, Any], restrictions: Iterable[RestrictionChange] = ()
) -> Vendor:
    """A new vendor, and its restrictions. Without a slug, one is made from
    the name."""
    vendor = Vendor()
    assign(vendor, values, VENDOR_FIELDS)
    _save_organisation(vendor)
    _write_restrictions(vendor, list(restrictions))
    return vendor


@transaction.atomic
def vendor_update(
    *,
    vendor: Vendor | int,
    values: Mapping[str, Any],
    restrictions: Iterable[RestrictionChange] = (),
    expected_updated_at: datetime | None = None,
) -> Vendor:
    """Change a vendor's fields and its restrictions. Refused (StaleRecord)
    if the vendor was saved after `expected_updated_at`, when given."""
    current = locked(Vendor, vendor)
    check_unchanged(current, expected_updated_at)
    changed = assign(current, values, VENDOR_FIELDS)
    _check_parent(current)
    restrictions = list(restrictions)
    if changed or restrictions:
        # Saved even when only restrictions changed: its updated_at says so.
        _save_organisation(current)
        _write_restrictions(current, restrictions)
    return current


def _check_parent(vendor: Vendor) -> None:
    """A vendor is neither its own parent nor the parent of its parent."""
    parent, seen = vendor.parent, set()
    while parent is not None and parent.pk not in seen:
        if parent.pk == vendor.pk:
            raise ValidationError(
                {"parent": _("%(name)s cannot be a part of itself.") % {"name": vendor.name}}
            )
        seen.add(parent.pk)
        parent = parent.parent


def _write_restrictions(vendor: Vendor, changes: list[RestrictionChange]) -> None:
    """Deletions first, then edits, then new rows: a row struck out and
    entered again is not a duplicate of itself."""
    rows = _locked_restrictions(vendor, [change.id for change in changes if change.id])
    for change in changes:
        if change.delete and change.id:
            rows[change.id].delete()
    for change in changes:
        if change.id and not change.delete:
            row = rows[change.id]
            assign(row, change.values, RESTRICTION_FIELDS)
            _save_restriction(row)
    for change in changes:
        if change.id is None and not change.delete:
            check_fields(change.values, RESTRICTION_FIELDS)
            _save_restriction(VendorRestriction(vendor=vendor, **change.values))


def _locked_restrictions(vendor: Vendor, ids: list[int]) -> dict[int, VendorRestriction]:
    rows = VendorRestriction.objects.select_for_update().filter(vendor=vendor, pk__in=ids)
    found = {row.pk: row for row in rows}
    missing = sorted(set(ids) - set(found))
    if missing:
        raise ValidationError(
            {
                "restrictions": _("Restriction #%(id)s is not one of %(vendor)s's.")
                % {"id": missing[0], "vendor": vendor.name}
            }
        )
    return found


def _save_restriction(row: VendorRestriction) -> None:
    try:
        row.full_clean()
    except ValidationError as error:
        # Said about the row, since the form holding it may be one of many.
        raise ValidationError(
            {
                "restrictions": [
                    f"{row.get_regime_display()}: {message}" for message in error.messages
                ]
            }
        ) from error
    row.save()


# ---------------------------------------------------------------- operators


@transaction.atomic
def operator_create(*, values: Mapping[str, Any]) -> Operator:
    """A new operator. Without a slug, one is made from the name."""
    operator = Operator()
    assign(operator, values, OPERATOR_FIELDS)
    _save_organisation(operator)
    return operator


@transaction.atomic
def operator_update(
    *,
    operator: Operator | int,
    values: Mapping[str, Any],
    expected_updated_at: datetime | None = None,
) -> Operator:
    """Change an operator's fields. Refused (StaleRecord) if the operator
    was saved after `expected_updated_at`, when given."""
    current = locked(Operator, operator)
    check_unchanged(current, expected_updated_at)
    if assign(current, values, OPERATOR_FIELDS):
        _save_organisation(current)
    return current


# ------------------------------------------------------------------- shared


def _save_organisation(record: Vendor | Operator) -> None:
    record.name = (record.name or "").strip()
    if not record.slug:
        record.slug = slugify(record.name)
    record.full_clean()
    record.save()
