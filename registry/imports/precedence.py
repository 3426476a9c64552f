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
# the earliest any source dates (writing.Writer.apply_updates).
OWN_RULE = {"first_seen"}


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
    source set: an empty incoming value keeps theirs, raw tags are merged
    (the incoming record's keys win), and a different value of a source that
    does not outrank theirs is protected (kept, as a conflict unless a
    moderator already turned that value down)."""
    for name, origin in sources.items():
        if name not in state or name in OWN_RULE or origin["source"] == dataset_name:
            continue
        current, incoming = before.get(name), state[name]
        if incoming == current or current in EMPTY_VALUES:
            continue
        if incoming in EMPTY_VALUES:
            state[name] = current
        elif name == "tags":
            state[name] = {**(current or {}), **incoming}
        elif origin["source"] in LOCAL_SOURCES:
            # A hand edit is protected by local_edits (until this source has
            # seen it), unless the precedence puts this source above it.
            if outranks(dataset_name, origin["source"]):
                protections.pop(name, None)
        elif not outranks(dataset_name, origin["source"]):
            protections.setdefault(name, Protection())
