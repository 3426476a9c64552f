"""Giving back to OpenStreetMap: the cameras that may go out with the exact
tags they would carry, the upload of a ticked batch under the moderator's
own OSM account, connecting and disconnecting that account, and the log of
uploads. The work is registry.services.osm_giveback's and osm_accounts'."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from registry.filters import Ignored
from registry.models import Area, Kind, OsmUpload
from registry.services.osm_accounts import (
    authorization_of,
    disconnect,
    finish_authorization,
    start_authorization,
)
from registry.services.osm_giveback import (
    MAX_BATCH,
    offered_cameras,
    proposals,
    upload_batch,
)

from ..pages.listing import pagination, read_page
from .access import forbidden, moderator_required

CAMERAS_PER_PAGE = MAX_BATCH
UPLOADS_SHOWN = 20
# Where the OAuth flow keeps what the callback must check.
SESSION_STATE = "osm_oauth_state"
SESSION_VERIFIER = "osm_oauth_verifier"
FIELD_LABELS = {"comment": "comment", "cameras": "cameras", "osm": "OpenStreetMap"}


def _callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("registry:moderation-osm-callback"))


def _error_lines(error: ValidationError) -> list[str]:
    """Each reason after the name of the field it is about."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    return [
        f"{FIELD_LABELS.get(name, name)}: {reason}"
        for name, reasons in error.message_dict.items()
        for reason in reasons
    ]


def _filters(request: HttpRequest, ignored: list[Ignored]) -> tuple[str, Area | None]:
    kind = request.GET.get("kind", "").strip()
    if kind and kind not in Kind.values:
        ignored.append(Ignored("kind", kind[:40], _("not a kind of device")))
        kind = ""
    area = None
    slug = request.GET.get("area", "").strip()
    if slug:
        area = Area.objects.filter(slug=slug).first()
        if area is None:
            ignored.append(Ignored("area", slug[:100], _("no such area")))
    return kind, area


def give_back_page(
    request: HttpRequest,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    refused: dict[int, str] | None = None,
    comment: str = "",
) -> HttpResponse:
    ignored: list[Ignored] = []
    kind, area = _filters(request, ignored)
    cameras = offered_cameras(request.user, kind=kind, area=area)
    page = read_page(Paginator(cameras, CAMERAS_PER_PAGE), request.GET, ignored)
    rows = proposals(cameras.filter(pk__in=[camera.pk for camera in page.object_list]))
    for row in rows:
        row.refused = (refused or {}).get(row.camera_id, "")
    query = {key: value for key, value in (("kind", kind), ("area", area and area.slug)) if value}
    context = {
        "rows": rows,
        "total": page.paginator.count,
        "pagination": pagination(page, query),
        "ignored": ignored,
        "kinds": Kind.choices,
        "kind": kind,
        "area_slug": area.slug if area else request.GET.get("area", "")[:100],
        "authorization": authorization_of(request.user),
        "configured": bool(settings.OSM_OAUTH_CLIENT_ID),
        "osm_url": settings.OSM_URL,
        "uploads": OsmUpload.objects.select_related("moderator")[:UPLOADS_SHOWN],
        "errors": errors or [],
        "refused": refused or {},
        "comment": comment,
        "max_batch": MAX_BATCH,
    }
    return render(request, "registry/moderation/osm.html", context, status=status)


@moderator_required
def give_back(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return upload(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    return give_back_page(request)


def _ticked(request: HttpRequest) -> list[tuple[int, int]] | None:
    """The ticked cameras as (id, version seen); None if one is malformed."""
    ticked = []
    for value in request.POST.getlist("camera"):
        pk, _sep, version = value.partition(":")
        if not (pk.isdigit() and version.isdigit()):
            return None
        ticked.append((int(pk), int(version)))
    return ticked


def upload(request: HttpRequest) -> HttpResponse:
    comment = request.POST.get("comment", "")[:1000]
    ticked = _ticked(request)
    if ticked is None:
        errors = [_("cameras: not a list of camera ids and versions.")]
        return give_back_page(request, status=400, errors=errors, comment=comment)
    try:
        result = upload_batch(user=request.user, cameras=ticked, comment=comment)
    except PermissionDenied as error:
        return forbidden(request, str(error))
    except ValidationError as error:
        status = 409 if "cameras" in getattr(error, "error_dict", {}) else 400
        errors = _error_lines(error)
        return give_back_page(request, status=status, errors=errors, comment=comment)
    upload = result.upload
    if upload.outcome == OsmUpload.Outcome.FAILED:
        errors = [
            _("OpenStreetMap refused the upload; nothing was recorded: %(why)s")
            % {"why": upload.message}
        ]
        return give_back_page(
            request, status=409, errors=errors, refused=result.errors, comment=comment
        )
    messages.success(
        request,
        _("Changeset %(id)s: %(created)s nodes created, %(modified)s modified.")
        % {"id": upload.osm_changeset, "created": upload.created, "modified": upload.modified},
    )
    return redirect("registry:moderation-osm")


@moderator_required
@require_POST
def connect(request: HttpRequest) -> HttpResponse:
    try:
        started = start_authorization(user=request.user, redirect_uri=_callback_url(request))
    except ValidationError as error:
        return give_back_page(request, status=400, errors=_error_lines(error))
    request.session[SESSION_STATE] = started.state
    request.session[SESSION_VERIFIER] = started.code_verifier
    return redirect(started.url)


@moderator_required
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    state = request.session.pop(SESSION_STATE, "")
    verifier = request.session.pop(SESSION_VERIFIER, "")
    if request.GET.get("error"):
        why = request.GET.get("error", "")[:200]
        errors = [_("OpenStreetMap did not authorise Sightline: %(why)s") % {"why": why}]
        return give_back_page(request, status=400, errors=errors)
    try:
        authorization = finish_authorization(
            user=request.user,
            redirect_uri=_callback_url(request),
            code=request.GET.get("code", "")[:500],
            state=request.GET.get("state", "")[:500],
            expected_state=state,
            code_verifier=verifier,
        )
    except ValidationError as error:
        return give_back_page(request, status=400, errors=_error_lines(error))
    messages.success(
        request,
        _("Connected to OpenStreetMap as %(name)s.") % {"name": authorization.osm_display_name},
    )
    return redirect("registry:moderation-osm")


@moderator_required
@require_POST
def disconnect_account(request: HttpRequest) -> HttpResponse:
    if disconnect(user=request.user):
        messages.success(request, _("Disconnected: OpenStreetMap revoked the token."))
    else:
        messages.success(
            request,
            _(
                "Disconnected: the token is deleted here, but OpenStreetMap did not confirm "
                "revoking it; revoke it in your OpenStreetMap account's settings."
            ),
        )
    return redirect("registry:moderation-osm")
