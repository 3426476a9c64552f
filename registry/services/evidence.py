"""Writing evidence: the sources behind a camera's, a vendor's or an
operator's facts, added and corrected by moderators. Evidence is never
deleted here; a wrong source is corrected, and its `updated_at` moves, which
kept reports are keyed on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from registry.models import Camera, Evidence, Operator, Vendor

from .cameras import evidence_add
from .records import assign, check_fields, check_unchanged, locked

EVIDENCE_FIELDS = ("kind", "title", "url", "document", "date", "note")
SUBJECT_FIELDS = ("camera", "vendor", "operator")


def subject_values(subject: Camera | Vendor | Operator) -> dict[str, Any]:
    """The evidence's subject as its three keys, two of them empty."""
    values: dict[str, Any] = dict.fromkeys(SUBJECT_FIELDS)
    values[type(subject)._meta.model_name] = subject
    return values


@transaction.atomic
def evidence_create(
    *, values: Mapping[str, Any], subject: Camera | Vendor | Operator | None = None
) -> Evidence:
    """New evidence about `subject`, or about the one camera, vendor or
    operator `values` names."""
    values = {**values, **(subject_values(subject) if subject is not None else {})}
    check_fields(values, (*EVIDENCE_FIELDS, *SUBJECT_FIELDS))
    values["document"] = values.get("document") or None
    values.setdefault("kind", "")  # said missing by the validation, not a TypeError
    return evidence_add(**values)


@transaction.atomic
def evidence_update(
    *,
    evidence: Evidence | int,
    values: Mapping[str, Any],
    expected_updated_at: datetime | None = None,
) -> Evidence:
    """Correct a piece of evidence (its subject too). Refused (StaleRecord)
    if it was saved after `expected_updated_at`, when given."""
    current = locked(Evidence, evidence)
    check_unchanged(current, expected_updated_at)
    values = dict(values)
    if values.get("document") is False:  # a form's "clear" box
        values["document"] = ""
    if assign(current, values, (*EVIDENCE_FIELDS, *SUBJECT_FIELDS)):
        current.full_clean()
        current.save()
    return current
