"""What a source may not overwrite: fields a moderator changed by hand since
the source's last import, fields with an open import conflict, and source
values a moderator turned down."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection

from registry.models import Dataset

_OPEN = object()  # a protected field with no rejected source value
# The raw tags are the source's own record: they always follow the source
# (an edit that rewrote them from the fields protects the fields, not them).
SOURCE_OWNED = {"tags"}


@dataclass(frozen=True)
class Protection:
    """Why a field may not take the source's value."""

    rejected: Any = _OPEN  # the source value a moderator turned down, if any
    # A moderator accepted this source value: the field is the source's again
    # for as long as it still holds it.
    accepted: tuple = ()

    def keeps_local(self, current: Any) -> bool:
        return not (self.accepted and current == self.accepted[0])

    def is_conflict(self, incoming: Any) -> bool:
        return self.rejected is _OPEN or incoming != self.rejected


def protected_fields(ids: list[int], dataset: Dataset) -> dict[int, dict[str, Protection]]:
    """Fields the source may not overwrite, per camera: changed by hand (in a
    changeset of no import) since this dataset's last import touched the
    camera, or with an open conflict; and fields where a moderator kept the
    local value against this dataset (the value they rejected must not come
    back through a later import). A value accepted from the source is the
    source's again."""
    if not ids:
        return {}
    found: dict[int, dict[str, dict[str, Any]]] = defaultdict(lambda: defaultdict(dict))
    for pk, field_name, reason, value in _conflicts_and_edits(ids, dataset):
        if field_name not in SOURCE_OWNED:
            found[pk][field_name][reason] = value
    protected: dict[int, dict[str, Protection]] = defaultdict(dict)
    for pk, fields in found.items():
        for field_name, reasons in fields.items():
            if "edit" in reasons or "open" in reasons:
                rejected = _OPEN
            elif "kept_local" in reasons:
                rejected = reasons["kept_local"]
            else:
                continue
            accepted = (reasons["accepted_source"],) if "accepted_source" in reasons else ()
            protected[pk][field_name] = Protection(rejected, accepted)
    return protected


def _conflicts_and_edits(ids: list[int], dataset: Dataset) -> list[tuple]:
    """(camera, field, "edit" | "open" | "kept_local" | "accepted_source",
    source value of the latest such conflict)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT r.camera_id, k.name, 'edit', NULL::text "
            "FROM registry_revision r JOIN registry_changeset c ON c.id = r.changeset_id "
            "CROSS JOIN LATERAL jsonb_object_keys(r.changes) AS k(name) "
            "WHERE r.camera_id = ANY(%(ids)s) AND c.dataset_id IS NULL "
            "AND r.version > COALESCE((SELECT max(r2.version) FROM registry_revision r2 "
            "  JOIN registry_changeset c2 ON c2.id = r2.changeset_id "
            "  WHERE r2.camera_id = r.camera_id AND c2.dataset_id = %(dataset)s), 0) "
            "UNION ALL "
            "SELECT * FROM (SELECT DISTINCT ON (camera_id, field, resolution) camera_id, field, "
            "CASE WHEN resolution = '' THEN 'open' ELSE resolution END, source_value::text "
            "FROM registry_importconflict WHERE camera_id = ANY(%(ids)s) "
            "AND dataset_id = %(dataset)s "
            "ORDER BY camera_id, field, resolution, resolved_at DESC NULLS FIRST, id DESC) latest",
            {"ids": ids, "dataset": dataset.pk},
        )
        return [
            (pk, name, reason, None if value is None else json.loads(value))
            for pk, name, reason, value in cursor.fetchall()
        ]


def keep_moderated_names(before: dict[str, Any], state: dict[str, Any]) -> None:
    """A vendor or operator a moderator set by hand survives a re-import that
    still carries the same raw spelling but cannot resolve it."""
    for role in ("vendor", "operator"):
        if state[role] is None and state[f"{role}_raw"] == before[f"{role}_raw"]:
            state[role] = before[role]
