"""Operators an import run makes from the data, set-based.

An operator string no record matches gets a provisional (negative) id while
the source is read: the staged rows and first revisions carry it. The writer
thread, before each batch of new cameras lands, inserts the records first
named in that batch in one INSERT and swaps the provisional ids of the
staged rows for theirs in one UPDATE; what is left after the last batch (the
operators of updated cameras alone) is inserted once at the end. The main
thread never touches the database meanwhile: each batch carries the records
it needs (CreationStream).

Within a run, new strings that normalise to one key (or carry one Wikidata
id) are one record; near matches are sought among the records that existed
before the run only, so that two new towns a letter apart stay two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone

from registry.models import Operator, OperatorOrigin
from registry.names import NameResolver, name_key
from registry.services.operators import (
    data_name,
    data_slug,
    may_create_from,
    operator_type_of,
    valid_wikidata,
)


@dataclass
class NewOperator:
    provisional: int
    name: str
    slug: str
    wikidata: str
    operator_type: str


INSERT_OPERATORS = (
    "INSERT INTO registry_operator (name, slug, aliases, wikidata, website, operator_type, "
    "origin, reviewed, first_source, former_slugs, created_at, updated_at) "
    "SELECT n.name, n.slug, '{}', n.wikidata, '', n.operator_type, %(origin)s, false, "
    "%(source)s, '{}', %(now)s, %(now)s "
    "FROM unnest(%(names)s::text[], %(slugs)s::text[], %(wikidata)s::text[], "
    "%(types)s::text[]) AS n(name, slug, wikidata, operator_type) "
    "RETURNING slug, id"
)
# The staged rows' provisional ids, and their first revisions', made real.
SETTLE_STAGED = (
    "UPDATE import_staging s SET operator_id = m.id, "
    "changes = jsonb_set(s.changes, '{operator,1}', to_jsonb(m.id)) "
    "FROM unnest(%(provisional)s::bigint[], %(ids)s::bigint[]) AS m(provisional, id) "
    "WHERE s.operator_id = m.provisional"
)


class RunOperators:
    """The operators of one import run: resolved, else provisional."""

    def __init__(self, resolver: NameResolver, source: str) -> None:
        self.resolver = resolver
        self.source = source[:200]
        self.by_key: dict[str, int] = {}
        self.by_wikidata: dict[str, int] = {}
        self.pending: list[NewOperator] = []
        self.ids: dict[int, int] = {}  # provisional -> real, once inserted
        self.slugs: set[str] = set(Operator.objects.values_list("slug", flat=True))
        self.created = 0

    def resolve(self, raw: str, wikidata: str = "", operator_type: str = "") -> int | None:
        """The record's id, a provisional one for a record still to make, or
        None (no string, a placeholder, an ambiguous spelling)."""
        if not raw:
            return None
        wikidata = valid_wikidata(wikidata)
        pk = self.resolver.resolve(raw, wikidata)
        if pk is not None:
            return pk
        key = name_key(raw)
        known = self.by_wikidata.get(wikidata) if wikidata else None
        if known is None:
            known = self.by_key.get(key)
        if known is not None:
            return known
        if not may_create_from(raw, self.resolver):
            return None
        return self._provisional(raw, key, wikidata, operator_type)

    def _provisional(self, raw: str, key: str, wikidata: str, operator_type: str) -> int:
        provisional = -(len(self.by_key) + 1)
        name = data_name(raw)
        self.pending.append(
            NewOperator(
                provisional,
                name,
                data_slug(name, self.slugs),
                wikidata,
                operator_type_of(operator_type),
            )
        )
        self.by_key[key] = provisional
        if wikidata:
            self.by_wikidata[wikidata] = provisional
        return provisional

    def take_pending(self) -> list[NewOperator]:
        """The records named since the last call (handed with a batch)."""
        pending, self.pending = self.pending, []
        return pending

    def insert(self, cursor, records: list[NewOperator]) -> None:
        """Make `records` in one INSERT (on `cursor`: the writer thread's)."""
        if not records:
            return
        cursor.execute(
            INSERT_OPERATORS,
            {
                "origin": OperatorOrigin.DATA.value,
                "source": self.source,
                "now": timezone.now(),
                "names": [record.name for record in records],
                "slugs": [record.slug for record in records],
                "wikidata": [record.wikidata for record in records],
                "types": [record.operator_type for record in records],
            },
        )
        by_slug = dict(cursor.fetchall())
        for record in records:
            self.ids[record.provisional] = by_slug[record.slug]
        self.created += len(records)

    def settle_staged(self, cursor) -> None:
        """The staged batch's provisional ids, real."""
        if self.ids:
            cursor.execute(
                SETTLE_STAGED,
                {"provisional": list(self.ids), "ids": list(self.ids.values())},
            )

    def settle(self, state: dict[str, Any]) -> None:
        """An updated camera's state with its operator's real id."""
        operator = state.get("operator")
        if operator is not None and operator < 0:
            state["operator"] = self.ids[operator]

    def finish(self) -> None:
        """After the last batch: the records only updated cameras name."""
        with connection.cursor() as cursor:
            self.insert(cursor, self.take_pending())
