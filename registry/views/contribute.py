"""Contributing from the site: /submit/ (a new camera), each camera's
"still there", "it's gone" and "suggest an edit", the thank-you page and
anonymous contributors' receipts.

Every form works without JavaScript. With it, the browser solves the proof
of work (registry/proof_of_work.py) before posting; accounts never need
one. An anonymous contribution without a proof of work (a browser without
JavaScript) is accepted only where a moderator reviews it before anything
changes: a new camera is then hidden until approved, a removal report or a
suggested edit waits as always; "still there", which can verify a camera,
needs the proof or an account. Those contributions are limited all
together by NOSCRIPT_SUBMISSIONS_RATE.

Nothing about the client is stored: rate limits count keyed hashes in the
cache only. A receipt's token is shown once, on the thank-you page, from a
signed cookie that only the contributor's browser holds; the database keeps
its hash."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from registry.contribute_forms import ConfirmForm, GoneForm, SubmitForm, SuggestForm
from registry.contributing import body_size_error, session_marker
from registry.models import Camera, EditSuggestion, Operator, Vendor
from registry.proof_of_work import check_solution
from registry.services.contributions import receipt_for
from registry.services.sending import (
    KINDS,
    Sender,
    Sent,
    send_confirmation,
    send_edit_suggestion,
    send_removal_report,
    send_submission,
)
from registry.throttles import (
    ContributionThrottle,
    GlobalContributionThrottle,
    WithoutProofThrottle,
    throttle_wait,
)

from .contribution_list import contribution_rows, suggestion_rows
from .pages import contribution_counts

SENT_COOKIE = "sightline_sent"
SENT_SALT = "sightline.contribution-sent"
SENT_MAX_AGE = 24 * 60 * 60
# Suggestions offered for the maker and operator fields: the most used
# names, refreshed every few minutes.
NAME_SUGGESTIONS = 300
NAME_SUGGESTIONS_SECONDS = 600
# Form errors the service raises under names that are not form fields.
FIELD_OF_ERROR = {"location": "latitude", "photo": "photos"}


class Refused(Exception):
    """A contribution refused with a page of its own (429), not a form error."""

    def __init__(self, response):
        super().__init__()
        self.response = response


# ------------------------------------------------------------ new camera


@csrf_exempt
def submit(request):
    """An oversized body is refused before anything reads it (the CSRF check
    would read it whole first); the form itself is CSRF-protected."""
    return _guarded(request, _submit)


@csrf_protect
def _submit(request):
    if request.method != "POST":
        initial = {**_position_from_query(request), **_receipt_from_query(request)}
        response = _submit_page(request, SubmitForm(initial=initial))
        if "receipt" in request.GET:
            response["Referrer-Policy"] = "no-referrer"
        return response
    form = SubmitForm(request.POST, request.FILES)
    if not form.is_valid():
        return _submit_page(request, form, status=400)
    try:
        sent = send_submission(
            sender=_sender(request, form, may_wait_for_review=True),
            location=form.location(),
            note=form.cleaned_data["note"],
            photos=form.cleaned_data.get("photos") or [],
            capabilities=form.cleaned_data["capabilities"],
            session_marker=session_marker(request),
            **form.camera_values(),
        )
    except ValidationError as error:
        add_form_errors(form, site_wording(error))
        return _submit_page(request, form, status=400)
    except Refused as refused:
        return refused.response
    return _sent(request, "submission", sent)


def _submit_page(request, form, status: int = 200):
    latitude, longitude, zoom = settings.MAP_DEFAULT_VIEW
    context = {
        "form": form,
        "vendor_names": name_suggestions(Vendor),
        "operator_names": name_suggestions(Operator),
        "max_photos": settings.CONTRIBUTION_MAX_PHOTOS,
        "photo_max_mb": settings.PHOTO_MAX_BYTES / 1_000_000,
        "map_config": {
            "default": {"latitude": latitude, "longitude": longitude, "zoom": zoom},
            "photoPositionUrl": reverse("api:photo-position"),
            "messages": _submit_messages(),
        },
    }
    return render(request, "registry/contribute/submit.html", context, status=status)


def _submit_messages() -> dict[str, str]:
    """The words the submit page's script writes, with %(name)s placeholders."""
    return {
        "placed": _("Camera placed at %(latitude)s, %(longitude)s."),
        "locating": _("Finding your location…"),
        "located": _(
            "Placed at your location (to within %(metres)s m): drag the pin onto the camera."
        ),
        "locateFailed": _("Your location is not available: tap the map instead."),
        "reading": _("Reading where the photo was taken…"),
        "photoPosition": _("This photo was taken at %(latitude)s, %(longitude)s."),
        "photoHeading": _("The phone was facing %(heading)s° (%(reference)s)."),
        "trueNorth": _("from true north"),
        "magneticNorth": _("from magnetic north"),
        "noPosition": _(
            "This photo does not say where it was taken: place the camera on the map."
        ),
        "usePosition": _("Use the photo's position"),
        "useHeading": _("Use the heading %(heading)s° as a direction"),
        "positionUsed": _("The photo's position is used: drag the pin onto the camera."),
        "headingUsed": _("Direction %(heading)s° added."),
        "photoRefused": _("This photo cannot be used: %(reason)s"),
        "photoUnchecked": _("The photo could not be checked now; it will be when you send."),
        "removeDirection": _("Remove direction %(heading)s°"),
        "handleLabel": _("Direction %(heading)s°"),
        "placeFirst": _("Place the camera on the map first."),
        "near": _(
            "A camera is already on the map %(metres)s m from here: %(kind)s #%(id)s. If it is "
            "the one you saw, confirm it is still there instead of reporting it again."
        ),
    }


