"""What someone sent, for their receipt page or their account's page: each
contribution with its camera, how review went and why, and for a suggested
edit the change it proposes, field by field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import (
    Camera,
    Confirmation,
    EditSuggestion,
    Receipt,
    RemovalReport,
    ReviewState,
    Status,
    Submission,
)

from .pages.wording import HISTORY_FIELD_ORDER, field_label, referenced_names, value_text

KINDS = (
    (Submission, gettext_lazy("New camera")),
    (Confirmation, gettext_lazy("Still there")),
    (RemovalReport, gettext_lazy("It's gone")),
    (EditSuggestion, gettext_lazy("Suggested edit")),
)


@dataclass(frozen=True)
class ChangeRow:
    label: str
    before: str
    after: str


@dataclass
class ContributionRow:
    kind: str
    sent: datetime
    camera: Camera
    camera_public: bool
    state: str
    state_label: str
    reason: str = ""
    note: str = ""
    changes: list[ChangeRow] = field(default_factory=list)


def contribution_rows(*, receipt: Receipt | None = None, user=None) -> list[ContributionRow]:
    """Everything sent under a receipt or by an account, oldest first."""
    owner = {"receipt": receipt} if receipt is not None else {"user": user}
    rows: list[ContributionRow] = []
    for model, label in KINDS:
        items = list(model.objects.filter(**owner).select_related("camera").order_by("created_at"))
        changes = suggestion_rows(items) if model is EditSuggestion else [[] for _ in items]
        rows.extend(
            _row(item, str(label), item_changes)
            for item, item_changes in zip(items, changes, strict=True)
        )
    return sorted(rows, key=lambda row: row.sent)


def _row(item, kind: str, changes: list[ChangeRow]) -> ContributionRow:
    camera = item.camera
    state = getattr(item, "state", "recorded")
    return ContributionRow(
        kind=kind,
        sent=item.created_at,
        camera=camera,
        camera_public=camera.status != Status.HIDDEN,
        state=state,
        state_label=_state_label(item, camera),
        reason=getattr(item, "decision_reason", ""),
        note=getattr(item, "note", ""),
        changes=changes,
    )


def _state_label(item, camera: Camera) -> str:
    if isinstance(item, Confirmation):
        return _("recorded")
    if item.state == ReviewState.OPEN and isinstance(item, Submission):
        if camera.status == Status.HIDDEN:
            return _("waiting for review: not shown until a moderator approves it")
        return _("shown on the map as unverified, waiting for review")
    return str(item.get_state_display())


def suggestion_rows(suggestions: list[EditSuggestion]) -> list[list[ChangeRow]]:
    """Each suggestion's {field: [value seen, proposed value]} in words."""
    names = referenced_names(suggestions)
    none = _("not recorded")
    return [
        [
            ChangeRow(
                label=field_label(name),
                before=value_text(name, suggestion.changes[name][0], names) or none,
                after=value_text(name, suggestion.changes[name][1], names) or none,
            )
            for name in sorted(suggestion.changes, key=_position)
        ]
        for suggestion in suggestions
    ]


def _position(name: str) -> int:
    order = HISTORY_FIELD_ORDER
    return order.index(name) if name in order else len(order)
