"""The exposure page (/exposure/): draw a route or an area on a map, or upload
a GPX or GeoJSON file, and see how much of it the registry's cameras see.

The page is complete without JavaScript: its form posts a file or pasted
GeoJSON here and the answer is written into the page. The map
(registry/frontend/exposure.js) draws into the same form's GeoJSON field and
submits it, then draws the answer from the page's data."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from registry import cones
from registry.exposure import ExposureResult, analyse, geometry_from_bytes
from registry.exposure.files import check_size
from registry.exposure.results import GroupShare, NearbyCamera, ResultCamera, SeeingCamera
from registry.models import CameraType, Kind

from .pages import field_of_view_table

# Room for a multipart body's boundaries, the CSRF token and pasted text
# beside the file.
FORM_ALLOWANCE = 64 * 1024


class ExposureForm(forms.Form):
    file = forms.FileField(required=False, label=gettext_lazy("A GPX or GeoJSON file"))
    geojson = forms.CharField(
        required=False,
        strip=True,
        label=gettext_lazy("GeoJSON"),
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "autocomplete": "off"}),
    )

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), data.get("geojson")
        if upload and text:
            raise ValidationError(_("Send either a file or GeoJSON, not both."), code="both")
        if not upload and not text:
            raise ValidationError(
                _("Draw a route or an area on the map, choose a file, or paste GeoJSON."),
                code="empty",
            )
        field = "file" if upload else "geojson"
        try:
            if upload:
                check_size(upload.size)
            data["geometry"] = geometry_from_bytes(upload.read() if upload else text.encode())
        except ValidationError as error:
            self.add_error(field, error)
        return data


@csrf_exempt
def exposure_page(request):
    """An oversized upload is refused before anything reads it (the CSRF
    check would read the whole body first); the page itself is protected."""
    if request.method == "POST" and _content_length(request) > _largest_request():
        return _refused(request, _too_big(_content_length(request)))
    try:
        return _exposure_page(request)
    except RequestDataTooBig:
        # Pasted text beyond DATA_UPLOAD_MAX_MEMORY_SIZE (files have no such limit).
        limit = formats.number_format(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1e6, decimal_pos=1)
        return _refused(
            request,
            _("Pasted GeoJSON can be at most %(size)s MB: upload it as a file instead.")
            % {"size": limit},
        )


def _refused(request, message: str):
    context = _context(request, ExposureForm(), None)
    context["request_errors"] = [message]
    return render(request, "registry/exposure.html", context, status=400)


@csrf_protect
def _exposure_page(request):
    result, status = None, 200
    form = ExposureForm()
    if request.method == "POST":
        form = ExposureForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = analyse(form.cleaned_data["geometry"])
            except ValidationError as error:
                form.add_error(None, error)
        if form.errors:
            status = 400
    return render(
        request, "registry/exposure.html", _context(request, form, result), status=status
    )


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _largest_request() -> int:
    return settings.EXPOSURE_MAX_UPLOAD_BYTES + FORM_ALLOWANCE


def _too_big(length: int) -> str:
    try:
        check_size(length - FORM_ALLOWANCE)
    except ValidationError as error:
        return error.messages[0]
    return ""


# ------------------------------------------------------------------ context


def _context(request, form: ExposureForm, result: ExposureResult | None) -> dict:
    return {
        "form": form,
        "result": result,
        "answer": _answer(result) if result else None,
        "limits": {
            "route_km": settings.EXPOSURE_MAX_ROUTE_KM,
            "area_km2": settings.EXPOSURE_MAX_AREA_KM2,
            "upload_mb": settings.EXPOSURE_MAX_UPLOAD_BYTES / 1_000_000,
        },
        "api_url": request.build_absolute_uri(reverse("api:exposure")),
        "map_config": _map_config(result),
        **field_of_view_table(),
    }


def _answer(result: ExposureResult) -> dict:
    """The result in the words and numbers the page shows."""
    return {
        "summary": summary(result),
        "share": percent(result.share),
        "total": measure(result.total, result.measure),
        "covered": measure(result.covered, result.measure),
        "cameras": [_camera_row(item, result.measure) for item in result.cameras],
        "by_vendor": [_group_row(item, result.measure) for item in result.by_vendor],
        "by_operator": [_group_row(item, result.measure) for item in result.by_operator],
        "nearby": [_nearby_row(item) for item in result.direction_unknown],
    }


def summary(result: ExposureResult) -> str:
    values = {"share": percent(result.share)}
    if result.covered <= 0:
        if result.is_route:
            return _("No part of this route is in view of a camera recorded in Sightline.")
        return _("No part of this area is in view of a camera recorded in Sightline.")
    if result.is_route:
        return _("%(share)s of this route is in view of at least one camera.") % values
    return _("%(share)s of this area is in view of at least one camera.") % values


def percent(share: float) -> str:
    """A share as people say it: whole percents, one decimal below 1%, and
    never 100% for what is not all of it."""
    value = share * 100
    if 0 < value < 1:
        shown = formats.number_format(max(value, 0.1), decimal_pos=1)
    else:
        shown = str(min(round(value), 100 if share >= 1 else 99))
    return _("%(value)s%%") % {"value": shown}


def measure(value: float, kind: str) -> str:
    if kind == "area":
        if value >= 100_000:
            return _("%(value)s km²") % {"value": _number(value / 1_000_000, 2)}
        return _("%(value)s m²") % {"value": _number(value, 0)}
    if value >= 1_000:
        return _("%(value)s km") % {"value": _number(value / 1_000, 2)}
    return _("%(value)s m") % {"value": _number(value, 0 if value >= 100 else 1)}


def _number(value: float, decimals: int) -> str:
    return formats.number_format(
        round(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True
    )


def _camera_labels(camera: ResultCamera) -> dict:
    return {
        "camera": camera,
        "kind": dict(Kind.choices).get(camera.kind) or _("surveillance device"),
        "camera_type": dict(CameraType.choices).get(camera.camera_type, ""),
    }


def _camera_row(item: SeeingCamera, kind: str) -> dict:
    return {
        **_camera_labels(item.camera),
        "covered": measure(item.covered, kind),
        "share": percent(item.share),
    }


def _nearby_row(item: NearbyCamera) -> dict:
    return {**_camera_labels(item.camera), "distance": measure(item.distance, "length")}


def _group_row(item: GroupShare, kind: str) -> dict:
    return {
        "party": item.party,
        "cameras": item.cameras,
        "covered": measure(item.covered, kind),
        "share": percent(item.share),
    }


def _map_config(result: ExposureResult | None) -> dict:
    camera_url = reverse("registry:camera", args=(0,)).replace("/0/", "/{id}/")
    return {
        "view": list(settings.MAP_DEFAULT_VIEW),
        "cones": cones.defaults_for_browser(),
        "cameraUrl": camera_url,
        "result": result.as_dict(lambda pk: camera_url.replace("{id}", str(pk)))
        if result
        else None,
        "kinds": {**dict(Kind.choices), "": _("surveillance device")},
        "strings": {
            "points": _("%(count)s points"),
            "one_point": _("1 point"),
            "no_points": _(
                "Click the map to add points (or move the map and use “Add the centre”)."
            ),
            "route_length": _("route of %(length)s"),
            "area_size": _("area of %(area)s"),
            "finish_hint": _(
                "Double-click the last point, or press “Analyse the drawing”, to finish."
            ),
            "need_route": _("A route needs at least two points."),
            "need_area": _("An area needs at least three points."),
            "analysing": _("Analysing…"),
            "route": _("The analysed route"),
            "area": _("The analysed area"),
            "covered": _("In view of at least one camera"),
            "details": _("Camera #%(id)s"),
            "metres": _("%(value)s m"),
            "kilometres": _("%(value)s km"),
            "square_metres": _("%(value)s m²"),
            "square_kilometres": _("%(value)s km²"),
        },
    }