def _position_from_query(request) -> dict:
    """?latitude=&longitude= prefill the form (e.g. "report it as a new
    camera" from a removed camera's page)."""
    try:
        latitude = float(request.GET["latitude"])
        longitude = float(request.GET["longitude"])
    except (KeyError, ValueError):
        return {}
    if -90 <= latitude <= 90 and -180 <= longitude <= 180:
        return {"latitude": latitude, "longitude": longitude}
    return {}


def _receipt_from_query(request) -> dict:
    """?receipt= files the new camera under an earlier receipt (the receipt
    page links here)."""
    token = request.GET.get("receipt", "")[:100]
    return {"receipt": token} if receipt_for(token) is not None else {}


def name_suggestions(model) -> list[str]:
    key = f"contribute:names:{model._meta.model_name}"
    names = cache.get(key)
    if names is None:
        ranked = model.objects.annotate(used=Count("cameras")).order_by("-used", "name")
        names = sorted(ranked.values_list("name", flat=True)[:NAME_SUGGESTIONS], key=str.casefold)
        cache.set(key, names, NAME_SUGGESTIONS_SECONDS)
    return names


# --------------------------------------------------------- camera actions


def _public_camera(pk: int) -> Camera:
    return get_object_or_404(Camera.objects.visible().select_related("vendor", "operator"), pk=pk)


@csrf_exempt
def camera_still_there(request, pk: int):
    return _guarded(request, _camera_still_there, pk=pk)


@csrf_protect
def _camera_still_there(request, pk: int):
    camera = _public_camera(pk)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = send_confirmation(
                sender=_sender(request, form, may_wait_for_review=False), camera=camera
            )
        except ValidationError as error:
            add_form_errors(form, site_wording(error))
        except Refused as refused:
            return refused.response
        else:
            return _sent(request, "confirmation", sent)
    status = 400 if form.errors else 200
    return _camera_form_page(request, "still_there.html", camera, form, status)


@csrf_exempt
def camera_gone(request, pk: int):
    return _guarded(request, _camera_gone, pk=pk)


@csrf_protect
def _camera_gone(request, pk: int):
    camera = _public_camera(pk)
    posted = request.method == "POST"
    form = GoneForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        try:
            sent = send_removal_report(
                sender=_sender(request, form, may_wait_for_review=True),
                camera=camera,
                seen_gone_on=form.cleaned_data["seen_gone_on"],
                note=form.cleaned_data["note"],
                photos=form.cleaned_data.get("photos") or [],
            )
        except ValidationError as error:
            add_form_errors(form, site_wording(error))
        except Refused as refused:
            return refused.response
        else:
            return _sent(request, "removal_report", sent)
    status = 400 if form.errors else 200
    return _camera_form_page(request, "gone.html", camera, form, status)


@csrf_exempt
def camera_suggest(request, pk: int):
    return _guarded(request, _camera_suggest, pk=pk)


@csrf_protect
def _camera_suggest(request, pk: int):
    camera = _public_camera(pk)
    if request.method != "POST":
        form = SuggestForm(initial=SuggestForm.initial_for(camera))
        return _camera_form_page(request, "suggest.html", camera, form, 200)
    form = SuggestForm(request.POST)
    if form.is_valid():
        try:
            changes = form.changes(camera)
            if not changes:
                raise ValidationError(_("Change at least one value to suggest an edit."))
            sent = send_edit_suggestion(
                sender=_sender(request, form, may_wait_for_review=True),
                camera=camera,
                changes=changes,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_form_errors(form, site_wording(error))
        except Refused as refused:
            return refused.response
        else:
            return _sent(request, "edit_suggestion", sent)
    return _camera_form_page(request, "suggest.html", camera, form, 400)


def _camera_form_page(request, template: str, camera: Camera, form, status: int):
    context = {
        "camera": camera,
        "form": form,
        "vendor_names": name_suggestions(Vendor),
        "operator_names": name_suggestions(Operator),
        "max_photos": settings.CONTRIBUTION_MAX_PHOTOS,
        "photo_max_mb": settings.PHOTO_MAX_BYTES / 1_000_000,
    }
    return render(request, f"registry/contribute/{template}", context, status=status)


# ----------------------------------------------------- shared write steps


def _guarded(request, view, **kwargs):
    """Size first (from the declared length, before reading the body), then
    the rate limits, then the view."""
    if request.method == "POST":
        error = body_size_error(request)
        if error:
            return _refusal(request, 413, _("This is too large to send"), error)
        wait = throttle_wait(request, [ContributionThrottle(), GlobalContributionThrottle()])
        if wait is not None:
            return too_many_page(request, wait)
    return view(request, **kwargs)


def _sender(request, form, *, may_wait_for_review: bool) -> Sender:
    """Who is sending, as the form says: an account needs nothing more; an
    anonymous browser sends a solved proof of work, or, where a moderator
    reviews the contribution first, nothing (within the shared limit). The
    proof is checked before anything else is: a form without a valid one
    says so first."""
    token = form.cleaned_data.get("form_token", "")
    if request.user.is_authenticated:
        return Sender(user=request.user, idempotency_key=token)
    proof = form.cleaned_data.get("altcha", "")
    if proof:
        check_solution(proof)
    elif may_wait_for_review:
        wait = throttle_wait(request, [WithoutProofThrottle()])
        if wait is not None:
            raise Refused(too_many_page(request, wait, without_proof=True))
    return Sender(
        proof=proof,
        receipt_token=form.cleaned_data.get("receipt", ""),
        idempotency_key=token,
        may_wait_for_review=may_wait_for_review,
    )


def site_wording(error: ValidationError) -> ValidationError:
    """The services' refusals of who is sending, in the words of the site
    rather than the API's."""
    if not hasattr(error, "error_dict"):
        return error
    errors = dict(error.error_dict)
    if "altcha" in errors:
        code = errors["altcha"][0].code
        errors["altcha"] = [
            ValidationError(
                _needs_proof_message() if code == "required" else _proof_refusal(code), code=code
            )
        ]
    if "receipt" in errors:
        errors["receipt"] = [
            ValidationError(
                _("No receipt has this link; send it without one to get a new receipt."),
                code="unknown_receipt",
            )
        ]
    if "idempotency_key" in errors:
        errors[NON_FIELD_ERRORS] = [
            *errors.pop(NON_FIELD_ERRORS, []),
            ValidationError(
                _(
                    "This form was sent already, with other values. Nothing new was stored: "
                    "open the page again to send another."
                ),
                code="already_sent",
            ),
        ]
        del errors["idempotency_key"]
    return ValidationError(errors)


def check_proof(payload: str) -> None:
    """The proof of work checked (not spent), with the reason for a refusal
    in the words of the site rather than the API's."""
    try:
        check_solution(payload)
    except ValidationError as error:
        raise site_wording(error) from error


def _proof_refusal(code: str) -> str:
    again = _("Send the form again: your browser will check anew.")
    if code == "expired":
        reason = _("The check that you are not a robot has expired.")
    elif code == "replayed":
        reason = _("This check that you are not a robot was already used.")
    else:
        reason = _("The check that you are not a robot did not pass.")
    return f"{reason} {again}"


def _needs_proof_message() -> str:
    return _(
        "Confirming that a camera is still there needs JavaScript, with which your browser "
        "shows it is not a robot, or an account: sign in, or turn JavaScript on and try again."
    )


def add_form_errors(form, error: ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = FIELD_OF_ERROR.get(name, name)
        hidden = field in form.fields and form.fields[field].widget.is_hidden
        form.add_error(field if field in form.fields and not hidden else None, errors)


def _sent(request, kind: str, sent: Sent):
    """To the thank-you page, which reads what was sent (and the receipt's
    token, shown once) from a signed cookie: never from the address, which
    would end up in the browser's history and in logs. A form sent again
    (its one-time token) comes here too, to what the first one made."""
    pk, token = sent.item.pk, sent.receipt_token
    response = redirect("registry:thanks")
    value = json.dumps({"kind": kind, "id": pk, "token": token})
    response.set_signed_cookie(
        SENT_COOKIE,
        value,
        salt=SENT_SALT,
        max_age=SENT_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    response.status_code = 303
    return response


def too_many_page(request, wait: float, *, without_proof: bool = False):
    seconds = int(wait) + 1
    minutes = max(1, round(seconds / 60))
    if without_proof:
        message = _(
            "Sightline accepts only a few reports without JavaScript each hour, from everyone "
            "together, and that many have just arrived. Nothing was stored. Please try again "
            "in about %(minutes)s minutes, turn JavaScript on, or sign in."
        ) % {"minutes": minutes}
    else:
        message = _(
            "Too many contributions in a short time. Nothing was stored. Please wait about "
            "%(minutes)s minutes and send it again."
        ) % {"minutes": minutes}
    response = _refusal(request, 429, _("Too many at once"), message)
    response["Retry-After"] = str(seconds)
    return response


def _refusal(request, status: int, title: str, message: str):
    context = {"title": title, "message": message, "back": request.path}
    return render(request, "registry/contribute/refused.html", context, status=status)


# --------------------------------------------------------- what was sent


SENT_MODELS = KINDS


def thanks(request):
    """What was just sent, what happens next, and (for an anonymous
    contributor) the receipt's link."""
    sent = _read_sent(request)
    item = None
    if sent and sent.get("kind") in SENT_MODELS:
        model = SENT_MODELS[sent["kind"]]
        item = model.objects.select_related("camera").filter(pk=sent.get("id")).first()
    token = (sent or {}).get("token") or ""
    context = {
        "kind": sent["kind"] if item else None,
        "item": item,
        "camera": item.camera if item else None,
        "receipt_url": (
            request.build_absolute_uri(reverse("registry:receipt", args=[token])) if token else ""
        ),
        "changes": suggestion_rows([item])[0] if isinstance(item, EditSuggestion) else [],
        "verify_after": settings.VERIFY_AFTER_CONFIRMATIONS,
        **(contribution_counts(item.camera) if item else {}),
    }
    return _private(render(request, "registry/contribute/thanks.html", context))


def _read_sent(request) -> dict | None:
    raw = request.get_signed_cookie(
        SENT_COOKIE, default=None, salt=SENT_SALT, max_age=SENT_MAX_AGE
    )
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def receipt(request, token: str):
    """Everything sent under a receipt, with how review went. The token is
    the only key: the page is kept out of search engines, caches and
    Referer headers."""
    found = receipt_for(token)
    if found is None:
        raise Http404(_("No receipt has this link."))
    context = {
        "rows": contribution_rows(receipt=found),
        "submit_url": reverse("registry:submit"),
    }
    return _private(render(request, "registry/contribute/receipt.html", context))


def _private(response):
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    add_never_cache_headers(response)
    return response
