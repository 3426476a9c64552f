"""What the writes to reference records (vendors, operators, restrictions,
datasets, evidence, areas) share: the record locked while it is written,
refused when someone saved it after the form was opened, and only the
fields a caller may set."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

RecordT = TypeVar("RecordT", bound=Model)


def locked(model: type[RecordT], record: RecordT | int) -> RecordT:
    """The record as the database has it now, locked until the transaction
    ends; a record deleted meanwhile is a ValidationError, not a 500."""
    pk = record.pk if isinstance(record, model) else record
    current = model.objects.select_for_update().filter(pk=pk).first()
    if current is None:
        raise ValidationError(
            _("%(model)s #%(id)s no longer exists.")
            % {"model": capfirst(model._meta.verbose_name), "id": pk},
            code="gone",
        )
    return current


class StaleRecord(ValidationError):
    """The record was saved after the person opened the form: their save
    would silently undo that change, so it is refused and nothing is written."""

    def __init__(self, record: Model, seen: datetime) -> None:
        self.record = record
        self.seen_updated_at = seen
        self.updated_at = record.updated_at
        super().__init__(
            _(
                "%(model)s “%(record)s” was saved at %(saved)s, after you opened it (%(seen)s). "
                "Nothing was saved: open it again and make your edit anew."
            )
            % {
                "model": capfirst(record._meta.verbose_name),
                "record": record,
                "saved": _moment(record.updated_at),
                "seen": _moment(seen),
            },
            code="stale",
        )


def _moment(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S %Z")


def check_unchanged(record: Model, seen_updated_at: datetime | None) -> None:
    """Refuses (StaleRecord) unless the record is as it was when seen; no
    check without a seen time."""
    if seen_updated_at is not None and record.updated_at != seen_updated_at:
        raise StaleRecord(record, seen_updated_at)


def check_fields(values: Mapping[str, Any], allowed: Collection[str]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})


def assign(record: Model, values: Mapping[str, Any], allowed: Collection[str]) -> bool:
    """Set `values` (only `allowed` fields) on `record`; returns whether any
    differs from what it held."""
    check_fields(values, allowed)
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed
