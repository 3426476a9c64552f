"""One item of the queue: what a moderator needs to decide it (a map with
the camera, its cones and the cameras nearby, photos, plausibility
warnings, confirmations, the camera's history) and the forms that decide it.

Every decision is one call to a service (registry/services/review.py,
registry/services/moderation.py) inside a transaction: a refused one
changes nothing. Refusals are told apart by status: 400 for a bad or
incomplete form or an unknown action, 403 for an item or camera outside the
moderator's areas, 404 for an item that does not exist, 409 for an item
already decided or a camera that changed since the page was read."""

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.models import Camera, ReviewState, Status
from registry.services.contributions import AWAITING_REVIEW, independent_confirmations
from registry.services.history import snapshot
from registry.services.moderators import can_moderate
from registry.services.plausibility import describe

from ..pages import camera_map_data
from ..pages.wording import field_label, history_entries, referenced_names, value_text
from .access import forbidden, moderator_required
from .actions import ACTIONS, perform, unknown_action
from .forms import CameraEditForm
from .queue import QueueKind, kind_or_404

# Cameras within this distance are listed and drawn beside the item's one.
NEARBY_METRES = 50
NEARBY_SHOWN = 20
HISTORY_SHOWN = 10


# -------------------------------------------------------------------- view


@moderator_required
def item(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    section = kind_or_404(kind)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    found = get_object_or_404(section.items(), pk=pk)
    if not all(can_moderate(request.user, camera) for camera in section.cameras(found)):
        return forbidden(request, _("This item concerns a camera outside the areas you moderate."))
    if request.method == "POST":
        return act(request, section, found)
    return item_page(request, section, found)


def act(request: HttpRequest, section: QueueKind, found) -> HttpResponse:
    name = request.POST.get("action", "")
    action = ACTIONS[section.slug].get(name)
    # Whether the item is still open is the service's to say, under its lock:
    # a second decision is told who made the first, and when.
    outcome = perform(request, action, found) if action else unknown_action(name)
    if outcome.status == 403:
        return forbidden(request, outcome.errors[0])
    if outcome.errors:
        # The object may hold values a refused write set before it was
        # rolled back: read it again.
        found = get_object_or_404(section.items(), pk=found.pk)
        return item_page(
            request, section, found, status=outcome.status, errors=outcome.errors, posted=name
        )
    messages.success(request, outcome.message)
    if action.decides:
        return redirect(section.next_url(request.user))
    return redirect(section.url(found))


# ------------------------------------------------------------------- page


def item_page(
    request: HttpRequest,
    section: QueueKind,
    found,
    *,
    status: int = 200,
    errors: tuple[str, ...] = (),
    posted: str = "",
) -> HttpResponse:
    cameras = section.cameras(found)
    camera = cameras[0]
    nearby = nearby_cameras(camera, also=cameras[1:])
    context = {
        "section": section,
        "item": found,
        "label": section.label(found),
        "is_open": section.is_open(found),
        "decision": decision(found),
        "source": section.source(found),
        "camera": camera,
        "actions": ACTIONS[section.slug],
        "nearby": nearby,
        "nearby_metres": NEARBY_METRES,
        "map_data": camera_map_data(camera),
        "moderation_map": moderation_map(found, nearby),
        "counts": confirmation_counts(camera),
        "history": recent_history(camera),
        "history_url": reverse("registry:moderation-camera-history", args=[camera.pk]),
        "errors": errors,
        "posted": posted,
        "posted_reason": request.POST.get("reason", "") if posted else "",
        **kind_context(section, found, request, posted),
    }
    return render(request, "registry/moderation/item.html", context, status=status)


def kind_context(section: QueueKind, found, request: HttpRequest, posted: str) -> dict:
    if section.slug == "submissions":
        bound = request.POST if posted == "edit-approve" else None
        edit_form = CameraEditForm(bound, camera=found.camera, auto_id="edit-%s")
        if bound is not None:
            edit_form.is_valid()
        return {
            "warnings": [describe(warning) for warning in found.warnings],
            "photos": photos(found),
            "edit_form": edit_form,
            "awaiting_review": found.camera.status == Status.HIDDEN
            and found.camera.status_note == AWAITING_REVIEW,
        }
    if section.slug == "removal-reports":
        return {"photos": photos(found)}
    if section.slug == "edit-suggestions":
        rows = suggestion_rows(found)
        return {"diff": rows, "moved": [str(row["label"]) for row in rows if row["moved"]]}
    if section.slug == "import-conflicts":
        return {"conflict": conflict_values(found)}
    return {}


def decision(found) -> dict | None:
    """Who decided the item, when, how and why; None while it is open."""
    if hasattr(found, "decision_reason"):
        if found.state == ReviewState.OPEN:
            return None
        return {
            "outcome": found.get_state_display(),
            "by": found.decided_by,
            "at": found.decided_at,
            "reason": found.decision_reason,
        }
    if hasattr(found, "resolution"):
        if not found.resolution:
            return None
        return {
            "outcome": found.get_resolution_display(),
            "by": found.resolved_by,
            "at": found.resolved_at,
            "reason": "",
        }
    if found.decision == found.Decision.OPEN:
        return None
    return {
        "outcome": found.get_decision_display(),
        "by": found.decided_by,
        "at": found.decided_at,
        "reason": "",
    }


def recent_history(camera: Camera) -> list:
    revisions = camera.revisions.select_related("changeset__dataset").order_by("-version")
    return history_entries(list(revisions[:HISTORY_SHOWN]))


def nearby_cameras(camera: Camera, also: list[Camera]) -> list[Camera]:
    """Public cameras within NEARBY_METRES, nearest first, each with its
    `distance` and coordinates; `also` (the other camera of a possible
    duplicate) is listed even when farther."""
    found = list(
        Camera.objects.visible()
        .exclude(pk=camera.pk)
        .near(camera.location, NEARBY_METRES)
        .with_coordinates()[:NEARBY_SHOWN]
    )
    listed = {other.pk for other in found}
    for other in also:
        if other.pk not in listed:
            extra = Camera.objects.with_coordinates().get(pk=other.pk)
            extra.distance = None
            found.append(extra)
    return found


def moderation_map(found, nearby: list[Camera]) -> dict:
    """What the item's map draws beside the camera: the nearby cameras
    (linked to their pages) and, for a suggested move, the new position."""
    proposed = None
    changes = getattr(found, "changes", None)
    if changes and "location" in changes and changes["location"][1]:
        proposed = changes["location"][1]
    return {
        "nearby": [
            {
                "id": other.pk,
                "longitude": other.longitude,
                "latitude": other.latitude,
                "kind": other.kind,
                "status": other.status,
                "label": str(other),
            }
            for other in nearby
        ],
        "proposed": proposed,
        "cameraUrl": reverse("registry:camera", args=[0]).replace("/0/", "/{id}/"),
        "proposedLabel": _("Proposed position"),
    }


def confirmation_counts(camera: Camera) -> dict:
    """Confirmations and disputes: "still there" reports (and how many are
    independent, against the number that verifies a camera) and open
    removal reports."""
    return {
        "confirmations": camera.confirmations.count(),
        "independent": independent_confirmations(camera),
        "needed": settings.VERIFY_AFTER_CONFIRMATIONS,
        "disputes": camera.removal_reports.filter(state=ReviewState.OPEN).count(),
        "suggestions": camera.edit_suggestions.filter(state=ReviewState.OPEN).count(),
    }


def photos(found) -> list:
    """The photos sent with a contribution, stored on Sightline (a photo
    elsewhere on the web is never fetched by the moderator's browser)."""
    return [photo for photo in found.photos.all() if photo.document]


def suggestion_rows(suggestion) -> list[dict]:
    """The diff of an edit suggestion: each field as the contributor saw
    it, as it is now and as proposed."""
    current = snapshot(suggestion.camera)
    now = {name: [current[name], None] for name in suggestion.changes}
    names = referenced_names(
        [SimpleNamespace(changes=suggestion.changes), SimpleNamespace(changes=now)]
    )
    rows = []
    for name, (seen, proposed) in suggestion.changes.items():
        rows.append(
            {
                "label": field_label(name),
                "seen": value_text(name, seen, names),
                "current": value_text(name, current[name], names),
                "proposed": value_text(name, proposed, names),
                "moved": current[name] != seen,
            }
        )
    return rows


def conflict_values(conflict) -> dict:
    current = snapshot(conflict.camera).get(conflict.field)
    pairs = [
        SimpleNamespace(changes={conflict.field: [conflict.local_value, conflict.source_value]}),
        SimpleNamespace(changes={conflict.field: [current, None]}),
    ]
    names = referenced_names(pairs)
    return {
        "label": field_label(conflict.field),
        "local": value_text(conflict.field, conflict.local_value, names),
        "source": value_text(conflict.field, conflict.source_value, names),
        "current": value_text(conflict.field, current, names),
    }
