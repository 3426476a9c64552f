"""Sources side by side: a camera's fields may come from several sources (two
imports, a moderator, a resident on the ground), and each field remembers in
its history who set it. An import never blanks a value another source set;
where it brings another value, the configured precedence decides
(IMPORT_SOURCE_PRECEDENCE: an ordered list of source names, `moderator`,
`survey` and dataset names, with `*` for any other import). The value kept
against the import is an import conflict for moderators, like a local edit."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from registry.models.history import MODERATOR_SOURCE, SURVEY_SOURCE
from registry.services.history import EMPTY_VALUES

from .local_edits import Protection

ANY_IMPORT = "*"
LOCAL_SOURCES = {MODERATOR_SOURCE, SURVEY_SOURCE}
# Fields every source adds to by a rule of their own: the first sighting is
# the earliest any source dates (writing.Writer.apply_updates); a camera
# keeps the record id of the source it came from (a camera two sources hold
# is matched by position or OSM id, never by the second one's record id).
OWN_RULE = {"first_seen", "source_ref"}


def rank(source: str) -> int:
    """The place of `source` in the precedence, first is strongest."""
    order = list(settings.IMPORT_SOURCE_PRECEDENCE)
    if source in order:
        return order.index(source)
    return order.index(ANY_IMPORT) if ANY_IMPORT in order else len(order)


def outranks(source: str, other: str) -> bool:
    return rank(source) < rank(other)


def side_by_side(
    *,
    dataset_name: str,
    before: dict[str, Any],
    state: dict[str, Any],
    sources: dict[str, dict],
    protections: dict[str, Protection],
) -> None:
    """Adjusts the incoming `state` of one camera against fields another
    source set: an empty incoming value keeps theirs, an empty field takes
    the incoming value, raw tags are merged, and a different value of a
    source that does not outrank theirs is protected (kept, as a conflict
    unless a moderator already turned that value down)."""
    for name, origin in sources.items():
        if name not in state or origin["source"] == dataset_name:
            continue
        if name in OWN_RULE:
            if name == "source_ref" and before.get(name):
                state[name] = before[name]
            continue
        current, incoming = before.get(name), state[name]
        if incoming == current or current in EMPTY_VALUES:
            continue
        if incoming in EMPTY_VALUES:
            state[name] = current
        elif name == "tags":
            # Keys only one source gives are added; on a key both give, the
            # stronger source's value stays (as the fields it gives do).
            if outranks(dataset_name, origin["source"]):
                state[name] = {**current, **incoming}
            else:
                state[name] = {**incoming, **current}
        elif origin["source"] in LOCAL_SOURCES:
            # A hand edit is protected by local_edits (until this source has
            # seen it), unless the precedence puts this source above it.
            if outranks(dataset_name, origin["source"]):
                protections.pop(name, None)
        elif not outranks(dataset_name, origin["source"]):
            protections.setdefault(name, Protection())
