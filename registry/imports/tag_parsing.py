"""Tags to a camera's fields for a bulk import: tags_to_fields, vendor and
operator resolution and validation, each done once per distinct combination
of the tags it reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from registry.models import Camera, Operator, Vendor
from registry.names import NameResolver
from registry.osm_tags import (
    CHOICE_FIELDS,
    DIRECTION_KEYS,
    READ_KEYS,
    SIGHTING_KEYS,
    TagProblem,
    TagValueError,
    earliest_sighting,
    newest_confirmation,
    parse_choice,
    read_directions,
    tags_to_fields,
)
from registry.services.history import json_value
from registry.text_input import text_problem

from .operators import RunOperators


@dataclass(frozen=True)
class ParsedTags:
    values: dict[str, Any]  # the fields the tags give, vendor and operator resolved
    problems: tuple[TagProblem, ...] = ()
    errors: tuple[tuple[str, str], ...] = ()  # (field, message): the feature is rejected


# Directions and survey dates vary from device to device; everything else
# (kind, vendor, operator, mount...) is shared by many. Each part is parsed
# once per distinct combination of the keys it reads.
# `operator:type` only types an operator the run makes from the data.
CORE_KEYS = (
    *(key for key in READ_KEYS if key not in (*DIRECTION_KEYS, *SIGHTING_KEYS)),
    "operator:type",
)
OWN_KEYS = {*DIRECTION_KEYS, *SIGHTING_KEYS}
# The longest raw names and product a camera holds (its columns' lengths).
TEXT_FIELDS = {"vendor_raw": 255, "product": 200, "operator_raw": 255}
NUMBER_FIELDS = ("directions", "tilt", "height")


class TagParser:
    """tags_to_fields, name resolution and validation, done once per
    distinct combination of the tags they read: in an OSM extract many
    devices share them (one vendor's ALPRs differ only in direction)."""

    def __init__(self, source: str = "") -> None:
        self.vendors = NameResolver.for_model(Vendor)
        # Operator strings no record matches make records (from the data).
        self.operators = RunOperators(NameResolver.for_model(Operator), source)
        self.core: dict[tuple, ParsedTags] = {}
        self.directions: dict[tuple, ParsedTags] = {}
        self.confirmed: dict[tuple, ParsedTags] = {}
        self.slugs: dict[str, dict[str, int]] = {}

    def fill(
        self, state: dict[str, Any], tags: dict[str, str], stated: dict[str, Any] | None = None
    ) -> tuple[tuple[TagProblem, ...], tuple[tuple[str, str], ...]]:
        """Put the fields the tags give into `state`, then those the source
        states itself (SourceFeature.stated_fields) over them; return the
        problems met and the errors that reject the feature."""
        problems, errors = self._fill_from_tags(state, tags)
        if stated:
            values, stated_errors = self._stated(state, stated)
            state.update(values)
            errors = tuple(error for error in errors if error[0] not in values) + stated_errors
        return problems, errors

    def _fill_from_tags(
        self, state: dict[str, Any], tags: dict[str, str]
    ) -> tuple[tuple[TagProblem, ...], tuple[tuple[str, str], ...]]:
        get = tags.get
        core = self.core.get(key := tuple(map(get, CORE_KEYS)))
        if core is None:
            core = self.core[key] = self._parse_core(tags)
        directions = self.directions.get(key := tuple(map(get, DIRECTION_KEYS)))
        if directions is None:
            directions = self.directions[key] = _parse_directions(tags)
        confirmed = self.confirmed.get(key := tuple(map(get, SIGHTING_KEYS)))
        if confirmed is None:
            confirmed = self.confirmed[key] = _parse_confirmed(tags)
        state.update(core.values)
        state.update(directions.values)
        state.update(confirmed.values)
        return (
            core.problems + directions.problems + confirmed.problems,
            core.errors + directions.errors,
        )

    def _parse_core(self, tags: dict[str, str]) -> ParsedTags:
        result = tags_to_fields(tags)
        fields = result.fields
        values = {
            "kind": fields.kind,
            "visibility": fields.visibility,
            "zone": fields.zone,
            "camera_type": fields.camera_type,
            "mount": fields.mount,
            "tilt": fields.tilt,
            "height": fields.height,
            "vendor": self.vendors.resolve(fields.vendor_raw, fields.vendor_wikidata),
            "vendor_raw": fields.vendor_raw[:255],
            "product": fields.product[:200],
            "operator": self.operators.resolve(
                fields.operator_raw, fields.operator_wikidata, tags.get("operator:type", "")
            ),
            "operator_raw": fields.operator_raw[:255],
        }
        problems = tuple(problem for problem in result.problems if problem.key not in OWN_KEYS)
        return ParsedTags(values, problems, _errors(values, ("tilt", "height")))

    def _stated(
        self, state: dict[str, Any], stated: dict[str, Any]
    ) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]]:
        """The stated fields as state values, checked as any write path
        checks them; vendor and operator by the slug of their record, else,
        where this registry has no record by that slug, by the raw name."""
        values: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        for name, value in stated.items():
            if name in CHOICE_FIELDS:
                try:
                    values[name] = parse_choice(name, value) if value else ""
                except TagValueError as error:
                    errors.append((name, f"{value!r} is {error}"))
            elif name in TEXT_FIELDS:
                problem = text_problem(value, max_length=TEXT_FIELDS[name])
                if problem:
                    errors.append((name, str(problem)))
                values[name] = value
            elif name in ("last_confirmed", "first_seen"):
                values[name] = json_value(value)
            elif name in ("directions", "tilt", "height"):
                values[name] = value
        errors += _errors(
            values, tuple(n for n in ("directions", "tilt", "height") if n in values)
        )
        for role in ("vendor", "operator"):
            if role in stated:
                raw = values.get(f"{role}_raw", state[f"{role}_raw"])
                values[role] = self._record(role, stated[role], raw)
        return values, tuple(errors)

    def _record(self, role: str, slug: str, raw: str) -> int | None:
        if not slug:
            return None  # the registry the source comes from matched none
        if role not in self.slugs:
            model = Vendor if role == "vendor" else Operator
            self.slugs[role] = dict(model.objects.values_list("slug", "pk"))
        found = self.slugs[role].get(slug)
        if found is not None:
            return found
        return (self.vendors if role == "vendor" else self.operators).resolve(raw)


def _parse_directions(tags: dict[str, str]) -> ParsedTags:
    problems: list[TagProblem] = []
    values = {"directions": read_directions(tags, problems)}
    return ParsedTags(values, tuple(problems), _errors(values, ("directions",)))


def _parse_confirmed(tags: dict[str, str]) -> ParsedTags:
    problems: list[TagProblem] = []
    confirmed = newest_confirmation(tags, problems)
    first_seen = earliest_sighting(tags, problems)
    values = {"last_confirmed": json_value(confirmed), "first_seen": json_value(first_seen)}
    return ParsedTags(values, tuple(problems))


def _errors(values: dict[str, Any], names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The model fields' own validation (ranges, finiteness), the same every
    write path uses, without building a model per feature."""
    errors = []
    for name in names:
        value = values[name]
        if value in (None, []):
            continue
        try:
            Camera._meta.get_field(name).clean(value, None)
        except ValidationError as error:
            errors.append((name, "; ".join(error.messages)))
    return tuple(errors)
