"""A camera's recorded values in plain words, who set each, and its history
as sentences (each revision stores {field: [before, after]} in OSM-ish
values)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import FieldDoesNotExist
from django.utils import formats
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registry.models import (
    ANONYMOUS,
    Camera,
    Capability,
    Changeset,
    Dataset,
    Operator,
    Revision,
    Vendor,
)
from registry.models.history import MODERATOR_SOURCE, SURVEY_SOURCE
from registry.services.history import TRACKED_FIELDS

# Eight compass points, each covering the 45° of bearing centred on it.
COMPASS_POINTS = [
    gettext_lazy("north"),
    gettext_lazy("north-east"),
    gettext_lazy("east"),
    gettext_lazy("south-east"),
    gettext_lazy("south"),
    gettext_lazy("south-west"),
    gettext_lazy("west"),
    gettext_lazy("north-west"),
]
# Revisions list fields in the order of the camera page, then these.
HISTORY_FIELD_ORDER = (*TRACKED_FIELDS, "capabilities")
# Beyond this many tag changes in one revision, the rest are counted.
TAG_CHANGES_SHOWN = 20
VALUE_CHARACTERS = 120
# Revisions hold these by id; the timeline names them.
LOOKUP_FIELDS = {"vendor": Vendor, "operator": Operator, "dataset": Dataset}
DATE_FIELDS = ("first_seen", "last_confirmed", "removed_on")
# Recorded, but said by the revision itself: when it was verified is when.
UNSAID_FIELDS = frozenset({"verified_at"})


def number(value: float, decimals: int = 1) -> str:
    """A number for reading: localised, without a trailing .0."""
    rounded = round(value, decimals)
    places = 0 if float(rounded).is_integer() else decimals
    return formats.number_format(rounded, decimal_pos=places)


def describe_direction(degrees: float) -> str:
    compass = COMPASS_POINTS[round(degrees % 360 / 45) % 8]
    return _("%(degrees)s° (%(compass)s)") % {"degrees": number(degrees), "compass": compass}


def describe_tilt(degrees: float | None) -> str:
    if degrees is None:
        return ""
    if degrees > 0:
        return _("%(degrees)s° below horizontal") % {"degrees": number(degrees)}
    if degrees < 0:
        return _("%(degrees)s° above horizontal") % {"degrees": number(-degrees)}
    return _("level with the horizon")


def describe_height(metres: float | None) -> str:
    if metres is None:
        return ""
    return _("%(metres)s m above the ground") % {"metres": number(metres)}


def describe_coordinates(longitude: float, latitude: float) -> str:
    return _("latitude %(latitude)s, longitude %(longitude)s") % {
        "latitude": formats.number_format(latitude, decimal_pos=6),
        "longitude": formats.number_format(longitude, decimal_pos=6),
    }


# ------------------------------------------------------------ field sources

IMPORT_SOURCE = "import"


@dataclass(frozen=True)
class FieldSource:
    """Who set a field's current value, for reading: an import of `dataset`,
    a moderator or a resident's survey report (`by`), in `version` at `at`."""

    by: str
    dataset: str
    version: int
    at: datetime


def field_sources(sources: dict[str, dict]) -> dict[str, FieldSource]:
    """RevisionQuerySet.field_sources' answer for one camera, by field."""
    return {field: field_source(source) for field, source in sources.items()}


def field_source(source: dict) -> FieldSource:
    label = source["source"]
    by_hand = label in (MODERATOR_SOURCE, SURVEY_SOURCE)
    return FieldSource(
        by=label if by_hand else IMPORT_SOURCE,
        dataset="" if by_hand else label,
        version=source["version"],
        at=source["at"],
    )


# ------------------------------------------------------------------ history


@dataclass(frozen=True)
class HistoryEntry:
    """One revision of a camera, for reading."""

    version: int
    created_at: datetime
    who: str
    comment: str
    first: bool
    changes: list[str]


def history_entries(revisions: list[Revision]) -> list[HistoryEntry]:
    """`revisions` (with their changesets) as entries of a timeline."""
    names = referenced_names(revisions)
    return [
        HistoryEntry(
            version=revision.version,
            created_at=revision.created_at,
            who=changeset_author(revision.changeset),
            comment=revision.changeset.comment,
            first=revision.version == 1,
            changes=list(change_lines(revision.changes, names, first=revision.version == 1)),
        )
        for revision in revisions
    ]


def changeset_author(changeset: Changeset) -> str:
    if changeset.dataset_id:
        return _("an import of %(dataset)s") % {"dataset": changeset.dataset.name}
    if changeset.actor == ANONYMOUS:
        return _("an anonymous contributor")
    return changeset.actor


