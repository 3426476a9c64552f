"""Writing datasets, the sources cameras come from, as the admin describes
them: name, description, address, licence and attribution."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from registry.models import Dataset

from .records import assign, check_unchanged, locked

DATASET_FIELDS = ("name", "description", "url", "licence", "attribution", "odbl_compatible")


@transaction.atomic
def dataset_create(*, values: Mapping[str, Any]) -> Dataset:
    dataset = Dataset()
    assign(dataset, values, DATASET_FIELDS)
    _save(dataset)
    return dataset


@transaction.atomic
def dataset_update(
    *,
    dataset: Dataset | int,
    values: Mapping[str, Any],
    expected_updated_at: datetime | None = None,
) -> Dataset:
    """Set `values` on the dataset as the database has it now, locked.
    Refused (StaleRecord) if it was saved after `expected_updated_at`, the
    time the editor's form showed, when given."""
    current = locked(Dataset, dataset)
    check_unchanged(current, expected_updated_at)
    if assign(current, values, DATASET_FIELDS):
        _save(current)
    return current


def _save(dataset: Dataset) -> None:
    dataset.name = dataset.name.strip()
    dataset.full_clean()
    dataset.save()
