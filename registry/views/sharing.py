"""What a shared link shows: the preview images of camera, area, vendor and
operator pages (Open Graph and Twitter cards), the icons and the web app
manifest."""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from registry import sharing
from registry.models import Area, Camera, Kind, Operator, Vendor
from registry.reports.cached import cached_area_report
from registry.reports.versions import area_report_version

# Previews are cached by the server and by whoever fetches them this long;
# a camera's changes show at once (its version is part of the key).
PREVIEW_SECONDS = 3600
ICON_SIZES = (180, 192, 512)


def share_context(
    request, *, title: str, description: str, image: str, image_alt: str
) -> dict[str, str]:
    """The Open Graph and Twitter card fields of a page (absolute
    addresses, as those formats want them)."""
    return {
        "title": title,
        "description": description,
        "url": request.build_absolute_uri(request.path),
        "image": request.build_absolute_uri(image),
        "image_alt": image_alt,
    }


def camera_share(request, camera: Camera) -> dict[str, str]:
    return share_context(
        request,
        title=camera_title(camera),
        description=" · ".join(camera_lines(camera)),
        image=reverse("registry:camera-preview", args=[camera.pk]),
        image_alt=_("A map of the camera and the cameras around it."),
    )


def area_share(request, area: Area, lines: list[str]) -> dict[str, str]:
    return share_context(
        request,
        title=area.name,
        description=" · ".join(lines),
        image=reverse("registry:area-preview", args=[area.slug]),
        image_alt=_("A map of %(area)s and its cameras.") % {"area": area.name},
    )


def organisation_share(request, role: str, record: Vendor | Operator, cameras: int) -> dict:
    return share_context(
        request,
        title=record.name,
        description=" · ".join(organisation_lines(cameras)),
        image=reverse(f"registry:{role}-preview", args=[record.slug]),
        image_alt=_("A chart of %(name)s's cameras by kind.") % {"name": record.name},
    )


def _png(key: str, render: Callable[[], bytes]) -> HttpResponse:
    body = cache.get_or_set(f"preview:{translation.get_language()}:{key}", render, PREVIEW_SECONDS)
    response = HttpResponse(body, content_type="image/png")
    response["Cache-Control"] = f"public, max-age={PREVIEW_SECONDS}"
    return response


def kind_label(kind: str) -> str:
    return str(dict(Kind.choices).get(kind, kind)) if kind else _("kind not recorded")


def camera_title(camera: Camera) -> str:
    vendor = camera.vendor.name if camera.vendor else camera.vendor_raw
    label = kind_label(camera.kind)
    return f"{label} · {vendor}" if vendor else label


def camera_lines(camera: Camera) -> list[str]:
    operator = camera.operator.name if camera.operator else camera.operator_raw
    lines = [_("Run by %(operator)s") % {"operator": operator}] if operator else []
    longitude, latitude = camera.location.coords
    lines.append(f"{latitude:.5f}, {longitude:.5f}")
    return lines


@require_safe
def camera_preview(request, pk: int):
    camera = get_object_or_404(
        Camera.objects.visible().select_related("vendor", "operator"), pk=pk
    )
    return _png(
        f"camera:{camera.pk}:{camera.version}",
        lambda: sharing.camera_preview(
            camera, title=camera_title(camera), lines=camera_lines(camera)
        ),
    )


def area_lines(area: Area) -> list[str]:
    report = cached_area_report(area)
    in_place = report.totals.in_place
    lines = [
        ngettext("%(count)s camera in place", "%(count)s cameras in place", in_place)
        % {"count": f"{in_place:,}"}
    ]
    if report.density.per_km2 is not None:
        lines.append(_("%(density)s per km²") % {"density": f"{report.density.per_km2:.3g}"})
    return lines


@require_safe
def area_preview(request, slug: str):
    area = get_object_or_404(Area, slug=slug)
    return _png(
        f"area:{area.pk}:{area_report_version(area)}",
        lambda: sharing.area_preview(area, title=area.name, lines=area_lines(area)),
    )


def organisation_lines(cameras: int) -> list[str]:
    return [
        ngettext("%(count)s camera on record", "%(count)s cameras on record", cameras)
        % {"count": f"{cameras:,}"}
    ]


def _organisation_preview(role: str, record: Vendor | Operator) -> HttpResponse:
    counts = Camera.objects.visible().filter(**{role: record}).count_by("kind")

    def render() -> bytes:
        by_kind = [
            (kind, kind_label("" if kind == "unknown" else kind), count)
            for kind, count in counts.items()
        ]
        return sharing.organisation_preview(
            title=record.name, lines=organisation_lines(sum(counts.values())), by_kind=by_kind
        )

    return _png(f"{role}:{record.pk}:{record.updated_at.timestamp()}", render)


@require_safe
def vendor_preview(request, slug: str):
    return _organisation_preview("vendor", get_object_or_404(Vendor, slug=slug))


@require_safe
def operator_preview(request, slug: str):
    return _organisation_preview("operator", get_object_or_404(Operator, slug=slug))


# ------------------------------------------------------- icons, manifest


@require_safe
def favicon(request):
    response = HttpResponse(
        cache.get_or_set("icon:ico", sharing.favicon_ico, None), content_type="image/x-icon"
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def icon(request, size: int):
    if size not in ICON_SIZES:
        raise Http404(_("Icons come in %(sizes)s pixels.") % {"sizes": ICON_SIZES})
    response = HttpResponse(
        cache.get_or_set(f"icon:{size}", lambda: sharing.icon_png(size), None),
        content_type="image/png",
    )
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def manifest(request):
    """The web app manifest: the site installs as an app from a phone's
    browser, opening on the map."""
    document = {
        "name": "Sightline",
        "short_name": "Sightline",
        "description": _("A community registry of public surveillance cameras."),
        "lang": translation.get_language(),
        "start_url": reverse("registry:map"),
        "scope": "/",
        "display": "standalone",
        "background_color": sharing.PAPER,
        "theme_color": sharing.HEADER,
        "icons": [
            {"src": static("registry/favicon.svg"), "type": "image/svg+xml", "sizes": "any"},
            *(
                {
                    "src": reverse("icon", args=[size]),
                    "type": "image/png",
                    "sizes": f"{size}x{size}",
                }
                for size in ICON_SIZES
            ),
        ],
    }
    response = JsonResponse(document, content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=86400"
    return response