def referenced_names(revisions: list[Revision]) -> dict[str, dict[int, str]]:
    """The names of the vendors, operators and datasets the revisions refer
    to by id, in one query for each."""
    wanted: dict[str, set[int]] = {field: set() for field in LOOKUP_FIELDS}
    for revision in revisions:
        for field, ids in wanted.items():
            pair = revision.changes.get(field)
            ids.update(value for value in pair or () if isinstance(value, int))
    return {
        field: dict(LOOKUP_FIELDS[field].objects.filter(pk__in=ids).values_list("pk", "name"))
        for field, ids in wanted.items()
    }


def change_lines(changes: dict, names: dict, *, first: bool) -> Iterator[str]:
    """One sentence per changed field, in the order of the camera page."""
    for field in sorted(changes, key=_field_position):
        pair = changes[field]
        if not isinstance(pair, list) or len(pair) != 2 or field in UNSAID_FIELDS:
            continue
        if field == "tags":
            yield from tag_lines(pair[0] or {}, pair[1] or {}, first=first)
            continue
        before, after = (value_text(field, value, names) for value in pair)
        if line := change_line(field_label(field), before, after):
            yield line


def _field_position(field: str) -> tuple[int, str]:
    order = HISTORY_FIELD_ORDER
    return (order.index(field) if field in order else len(order), field)


def change_line(label: str, before: str | None, after: str | None) -> str:
    if before is None and after is None:
        return ""
    if before is None:
        return _("%(field)s: %(value)s") % {"field": label, "value": after}
    if after is None:
        return _("%(field)s: removed (it was %(value)s)") % {"field": label, "value": before}
    return _("%(field)s: changed from %(before)s to %(after)s") % {
        "field": label,
        "before": before,
        "after": after,
    }


def field_label(field: str) -> str:
    if field == "capabilities":
        return capfirst(_("capabilities"))
    try:
        return capfirst(Camera._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return capfirst(field.replace("_", " "))


def value_text(field: str, value, names: dict) -> str | None:
    """A recorded value in words; None when there was no value."""
    if value in (None, "", [], {}):
        return None
    if field in LOOKUP_FIELDS and isinstance(value, int):
        return names[field].get(value) or _("record #%(id)s") % {"id": value}
    if field == "location" and isinstance(value, list) and len(value) == 2:
        return describe_coordinates(*value)
    if field == "directions" and isinstance(value, list):
        return ", ".join(describe_direction(v) for v in value if isinstance(v, int | float))
    if field == "tilt" and isinstance(value, int | float):
        return describe_tilt(value)
    if field == "height" and isinstance(value, int | float):
        return describe_height(value)
    if field == "capabilities" and isinstance(value, list):
        labels = dict(Capability.choices)
        return ", ".join(str(labels.get(item, item)) for item in value)
    if field in DATE_FIELDS:
        return date_text(value)
    return Truncator(str(choice_labels(field).get(value, value))).chars(VALUE_CHARACTERS)


def choice_labels(field: str) -> dict:
    try:
        return dict(Camera._meta.get_field(field).flatchoices)
    except FieldDoesNotExist:
        return {}


def date_text(value) -> str:
    try:
        return formats.date_format(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def tag_lines(before: dict, after: dict, *, first: bool) -> Iterator[str]:
    """What changed in the raw tags, key by key. A camera's first version
    only counts them: the page lists the tags it has now."""
    if first:
        count = len(after)
        yield ngettext("%(count)s raw tag recorded", "%(count)s raw tags recorded", count) % {
            "count": count
        }
        return
    keys = sorted(set(before) | set(after))
    lines = [line for key in keys if (line := tag_line(key, before.get(key), after.get(key)))]
    yield from lines[:TAG_CHANGES_SHOWN]
    more = len(lines) - TAG_CHANGES_SHOWN
    if more > 0:
        yield ngettext("and %(count)s more tag change", "and %(count)s more tag changes", more) % {
            "count": more
        }


def tag_line(key: str, before, after) -> str:
    if before == after:
        return ""
    if before is None:
        return _("Tag %(key)s added: “%(value)s”") % {"key": key, "value": _short(after)}
    if after is None:
        return _("Tag %(key)s removed (it was “%(value)s”)") % {
            "key": key,
            "value": _short(before),
        }
    return _("Tag %(key)s changed from “%(before)s” to “%(after)s”") % {
        "key": key,
        "before": _short(before),
        "after": _short(after),
    }


def _short(value) -> str:
    return Truncator(str(value)).chars(VALUE_CHARACTERS)
