"""The record of moderation: who decided what, when and why, newest first,
filterable by moderator and by action. Decisions on contributions, hiding
and reverts are ModerationAction rows; decisions on import conflicts and
possible duplicates are kept on those records themselves (who, when, how),
and the log reads both."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.filters import Ignored
from registry.models import ImportConflict, MergeCandidate, ModerationAction
from registry.services.moderators import within_moderated_areas

from ..pages.listing import pagination, read_page
from .access import moderator_required

ENTRIES_PER_PAGE = 50
# A subject names a model and a row ("submission:12"); where each is decided.
SUBJECT_SECTIONS = {
    "submission": "submissions",
    "editsuggestion": "edit-suggestions",
    "removalreport": "removal-reports",
    "importconflict": "import-conflicts",
    "mergecandidate": "merge-candidates",
}
IMPORT_DECISIONS = {
    **dict(ImportConflict.Resolution.choices),
    MergeCandidate.Decision.DUPLICATE: MergeCandidate.Decision.DUPLICATE.label,
    MergeCandidate.Decision.DISTINCT: MergeCandidate.Decision.DISTINCT.label,
}


def action_labels() -> dict[str, str]:
    return {**dict(ModerationAction.Action.choices), **IMPORT_DECISIONS}


def _subject(prefix: str):
    return Concat(Value(f"{prefix}:"), Cast("id", CharField()))


def log_entries(*, viewer, moderator: str = "", action: str = "") -> QuerySet:
    """Every recorded decision `viewer` may see (a moderator limited to some
    areas sees the decisions about cameras there) as rows of (when, who,
    what, item, camera_ref, why), newest first; one query, a UNION of the
    three records."""
    decisions = within_moderated_areas(
        ModerationAction.objects.all(), viewer, "camera__location"
    ).values(
        when=F("created_at"),
        who=F("moderator__username"),
        what=F("action"),
        item=F("subject"),
        camera_ref=F("camera_id"),
        why=F("reason"),
    )
    conflicts = ImportConflict.objects.filter(resolved_by__isnull=False).exclude(resolution="")
    conflicts = within_moderated_areas(conflicts, viewer, "camera__location").values(
        when=F("resolved_at"),
        who=F("resolved_by__username"),
        what=F("resolution"),
        item=_subject("importconflict"),
        camera_ref=F("camera_id"),
        why=Concat(Value(_("Field:") + " "), F("field")),
    )
    candidates = MergeCandidate.objects.filter(decided_by__isnull=False).exclude(
        decision=MergeCandidate.Decision.OPEN
    )
    candidates = within_moderated_areas(
        candidates, viewer, "camera__location", "duplicate_of__location"
    ).values(
        when=F("decided_at"),
        who=F("decided_by__username"),
        what=F("decision"),
        item=_subject("mergecandidate"),
        camera_ref=F("camera_id"),
        why=Value(""),
    )
    parts = [decisions, conflicts, candidates]
    if moderator:
        paths = ("moderator__username", "resolved_by__username", "decided_by__username")
        parts = [part.filter(**{path: moderator}) for part, path in zip(parts, paths, strict=True)]
    if action:
        parts[0] = parts[0].filter(action=action)
        parts[1] = parts[1].filter(resolution=action)
        parts[2] = parts[2].filter(decision=action)
    first, *others = parts
    return first.union(*others, all=True).order_by("-when", "-item")


def moderators_on_record() -> QuerySet:
    users = get_user_model().objects
    acted = (
        Q(pk__in=ModerationAction.objects.values("moderator_id"))
        | Q(pk__in=ImportConflict.objects.values("resolved_by_id"))
        | Q(pk__in=MergeCandidate.objects.values("decided_by_id"))
    )
    return users.filter(acted).order_by("username").values_list("username", flat=True)


def subject_url(subject: str, camera_id: int | None) -> str:
    name, _colon, pk = subject.partition(":")
    if name in SUBJECT_SECTIONS and pk.isdigit():
        return reverse("registry:moderation-item", args=[SUBJECT_SECTIONS[name], int(pk)])
    if camera_id:
        return reverse("registry:moderation-camera-history", args=[camera_id])
    return ""


@moderator_required
def log(request):
    ignored: list[Ignored] = []
    labels = action_labels()
    moderators = list(moderators_on_record())
    moderator = request.GET.get("moderator", "").strip()
    if moderator and moderator not in moderators:
        ignored.append(Ignored("moderator", moderator[:150], _("no decision by this account")))
        moderator = ""
    action = request.GET.get("action", "").strip()
    if action and action not in labels:
        ignored.append(Ignored("action", action[:40], _("not an action moderators take")))
        action = ""
    entries = log_entries(viewer=request.user, moderator=moderator, action=action)
    page = read_page(Paginator(entries, ENTRIES_PER_PAGE), request.GET, ignored)
    rows = [
        {**entry, "what_label": labels.get(entry["what"], entry["what"])}
        | {"url": subject_url(entry["item"], entry["camera_ref"])}
        for entry in page.object_list
    ]
    query = {key: value for key, value in (("moderator", moderator), ("action", action)) if value}
    context = {
        "rows": rows,
        "total": page.paginator.count,
        "pagination": pagination(page, query),
        "ignored": ignored,
        "moderators": moderators,
        "actions": sorted(labels.items(), key=lambda pair: str(pair[1])),
        "moderator": moderator,
        "action": action,
    }
    return render(request, "registry/moderation/log.html", context)
