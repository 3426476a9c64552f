"""A camera's whole history for moderators, with a button to bring it back
to any earlier version (a new version: nothing in between is lost), and
hiding or showing it again. Every action is recorded."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from registry.models import Camera, ReviewState
from registry.services.moderators import can_moderate

from ..pages.listing import pagination, read_page
from ..pages.wording import history_entries
from .access import forbidden, moderator_required
from .actions import CAMERA_ACTIONS, perform, unknown_action
from .queue import KINDS

REVISIONS_PER_PAGE = 50
ACTIONS_SHOWN = 50


@moderator_required
def camera_history(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    camera = get_object_or_404(Camera, pk=pk)
    if not can_moderate(request.user, camera):
        return forbidden(request, _("This camera is outside the areas you moderate."))
    if request.method != "POST":
        return history_page(request, camera)
    name = request.POST.get("action", "")
    action = CAMERA_ACTIONS.get(name)
    outcome = perform(request, action, camera) if action else unknown_action(name)
    if outcome.status == 403:
        return forbidden(request, outcome.errors[0])
    if outcome.errors:
        camera.refresh_from_db()
        return history_page(
            request, camera, status=outcome.status, errors=outcome.errors, posted=name
        )
    messages.success(request, outcome.message)
    return redirect("registry:moderation-camera-history", pk=camera.pk)


def history_page(
    request: HttpRequest,
    camera: Camera,
    *,
    status: int = 200,
    errors: tuple[str, ...] = (),
    posted: str = "",
) -> HttpResponse:
    ignored: list = []
    revisions = camera.revisions.select_related("changeset__dataset").order_by("-version")
    page = read_page(Paginator(revisions, REVISIONS_PER_PAGE), request.GET, ignored)
    context = {
        "camera": camera,
        "history": history_entries(list(page.object_list)),
        "pagination": pagination(page, {}),
        "ignored": ignored,
        "actions": camera.moderation_actions.select_related("moderator")[:ACTIONS_SHOWN],
        "open_items": open_items(camera),
        "errors": errors,
        "posted": posted,
        "posted_reason": request.POST.get("reason", "") if posted else "",
        "posted_version": request.POST.get("version", "") if posted else "",
    }
    return render(request, "registry/moderation/camera_history.html", context, status=status)


def open_items(camera: Camera) -> list[dict]:
    """What still waits for a decision about this camera, with links."""
    rows = []
    for slug in ("submissions", "edit-suggestions", "removal-reports"):
        kind = KINDS[slug]
        waiting = kind.model.objects.filter(camera=camera, state=ReviewState.OPEN)
        rows.extend({"label": kind.label(item), "url": kind.url(item)} for item in waiting)
    return rows
