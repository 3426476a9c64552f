"""Watching an area by email: digests with double opt-in and one-click
unsubscribe (RFC 8058).

Subscribing takes an address and how often, for an area, a drawn polygon or
a route's corridor, with the camera list's filters; the worker sends the
confirmation and, once it is followed, the digests
(registry/services/digests.py)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from registry.filters import MapFilters
from registry.models import Area, Frequency
from registry.services.digests import (
    RateLimited,
    subscription_confirm,
    subscription_create,
    subscription_delete,
    subscription_for_unsubscribe,
)
from registry.services.watches import (
    Where,
    region_from_geojson,
    route_from_geojson,
    watch_create,
)
from registry.tasks import send_watch_confirmation

# The filters a watch keeps (the list's others, such as status, do not apply
# to news).
WATCH_FILTERS = ("kind", "vendor", "operator", "restricted")


# ---------------------------------------------------------- subscribing


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    frequency = forms.ChoiceField(
        label=gettext_lazy("How often"), choices=Frequency.choices, initial=Frequency.DAILY
    )
    area = forms.SlugField(required=False, widget=forms.HiddenInput, max_length=200)
    polygon = forms.CharField(
        label=gettext_lazy("Or an area drawn elsewhere (GeoJSON Polygon)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    route = forms.CharField(
        label=gettext_lazy("Or a route (GeoJSON LineString)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    width = forms.FloatField(
        label=gettext_lazy("Corridor width along the route, in metres"),
        required=False,
        min_value=1,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    filters = MapFilters.from_query(data)
    area = Area.objects.filter(slug=(data.get("area") or "").strip()).only("id", "name", "slug")
    area = area.first()
    form = SubscribeForm(request.POST if request.method == "POST" else None, initial=data)
    context = {
        "form": form,
        "area": area,
        "filters": _filter_fields(filters),
        # Where the drawing map opens: the main map's default view.
        "map_view": list(settings.MAP_DEFAULT_VIEW),
    }
    if request.method != "POST":
        return render(request, "registry/watch/subscribe.html", context)
    for item in filters.ignored:
        form.add_error(None, f"{item.parameter}: {item.reason} ({item.value})")
    if not form.is_valid():
        return render(request, "registry/watch/subscribe.html", context, status=400)
    try:
        with transaction.atomic():
            watch = watch_create(where=_where(form, area), filters=filters)
            subscription = subscription_create(
                watch=watch,
                email=form.cleaned_data["email"],
                frequency=form.cleaned_data["frequency"],
                language=translation.get_language(),
            )
            send_watch_confirmation.enqueue(subscription_id=subscription.pk)
    except RateLimited as limited:
        context["message"] = str(limited)
        return render(request, "registry/watch/subscribe.html", context, status=429)
    except forms.ValidationError as error:
        _add_errors(form, error)
        return render(request, "registry/watch/subscribe.html", context, status=400)
    return render(request, "registry/watch/check_email.html", {"watch": watch})


def _filter_fields(filters: MapFilters) -> list[tuple[str, str]]:
    query = filters.without_ignored().as_query()
    return [(name, query[name]) for name in WATCH_FILTERS if name in query]


def _where(form: SubscribeForm, area: Area | None) -> Where:
    data = form.cleaned_data
    if data["polygon"].strip():
        return Where(polygon=region_from_geojson(data["polygon"].encode()))
    if data["route"].strip():
        if data["width"] is None:
            raise forms.ValidationError({"width": _("Give the corridor's width in metres.")})
        return Where(route=route_from_geojson(data["route"].encode()), width_m=data["width"])
    if area is None:
        raise forms.ValidationError({"area": _("Choose an area, draw one, or give a route.")})
    return Where(area=area)


def _add_errors(form: SubscribeForm, error: forms.ValidationError) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    subscription = subscription_confirm(token=token)
    status = 200 if subscription is not None else 404
    context = {"subscription": subscription}
    return render(request, "registry/watch/confirmed.html", context, status=status)


# A mail client's one-click unsubscribe (RFC 8058) POSTs without a session or a
# CSRF token; the signed token in the address is the proof, and all it can do
# is delete its own subscription.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        deleted = subscription_delete(token=token)
        context = {"deleted": deleted, "done": True}
        return render(request, "registry/watch/unsubscribe.html", context)
    # A GET (a link followed, or a mail scanner) only asks: it changes nothing.
    subscription = subscription_for_unsubscribe(token=token)
    context = {"subscription": subscription, "done": False}
    status = 200 if subscription is not None else 404
    return render(request, "registry/watch/unsubscribe.html", context, status=status)
