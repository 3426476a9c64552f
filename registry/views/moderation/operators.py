"""Operators to review: the records imports and contributions made from the
data, most cameras first, 25 a page, searchable; each merged into the record
kept, or marked reviewed, alone or a page's choice at once
(registry.services.operators)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registry.models import Camera, Operator, Status
from registry.models.organisations import OperatorQuerySet
from registry.services.operators import (
    curation_refusal,
    operator_merge,
    operators_mark_reviewed,
)
from registry.services.records import StaleRecord

from ..pages.listing import pagination, query_url, read_page
from .access import forbidden, moderator_required

OPERATORS_PER_PAGE = 25
SEARCH_MAX = 200


@moderator_required
def operators(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _decide(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    return _page(request)


def _page(request: HttpRequest, *, status: int = 200, errors=()) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:SEARCH_MAX]
    ignored: list = []
    records = (
        OperatorQuerySet(Operator)
        .to_review()
        .matching(search)
        .annotate(camera_count=_camera_count())
        .order_by("-camera_count", Lower("name"), "pk")
        .only("pk", "name", "slug", "operator_type", "first_source", "aliases", "updated_at")
    )
    page = read_page(Paginator(records, OPERATORS_PER_PAGE), request.GET, ignored)
    query = {"q": search} if search else {}
    context = {
        "page": page,
        "pagination": pagination(page, query),
        "search": search,
        "ignored": ignored,
        "refusal": curation_refusal(request.user),
        "errors": errors,
        "here": reverse("registry:moderation-operators") + query_url(query),
    }
    return render(request, "registry/moderation/operators.html", context, status=status)


def _camera_count() -> Coalesce:
    """The operator's cameras the public sees, counted through the index on
    cameras' operators: joining the camera table instead read all of it
    (5,000 operators, 168k cameras: the first page in 552 ms at p50, against
    151 ms this way; bench/operators.py)."""
    cameras = (
        Camera.objects.filter(operator=OuterRef("pk"))
        .exclude(status=Status.HIDDEN)
        .order_by()
        .values("operator")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(cameras, output_field=IntegerField()), 0)


def _decide(request: HttpRequest) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        if action == "review":
            message = _review(request)
        elif action == "merge":
            message = _merge(request)
        else:
            return _page(request, status=400, errors=[_("Unknown action.")])
    except PermissionDenied as error:
        return forbidden(request, str(error))
    except ValidationError as error:
        status = 409 if isinstance(error, StaleRecord) else 400
        return _page(request, status=status, errors=error.messages)
    messages.success(request, message)
    return redirect(_back(request))


def _review(request: HttpRequest) -> str:
    ids = _ids(request.POST.getlist("operators"))
    seen = {pk: _moment(request.POST.get(f"seen-{pk}", "")) for pk in ids}
    count = operators_mark_reviewed(
        operators=ids,
        moderator=request.user,
        seen={pk: moment for pk, moment in seen.items() if moment is not None},
    )
    return ngettext(
        "%(count)d operator marked reviewed.", "%(count)d operators marked reviewed.", count
    ) % {"count": count}


def _merge(request: HttpRequest) -> str:
    ids = _ids([request.POST.get("operator", "")])
    if not ids:
        raise ValidationError({"operator": _("Choose the operator to merge.")})
    target = _target(request.POST.get("into", ""))
    kept = operator_merge(
        operator=ids[0],
        into=target,
        moderator=request.user,
        reason=request.POST.get("reason", ""),
        seen_updated_at=_moment(request.POST.get(f"seen-{ids[0]}", "")),
    )
    return _("Merged into %(name)s.") % {"name": kept.name}


def _target(text: str) -> Operator:
    """The record to keep, by its slug or its exact name (any case)."""
    text = " ".join(text.split())[:SEARCH_MAX]
    if not text:
        raise ValidationError({"into": _("Name the operator to keep.")})
    found = list(Operator.objects.filter(Q(slug=text) | Q(name__iexact=text))[:2])
    if len(found) != 1:
        raise ValidationError(
            {"into": _("No single operator is called “%(name)s”.") % {"name": text}}
        )
    return found[0]


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except ValueError:
            raise ValidationError(
                {"operators": _("“%(value)s” is not an operator.") % {"value": value[:40]}}
            ) from None
    return ids


def _moment(text: str):
    try:
        return parse_datetime(text) if text else None
    except ValueError:
        return None


def _back(request: HttpRequest) -> str:
    """The page the form was on, with its search and page number."""
    query = {key: request.POST[key][:SEARCH_MAX] for key in ("q", "page") if request.POST.get(key)}
    return reverse("registry:moderation-operators") + (query_url(query) if query else "")
